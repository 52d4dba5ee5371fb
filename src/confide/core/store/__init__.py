"""Private, encrypted storage: conversations, search, export, erasure.

Pure Python (never imports Qt). The UI uses :class:`Store` from one worker thread at a time.
"""

from confide.core.store.archive import ArchiveCounts
from confide.core.store.backups import BackupInfo, latest_backup, list_backups
from confide.core.store.erasure import DeletionReport, delete_all_data
from confide.core.store.errors import StoreError, StoreErrorKind
from confide.core.store.export import ExportLabels
from confide.core.store.keys import (
    KeyringAccess,
    KeyStatus,
    KeyStore,
    Protection,
    ScryptParams,
    keyring_backend_is_usable,
)
from confide.core.store.migrations import LATEST_VERSION
from confide.core.store.models import (
    Attachment,
    Conversation,
    ConversationSummary,
    JSONObject,
    JSONValue,
    Message,
    MessageStats,
    MessageStatus,
    NewAttachment,
    Preset,
    Role,
    SearchHit,
)
from confide.core.store.report import DataItem, DataKind, DataReport, data_report
from confide.core.store.store import Store, StoreOptions, restore_backup
from confide.core.store.streaming import AnswerWriter, ShownLengths

__all__ = [
    "LATEST_VERSION",
    "AnswerWriter",
    "ArchiveCounts",
    "Attachment",
    "BackupInfo",
    "Conversation",
    "ConversationSummary",
    "DataItem",
    "DataKind",
    "DataReport",
    "DeletionReport",
    "ExportLabels",
    "JSONObject",
    "JSONValue",
    "KeyStatus",
    "KeyStore",
    "KeyringAccess",
    "Message",
    "MessageStats",
    "MessageStatus",
    "NewAttachment",
    "Preset",
    "Protection",
    "Role",
    "ScryptParams",
    "SearchHit",
    "ShownLengths",
    "Store",
    "StoreError",
    "StoreErrorKind",
    "StoreOptions",
    "data_report",
    "delete_all_data",
    "keyring_backend_is_usable",
    "latest_backup",
    "list_backups",
    "restore_backup",
]
