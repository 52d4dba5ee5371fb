"""Everything in one zip archive, and back.

Layout (``manifest.json`` says ``"format": "confide-archive", "version": 1``)::

    manifest.json
    conversations/<conversation id>.json   one record per conversation, every branch
    attachments/<attachment id>            raw bytes, checked against the record's sha256
    presets.json                           the user's own presets (built-ins are not exported)
    settings.json

Ids are UUIDs, so importing merges: conversations, messages, attachments and presets that
already exist are left as they are, and importing the same archive twice adds nothing.
An import is one transaction: a damaged archive adds nothing at all.

The archive is NOT encrypted: it is for moving data where the user chose to put it. The UI
must say so before writing one.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, TypeVar

from confide import __version__
from confide.core.store.clock import Clock, from_iso, to_iso
from confide.core.store.conversations import ConversationStore, options_json
from confide.core.store.database import Connection, Database, SQLiteError
from confide.core.store.errors import StoreError, StoreErrorKind
from confide.core.store.export import conversation_record
from confide.core.store.fsutil import replacing
from confide.core.store.ids import is_valid_id
from confide.core.store.models import MessageStatus, Role

_E = TypeVar("_E", MessageStatus, Role)

ARCHIVE_FORMAT = "confide-archive"
ARCHIVE_VERSION = 1
MAX_JSON_BYTES = 512 * 1024 * 1024
MAX_ATTACHMENT_BYTES = 2 * 1024 * 1024 * 1024


@dataclass(frozen=True)
class ArchiveCounts:
    conversations: int = 0
    messages: int = 0
    attachments: int = 0
    presets: int = 0
    settings: int = 0


# --- export -------------------------------------------------------------------------------


def export_archive(
    db: Database, conversations: ConversationStore, path: Path, clock: Clock
) -> ArchiveCounts:
    """Writes every live (not deleted) conversation, the user's presets and the settings."""
    n_conv = n_msg = n_att = 0
    with db.reading("listing conversations to export") as conn:
        ids = [
            r[0]
            for r in conn.execute(
                "SELECT id FROM conversations WHERE deleted_at IS NULL ORDER BY created_at, id"
            )
        ]
        presets = [
            {
                "key": r[0],
                "name": r[1],
                "system_prompt": r[2],
                "options": json.loads(r[3]),
                "position": r[4],
                "created_at": to_iso(r[5]),
                "updated_at": to_iso(r[6]),
            }
            for r in conn.execute(
                "SELECT key, name, system_prompt, options, position, created_at, updated_at"
                " FROM presets WHERE builtin = 0 ORDER BY position, key"
            )
        ]
        settings = {k: json.loads(v) for k, v in conn.execute("SELECT key, value FROM settings")}
    try:
        with (
            replacing(path) as handle,
            zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as archive,
        ):
            for conversation_id in ids:
                conversation = conversations.get(conversation_id)
                messages = conversations.all_messages(conversation_id)
                record = conversation_record(conversation, messages)
                archive.writestr(
                    f"conversations/{conversation_id}.json",
                    json.dumps(record, ensure_ascii=False, indent=1),
                )
                n_conv += 1
                n_msg += len(messages)
                for message in messages:
                    for attachment in message.attachments:
                        archive.writestr(
                            f"attachments/{attachment.id}",
                            conversations.attachment_data(attachment.id),
                        )
                        n_att += 1
            archive.writestr("presets.json", json.dumps(presets, ensure_ascii=False, indent=1))
            archive.writestr("settings.json", json.dumps(settings, ensure_ascii=False, indent=1))
            manifest = {
                "format": ARCHIVE_FORMAT,
                "version": ARCHIVE_VERSION,
                "app_version": __version__,
                "exported_at": to_iso(clock()),
                "conversations": n_conv,
                "messages": n_msg,
                "attachments": n_att,
            }
            archive.writestr("manifest.json", json.dumps(manifest, indent=1))
    except OSError as exc:
        error = db.translate(exc, "writing the archive")
        raise (error or exc) from exc
    return ArchiveCounts(n_conv, n_msg, n_att, len(presets), len(settings))


# --- import: validation -------------------------------------------------------------------


class _Invalid(Exception):
    """A field is missing or has the wrong type. The message names the field, not its value."""


def _field(
    record: dict[str, Any], name: str, kind: type | tuple[type, ...], optional: bool = False
) -> Any:
    value = record.get(name)
    if value is None and optional:
        return None
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise _Invalid(f"field '{name}'")
    return value


def _id(record: dict[str, Any], name: str, optional: bool = False) -> str | None:
    value = _field(record, name, str, optional)
    if value is not None and not is_valid_id(value):
        raise _Invalid(f"field '{name}' is not an id")
    return value  # type: ignore[no-any-return]


