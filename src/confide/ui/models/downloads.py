"""Model downloads: a queue that outlives the library window, and the panel that shows it.

The shape of the data flow, and why:

* The pull stream is read on the network loop thread. A :class:`PullTracker` there folds
  each ``PullProgress`` line (one every 60 ms per the daemon) into a cumulative
  :class:`PullSnapshot`: bytes summed over every layer seen so far, a smoothed speed, and
  how much was already on disk from an earlier, interrupted attempt. Because snapshots are
  cumulative, coalescing them is "keep the newest" (:func:`latest_snapshot`), and the task
  runner delivers at most a few per second to the GUI thread.
* On the GUI thread, :meth:`DownloadManager._on_progress` copies the snapshot into the row
  and tells the model that one row changed. Nothing else: no formatting until a view paints,
  no signals per byte. That keeps a 40 GB download well under 1% of a core on the GUI
  thread (``bench/model_library.py`` measures it).
* One download at a time: the daemon's own downloads are already parallel per blob, and a
  second pull would only split the same bandwidth while making both finish later.

The manager belongs to the main window, not to the library dialog, so downloads carry on
when the dialog is closed; the dialog and a downloads dock can both show the same model.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Protocol

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListView,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from confide.core.ollama.errors import OllamaError, OllamaErrorKind
from confide.core.ollama.names import InvalidModelName, parse_model_name
from confide.core.ollama.types import PullProgress
from confide.ui.errors import ErrorText, describe_error
from confide.ui.models.storage import DiskSpace, SpaceShortage, StorageInfo, check_room
from confide.ui.models.text import (
    format_progress,
    format_size,
    format_speed,
    format_time_left,
    tr,
)
from confide.ui.tasks import ProgressSink, TaskHandle, TaskRunner

log = logging.getLogger(__name__)

#: Progress deliveries to the GUI thread: four a second moves a bar smoothly enough (file
#: copy dialogs do the same), and every delivery may cost a repaint.
PROGRESS_INTERVAL_S = 0.25

#: Bytes a fresh download could plausibly have fetched before its first report, per second
#: since the request (a gigabit line), plus slack. More than that on the first line of a
#: layer means the bytes were already on disk: an earlier download is being resumed.
_PLAUSIBLE_BYTES_PER_SECOND = 125_000_000
_PLAUSIBLE_SLACK_BYTES = 8_000_000

#: The speed is re-estimated about once a second and smoothed, so "time left" does not jump.
_RATE_WINDOW_S = 1.0
_RATE_SMOOTHING = 0.4


class PullClient(Protocol):
    """What the manager needs from a client (OllamaClient has it; benchmarks fake it)."""

    def pull(self, model: str) -> AsyncGenerator[PullProgress, None]: ...


ClientProvider = Callable[[], PullClient | None]


# -- the loop-thread side -----------------------------------------------------------------


class PullPhase(Enum):
    STARTING = "starting"
    DOWNLOADING = "downloading"
    VERIFYING = "verifying"
    FINISHING = "finishing"
    DONE = "done"


@dataclass(frozen=True, slots=True)
class PullSnapshot:
    phase: PullPhase
    completed: int  # bytes on disk for the layers seen so far, resumed ones included
    total: int  # sum of the sizes of the layers seen so far
    resumed_from: int  # bytes that were already there when this attempt started
    bytes_per_second: float  # smoothed, counting only what this attempt fetched


class PullTracker:
    """Folds pull progress lines into cumulative snapshots (runs on the loop thread).

    Layers arrive strictly one after another, and the daemon stops reporting a layer
    without a final 100% line; so when a new layer appears, the previous one is complete.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._started = clock()
        self._layers: dict[str, list[int]] = {}  # digest -> [total, completed]
        self._current: str | None = None
        self._completed = 0
        self._total = 0
        self._resumed = 0
        self._fetched = 0
        self._phase = PullPhase.STARTING
        self._rate = 0.0
        self._sample_at = self._started
        self._sample_fetched = 0

    def feed(self, progress: PullProgress) -> PullSnapshot:
        now = self._clock()
        if progress.digest:
            self._phase = PullPhase.DOWNLOADING
            self._layer(progress, now)
        else:
            self._status(progress.status)
        span = now - self._sample_at
        if span >= _RATE_WINDOW_S:
            instant = (self._fetched - self._sample_fetched) / span
            self._rate = (
                instant
                if self._rate == 0.0
                else self._rate + _RATE_SMOOTHING * (instant - self._rate)
            )
            self._sample_at, self._sample_fetched = now, self._fetched
        return PullSnapshot(self._phase, self._completed, self._total, self._resumed, self._rate)

    def _layer(self, progress: PullProgress, now: float) -> None:
        digest, total, completed = progress.digest, progress.total, progress.completed
        layer = self._layers.get(digest)
        if layer is None:
            self._finish_current()
            self._layers[digest] = [total, completed]
            self._current = digest
            self._total += total
            self._completed += completed
            plausible = _PLAUSIBLE_BYTES_PER_SECOND * (now - self._started)
            if 0 < completed < total and completed > plausible + _PLAUSIBLE_SLACK_BYTES:
                self._resumed += completed
            elif completed < total:
                self._fetched += completed
            # completed == total: the blob was already here (shared with another model).
            return
        if total != layer[0]:
            self._total += total - layer[0]
            layer[0] = total
        gained = completed - layer[1]
        if gained > 0:
            layer[1] = completed
            self._completed += gained
            self._fetched += gained

    def _finish_current(self) -> None:
        layer = self._layers.get(self._current) if self._current else None
        if layer is not None and layer[1] < layer[0]:
            missing = layer[0] - layer[1]
            layer[1] = layer[0]
            self._completed += missing
            self._fetched += missing

    def _status(self, status: str) -> None:
        if status.startswith("verifying"):
            self._finish_current()
            self._phase = PullPhase.VERIFYING
        elif status in ("writing manifest", "removing unused layers"):
            self._finish_current()
            self._phase = PullPhase.FINISHING
        elif status == "success":
            self._finish_current()
            self._phase = PullPhase.DONE

    def remaining(self, expected_bytes: int) -> int:
        """Bytes still to fetch, using the catalog size while later layers are unseen."""
        return max(expected_bytes, self._total) - self._completed


