"""One small dialog for every security change: the current passphrase, a new one, or both.

It only collects and checks what was typed; the caller runs the store call (off the GUI
thread) and answers with :meth:`show_wrong_passphrase`, :meth:`show_problem` or ``accept()``.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from confide.ui.privacy.busy import StatusLine
from confide.ui.privacy.passphrase import NewPassphraseForm, PassphraseField
from confide.ui.privacy.texts import tr


class PassphraseDialog(QDialog):
    submitted = Signal()

    def __init__(
        self,
        title: str,
        intro: str,
        accept_text: str,
        *,
        ask_current: bool,
        ask_new: bool,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("privacyPassphraseDialog")
        self.setWindowTitle(title)
        self.setModal(True)
        self.intro = QLabel(intro, self)
        self.intro.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(12)
        layout.addWidget(self.intro)

        self.current: PassphraseField | None = None
        if ask_current:
            label = QLabel(tr("&Current passphrase:"), self)
            self.current = PassphraseField(tr("Current passphrase"), self)
            label.setBuddy(self.current.edit)
            self.current.textChanged.connect(lambda _text: self._update())
            layout.addWidget(label)
            layout.addWidget(self.current)
        self.new: NewPassphraseForm | None = None
        if ask_new:
            self.new = NewPassphraseForm(self)
            self.new.validityChanged.connect(lambda _valid: self._update())
            self.new.returnPressed.connect(self._submit)
            layout.addWidget(self.new)
            if self.current is not None:
                self.current.returnPressed.connect(self.new.passphrase_field.edit.setFocus)
        elif self.current is not None:
            self.current.returnPressed.connect(self._submit)

        self.status = StatusLine(self)
        self.cancel_button = QPushButton(tr("Cancel"), self)
        self.accept_button = QPushButton(accept_text, self)
        self.accept_button.setObjectName("primaryButton")
        self.accept_button.setDefault(True)
        self.cancel_button.clicked.connect(self.reject)
        self.accept_button.clicked.connect(self._submit)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.accept_button)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self.setMinimumWidth(460)
        first = self.current or self.new
        if first is not None:
            self.setFocusProxy(first)
        self._busy = False
        self._update()

    def current_passphrase(self) -> str | None:
        return self.current.text() if self.current is not None else None

    def new_passphrase(self) -> str | None:
        return self.new.passphrase() if self.new is not None else None

    @property
    def busy(self) -> bool:
        return self._busy

    def set_busy(self, text: str | None) -> None:
        self._busy = text is not None
        if text is not None:
            self.status.set_busy(text)
        else:
            self.status.clear()
        for widget in (self.current, self.new, self.cancel_button):
            if widget is not None:
                widget.setEnabled(not self._busy)
        self._update()

    def show_wrong_passphrase(self) -> None:
        self.set_busy(None)
        self.status.show_problem(tr("That passphrase is not right."))
        if self.current is not None:
            self.current.edit.setAccessibleDescription(self.status.label.text())
            self.current.select_all_and_focus()

    def show_problem(self, error: object) -> None:
        self.set_busy(None)
        self.status.show_error(error)

    def _update(self) -> None:
        ready = not self._busy
        if self.current is not None:
            ready = ready and bool(self.current.text())
        if self.new is not None:
            ready = ready and self.new.is_valid()
        self.accept_button.setEnabled(ready)

    def _submit(self) -> None:
        if self.accept_button.isEnabled():
            self.submitted.emit()

    def reject(self) -> None:
        if not self._busy:
            super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._busy:
            event.ignore()
        else:
            super().closeEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self._busy and event.key() == Qt.Key.Key_Escape:
            return
        super().keyPressEvent(event)
