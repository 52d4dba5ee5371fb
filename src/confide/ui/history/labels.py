"""Translated words shared by search results and exports: roles, dates, export labels."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QCoreApplication, QDateTime, QLocale

from confide.core.store import ExportLabels, MessageStatus, Role

_CONTEXT = "History"


def _tr(text: str) -> str:
    return QCoreApplication.translate(_CONTEXT, text)


def role_labels() -> dict[Role, str]:
    return {
        Role.USER: _tr("You"),
        Role.ASSISTANT: _tr("Assistant"),
        Role.SYSTEM: _tr("System"),
        Role.TOOL: _tr("Tool"),
    }


def time_formatter(locale: QLocale | None = None) -> Callable[[datetime], str]:
    """Formats a moment in local time, the way the user's language writes dates.

    The returned function keeps its own copy of the locale, so it may be called from a worker
    thread (exports format dates while rendering).
    """
    chosen = QLocale(locale) if locale is not None else QLocale()
    pattern = chosen.dateTimeFormat(QLocale.FormatType.ShortFormat)

    def format_time(moment: datetime) -> str:
        stamp = QDateTime.fromMSecsSinceEpoch(round(moment.timestamp() * 1000))
        return chosen.toString(stamp, pattern)

    return format_time


def export_labels(locale: QLocale | None = None) -> ExportLabels:
    """Every word an exported document prints, in the user's language."""
    return ExportLabels(
        roles=role_labels(),
        date=_tr("Date"),
        model=_tr("Model"),
        untitled=_tr("Untitled conversation"),
        attachments=_tr("Attachments"),
        thinking=_tr("Reasoning"),
        statuses={
            MessageStatus.STOPPED: _tr("stopped by the user"),
            MessageStatus.INTERRUPTED: _tr("interrupted"),
            MessageStatus.ERROR: _tr("failed"),
            MessageStatus.STREAMING: _tr("still being written"),
        },
        format_time=time_formatter(locale),
    )