def latest_snapshot(items: list[Any]) -> Any:
    """Coalescing for cumulative snapshots: the newest one says everything."""
    return items[-1]


@dataclass(frozen=True)
class DownloadRefused:
    shortage: SpaceShortage


# -- the rows ------------------------------------------------------------------------------


class DownloadState(Enum):
    QUEUED = "queued"
    STARTING = "starting"
    DOWNLOADING = "downloading"
    VERIFYING = "verifying"
    FINISHING = "finishing"
    DONE = "done"
    CANCELLED = "cancelled"
    FAILED = "failed"

    @property
    def active(self) -> bool:
        return self in _ACTIVE

    @property
    def finished(self) -> bool:
        return self in (DownloadState.DONE, DownloadState.CANCELLED, DownloadState.FAILED)


_ACTIVE = {
    DownloadState.STARTING,
    DownloadState.DOWNLOADING,
    DownloadState.VERIFYING,
    DownloadState.FINISHING,
}
_PHASE_STATE = {
    PullPhase.STARTING: DownloadState.STARTING,
    PullPhase.DOWNLOADING: DownloadState.DOWNLOADING,
    PullPhase.VERIFYING: DownloadState.VERIFYING,
    PullPhase.FINISHING: DownloadState.FINISHING,
    PullPhase.DONE: DownloadState.FINISHING,  # DONE only once the task has succeeded
}


def download_key(name: str) -> str:
    try:
        return parse_model_name(name).comparison_key()
    except InvalidModelName:
        return name.strip().casefold()


