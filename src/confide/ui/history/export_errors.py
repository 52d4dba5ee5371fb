"""What to tell the user when an export could not be written."""

from __future__ import annotations

import errno

from PySide6.QtCore import QCoreApplication

from confide.core.store import StoreError, StoreErrorKind
from confide.ui.errors import describe_error

_NO_SPACE = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}
_NOT_ALLOWED = {errno.EACCES, errno.EPERM, errno.EROFS}


def _tr(text: str) -> str:
    return QCoreApplication.translate("ConversationExporter", text)


def export_error_message(error: BaseException) -> str:
    """One or two sentences: what went wrong and what to do. Never a path or a traceback."""
    lead = _tr("The conversation could not be exported.")
    if isinstance(error, StoreError):
        if error.kind is StoreErrorKind.NOT_FOUND:
            reason = _tr("It was deleted in the meantime.")
        elif error.kind is StoreErrorKind.DISK_FULL:
            reason = _tr("The disk is full. Free some space, then try again.")
        elif error.kind is StoreErrorKind.READ_ONLY:
            reason = _tr("Confide may not write to this place. Choose another folder.")
        else:
            reason = describe_error(error).message
    elif isinstance(error, OSError):
        if error.errno in _NO_SPACE:
            reason = _tr(
                "There is not enough free space there. Free some space or choose another place."
            )
        elif isinstance(error, PermissionError) or error.errno in _NOT_ALLOWED:
            reason = _tr("Confide may not write to this folder. Choose another folder.")
        elif isinstance(error, FileNotFoundError):
            reason = _tr("The folder no longer exists. Choose another folder.")
        else:
            reason = _tr(
                "The file could not be written. Check that the drive is connected, then try again."
            )
    else:
        reason = describe_error(error).message
    return f"{lead} {reason}"
