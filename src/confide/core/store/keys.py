"""Where the database key lives, and how it changes.

The database key is always 256 random bits. It is kept in one of two ways:

* ``KEYRING``: in the operating system's keyring (service "Confide"), so the app opens
  without a prompt. Only real keyrings count: keyring's "fail" and "null" backends and the
  file-based backends of ``keyrings.alt`` (plaintext or weakly obscured files) are unusable.
* ``PASSPHRASE``: wrapped (AES-256-GCM) with a key derived from the user's passphrase with
  scrypt; the wrapped key, the salt and the scrypt parameters sit in a small JSON file next to
  the database. Used when there is no usable keyring, or when the user asks to be asked for a
  passphrase at every start.

Wrapping a random key (rather than using the scrypt output as the database key) makes a
passphrase change a single atomic file replacement, independent of the database size, and lets
a wrong passphrase be recognised for certain (the GCM tag fails) instead of being confused
with a damaged database. Changing the passphrase or the protection also *rotates* the key by
default (see ``Store``), so an old copy of the key file plus an old passphrase opens nothing.

Rotation is crash-safe: the new key is saved as "pending" (keyring entry or wrapped in the
file) *before* ``PRAGMA rekey``; on the next start, an unfinished rotation is completed.

The JSON file (``confide.key.json``) is not secret by itself: it holds a 128-bit key check
value so that a wrong keyring entry is told apart from a damaged database; that value helps no
attacker more than the database's own first page does.
"""

from __future__ import annotations

import base64
import binascii
import enum
import hashlib
import hmac
import json
import os
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import keyring
import keyring.backend
import keyring.errors
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from keyring.backends.chainer import ChainerBackend

from confide.core.paths import AppPaths
from confide.core.store.database import KEY_BYTES, os_error
from confide.core.store.errors import StoreError, StoreErrorKind
from confide.core.store.fsutil import write_atomically

KEYRING_SERVICE = "Confide"
KEYRING_USERNAME = "database-key"
KEYRING_PENDING_USERNAME = "database-key-pending"
KEY_FILE_NAME = "confide.key.json"
_KEY_FILE_FORMAT = 1
_WRAP_AAD = b"confide database key v1"
_CHECK_LABEL = b"confide key check v1"
_SALT_BYTES = 16
_NONCE_BYTES = 12


class Protection(enum.Enum):
    KEYRING = "keyring"
    PASSPHRASE = "passphrase"


class KeyStatus(enum.Enum):
    """What the UI must do at start-up."""

    FIRST_RUN = "first_run"
    """Nothing exists: ask how to protect the data, then call ``Store.create``."""
    KEYRING = "keyring"
    """Open directly: the key is in the keyring."""
    PASSPHRASE = "passphrase"
    """Ask for the passphrase, then ``Store.open(passphrase=…)``."""


@dataclass(frozen=True)
class ScryptParams:
    """scrypt cost. ``n=2**17, r=8`` uses 128 MiB and ~0.6 s on a 2020s laptop core."""

    n: int = 2**17
    r: int = 8
    p: int = 1

    def validate(self) -> None:
        # Bounds also stop a tampered key file from demanding gigabytes of memory.
        if self.n < 2 or self.n & (self.n - 1) or self.n > 2**22:
            raise ValueError("scrypt n must be a power of two between 2 and 2**22")
        if not 1 <= self.r <= 32 or not 1 <= self.p <= 16:
            raise ValueError("scrypt r/p out of range")


PRODUCTION_SCRYPT = ScryptParams()


# --- keyring ------------------------------------------------------------------------------


def keyring_backend_is_usable(backend: keyring.backend.KeyringBackend) -> bool:
    """False for backends that store nothing, or store secrets in a plain file."""
    if isinstance(backend, ChainerBackend):
        # The chainer stores new secrets in its first (highest-priority) backend only.
        children = list(backend.backends)
        return bool(children) and keyring_backend_is_usable(children[0])
    module = type(backend).__module__
    if module.startswith(("keyring.backends.fail", "keyring.backends.null", "keyrings.alt")):
        return False
    try:
        priority = float(backend.priority)
    except Exception:  # a backend may raise when probed; then it is not usable
        return False
    return priority > 0


