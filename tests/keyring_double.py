"""An in-memory keyring, so that no test ever reads or writes the machine's real keyring."""

from __future__ import annotations

import keyring
import keyring.backend
import keyring.errors

from confide.core.store import ScryptParams

# Cheap enough for tests (milliseconds); production uses ScryptParams() (n=2**17).
FAST_SCRYPT = ScryptParams(n=2**4, r=8, p=1)


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A real keyring backend (so detection code treats it as usable) that lives in memory."""

    priority = 10  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if (service, username) not in self.entries:
            raise keyring.errors.PasswordDeleteError("no such entry")
        del self.entries[(service, username)]
