"""The library's questions to the user before anything irreversible or doomed happens."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from confide.core.catalog import LibraryEntry
from confide.core.hardware import FitVerdict, format_gib
from confide.ui.confirm import confirm
from confide.ui.models.library_data import LibrarySnapshot
from confide.ui.models.text import format_size, tr


def removal_names(entry: LibraryEntry) -> list[str]:
    """Every installed name of the entry: aliases share files, so they go together."""
    return [model.name for model in entry.installed]


def confirm_removal(
    parent: QWidget, title: str, entry: LibraryEntry, snapshot: LibrarySnapshot
) -> bool:
    names = removal_names(entry)
    if not names:
        return False
    digests = {model.digest for model in entry.installed if model.digest}
    size = max((model.size_bytes for model in entry.installed), default=0)
    sharing = [
        model.name
        for other in snapshot.entries
        if other.key != entry.key
        for model in other.installed
        if model.digest and model.digest in digests
    ]
    text = tr(
        "This frees about %1 on this computer. Your conversations are kept, and you can "
        "download the model again at any time."
    ).replace("%1", format_size(size))
    if sharing:
        text = tr(
            "“%1” uses the same files, so little space is freed until it is removed too. "
            "Your conversations are kept."
        ).replace("%1", sharing[0])
    if len(names) > 1:
        text += " " + tr("It is installed under these names: %1.").replace("%1", ", ".join(names))
    return confirm(
        parent, tr("Remove “%1”?").replace("%1", title), text, tr("Remove"), destructive=True
    )


def confirm_download(parent: QWidget, title: str, entry: LibraryEntry) -> bool:
    """Only asks when the size will not fit; everything else downloads at once."""
    if entry.fit.verdict is not FitVerdict.WILL_NOT_FIT:
        return True
    return confirm(
        parent,
        tr("Download “%1” anyway?").replace("%1", title),
        tr(
            "This model needs about %1 of memory and this computer has %2, so it will most "
            "likely not start. A smaller size of the same model is a better choice."
        )
        .replace("%1", format_gib(entry.fit.memory_needed_bytes))
        .replace("%2", format_gib(entry.fit.total_ram_bytes)),
        tr("Download"),
        warning=True,
    )
