"""When the conversations cannot be opened: what happened, and every way out there is."""

from __future__ import annotations

import enum
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from confide.core.store import BackupInfo, StoreError, StoreErrorKind
from confide.ui.errors import describe_error
from confide.ui.privacy.busy import StatusLine
from confide.ui.privacy.texts import format_moment, start_over_word, tr, typed_matches, warning


class Choice(enum.Enum):
    RETRY = "retry"
    QUIT = "quit"
    RESTORE = "restore"
    START_OVER = "start_over"


_FOLDER_KINDS = {StoreErrorKind.DISK_FULL, StoreErrorKind.READ_ONLY, StoreErrorKind.IO_ERROR}
_NO_RETRY = {StoreErrorKind.TOO_NEW, StoreErrorKind.KEY_MISSING, StoreErrorKind.CORRUPT}
# Without a usable key or file there is no other way forward; the old file is kept aside.
_START_OVER_KINDS = {
    StoreErrorKind.KEY_MISSING,
    StoreErrorKind.CORRUPT,
    StoreErrorKind.DATABASE_MISSING,
    StoreErrorKind.WRONG_KEY,
}


def choices_for(error: BaseException, backup: BackupInfo | None) -> list[Choice]:
    """The ways out offered for ``error``, most helpful first."""
    if not isinstance(error, StoreError):
        return [Choice.RETRY, Choice.QUIT]
    kind = error.kind
    offered: list[Choice] = []
    if backup is not None and kind in (StoreErrorKind.CORRUPT, StoreErrorKind.DATABASE_MISSING):
        offered.append(Choice.RESTORE)
    if kind not in _NO_RETRY:
        offered.append(Choice.RETRY)
    offered.append(Choice.QUIT)
    # Starting over never replaces a restore that is possible, and never hides a file that
    # merely could not be reached (a drive not connected, a locked keychain).
    if kind in _START_OVER_KINDS and Choice.RESTORE not in offered:
        offered.append(Choice.START_OVER)
    return offered