@dataclass
class DownloadItem:
    name: str
    title: str
    expected_bytes: int = 0
    key: str = ""
    state: DownloadState = DownloadState.QUEUED
    completed: int = 0
    total: int = 0
    resumed_from: int = 0
    bytes_per_second: float = 0.0
    waiting_for_daemon: bool = False
    error: ErrorText | None = None
    #: What the row showed when it was last painted, to skip repaints that change nothing.
    shown: tuple[object, ...] = field(default=(), compare=False, repr=False)

    def __post_init__(self) -> None:
        if not self.key:
            self.key = download_key(self.name)

    @property
    def fraction(self) -> float | None:
        """0..1 while the size is known, None while it is not (an indeterminate bar)."""
        if self.state is DownloadState.DONE:
            return 1.0
        if self.total <= 0:
            return None
        return min(self.completed / self.total, 1.0)

    @property
    def can_resume(self) -> bool:
        return self.state in (DownloadState.CANCELLED, DownloadState.FAILED)

    def status_text(self) -> str:
        state = self.state
        if state is DownloadState.QUEUED:
            if self.waiting_for_daemon:
                return tr("Waiting for Ollama to be back")
            return tr("Waiting: downloads run one at a time")
        if state is DownloadState.STARTING:
            return tr("Starting…")
        if state is DownloadState.DOWNLOADING:
            return self._downloading_text()
        if state is DownloadState.VERIFYING:
            return tr("Checking the download…")
        if state is DownloadState.FINISHING:
            return tr("Finishing…")
        if state is DownloadState.DONE:
            return tr("Ready to use")
        if state is DownloadState.CANCELLED:
            if self.completed > 0:
                return tr(
                    "Cancelled. The %1 downloaded so far are kept: downloading again "
                    "continues from there."
                ).replace("%1", format_size(self.completed))
            return tr("Cancelled")
        error = self.error
        return f"{error.title}. {error.message}" if error else tr("The download failed")

    def _downloading_text(self) -> str:
        parts: list[str] = []
        if self.resumed_from > 0:
            parts.append(tr("Resuming from %1").replace("%1", format_size(self.resumed_from)))
        if self.total > 0:
            parts.append(format_progress(self.completed, self.total))
        if self.bytes_per_second > 0:
            parts.append(format_speed(self.bytes_per_second))
            left = format_time_left((self.total - self.completed) / self.bytes_per_second)
            if left:
                parts.append(left)
        return " · ".join(parts) if parts else tr("Downloading…")

    def display_signature(self) -> tuple[object, ...]:
        """Everything a row shows: the bar in half-percent steps (a few pixels on any
        panel), the percentage and the status line."""
        fraction = self.fraction
        return (
            self.state,
            -1 if fraction is None else int(fraction * 200),
            self.percent_text(),
            self.status_text(),
        )

    def percent_text(self) -> str:
        fraction = self.fraction
        if fraction is None or (self.state.finished and self.state is not DownloadState.DONE):
            return ""
        return f"{fraction * 100:.0f}%"


class DownloadsModel(QAbstractListModel):
    """The download rows, oldest first. Rows are mutated in place and reported per row."""

    ItemRole = Qt.ItemDataRole.UserRole + 1

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._items: list[DownloadItem] = []

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._items)

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._items):
            return None
        item = self._items[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return item.title
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleDescriptionRole):
            return item.status_text()
        if role == Qt.ItemDataRole.AccessibleTextRole:
            percent = item.percent_text()
            return f"{item.title}, {percent}" if percent else item.title
        if role == self.ItemRole:
            return item
        return None

    def items(self) -> list[DownloadItem]:
        return list(self._items)

    def item(self, row: int) -> DownloadItem:
        return self._items[row]

    def row_of(self, key: str) -> int:
        for row, item in enumerate(self._items):
            if item.key == key:
                return row
        return -1

    def add(self, item: DownloadItem) -> int:
        row = len(self._items)
        self.beginInsertRows(QModelIndex(), row, row)
        self._items.append(item)
        self.endInsertRows()
        return row

    def remove(self, row: int) -> None:
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._items[row]
        self.endRemoveRows()

    def row_changed(self, row: int) -> None:
        index = self.index(row, 0)
        self.dataChanged.emit(index, index)


# -- the manager ---------------------------------------------------------------------------


def describe_download_error(error: BaseException) -> ErrorText:
    """Like ``describe_error``, with wording for downloads where the chat wording misleads."""
    if isinstance(error, OllamaError):
        kind = error.kind
        if kind in (OllamaErrorKind.CONNECTION_LOST, OllamaErrorKind.INCOMPLETE_STREAM):
            return ErrorText(
                tr("The download stopped"),
                tr(
                    "Ollama stopped during the download. What was downloaded so far is "
                    "kept: try again once Ollama is back and it continues from there."
                ),
            )
        if kind is OllamaErrorKind.TIMEOUT:
            return ErrorText(
                tr("The download stalled"),
                tr("Ollama stopped reporting progress. Try again; it continues where it was."),
            )
        if kind is OllamaErrorKind.MID_STREAM:
            return ErrorText(
                tr("The download failed"),
                tr(
                    "Ollama reported a problem while downloading. Try again; if it keeps "
                    "failing, the log file has the details."
                ),
            )
    return describe_error(error)