class KeyringAccess:
    """The few keyring calls we need, with failures turned into StoreErrors."""

    def __init__(self, service: str = KEYRING_SERVICE) -> None:
        self.service = service

    def usable(self) -> bool:
        try:
            return keyring_backend_is_usable(keyring.get_keyring())
        except Exception:
            return False

    def backend_name(self) -> str:
        backend = keyring.get_keyring()
        return f"{type(backend).__module__}.{type(backend).__name__}"

    def get(self, username: str) -> str | None:
        try:
            return keyring.get_password(self.service, username)
        except keyring.errors.KeyringError as exc:
            raise StoreError(
                StoreErrorKind.KEYRING_UNAVAILABLE, f"reading the keyring: {type(exc).__name__}"
            ) from exc

    def set(self, username: str, secret: str) -> None:
        try:
            keyring.set_password(self.service, username, secret)
        except keyring.errors.KeyringError as exc:
            raise StoreError(
                StoreErrorKind.KEYRING_UNAVAILABLE, f"writing the keyring: {type(exc).__name__}"
            ) from exc

    def delete(self, username: str) -> bool:
        """True if an entry was removed; a missing entry is not an error."""
        try:
            if keyring.get_password(self.service, username) is None:
                return False
            keyring.delete_password(self.service, username)
        except keyring.errors.PasswordDeleteError:
            return False
        except keyring.errors.KeyringError as exc:
            raise StoreError(
                StoreErrorKind.KEYRING_UNAVAILABLE,
                f"deleting from the keyring: {type(exc).__name__}",
            ) from exc
        return True


# --- key material -------------------------------------------------------------------------


def new_key() -> bytes:
    return os.urandom(KEY_BYTES)


def key_check(key: bytes) -> str:
    return hmac.new(key, _CHECK_LABEL, hashlib.sha256).hexdigest()[:32]


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def _passphrase_bytes(passphrase: str) -> bytes:
    if not passphrase:
        raise ValueError("the passphrase must not be empty")
    # NFC so that "ż" typed as one code point or as z + combining dot derive the same key.
    return unicodedata.normalize("NFC", passphrase).encode("utf-8")


@dataclass(frozen=True)
class PassphraseLock:
    """scrypt parameters and salt: everything needed to rebuild the wrapping key."""

    params: ScryptParams
    salt: bytes

    @classmethod
    def fresh(cls, params: ScryptParams) -> PassphraseLock:
        params.validate()
        return cls(params, os.urandom(_SALT_BYTES))

    def wrapping_key(self, passphrase: str) -> bytes:
        kdf = Scrypt(salt=self.salt, length=32, n=self.params.n, r=self.params.r, p=self.params.p)
        return kdf.derive(_passphrase_bytes(passphrase))

    def to_json(self) -> dict[str, Any]:
        return {
            "name": "scrypt",
            "n": self.params.n,
            "r": self.params.r,
            "p": self.params.p,
            "salt": _b64(self.salt),
        }

    @classmethod
    def from_json(cls, data: Any) -> PassphraseLock:
        if not isinstance(data, dict) or data.get("name") != "scrypt":
            raise ValueError("unknown key derivation")
        params = ScryptParams(int(data["n"]), int(data["r"]), int(data["p"]))
        params.validate()
        salt = _unb64(str(data["salt"]))
        if len(salt) < _SALT_BYTES:
            raise ValueError("salt too short")
        return cls(params, salt)


def wrap_key(key: bytes, wrapping_key: bytes) -> str:
    nonce = os.urandom(_NONCE_BYTES)
    return _b64(nonce + AESGCM(wrapping_key).encrypt(nonce, key, _WRAP_AAD))


def unwrap_key(wrapped: str, wrapping_key: bytes) -> bytes:
    """Raises WRONG_KEY when the passphrase (hence the wrapping key) is wrong."""
    blob = _unb64(wrapped)
    try:
        key = AESGCM(wrapping_key).decrypt(blob[:_NONCE_BYTES], blob[_NONCE_BYTES:], _WRAP_AAD)
    except InvalidTag as exc:
        raise StoreError(StoreErrorKind.WRONG_KEY, "unwrapping the key: wrong passphrase") from exc
    if len(key) != KEY_BYTES:
        raise StoreError(StoreErrorKind.KEY_MISSING, "unwrapping the key: bad key length")
    return key