class OpenProblemDialog(QDialog):
    """Emits :attr:`chosen` with a :class:`Choice`; starting over first needs a typed word."""

    chosen = Signal(object)

    def __init__(
        self,
        error: BaseException,
        backup: BackupInfo | None,
        data_dir: Path,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("privacyProblem")
        self.error = error
        self.offered = choices_for(error, backup)
        described = describe_error(error)
        self.setWindowTitle(described.title)
        self.title = QLabel(described.title, self)
        self.title.setObjectName("onboardingTitle")
        self.title.setWordWrap(True)
        self.message = QLabel(described.message, self)
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.folder = QLabel(tr("Folder: %1").replace("%1", str(data_dir)), self)
        self.folder.setWordWrap(True)
        self.folder.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.folder.setAccessibleName(tr("Folder of your conversations"))
        kind = error.kind if isinstance(error, StoreError) else None
        self.folder.setVisible(kind in _FOLDER_KINDS)
        self.backup_note = QLabel(self)
        self.backup_note.setWordWrap(True)
        self.backup_note.hide()
        if backup is not None and Choice.RESTORE in self.offered:
            self.backup_note.setText(
                tr(
                    "The latest backup is from %1. Restoring it brings back your conversations "
                    "as they were then; anything written after it is not in it. The damaged "
                    "file is kept in the backup folder, not deleted."
                ).replace("%1", format_moment(backup.created_at))
            )
            self.backup_note.show()
        self.status = StatusLine(self)

        self.restore_button = QPushButton(self)
        if backup is not None:
            self.restore_button.setText(
                tr("Restore the latest backup (%1)").replace("%1", format_moment(backup.created_at))
            )
        self.restore_button.setObjectName("primaryButton")
        self.restore_button.setAccessibleDescription(
            tr("Puts the latest backup in place of the file that cannot be opened")
        )
        self.retry_button = QPushButton(tr("Try again"), self)
        self.retry_button.setAccessibleDescription(tr("Tries to open your conversations again"))
        self.quit_button = QPushButton(tr("Quit"), self)
        self.quit_button.setAccessibleDescription(tr("Closes Confide; nothing is changed"))
        self.start_over_button = QPushButton(tr("Start over with an empty history…"), self)
        self.start_over_button.setAccessibleDescription(
            tr("Sets the current history aside, without deleting it, and starts afresh")
        )
        self.restore_button.clicked.connect(lambda: self._choose(Choice.RESTORE))
        self.retry_button.clicked.connect(lambda: self._choose(Choice.RETRY))
        self.quit_button.clicked.connect(lambda: self._choose(Choice.QUIT))
        self.start_over_button.clicked.connect(self._reveal_start_over)
        visible = {
            Choice.RESTORE: self.restore_button,
            Choice.RETRY: self.retry_button,
            Choice.QUIT: self.quit_button,
            Choice.START_OVER: self.start_over_button,
        }
        for choice, button in visible.items():
            button.setVisible(choice in self.offered)
        first = next(c for c in self.offered if c is not Choice.START_OVER)
        visible[first].setDefault(True)

        self.start_over_panel = self._build_start_over(data_dir)
        self.start_over_panel.hide()

        buttons = QHBoxLayout()
        buttons.addWidget(self.start_over_button)
        buttons.addStretch(1)
        buttons.addWidget(self.quit_button)
        buttons.addWidget(self.retry_button)
        buttons.addWidget(self.restore_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 24, 28, 24)
        layout.setSpacing(12)
        layout.addWidget(self.title)
        layout.addWidget(self.message)
        layout.addWidget(self.folder)
        layout.addWidget(self.backup_note)
        layout.addWidget(self.start_over_panel)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self.setMinimumWidth(520)
        self.setAccessibleDescription(f"{described.title}. {described.message}")
        self._busy = False

    def _build_start_over(self, data_dir: Path) -> QFrame:
        panel = QFrame(self)
        panel.setObjectName("privacyStartOver")
        panel.setFrameShape(QFrame.Shape.StyledPanel)
        word = start_over_word()
        explanation = QLabel(
            tr(
                "Confide will start with no conversations. The current file, its backups and "
                "its key information are moved into a folder inside “%1”, not deleted, in case "
                "the key turns up or IT support can help. Confide cannot open them by itself."
            ).replace("%1", str(data_dir)),
            panel,
        )
        explanation.setWordWrap(True)
        prompt = QLabel(tr("To confirm, type %1:").replace("%1", word), panel)
        self.start_over_confirm = QLineEdit(panel)
        self.start_over_confirm.setAccessibleName(tr("Type %1 to confirm").replace("%1", word))
        prompt.setBuddy(self.start_over_confirm)
        self.start_over_confirm_button = QPushButton(tr("Start over"), panel)
        self.start_over_confirm_button.setEnabled(False)
        self.start_over_confirm_button.setAccessibleDescription(
            tr("Sets the current history aside and starts with no conversations")
        )
        self.start_over_confirm.textChanged.connect(
            lambda text: self.start_over_confirm_button.setEnabled(
                not self._busy and typed_matches(text, word)
            )
        )
        self.start_over_confirm_button.clicked.connect(lambda: self._choose(Choice.START_OVER))
        row = QHBoxLayout()
        row.addWidget(self.start_over_confirm, 1)
        row.addWidget(self.start_over_confirm_button)
        layout = QVBoxLayout(panel)
        layout.addWidget(QLabel(warning(tr("Start over with an empty history")), panel))
        layout.addWidget(explanation)
        layout.addWidget(prompt)
        layout.addLayout(row)
        return panel

    def _reveal_start_over(self) -> None:
        self.start_over_panel.show()
        self.start_over_button.hide()
        self.start_over_confirm.setFocus()

    def set_busy(self, text: str | None) -> None:
        self._busy = text is not None
        if text is not None:
            self.status.set_busy(text)
        else:
            self.status.clear()
        for button in (self.restore_button, self.retry_button, self.quit_button):
            button.setEnabled(not self._busy)
        self.start_over_confirm.setEnabled(not self._busy)
        self.start_over_confirm_button.setEnabled(
            not self._busy and typed_matches(self.start_over_confirm.text(), start_over_word())
        )

    def show_problem(self, error: BaseException) -> None:
        self.set_busy(None)
        self.status.show_error(error)

    def _choose(self, choice: Choice) -> None:
        if not self._busy:
            self.chosen.emit(choice)

    def reject(self) -> None:
        self._choose(Choice.QUIT)

    def closeEvent(self, event: QCloseEvent) -> None:
        event.ignore()
        self._choose(Choice.QUIT)
