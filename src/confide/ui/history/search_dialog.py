"""Search across every conversation, as you type.

Each keystroke restarts a short timer; when it fires, the previous search is cancelled and a
new one goes to the store thread. Only the answer to the newest search is shown (an older
one may still arrive: it is recognised by its task handle and dropped), so results never
appear out of order. Choosing a result emits ``messageChosen`` and closes the dialog.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timezone

from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QKeyEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from confide.core.store import SearchHit, Store
from confide.core.store.queries import message_models
from confide.ui.errors import describe_error
from confide.ui.history.date_ranges import DateRange, range_start
from confide.ui.history.search_delegate import SearchResultDelegate
from confide.ui.history.search_model import SearchResultsModel
from confide.ui.models.text import english_plural
from confide.ui.store_gateway import StoreGateway
from confide.ui.tasks import TaskHandle

log = logging.getLogger(__name__)

DEBOUNCE_MS = 150
RESULT_LIMIT = 100
"""Newest first; more than a screenful or two is better served by another word."""

MODELS_REFRESH_S = 300.0
"""Listing the models reads every message (there is no index on the model column), which
takes a second or two on a store with hundreds of thousands of messages; models seen in
results are added in between (see ``_learn_models``)."""

_OPEN_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


class SearchDialog(QDialog):
    messageChosen = Signal(str, str)
    """(conversation id, message id) of the result the user chose."""

    def __init__(
        self,
        gateway: StoreGateway,
        parent: QWidget | None = None,
        *,
        now: Callable[[], datetime] = _utc_now,
        debounce_ms: int = DEBOUNCE_MS,
        limit: int = RESULT_LIMIT,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("searchDialog")
        self.setWindowTitle(self.tr("Search conversations"))
        self._gateway = gateway
        self._now = now
        self._limit = limit
        self._search_task: TaskHandle | None = None
        self._models_task: TaskHandle | None = None
        self._models_loaded_at: float | None = None

        self.search = QLineEdit(self)
        self.search.setObjectName("searchField")
        self.search.setPlaceholderText(self.tr("Search all your conversations"))
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName(self.tr("Search conversations"))
        self.search.setAccessibleDescription(
            self.tr("Results appear as you type. Press Down to move to the results.")
        )

        self.model_filter = QComboBox(self)
        self.model_filter.setObjectName("searchModelFilter")
        self.model_filter.setAccessibleName(self.tr("Filter by model"))
        self.model_filter.addItem(self.tr("All models"), None)
        model_label = QLabel(self.tr("&Model:"), self)
        model_label.setBuddy(self.model_filter)

        self.date_filter = QComboBox(self)
        self.date_filter.setObjectName("searchDateFilter")
        self.date_filter.setAccessibleName(self.tr("Filter by date"))
        for text, choice in (
            (self.tr("Any time"), DateRange.ANY),
            (self.tr("Past week"), DateRange.WEEK),
            (self.tr("Past month"), DateRange.MONTH),
            (self.tr("Past year"), DateRange.YEAR),
        ):
            self.date_filter.addItem(text, choice.value)
        date_label = QLabel(self.tr("&Date:"), self)
        date_label.setBuddy(self.date_filter)

        self.count = QLabel(self)
        self.count.setObjectName("searchCount")

        self.results_model = SearchResultsModel(self)
        self.results = QListView(self)
        self.results.setObjectName("searchResults")
        self.results.setAccessibleName(self.tr("Search results"))
        self.results.setAccessibleDescription(
            self.tr("Press Enter to open the conversation at this message.")
        )
        self.results.setModel(self.results_model)
        self.delegate = SearchResultDelegate(self.results)
        self.results.setItemDelegate(self.delegate)
        self.results.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.results.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.results.setResizeMode(QListView.ResizeMode.Adjust)
        self.results.setUniformItemSizes(False)
        self.results.setFrameShape(QFrame.Shape.NoFrame)
        self.results.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)

        # The empty, "nothing found" and error states, in place of the list.
        self.notice = QWidget(self)
        self.notice_title = QLabel(self.notice)
        self.notice_title.setObjectName("searchNoticeTitle")
        title_font = self.notice_title.font()
        title_font.setBold(True)
        self.notice_title.setFont(title_font)
        self.notice_text = QLabel(self.notice)
        self.notice_text.setObjectName("searchNoticeText")
        for label in (self.notice_title, self.notice_text):
            label.setWordWrap(True)
            label.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
            label.setTextFormat(Qt.TextFormat.PlainText)
        notice_layout = QVBoxLayout(self.notice)
        notice_layout.addStretch(1)
        notice_layout.addWidget(self.notice_title)
        notice_layout.addWidget(self.notice_text)
        notice_layout.addStretch(2)

        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.notice)
        self.stack.addWidget(self.results)

        filters = QHBoxLayout()
        filters.addWidget(model_label)
        filters.addWidget(self.model_filter, 1)
        filters.addSpacing(12)
        filters.addWidget(date_label)
        filters.addWidget(self.date_filter)
        filters.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addLayout(filters)
        layout.addWidget(self.count)
        layout.addWidget(self.stack, 1)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(debounce_ms)
        self._debounce.timeout.connect(self._start_search)
        self.search.textChanged.connect(self._on_text_changed)
        self.model_filter.currentIndexChanged.connect(self._on_filter_changed)
        self.date_filter.currentIndexChanged.connect(self._on_filter_changed)
        self.results.activated.connect(self._open)
        self.results_model.modelAboutToBeReset.connect(self.delegate.forget)
        self.search.installEventFilter(self)
        self.results.installEventFilter(self)

        self._show_idle()
        self.count.hide()
        self.resize(self.sizeHint())

    def sizeHint(self) -> QSize:
        return QSize(720, 560)

    # -- searching ------------------------------------------------------------------------

    @property
    def searching(self) -> bool:
        """A search was started and its answer has not arrived yet."""
        return self._debounce.isActive() or self._search_task is not None

    def _on_text_changed(self, text: str) -> None:
        if not text.strip():
            self._debounce.stop()
            self._cancel_search()
            self.results_model.clear()
            self.count.hide()
            self._show_idle()
            return
        self._debounce.start()

    def _on_filter_changed(self, _index: int) -> None:
        if self.search.text().strip():
            self._debounce.stop()
            self._start_search()

    def _filters_active(self) -> bool:
        return self.model_filter.currentIndex() > 0 or self.date_filter.currentIndex() > 0

    def _start_search(self) -> None:
        query = self.search.text()
        if not query.strip():
            return
        model = self.model_filter.currentData()
        model = model if isinstance(model, str) else None
        since = range_start(DateRange(self.date_filter.currentData()), self._now())
        limit = self._limit

        def search(store: Store) -> list[SearchHit]:
            return store.search(query, model=model, since=since, limit=limit)

        self._cancel_search()
        task = self._gateway.run("history.search", search)
        task.succeeded.connect(self._on_results)
        task.failed.connect(self._on_search_failed)
        self._search_task = task

    def _cancel_search(self) -> None:
        task, self._search_task = self._search_task, None
        if task is not None:
            task.cancel()

    def _on_results(self, result: object) -> None:
        if self.sender() is not self._search_task:
            return  # the answer to a search that was replaced meanwhile
        self._search_task = None
        hits: Sequence[SearchHit] = result if isinstance(result, list) else []
        self.results_model.set_hits(hits)
        self._learn_models(hits)
        count = len(hits)
        if count == 0:
            self.count.hide()
            hint = (
                self.tr("Try other words, or choose “All models” and “Any time”.")
                if self._filters_active()
                else self.tr("Try other or fewer words.")
            )
            self._show_notice(self.tr("No matches"), hint)
            return
        if count >= self._limit:
            text = self.tr("Showing the newest %1 matches. Add words to narrow the search.")
            self.count.setText(text.replace("%1", str(count)))
        else:
            self.count.setText(english_plural(self.tr("%n result(s)", "", count), count))
        self.count.show()
        self.stack.setCurrentWidget(self.results)
        self.results.setCurrentIndex(self.results_model.index(0, 0))
        self.results.scrollToTop()

    def _on_search_failed(self, error: object) -> None:
        if self.sender() is not self._search_task:
            return
        self._search_task = None
        self.results_model.clear()
        self.count.hide()
        if isinstance(error, BaseException):
            log.warning("search failed: %s", type(error).__name__)
            text = describe_error(error)
            self._show_notice(text.title, text.message)
        else:
            self._show_notice(self.tr("Search failed"), "")

    def _show_idle(self) -> None:
        self._show_notice(
            self.tr("Type to search your conversations"),
            self.tr("Every word must appear. Accents and capital letters do not matter."),
        )

    def _show_notice(self, title: str, text: str) -> None:
        self.notice_title.setText(title)
        self.notice_text.setText(text)
        self.notice_text.setVisible(bool(text))
        self.notice.setAccessibleName(title)
        self.stack.setCurrentWidget(self.notice)

    # -- the model filter ---------------------------------------------------------------

    def refresh_models(self, force: bool = False) -> None:
        """Reloads the models offered in the filter: when the dialog opens, unless it did so
        in the last few minutes."""
        if self._models_task is not None:
            return
        loaded = self._models_loaded_at
        if not force and loaded is not None and time.monotonic() - loaded < MODELS_REFRESH_S:
            return
        task = self._gateway.run("history.models", message_models)
        task.succeeded.connect(self._on_models)
        task.failed.connect(self._on_models_failed)
        self._models_task = task

    def _on_models(self, result: object) -> None:
        if self.sender() is not self._models_task:
            return
        self._models_task = None
        names = (
            [name for name in result if isinstance(name, str)] if isinstance(result, list) else []
        )
        chosen = self.model_filter.currentData()
        self.model_filter.blockSignals(True)
        try:
            while self.model_filter.count() > 1:
                self.model_filter.removeItem(1)
            for name in names:
                self.model_filter.addItem(name, name)
            index = self.model_filter.findData(chosen) if isinstance(chosen, str) else 0
            self.model_filter.setCurrentIndex(max(0, index))
        finally:
            self.model_filter.blockSignals(False)
        if isinstance(chosen, str) and chosen not in names:
            self._on_filter_changed(0)  # the chosen model is gone: search all of them

    def _learn_models(self, hits: Sequence[SearchHit]) -> None:
        """Adds models met in results that the filter does not offer yet (used since the
        list was loaded), keeping the list sorted as ``message_models`` sorts it."""
        offered = {self.model_filter.itemData(i) for i in range(1, self.model_filter.count())}
        new = sorted({hit.model for hit in hits if hit.model} - offered)
        if not new:
            return
        self.model_filter.blockSignals(True)  # the choice stays what it was
        try:
            for name in new:
                self._insert_model(name)
        finally:
            self.model_filter.blockSignals(False)

    def _insert_model(self, name: str) -> None:
        key = (name.casefold(), name)
        position = 1  # after "All models"
        while position < self.model_filter.count():
            other = str(self.model_filter.itemData(position))
            if (other.casefold(), other) > key:
                break
            position += 1
        self.model_filter.insertItem(position, name, name)

    def _on_models_failed(self, error: object) -> None:
        if self.sender() is not self._models_task:
            return
        self._models_task = None
        # The filter keeps its last list; searching itself reports store problems.
        log.info("could not list models for the search filter: %s", type(error).__name__)

    # -- choosing -------------------------------------------------------------------------

    def _open(self, index: QModelIndex | QPersistentModelIndex) -> None:
        hit = index.data(SearchResultsModel.HitRole) if index.isValid() else None
        if not isinstance(hit, SearchHit):
            return
        self.messageChosen.emit(hit.conversation_id, hit.message_id)
        self.accept()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            if watched is self.search:
                return self._search_key(event)
            if watched is self.results:
                return self._results_key(event)
        return super().eventFilter(watched, event)

    def _search_key(self, event: QKeyEvent) -> bool:
        key = event.key()
        if key in (Qt.Key.Key_Down, Qt.Key.Key_PageDown) and self.results_model.rowCount():
            if not self.results.currentIndex().isValid():
                self.results.setCurrentIndex(self.results_model.index(0, 0))
            self.results.setFocus(Qt.FocusReason.TabFocusReason)
            return True
        if key in _OPEN_KEYS:
            if self._debounce.isActive():
                # Enter right after typing: show the results for what was typed first.
                self._debounce.stop()
                self._start_search()
            elif self.results.currentIndex().isValid() and self._search_task is None:
                self._open(self.results.currentIndex())
            return True
        return False

    def _results_key(self, event: QKeyEvent) -> bool:
        key = event.key()
        if key in _OPEN_KEYS:
            self._open(self.results.currentIndex())
            return True
        if key == Qt.Key.Key_Up and self.results.currentIndex().row() <= 0:
            self.search.setFocus(Qt.FocusReason.BacktabFocusReason)
            return True
        modifiers = event.modifiers() & ~Qt.KeyboardModifier.ShiftModifier
        text = event.text()
        if text and text.isprintable() and modifiers == Qt.KeyboardModifier.NoModifier:
            # Typing while in the list goes on with the search rather than jumping rows.
            self.search.setFocus(Qt.FocusReason.OtherFocusReason)
            self.search.insert(text)
            return True
        return False

    # -- showing ------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh_models()
        self.search.setFocus(Qt.FocusReason.PopupFocusReason)
        self.search.selectAll()