# --- the key file -------------------------------------------------------------------------


@dataclass(frozen=True)
class PendingKey:
    """A rotation in progress: the new key's check value (and, with a passphrase, the new key
    wrapped under the *same* passphrase, so the same prompt unlocks both)."""

    key_check: str
    wrapped_key: str | None = None


@dataclass(frozen=True)
class KeyFileData:
    protection: Protection
    key_check: str
    ready: bool
    lock: PassphraseLock | None = None
    wrapped_key: str | None = None
    pending: PendingKey | None = None

    def to_bytes(self) -> bytes:
        data: dict[str, Any] = {
            "format": _KEY_FILE_FORMAT,
            "state": "ready" if self.ready else "creating",
            "protection": self.protection.value,
            "key_check": self.key_check,
            "kdf": self.lock.to_json() if self.lock else None,
            "wrapped_key": self.wrapped_key,
            "pending": (
                {"key_check": self.pending.key_check, "wrapped_key": self.pending.wrapped_key}
                if self.pending
                else None
            ),
        }
        return (json.dumps(data, indent=2) + "\n").encode("utf-8")

    @classmethod
    def from_bytes(cls, raw: bytes) -> KeyFileData:
        data = json.loads(raw.decode("utf-8"))
        if not isinstance(data, dict) or data.get("format") != _KEY_FILE_FORMAT:
            raise ValueError("unknown key file format")
        protection = Protection(data["protection"])
        lock = PassphraseLock.from_json(data["kdf"]) if data.get("kdf") is not None else None
        wrapped = data.get("wrapped_key")
        if protection is Protection.PASSPHRASE and (lock is None or not isinstance(wrapped, str)):
            raise ValueError("passphrase protection without a wrapped key")
        pending_raw = data.get("pending")
        pending = None
        if pending_raw is not None:
            pending_wrapped = pending_raw.get("wrapped_key")
            pending = PendingKey(
                str(pending_raw["key_check"]),
                str(pending_wrapped) if pending_wrapped is not None else None,
            )
        return cls(
            protection=protection,
            key_check=str(data["key_check"]),
            ready=data.get("state") == "ready",
            lock=lock,
            wrapped_key=wrapped if isinstance(wrapped, str) else None,
            pending=pending,
        )


@dataclass(frozen=True)
class UnlockedKeys:
    current: bytes = field(repr=False)
    pending: bytes | None = field(default=None, repr=False)