def shortage_text(shortage: SpaceShortage) -> ErrorText:
    return ErrorText(
        tr("Not enough free disk space"),
        tr(
            "This download needs about %1, but only %2 is free on the drive that holds "
            "the models (%3). Free up some space, then try again."
        )
        .replace("%1", format_size(shortage.needed_bytes))
        .replace("%2", format_size(shortage.free_bytes))
        .replace("%3", str(shortage.folder)),
    )


class DownloadManager(QObject):
    """Queues pulls and runs them one at a time. Lives as long as the main window."""

    started = Signal(str)  # model name, when its download begins
    stateChanged = Signal(str)  # model name; any change of state (not progress)
    modelInstalled = Signal(str)  # model name, once the pull succeeded

    def __init__(
        self,
        runner: TaskRunner,
        client_provider: ClientProvider,
        disk: DiskSpace | None = None,
        parent: QObject | None = None,
        *,
        progress_interval: float = PROGRESS_INTERVAL_S,
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._client_provider = client_provider
        self._disk = disk
        self._interval = progress_interval
        self.model = DownloadsModel(self)
        self._active: DownloadItem | None = None
        self._handle: TaskHandle | None = None
        self._paused = False

    # -- queries --------------------------------------------------------------------------

    def item(self, name: str) -> DownloadItem | None:
        row = self.model.row_of(download_key(name))
        return self.model.item(row) if row >= 0 else None

    def is_pending(self, name: str) -> bool:
        """Queued or downloading right now."""
        item = self.item(name)
        return item is not None and (item.state is DownloadState.QUEUED or item.state.active)

    @property
    def active(self) -> DownloadItem | None:
        return self._active

    @property
    def paused(self) -> bool:
        return self._paused

    # -- actions --------------------------------------------------------------------------

    def enqueue(self, name: str, title: str = "", expected_bytes: int = 0) -> DownloadItem:
        """Adds a download (or re-queues a finished one); it starts when its turn comes."""
        key = download_key(name)
        row = self.model.row_of(key)
        if row >= 0:
            item = self.model.item(row)
            if item.state is DownloadState.QUEUED or item.state.active:
                return item
            item.state = DownloadState.QUEUED
            item.error = None
            item.bytes_per_second = 0.0
            item.expected_bytes = expected_bytes or item.expected_bytes
            self.model.row_changed(row)
        else:
            item = DownloadItem(name=name, title=title or name, expected_bytes=expected_bytes)
            self.model.add(item)
        self._paused = False
        self._set_waiting(False)
        self.stateChanged.emit(item.name)
        self._start_next()
        return item

    def cancel(self, name: str) -> None:
        """Stops a download (the daemon keeps what it has) or drops it from the queue."""
        key = download_key(name)
        row = self.model.row_of(key)
        if row < 0:
            return
        item = self.model.item(row)
        if item.state is DownloadState.QUEUED:
            self.model.remove(row)
            self.stateChanged.emit(item.name)
            return
        if item is not self._active or self._handle is None:
            return
        handle, self._handle, self._active = self._handle, None, None
        handle.cancel()
        item.state = DownloadState.CANCELLED
        item.bytes_per_second = 0.0
        self.model.row_changed(row)
        log.info("download cancelled")
        self.stateChanged.emit(item.name)
        self._start_next()

    def retry(self, name: str) -> None:
        item = self.item(name)
        if item is not None and item.can_resume:
            self.enqueue(item.name, item.title, item.expected_bytes)

    def clear_finished(self) -> None:
        for row in reversed(range(self.model.rowCount())):
            if self.model.item(row).state.finished:
                self.model.remove(row)

    def cancel_all(self) -> None:
        for item in self.model.items():
            if item.state is DownloadState.QUEUED or item.state.active:
                self.cancel(item.name)

    # -- running --------------------------------------------------------------------------

    def _start_next(self) -> None:
        if self._active is not None or self._paused:
            return
        item = next(
            (i for i in self.model.items() if i.state is DownloadState.QUEUED),
            None,
        )
        if item is None:
            return
        client = self._client_provider()
        if client is None:
            self._fail(item, OllamaError(OllamaErrorKind.NOT_RUNNING, "no client"))
            self._pause_for_daemon()
            return
        self._active = item
        item.state = DownloadState.STARTING
        item.error = None
        item.bytes_per_second = 0.0
        previous = item.completed
        item.completed = item.total = item.resumed_from = 0
        self._changed(item)
        handle = self._runner.run(
            "pull",
            self._job(client, item.name, item.expected_bytes, previous),
            merge=latest_snapshot,
            interval=self._interval,
        )
        self._handle = handle
        handle.progress.connect(lambda snapshot, i=item: self._on_progress(i, snapshot))
        handle.succeeded.connect(lambda result, h=handle, i=item: self._on_succeeded(h, i, result))
        handle.failed.connect(lambda error, h=handle, i=item: self._on_failed(h, i, error))
        handle.finished.connect(lambda h=handle: self._on_finished(h))
        log.info("download started")
        self.started.emit(item.name)
        self.stateChanged.emit(item.name)

    def _job(
        self, client: PullClient, name: str, expected: int, already: int
    ) -> Callable[[ProgressSink], Awaitable[DownloadRefused | None]]:
        disk = self._disk

        async def job(push: ProgressSink) -> DownloadRefused | None:
            info: StorageInfo | None = await asyncio.to_thread(disk.info) if disk else None
            # Before anything is sent: the catalog size, less what an earlier attempt in
            # this session already fetched (the daemon keeps those bytes).
            shortage = check_room(info, expected - already) if expected else None
            if shortage is not None:
                return DownloadRefused(shortage)
            tracker = PullTracker()
            room_checked = False
            async with contextlib.aclosing(client.pull(name)) as stream:
                async for progress in stream:
                    snapshot = tracker.feed(progress)
                    if not room_checked and snapshot.total > 0:
                        # The first layer tells the real size (and what is already on
                        # disk): check again, for names typed by hand whose size we could
                        # not know. Leaving the stream hangs up; the daemon keeps the bytes.
                        room_checked = True
                        shortage = check_room(info, tracker.remaining(expected))
                        if shortage is not None:
                            return DownloadRefused(shortage)
                    push(snapshot)
            return None

        return job

    def _on_progress(self, item: DownloadItem, snapshot: PullSnapshot) -> None:
        # The hot path: a few attribute copies, and a row repaint only when what the row
        # shows has changed. On a long download most deliveries change nothing visible
        # (the bar moves a pixel every second or so), and a repaint costs far more than
        # formatting the status line to find out.
        if item is not self._active:
            return
        item.state = _PHASE_STATE[snapshot.phase]
        item.completed = snapshot.completed
        item.total = snapshot.total
        item.resumed_from = snapshot.resumed_from
        item.bytes_per_second = snapshot.bytes_per_second
        shown = item.display_signature()
        if shown == item.shown:
            return
        item.shown = shown
        row = self.model.row_of(item.key)
        if row >= 0:
            self.model.row_changed(row)

    def _on_succeeded(self, handle: TaskHandle, item: DownloadItem, result: object) -> None:
        if handle is not self._handle:
            return
        if isinstance(result, DownloadRefused):
            item.state = DownloadState.FAILED
            item.error = shortage_text(result.shortage)
            log.info("download refused: not enough disk space")
            self._changed(item)
            return
        item.state = DownloadState.DONE
        item.bytes_per_second = 0.0
        if item.total:
            item.completed = item.total
        log.info("download finished")
        self._changed(item)
        self.modelInstalled.emit(item.name)

    def _on_failed(self, handle: TaskHandle, item: DownloadItem, error: object) -> None:
        if handle is not self._handle:
            return
        assert isinstance(error, BaseException)
        if isinstance(error, OllamaError):
            log.warning("download failed: %s", error.kind.value)
            if error.daemon_unreachable or error.kind is OllamaErrorKind.INCOMPLETE_STREAM:
                self._pause_for_daemon()
        self._fail(item, error)

    def _on_finished(self, handle: TaskHandle) -> None:
        if handle is not self._handle:
            return  # cancelled: the queue already moved on
        self._handle = None
        self._active = None
        self._start_next()

    def _fail(self, item: DownloadItem, error: BaseException) -> None:
        item.state = DownloadState.FAILED
        item.bytes_per_second = 0.0
        item.error = describe_download_error(error)
        self._changed(item)

    def _pause_for_daemon(self) -> None:
        # Without Ollama every queued download would fail at once; hold them instead until
        # the user tries again or adds another.
        self._paused = True
        self._set_waiting(True)

    def _set_waiting(self, waiting: bool) -> None:
        for row, item in enumerate(self.model.items()):
            if item.state is DownloadState.QUEUED and item.waiting_for_daemon != waiting:
                item.waiting_for_daemon = waiting
                self.model.row_changed(row)

    def _changed(self, item: DownloadItem) -> None:
        row = self.model.row_of(item.key)
        if row >= 0:
            self.model.row_changed(row)
        self.stateChanged.emit(item.name)


# -- the panel -----------------------------------------------------------------------------


class DownloadDelegate(QStyledItemDelegate):
    """Paints a row: title and percent, a progress bar, and one line of plain status."""

    _MARGIN = 10
    _GAP = 4
    _BAR_HEIGHT = 8

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        metrics = QFontMetrics(option.font)
        height = 2 * self._MARGIN + 2 * metrics.height() + self._BAR_HEIGHT + 2 * self._GAP
        return QSize(320, height)

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        item = index.data(DownloadsModel.ItemRole)
        if not isinstance(item, DownloadItem):
            return
        rect: QRect = option.rect
        palette: QPalette = option.palette
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        painter.save()
        if selected:
            # An accent strip rather than a filled row: the row repaints while it downloads,
            # and filling it every time is most of the cost of a repaint.
            painter.fillRect(
                QRect(rect.left(), rect.top(), 4, rect.height()),
                palette.color(QPalette.ColorRole.Highlight),
            )
        inner = rect.adjusted(self._MARGIN, self._MARGIN, -self._MARGIN, -self._MARGIN)
        font = QFont(option.font)
        metrics = QFontMetrics(font)
        line = metrics.height()

        bold = QFont(font)
        bold.setBold(True)
        percent = item.percent_text()
        percent_width = metrics.horizontalAdvance(percent) + 8 if percent else 0
        painter.setFont(bold)
        painter.setPen(palette.color(QPalette.ColorRole.Text))
        title_rect = QRect(inner.left(), inner.top(), inner.width() - percent_width, line)
        painter.drawText(
            title_rect,
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            QFontMetrics(bold).elidedText(
                item.title, Qt.TextElideMode.ElideRight, title_rect.width()
            ),
        )
        if percent:
            painter.setFont(font)
            painter.drawText(
                QRect(inner.right() - percent_width, inner.top(), percent_width, line),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                percent,
            )

        bar_top = inner.top() + line + self._GAP
        if item.state is DownloadState.QUEUED or item.state.active or item.completed:
            # Drawn directly (a track and a fill in palette colours): the style's progress
            # bar, with gradients and the style sheet on top, costs several times more.
            track = QRect(inner.left(), bar_top, inner.width(), self._BAR_HEIGHT)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(palette.color(QPalette.ColorRole.Midlight))
            painter.drawRoundedRect(track, 3, 3)
            fraction = item.fraction
            if fraction is None and item.state.active:
                fraction = 0.15  # size not known yet: a short stub says "starting"
            filled = round(track.width() * (fraction or 0.0))
            if filled > 0:
                painter.setBrush(palette.color(QPalette.ColorRole.Highlight))
                painter.drawRoundedRect(
                    QRect(track.left(), track.top(), filled, track.height()), 3, 3
                )

        painter.setFont(font)
        role = (
            QPalette.ColorRole.Text
            if item.state is DownloadState.FAILED
            else QPalette.ColorRole.PlaceholderText
        )
        painter.setPen(palette.color(role))
        status_rect = QRect(
            inner.left(), bar_top + self._BAR_HEIGHT + self._GAP, inner.width(), line
        )
        painter.drawText(
            status_rect,
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            metrics.elidedText(
                item.status_text(), Qt.TextElideMode.ElideRight, status_rect.width()
            ),
        )
        painter.setPen(palette.color(QPalette.ColorRole.Midlight))
        painter.drawLine(rect.bottomLeft(), rect.bottomRight())
        painter.restore()


class DownloadsPanel(QWidget):
    """The downloads list with Cancel / Try again / Clear finished. Any number of panels can
    show the same manager (a dock in the main window, a tab in the library)."""

    def __init__(self, manager: DownloadManager, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("libraryDownloads")
        self.manager = manager
        self.intro = QLabel(
            self.tr(
                "Models download one at a time, and you can keep chatting meanwhile. A "
                "cancelled download continues where it stopped when you start it again."
            ),
            self,
        )
        self.intro.setWordWrap(True)
        self.intro.setObjectName("libraryHint")
        self.empty = QLabel(self.tr("No downloads yet. Models you download appear here."), self)
        self.empty.setObjectName("libraryHint")
        self.view = QListView(self)
        self.view.setObjectName("libraryDownloadList")
        self.view.setModel(manager.model)
        self.view.setItemDelegate(DownloadDelegate(self.view))
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setUniformItemSizes(True)
        self.view.setFrameShape(QFrame.Shape.NoFrame)
        self.view.setAccessibleName(self.tr("Downloads"))
        self.error_detail = QLabel(self)
        self.error_detail.setWordWrap(True)
        self.error_detail.setObjectName("libraryError")
        self.error_detail.hide()

        self.cancel_button = QPushButton(self.tr("Cancel download"), self)
        self.cancel_button.setAccessibleName(self.tr("Cancel the selected download"))
        self.retry_button = QPushButton(self.tr("Try again"), self)
        self.retry_button.setAccessibleName(self.tr("Try the selected download again"))
        self.clear_button = QPushButton(self.tr("Clear finished"), self)
        self.clear_button.setAccessibleName(self.tr("Remove finished downloads from this list"))
        buttons = QHBoxLayout()
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.retry_button)
        buttons.addStretch(1)
        buttons.addWidget(self.clear_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.intro)
        layout.addWidget(self.empty)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.error_detail)
        layout.addLayout(buttons)

        self.cancel_button.clicked.connect(self._cancel)
        self.retry_button.clicked.connect(self._retry)
        self.clear_button.clicked.connect(manager.clear_finished)
        manager.stateChanged.connect(self._on_state_changed)
        manager.model.rowsInserted.connect(self._on_rows)
        manager.model.rowsRemoved.connect(self._on_rows)
        self.view.selectionModel().currentChanged.connect(self._update_buttons)
        self._on_rows()

    def selected(self) -> DownloadItem | None:
        index = self.view.currentIndex()
        item = index.data(DownloadsModel.ItemRole) if index.isValid() else None
        return item if isinstance(item, DownloadItem) else None

    def select(self, name: str) -> None:
        row = self.manager.model.row_of(download_key(name))
        if row >= 0:
            self.view.setCurrentIndex(self.manager.model.index(row, 0))

    def _cancel(self) -> None:
        item = self.selected()
        if item is not None:
            self.manager.cancel(item.name)

    def _retry(self) -> None:
        item = self.selected()
        if item is not None:
            self.manager.retry(item.name)

    def _on_state_changed(self, name: str) -> None:
        # Follow the download that is running, unless the user picked another row.
        if not self.view.currentIndex().isValid():
            self.select(name)
        active = self.manager.active
        if active is not None and active.name == name and not self.view.hasFocus():
            self.select(name)
        self._update_buttons()

    def _on_rows(self, *_args: object) -> None:
        has_rows = self.manager.model.rowCount() > 0
        self.empty.setVisible(not has_rows)
        self.view.setVisible(has_rows)
        if has_rows and not self.view.currentIndex().isValid():
            self.view.setCurrentIndex(self.manager.model.index(0, 0))
        self._update_buttons()

    def _update_buttons(self, *_args: object) -> None:
        item = self.selected()
        pending = item is not None and (item.state is DownloadState.QUEUED or item.state.active)
        self.cancel_button.setEnabled(pending)
        self.retry_button.setEnabled(item is not None and item.can_resume)
        resumable = item is not None and item.state is DownloadState.CANCELLED
        self.retry_button.setText(self.tr("Resume") if resumable else self.tr("Try again"))
        self.clear_button.setEnabled(any(i.state.finished for i in self.manager.model.items()))
        error = item.error if item is not None and item.state is DownloadState.FAILED else None
        if error is not None:
            self.error_detail.setText(f"<b>{_escape(error.title)}</b><br>{_escape(error.message)}")
        self.error_detail.setVisible(error is not None)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