def _time(record: dict[str, Any], name: str, optional: bool = False) -> int | None:
    value = _field(record, name, str, optional)
    if value is None:
        return None
    try:
        return from_iso(value)
    except ValueError as exc:
        raise _Invalid(f"field '{name}' is not a time") from exc


def _enum(kind: type[_E], record: dict[str, Any], name: str) -> _E:
    try:
        return kind(_field(record, name, str))
    except ValueError as exc:
        raise _Invalid(f"field '{name}' has an unknown value") from exc


def _optional_int(record: dict[str, Any], name: str) -> int | None:
    return _field(record, name, int, optional=True)  # type: ignore[no-any-return]


def _read(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    if info.file_size > limit:
        raise _Invalid(f"member '{info.filename}' is too large")
    with archive.open(info) as member:
        data = member.read(limit + 1)
    if len(data) > limit or len(data) != info.file_size:
        raise _Invalid(f"member '{info.filename}' has the wrong size")
    return data


def _json_member(archive: zipfile.ZipFile, name: str, required: bool = True) -> Any:
    try:
        info = archive.getinfo(name)
    except KeyError:
        if required:
            raise _Invalid(f"member '{name}' is missing") from None
        return None
    try:
        return json.loads(_read(archive, info, MAX_JSON_BYTES).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _Invalid(f"member '{name}' is not JSON") from exc


def _parents_first(messages: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Messages in an order where every parent in the record comes before its replies."""
    by_id = {m["id"]: m for m in messages}
    done: set[str] = set()
    for message in messages:
        chain: list[dict[str, Any]] = []
        in_chain: set[str] = set()
        current: dict[str, Any] | None = message
        while current is not None and current["id"] not in done:
            if current["id"] in in_chain:
                raise _Invalid("messages form a cycle")
            chain.append(current)
            in_chain.add(current["id"])
            parent = current.get("parent_id")
            current = by_id.get(parent) if isinstance(parent, str) else None
        for item in reversed(chain):
            done.add(item["id"])
            yield item


# --- import -------------------------------------------------------------------------------


def import_archive(db: Database, path: Path) -> ArchiveCounts:
    try:
        handle: IO[bytes] = open(path, "rb")  # noqa: SIM115 - closed in finally
    except OSError as exc:
        error = db.translate(exc, "opening the archive")
        raise (error or exc) from exc
    try:
        try:
            archive = zipfile.ZipFile(handle)
        except (zipfile.BadZipFile, OSError) as exc:
            raise StoreError(StoreErrorKind.INVALID_ARCHIVE, "not a zip file") from exc
        with archive:
            try:
                with db.transaction("importing an archive") as conn:
                    return _import(conn, archive)
            except _Invalid as exc:
                raise StoreError(StoreErrorKind.INVALID_ARCHIVE, f"archive: {exc}") from exc
            except (zipfile.BadZipFile, EOFError) as exc:
                raise StoreError(
                    StoreErrorKind.INVALID_ARCHIVE, "archive: damaged zip data"
                ) from exc
            except SQLiteError as exc:
                if db.translate(exc, "importing") is not None:
                    raise
                # Constraint failures: the records contradict each other (e.g. a reply
                # whose parent is missing).
                raise StoreError(
                    StoreErrorKind.INVALID_ARCHIVE, f"archive: {type(exc).__name__}"
                ) from exc
    finally:
        handle.close()


def _import(conn: Connection, archive: zipfile.ZipFile) -> ArchiveCounts:
    manifest = _json_member(archive, "manifest.json")
    if not isinstance(manifest, dict) or manifest.get("format") != ARCHIVE_FORMAT:
        raise _Invalid("not a Confide archive")
    version = manifest.get("version")
    if not isinstance(version, int) or not 1 <= version <= ARCHIVE_VERSION:
        raise _Invalid("archive from a newer Confide")
    n_conv = n_msg = n_att = n_pre = n_set = 0
    for info in archive.infolist():
        if not (info.filename.startswith("conversations/") and info.filename.endswith(".json")):
            continue
        record = _json_member(archive, info.filename)
        if not isinstance(record, dict):
            raise _Invalid("conversation record")
        added_conv, added_msg, added_att = _import_conversation(conn, archive, record)
        n_conv += added_conv
        n_msg += added_msg
        n_att += added_att
    presets = _json_member(archive, "presets.json", required=False) or []
    if not isinstance(presets, list):
        raise _Invalid("presets.json")
    for preset in presets:
        if not isinstance(preset, dict):
            raise _Invalid("preset record")
        key = _field(preset, "key", str)
        options = _field(preset, "options", dict)
        n_pre += conn.execute(
            "INSERT INTO presets (key, name, system_prompt, options, builtin, position, created_at,"
            " updated_at) VALUES (?, ?, ?, ?, 0, ?, ?, ?) ON CONFLICT (key) DO NOTHING",
            (
                key,
                _field(preset, "name", str),
                _field(preset, "system_prompt", str),
                options_json(options),
                _optional_int(preset, "position") or 0,
                _time(preset, "created_at"),
                _time(preset, "updated_at"),
            ),
        ).rowcount
    settings = _json_member(archive, "settings.json", required=False) or {}
    if not isinstance(settings, dict):
        raise _Invalid("settings.json")
    for key, value in settings.items():
        n_set += conn.execute(
            "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
            (key, json.dumps(value, ensure_ascii=False, sort_keys=True)),
        ).rowcount
    return ArchiveCounts(n_conv, n_msg, n_att, n_pre, n_set)


def _import_conversation(
    conn: Connection, archive: zipfile.ZipFile, record: dict[str, Any]
) -> tuple[int, int, int]:
    conversation_id = _id(record, "id")
    options = _field(record, "options", dict, optional=True) or {}
    messages = _field(record, "messages", list)
    for message in messages:
        if not isinstance(message, dict):
            raise _Invalid("message record")
        _id(message, "id")
    added_conv = conn.execute(
        "INSERT INTO conversations (id, title, model, system_prompt, options, preset_key, pinned,"
        " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
        (
            conversation_id,
            _field(record, "title", str),
            _field(record, "model", str, optional=True),
            _field(record, "system_prompt", str, optional=True),
            options_json(options),
            _field(record, "preset_key", str, optional=True),
            int(bool(_field(record, "pinned", bool, optional=True))),
            _time(record, "created_at"),
            _time(record, "updated_at"),
        ),
    ).rowcount
    added_msg = added_att = 0
    in_record = {m["id"] for m in messages}
    for message in _parents_first(messages):
        parent = message.get("parent_id")
        if isinstance(parent, str) and parent not in in_record:
            owner = conn.execute(
                "SELECT conversation_id FROM messages WHERE id = ?", (parent,)
            ).fetchone()
            if owner is None or owner[0] != conversation_id:
                raise _Invalid("a reply whose message is missing")
        status = _enum(MessageStatus, message, "status")
        if status is MessageStatus.STREAMING:
            status = MessageStatus.INTERRUPTED  # it can never finish now
        stats = _field(message, "stats", dict, optional=True) or {}
        inserted = conn.execute(
            "INSERT INTO messages (id, conversation_id, parent_id, role, model, status, error,"
            " created_at, finished_at, eval_count, eval_duration_ns, prompt_eval_count,"
            " prompt_eval_duration_ns, load_duration_ns, total_duration_ns, thinking, content)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (id) DO NOTHING",
            (
                message["id"],
                conversation_id,
                _id(message, "parent_id", optional=True),
                _enum(Role, message, "role").value,
                _field(message, "model", str, optional=True),
                status.value,
                _field(message, "error", str, optional=True),
                _time(message, "created_at"),
                _time(message, "finished_at", optional=True),
                _optional_int(stats, "eval_count"),
                _optional_int(stats, "eval_duration_ns"),
                _optional_int(stats, "prompt_eval_count"),
                _optional_int(stats, "prompt_eval_duration_ns"),
                _optional_int(stats, "load_duration_ns"),
                _optional_int(stats, "total_duration_ns"),
                _field(message, "thinking", str, optional=True) or "",
                _field(message, "content", str),
            ),
        ).rowcount
        if not inserted:
            continue
        added_msg += 1
        for attachment in _field(message, "attachments", list, optional=True) or []:
            if not isinstance(attachment, dict):
                raise _Invalid("attachment record")
            added_att += _import_attachment(conn, archive, attachment, message["id"])
    if added_conv:
        leaf = _id(record, "active_leaf_id", optional=True)
        if leaf is not None:
            conn.execute(
                "UPDATE conversations SET active_leaf_id = ? WHERE id = ?"
                " AND EXISTS (SELECT 1 FROM messages WHERE id = ? AND conversation_id = ?)",
                (leaf, conversation_id, leaf, conversation_id),
            )
    return added_conv, added_msg, added_att


def _import_attachment(
    conn: Connection, archive: zipfile.ZipFile, attachment: dict[str, Any], message_id: str
) -> int:
    attachment_id = _id(attachment, "id")
    try:
        info = archive.getinfo(f"attachments/{attachment_id}")
    except KeyError:
        raise _Invalid("an attachment's data is missing") from None
    data = _read(archive, info, MAX_ATTACHMENT_BYTES)
    digest = _field(attachment, "sha256", str)
    if hashlib.sha256(data).hexdigest() != digest or len(data) != _field(attachment, "size", int):
        raise _Invalid("an attachment does not match its checksum")
    return conn.execute(
        "INSERT INTO attachments (id, message_id, name, mime_type, size, sha256, created_at, data)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
        (
            attachment_id,
            message_id,
            _field(attachment, "name", str),
            _field(attachment, "mime_type", str),
            len(data),
            digest,
            _time(attachment, "created_at"),
            data,
        ),
    ).rowcount