class KeyStore:
    """Creates, finds and changes the database key. Holds no key in memory itself."""

    def __init__(
        self,
        key_file: Path,
        *,
        keyring_access: KeyringAccess | None = None,
        scrypt: ScryptParams = PRODUCTION_SCRYPT,
    ) -> None:
        scrypt.validate()
        self.key_file = key_file
        self.keyring = keyring_access or KeyringAccess()
        self.scrypt = scrypt

    @classmethod
    def for_paths(
        cls,
        paths: AppPaths,
        *,
        keyring_access: KeyringAccess | None = None,
        scrypt: ScryptParams = PRODUCTION_SCRYPT,
    ) -> KeyStore:
        return cls(paths.data_dir / KEY_FILE_NAME, keyring_access=keyring_access, scrypt=scrypt)

    # -- state --

    def keyring_usable(self) -> bool:
        return self.keyring.usable()

    def _load(self) -> KeyFileData | None:
        try:
            raw = self.key_file.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise os_error(exc, "reading the key file") from exc
        try:
            return KeyFileData.from_bytes(raw)
        except (ValueError, KeyError, TypeError, binascii.Error, AttributeError) as exc:
            raise StoreError(StoreErrorKind.KEY_MISSING, "the key file is unreadable") from exc

    def _save(self, data: KeyFileData) -> None:
        try:
            self.key_file.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(self.key_file, data.to_bytes())
        except OSError as exc:
            raise os_error(exc, "writing the key file") from exc

    def status(self, database: Path) -> KeyStatus:
        """Raises KEY_MISSING if a database exists whose key information is gone."""
        data = self._load()
        if data is None or not data.ready:
            if data is None and database.exists():
                raise StoreError(
                    StoreErrorKind.KEY_MISSING, "the database exists but the key file is gone"
                )
            return KeyStatus.FIRST_RUN
        return KeyStatus.KEYRING if data.protection is Protection.KEYRING else KeyStatus.PASSPHRASE

    def protection(self) -> Protection | None:
        data = self._load()
        return data.protection if data and data.ready else None

    def has_pending_rotation(self) -> bool:
        data = self._load()
        return bool(data and data.pending)

    # -- creation --

    def create(self, protection: Protection, passphrase: str | None = None) -> bytes:
        """Makes and stores a new key, in state "creating" until :meth:`mark_ready`."""
        key = new_key()
        if protection is Protection.KEYRING:
            if not self.keyring.usable():
                raise StoreError(StoreErrorKind.KEYRING_UNAVAILABLE, "no usable system keyring")
            self.keyring.set(KEYRING_USERNAME, key.hex())
            data = KeyFileData(protection, key_check(key), ready=False)
        else:
            if passphrase is None:
                raise ValueError("a passphrase is required")
            lock = PassphraseLock.fresh(self.scrypt)
            wrapped = wrap_key(key, lock.wrapping_key(passphrase))
            data = KeyFileData(
                protection, key_check(key), ready=False, lock=lock, wrapped_key=wrapped
            )
        self._save(data)
        return key

    def mark_ready(self) -> None:
        data = self._require()
        self._save(replace(data, ready=True))

    # -- unlocking --

    def _require(self) -> KeyFileData:
        data = self._load()
        if data is None:
            raise StoreError(StoreErrorKind.KEY_MISSING, "the key file is gone")
        return data

    def unlock(self, passphrase: str | None = None) -> UnlockedKeys:
        data = self._require()
        if data.protection is Protection.KEYRING:
            current = self._keyring_key(KEYRING_USERNAME, data.key_check)
            pending = None
            if data.pending is not None:
                pending = self._keyring_key(KEYRING_PENDING_USERNAME, data.pending.key_check)
            return UnlockedKeys(current, pending)
        if passphrase is None:
            raise StoreError(StoreErrorKind.WRONG_KEY, "a passphrase is required")
        assert data.lock is not None and data.wrapped_key is not None  # checked when loading
        wrapping = data.lock.wrapping_key(passphrase)
        current = unwrap_key(data.wrapped_key, wrapping)
        if key_check(current) != data.key_check:
            raise StoreError(StoreErrorKind.KEY_MISSING, "the key file is inconsistent")
        pending = None
        if data.pending is not None and data.pending.wrapped_key is not None:
            pending = unwrap_key(data.pending.wrapped_key, wrapping)
        return UnlockedKeys(current, pending)

    def _keyring_key(self, username: str, expected_check: str) -> bytes:
        secret = self.keyring.get(username)
        if secret is None:
            raise StoreError(StoreErrorKind.KEY_MISSING, f"no keyring entry '{username}'")
        try:
            key = bytes.fromhex(secret)
        except ValueError:
            key = b""
        if len(key) != KEY_BYTES or key_check(key) != expected_check:
            raise StoreError(StoreErrorKind.WRONG_KEY, f"keyring entry '{username}' does not match")
        return key

    def verify_passphrase(self, passphrase: str) -> bool:
        data = self._require()
        if data.protection is not Protection.PASSPHRASE:
            return False
        try:
            self.unlock(passphrase)
        except StoreError as exc:
            if exc.kind is StoreErrorKind.WRONG_KEY:
                return False
            raise
        return True

    # -- rotation (the database part is done by Store) --

    def begin_rotation(self, current: bytes, passphrase: str | None = None) -> bytes:
        """Saves a new key as pending and returns it; the caller then re-keys the database."""
        data = self._require()
        if key_check(current) != data.key_check:
            raise StoreError(StoreErrorKind.WRONG_KEY, "rotation with a key that is not current")
        fresh = new_key()
        if data.protection is Protection.KEYRING:
            # Keyring first, then the file: a pending record always has its key stored.
            self.keyring.set(KEYRING_PENDING_USERNAME, fresh.hex())
            pending = PendingKey(key_check(fresh))
        else:
            if passphrase is None:
                raise StoreError(StoreErrorKind.WRONG_KEY, "a passphrase is required")
            assert data.lock is not None and data.wrapped_key is not None
            wrapping = data.lock.wrapping_key(passphrase)
            unwrap_key(data.wrapped_key, wrapping)  # proves the passphrase
            pending = PendingKey(key_check(fresh), wrap_key(fresh, wrapping))
        self._save(replace(data, pending=pending))
        return fresh

    def complete_rotation(self, fresh: bytes) -> None:
        """Promotes the pending key once the database and backups use it."""
        data = self._require()
        if data.pending is None or data.pending.key_check != key_check(fresh):
            raise StoreError(StoreErrorKind.KEY_MISSING, "no matching rotation in progress")
        if data.protection is Protection.KEYRING:
            self.keyring.set(KEYRING_USERNAME, fresh.hex())
            self._save(replace(data, key_check=key_check(fresh), pending=None))
            self.keyring.delete(KEYRING_PENDING_USERNAME)
        else:
            self._save(
                replace(
                    data,
                    key_check=key_check(fresh),
                    wrapped_key=data.pending.wrapped_key,
                    pending=None,
                )
            )

    # -- changing how the key is protected (no database change needed) --

    def change_passphrase(self, current: bytes, old: str, new: str) -> None:
        data = self._require()
        if data.protection is not Protection.PASSPHRASE:
            raise StoreError(StoreErrorKind.WRONG_KEY, "the data is not protected by a passphrase")
        unlocked = self.unlock(old)  # raises WRONG_KEY for a wrong old passphrase
        if unlocked.current != current or data.pending is not None:
            raise StoreError(StoreErrorKind.WRONG_KEY, "finish the pending key rotation first")
        lock = PassphraseLock.fresh(self.scrypt)
        self._save(replace(data, lock=lock, wrapped_key=wrap_key(current, lock.wrapping_key(new))))

    def use_passphrase(self, current: bytes, passphrase: str) -> None:
        """Keyring -> passphrase. The keyring entry is removed afterwards."""
        data = self._require()
        if key_check(current) != data.key_check or data.pending is not None:
            raise StoreError(StoreErrorKind.WRONG_KEY, "protection change with a stale key")
        lock = PassphraseLock.fresh(self.scrypt)
        wrapped = wrap_key(current, lock.wrapping_key(passphrase))
        self._save(replace(data, protection=Protection.PASSPHRASE, lock=lock, wrapped_key=wrapped))
        self.keyring.delete(KEYRING_USERNAME)

    def use_keyring(self, current: bytes) -> None:
        """Passphrase -> keyring. The wrapped copy is dropped from the key file."""
        data = self._require()
        if key_check(current) != data.key_check or data.pending is not None:
            raise StoreError(StoreErrorKind.WRONG_KEY, "protection change with a stale key")
        if not self.keyring.usable():
            raise StoreError(StoreErrorKind.KEYRING_UNAVAILABLE, "no usable system keyring")
        self.keyring.set(KEYRING_USERNAME, current.hex())
        self._save(replace(data, protection=Protection.KEYRING, lock=None, wrapped_key=None))

    # -- erasure --

    def erase(self) -> list[str]:
        """Removes the key file and both keyring entries; returns what was removed."""
        removed: list[str] = []
        for username in (KEYRING_USERNAME, KEYRING_PENDING_USERNAME):
            try:
                if self.keyring.delete(username):
                    removed.append(f"keyring:{self.keyring.service}/{username}")
            except StoreError:
                # No reachable keyring means there is no entry we could remove.
                pass
        try:
            self.key_file.unlink()
            removed.append(str(self.key_file))
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise os_error(exc, "deleting the key file") from exc
        return removed
