"""The conversation sidebar: "New chat", a filter field and the grouped list of conversations.

A pure view: it shows the ``ConversationListModel`` it is given and turns what the user
does into signals (open, rename, pin, export, delete). Whoever owns the data (the chat
controller) talks to the store and updates the model.

The highlight (selection) marks the open conversation and only moves when a conversation
is opened (click, Enter) or ``select`` is called; the arrow keys move the keyboard focus
through the list without opening anything, so 10,000 conversations can be browsed without
loading each one.
"""

from __future__ import annotations

import sys
import time

from PySide6.QtCore import (
    QEvent,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QAction,
    QContextMenuEvent,
    QHideEvent,
    QKeyEvent,
    QKeySequence,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QLabel,
    QLineEdit,
    QListView,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from confide.ui.chat.conversation_delegate import ConversationDelegate
from confide.ui.chat.conversation_list import ConversationListModel, ConversationRole

Index = QModelIndex | QPersistentModelIndex

MIN_WIDTH = 180
REGROUP_INTERVAL_MS = 60_000  # how often to check whether the date changed
FILTER_DELAY_MS = 150  # typing pause before filtering a long list
_INSTANT_FILTER_LIMIT = 2_000  # up to this many conversations, filter on every keystroke


def _is_heading(index: Index) -> bool:
    return bool(index.data(ConversationRole.IS_HEADER))


class ConversationView(QListView):
    """The list: skips headings when moving with the keyboard; Enter opens."""

    openRequested = Signal(QModelIndex)
    menuRequested = Signal(QModelIndex, QPoint)  # the row, where to show the menu (global)

    def moveCursor(
        self, cursorAction: QAbstractItemView.CursorAction, modifiers: Qt.KeyboardModifier
    ) -> QModelIndex:
        index = super().moveCursor(cursorAction, modifiers)
        if not index.isValid() or not _is_heading(index):
            return index
        upward = cursorAction in (
            QAbstractItemView.CursorAction.MoveUp,
            QAbstractItemView.CursorAction.MovePageUp,
            QAbstractItemView.CursorAction.MovePrevious,
            QAbstractItemView.CursorAction.MoveLeft,
        )
        first, second = (-1, 1) if upward else (1, -1)
        for step in (first, second):
            row = index.row() + step
            while 0 <= row < self.model().rowCount():
                candidate = self.model().index(row, 0)
                if not _is_heading(candidate):
                    return candidate
                row += step
        return self.currentIndex()

    def selectionCommand(
        self, index: Index, event: QEvent | None = None
    ) -> QItemSelectionModel.SelectionFlag:
        # The highlight marks the open conversation: keys only move the focus, and a
        # heading is never selected.
        if event is not None and event.type() == QEvent.Type.KeyPress:
            return QItemSelectionModel.SelectionFlag.NoUpdate
        if index.isValid() and _is_heading(index):
            return QItemSelectionModel.SelectionFlag.NoUpdate
        return super().selectionCommand(index, event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if (
            event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and self.state() != QAbstractItemView.State.EditingState
        ):
            current = self.currentIndex()
            if current.isValid() and not _is_heading(current):
                self.openRequested.emit(current)
                event.accept()
                return
        super().keyPressEvent(event)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        if event.reason() == QContextMenuEvent.Reason.Mouse:
            index = self.indexAt(event.pos())
            where = event.globalPos()
        else:  # the menu key or Shift+F10: the focused row
            index = self.currentIndex()
            rect = self.visualRect(index)
            where = self.viewport().mapToGlobal(rect.bottomLeft() if rect.isValid() else QPoint())
        if index.isValid() and not _is_heading(index):
            self.menuRequested.emit(index, where)
            event.accept()
        else:
            event.ignore()


class Sidebar(QWidget):
    conversationActivated = Signal(str)
    newChatRequested = Signal()
    renameRequested = Signal(str, str)  # id, new title (trimmed, never empty)
    pinRequested = Signal(str, bool)  # id, pinned (the state asked for)
    deleteRequested = Signal(str)
    exportRequested = Signal(str)

    def __init__(
        self,
        model: ConversationListModel | None = None,
        parent: QWidget | None = None,
        *,
        regroup_interval_ms: int = REGROUP_INTERVAL_MS,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("sidebar")
        self.setAccessibleName(self.tr("Conversations sidebar"))
        self.setMinimumWidth(MIN_WIDTH)
        self.model = model if model is not None else ConversationListModel(self)
        self._selected_id: str | None = None
        self._menu_target: str | None = None
        # (id, monotonic time) of the last opening: the second click of a double click is
        # not a second opening.
        self._last_activation: tuple[str | None, float] = (None, 0.0)

        self.new_chat_button = QPushButton(self.tr("New chat"), self)
        self.new_chat_button.setObjectName("newChatButton")
        self.new_chat_button.setAccessibleName(self.tr("New chat"))
        self.new_chat_button.setAccessibleDescription(self.tr("Start a new conversation"))
        self.new_chat_button.setToolTip(self.tr("Start a new conversation"))
        self.new_chat_button.clicked.connect(self.newChatRequested)

        self.filter_edit = QLineEdit(self)
        self.filter_edit.setObjectName("conversationFilter")
        self.filter_edit.setPlaceholderText(self.tr("Filter conversations"))
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.setAccessibleName(self.tr("Filter conversations"))
        self.filter_edit.setAccessibleDescription(
            self.tr(
                "Shows only conversations whose title contains these words. Press Down to go"
                " to the list, Enter to open the first match, Escape to clear the filter."
            )
        )
        self.filter_edit.installEventFilter(self)
        self._filter_timer = QTimer(self)
        self._filter_timer.setSingleShot(True)
        self._filter_timer.setInterval(FILTER_DELAY_MS)
        self._filter_timer.timeout.connect(self._apply_filter)
        self.filter_edit.textChanged.connect(self._filter_text_changed)

        self.delegate = ConversationDelegate(self)
        self.delegate.renameCommitted.connect(self.renameRequested)
        self.view = ConversationView(self)
        self.view.setObjectName("conversationList")
        self.view.setModel(self.model)
        self.view.setItemDelegate(self.delegate)
        self.view.setUniformItemSizes(True)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.view.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.view.setMouseTracking(True)  # hover highlight
        self.view.setAccessibleName(self.tr("Conversations"))
        self.view.setAccessibleDescription(
            self.tr(
                "Press Enter to open a conversation, F2 to rename it, Delete to delete it,"
                " and the menu key for more."
            )
        )
        self.view.clicked.connect(self._clicked)
        self.view.openRequested.connect(self._open_index)
        self.view.menuRequested.connect(self._show_menu)

        self.empty_label = QLabel(self)
        self.empty_label.setObjectName("sidebarEmpty")
        self.empty_label.setWordWrap(True)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setTextFormat(Qt.TextFormat.PlainText)

        self._create_actions()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(6)
        layout.addWidget(self.new_chat_button)
        layout.addWidget(self.filter_edit)
        layout.addWidget(self.empty_label)
        layout.addWidget(self.view, 1)
        self.setTabOrder(self.new_chat_button, self.filter_edit)
        self.setTabOrder(self.filter_edit, self.view)

        selection = self.view.selectionModel()
        selection.currentChanged.connect(lambda *_: self._prepare_actions(None))
        # Connected after the view's own connections, so the view is up to date here.
        self.model.rowsInserted.connect(self._structure_changed)
        self.model.rowsRemoved.connect(self._structure_changed)
        self.model.modelReset.connect(self._structure_changed)
        self.model.rowsMoved.connect(self._structure_changed)
        self.model.layoutChanged.connect(self._structure_changed)
        self.model.dataChanged.connect(lambda *_: self._prepare_actions(None))

        self._regroup_timer = QTimer(self)
        self._regroup_timer.setTimerType(Qt.TimerType.CoarseTimer)
        self._regroup_timer.setInterval(regroup_interval_ms)
        self._regroup_timer.timeout.connect(self.model.refresh_groups)
        self._regroup_timer.start()

        self._update_empty_state()
        self._prepare_actions(None)

    def sizeHint(self) -> QSize:
        return QSize(260, super().sizeHint().height())

    # -- actions --------------------------------------------------------------------------

    def _create_actions(self) -> None:
        self.rename_action = QAction(self.tr("Rename"), self)
        self.rename_action.setShortcut(QKeySequence(Qt.Key.Key_F2))
        self.rename_action.triggered.connect(self._rename_triggered)

        self.pin_action = QAction(self.tr("Pin"), self)
        self.pin_action.triggered.connect(self._pin_triggered)

        self.export_action = QAction(self.tr("Export…"), self)
        self.export_action.triggered.connect(self._export_triggered)

        self.delete_action = QAction(self.tr("Delete"), self)
        # Only the Delete key (and Backspace on a Mac, which has no Delete key): the
        # platform's wider "delete" bindings include Ctrl+D, too easy to press by accident.
        delete_keys = [QKeySequence(Qt.Key.Key_Delete)]
        if sys.platform == "darwin":
            delete_keys.append(QKeySequence(Qt.Key.Key_Backspace))
        self.delete_action.setShortcuts(delete_keys)
        self.delete_action.triggered.connect(self._delete_triggered)

        for action in (self.rename_action, self.pin_action, self.export_action, self.delete_action):
            # Only while the list itself has focus, never while the title editor is open.
            action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
            self.view.addAction(action)

        self._toggle = QAction(self.tr("Show sidebar"), self)
        self._toggle.setCheckable(True)
        self._toggle.setChecked(True)
        self._toggle.setShortcut(QKeySequence("Ctrl+Shift+S"))
        self._toggle.setToolTip(self.tr("Show or hide the list of conversations"))
        self._toggle.toggled.connect(self.setVisible)
        self._toggle.triggered.connect(self._toggled_by_user)

    def toggle_action(self) -> QAction:
        """The checkable "Show sidebar" action (Ctrl+Shift+S). Put it in a menu or on the
        window: on the sidebar alone it could not bring a hidden sidebar back."""
        return self._toggle

    def context_menu(self, conversation_id: str) -> QMenu:
        """The menu for one conversation; its actions act on that conversation until
        ``menu_closed`` (the list's own menu calls both)."""
        self._menu_target = conversation_id
        self._prepare_actions(conversation_id)
        menu = QMenu(self)
        menu.setAccessibleName(self.tr("Conversation actions"))
        menu.addAction(self.rename_action)
        menu.addAction(self.pin_action)
        menu.addAction(self.export_action)
        menu.addSeparator()
        menu.addAction(self.delete_action)
        return menu

    def menu_closed(self) -> None:
        self._menu_target = None
        self._prepare_actions(None)

    def _show_menu(self, index: QModelIndex, where: QPoint) -> None:
        summary = self.model.summary_at(index)
        if summary is None:
            return
        menu = self.context_menu(summary.id)
        try:
            menu.exec(where)
        finally:
            self.menu_closed()
            menu.deleteLater()

    def _target_id(self) -> str | None:
        if self._menu_target is not None:
            return self._menu_target if self._menu_target in self.model else None
        summary = self.model.summary_at(self.view.currentIndex())
        return summary.id if summary is not None else None

    def _prepare_actions(self, conversation_id: str | None) -> None:
        target = conversation_id or self._target_id()
        summary = self.model.summary(target) if target else None
        for action in (self.rename_action, self.pin_action, self.export_action, self.delete_action):
            action.setEnabled(summary is not None)
        pinned = summary is not None and summary.pinned
        self.pin_action.setText(self.tr("Unpin") if pinned else self.tr("Pin"))

    def _rename_triggered(self) -> None:
        target = self._target_id()
        if target is None:
            return
        if self._menu_target is not None:
            # Wait for the menu to close, or its closing would take the editor's focus.
            QTimer.singleShot(0, self, lambda: self.start_rename(target))
        else:
            self.start_rename(target)

    def _pin_triggered(self) -> None:
        target = self._target_id()
        summary = self.model.summary(target) if target else None
        if summary is not None:
            self.pinRequested.emit(summary.id, not summary.pinned)

    def _export_triggered(self) -> None:
        target = self._target_id()
        if target is not None:
            self.exportRequested.emit(target)

    def _delete_triggered(self) -> None:
        target = self._target_id()
        if target is not None:
            self.deleteRequested.emit(target)

    # -- public ---------------------------------------------------------------------------

    def select(self, conversation_id: str | None) -> None:
        """Highlights the open conversation (None: none) without emitting anything."""
        self._selected_id = conversation_id
        index = self.model.index_of(conversation_id) if conversation_id else QModelIndex()
        selection = self.view.selectionModel()
        if index.isValid():
            selection.setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
            self.view.scrollTo(index)
        else:
            selection.clearSelection()

    def selected_id(self) -> str | None:
        return self._selected_id

    def start_rename(self, conversation_id: str) -> bool:
        """Opens the inline title editor on the conversation; False when it is not shown."""
        index = self.model.index_of(conversation_id)
        if not index.isValid():
            return False
        # Focus the row without highlighting it: the highlight stays on the open conversation.
        self.view.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.NoUpdate
        )
        self.view.scrollTo(index)
        self.view.edit(index)
        return True

    def focus_filter(self) -> None:
        self.filter_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter_edit.selectAll()

    def filter_text(self) -> str:
        return self.filter_edit.text()

    # -- opening --------------------------------------------------------------------------

    def _clicked(self, index: QModelIndex) -> None:
        summary = self.model.summary_at(index)
        if summary is None:
            return
        last_id, last_time = self._last_activation
        now = time.monotonic()
        if last_id == summary.id and now - last_time < QApplication.doubleClickInterval() / 1000:
            return  # the second click of a double click
        self._activate(summary.id)

    def _open_index(self, index: QModelIndex) -> None:
        summary = self.model.summary_at(index)
        if summary is not None:
            self._activate(summary.id)

    def _activate(self, conversation_id: str) -> None:
        self._last_activation = (conversation_id, time.monotonic())
        self.select(conversation_id)
        self.conversationActivated.emit(conversation_id)

    # -- filter ---------------------------------------------------------------------------

    def _filter_text_changed(self, _text: str) -> None:
        if self.model.conversation_count() <= _INSTANT_FILTER_LIMIT:
            self._apply_filter()
        else:
            self._filter_timer.start()

    def _apply_filter(self) -> None:
        self._filter_timer.stop()
        self.model.set_filter_text(self.filter_edit.text())
        self._structure_changed()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.filter_edit
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
        ):
            return self._filter_key(event)
        return super().eventFilter(watched, event)

    def _filter_key(self, event: QKeyEvent) -> bool:
        key = event.key()
        if key == Qt.Key.Key_Escape and self.filter_edit.text():
            self.filter_edit.clear()
            self._apply_filter()
            return True
        if key in (Qt.Key.Key_Down, Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._apply_filter()  # the list must show what the field says right now
            first = self._first_conversation()
            if key == Qt.Key.Key_Down:
                if first.isValid() and (
                    not self.view.currentIndex().isValid() or _is_heading(self.view.currentIndex())
                ):
                    self.view.selectionModel().setCurrentIndex(
                        first, QItemSelectionModel.SelectionFlag.NoUpdate
                    )
                self.view.setFocus(Qt.FocusReason.TabFocusReason)
                return True
            if self.filter_edit.text().strip() and first.isValid():
                self._open_index(first)
                return True
        return False

    def _first_conversation(self) -> QModelIndex:
        for row in range(self.model.rowCount()):
            index = self.model.index(row, 0)
            if not _is_heading(index):
                return index
        return QModelIndex()

    # -- keeping the view in step ---------------------------------------------------------

    def _structure_changed(self, *_args: object) -> None:
        self._sync_selection()
        self._update_empty_state()
        self._prepare_actions(None)

    def _sync_selection(self) -> None:
        """Keeps the highlight on the open conversation through filtering and updates."""
        selection = self.view.selectionModel()
        index = self.model.index_of(self._selected_id) if self._selected_id else QModelIndex()
        if not index.isValid():
            if selection.hasSelection():
                selection.clearSelection()
            return
        if not selection.isSelected(index):
            selection.select(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)

    def _update_empty_state(self) -> None:
        empty = self.model.rowCount() == 0
        if empty and self.model.conversation_count() == 0:
            self.empty_label.setText(self.tr("No conversations yet. Start one with “New chat”."))
        elif empty:
            self.empty_label.setText(
                self.tr("No conversation titles match “%1”.").replace(
                    "%1", self.filter_edit.text().strip()
                )
            )
        self.empty_label.setVisible(empty)
        self.view.setVisible(not empty)

    # -- showing and hiding ---------------------------------------------------------------

    def _toggled_by_user(self, checked: bool) -> None:
        if checked:
            if self.view.isVisibleTo(self) and self.model.rowCount():
                self.view.setFocus(Qt.FocusReason.ShortcutFocusReason)
            else:
                self.filter_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._toggle.setChecked(not self.isHidden())

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        # A minimised window hides its children too, but the sidebar is still "shown".
        self._toggle.setChecked(not self.isHidden())
