"""Typing a passphrase: a field with show/hide, and the "new passphrase" pair with its rules."""

from __future__ import annotations

import unicodedata

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from confide.ui.privacy.texts import tr, warning

MIN_PASSPHRASE_LENGTH = 8


def passphrase_length(passphrase: str) -> int:
    # Counted as the key derivation sees it (NFC), so "ż" typed with a combining dot counts once.
    return len(unicodedata.normalize("NFC", passphrase))


def new_passphrase_problem(passphrase: str, confirmation: str) -> str | None:
    """Why this pair cannot be used yet, in the user's language; None when it can.

    Nothing is said about an empty field: the user has not started typing yet."""
    length = passphrase_length(passphrase)
    if 0 < length < MIN_PASSPHRASE_LENGTH:
        return (
            tr("Use at least %1 characters (%2 so far).")
            .replace("%1", str(MIN_PASSPHRASE_LENGTH))
            .replace("%2", str(length))
        )
    if confirmation and confirmation != passphrase:
        return tr("The two passphrases are not the same.")
    return None


class PassphraseField(QWidget):
    """A password line edit with a "Show" button that reveals what was typed."""

    textChanged = Signal(str)
    returnPressed = Signal()

    def __init__(self, accessible_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.edit = QLineEdit(self)
        self.edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.edit.setAccessibleName(accessible_name)
        # Passphrases are not suggestions to remember or to complete.
        self.edit.setInputMethodHints(
            Qt.InputMethodHint.ImhSensitiveData
            | Qt.InputMethodHint.ImhNoPredictiveText
            | Qt.InputMethodHint.ImhNoAutoUppercase
        )
        self.reveal = QToolButton(self)
        self.reveal.setCheckable(True)
        self.reveal.setText(tr("Show"))
        self.reveal.setAccessibleName(tr("Show passphrase"))
        self.reveal.setAccessibleDescription(tr("Shows or hides the characters typed"))
        self.reveal.toggled.connect(self._set_revealed)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.reveal)
        self.setFocusProxy(self.edit)
        self.edit.textChanged.connect(self.textChanged)
        self.edit.returnPressed.connect(self.returnPressed)

    def _set_revealed(self, revealed: bool) -> None:
        self.edit.setEchoMode(
            QLineEdit.EchoMode.Normal if revealed else QLineEdit.EchoMode.Password
        )
        self.reveal.setText(tr("Hide") if revealed else tr("Show"))
        self.reveal.setAccessibleName(tr("Hide passphrase") if revealed else tr("Show passphrase"))

    def text(self) -> str:
        return self.edit.text()

    def clear(self) -> None:
        self.edit.clear()
        self.reveal.setChecked(False)

    def select_all_and_focus(self) -> None:
        self.edit.selectAll()
        self.edit.setFocus(Qt.FocusReason.OtherFocusReason)


class NewPassphraseForm(QWidget):
    """Passphrase + confirmation, with the rules explained inline as the user types."""

    validityChanged = Signal(bool)
    returnPressed = Signal()

    def __init__(self, parent: QWidget | None = None, *, label: str | None = None) -> None:
        super().__init__(parent)
        self.passphrase_field = PassphraseField(tr("New passphrase"), self)
        self.confirm_field = PassphraseField(tr("Type the passphrase again"), self)
        self.problem = QLabel(self)
        self.problem.setObjectName("passphraseProblem")
        self.problem.setWordWrap(True)
        self.problem.setTextFormat(Qt.TextFormat.PlainText)
        self.problem.hide()
        self.rules = QLabel(
            tr(
                "At least %1 characters. A few unrelated words are easy to remember and hard to "
                "guess."
            ).replace("%1", str(MIN_PASSPHRASE_LENGTH)),
            self,
        )
        self.rules.setWordWrap(True)
        self.forget_warning = QLabel(
            warning(
                tr(
                    "If you forget this passphrase, nobody can open your conversations again: "
                    "not Confide, not your IT support. Write it down and keep it somewhere safe."
                )
            ),
            self,
        )
        self.forget_warning.setObjectName("passphraseWarning")
        self.forget_warning.setWordWrap(True)

        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        first_label = QLabel(label or tr("&Passphrase:"), self)
        first_label.setBuddy(self.passphrase_field.edit)
        again_label = QLabel(tr("&Again:"), self)
        again_label.setBuddy(self.confirm_field.edit)
        form.addRow(first_label, self.passphrase_field)
        form.addRow(again_label, self.confirm_field)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.rules)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.forget_warning)
        self.setFocusProxy(self.passphrase_field)

        self._valid = False
        self.passphrase_field.textChanged.connect(self._update)
        self.confirm_field.textChanged.connect(self._update)
        self.passphrase_field.returnPressed.connect(self.confirm_field.edit.setFocus)
        self.confirm_field.returnPressed.connect(self.returnPressed)

    def passphrase(self) -> str:
        return self.passphrase_field.text()

    def is_valid(self) -> bool:
        return self._valid

    def clear(self) -> None:
        self.passphrase_field.clear()
        self.confirm_field.clear()

    def _update(self) -> None:
        passphrase, confirmation = self.passphrase(), self.confirm_field.text()
        problem = new_passphrase_problem(passphrase, confirmation)
        self.problem.setText(warning(problem) if problem else "")
        self.problem.setVisible(problem is not None)
        self.confirm_field.edit.setAccessibleDescription(problem or "")
        valid = (
            problem is None
            and passphrase_length(passphrase) >= MIN_PASSPHRASE_LENGTH
            and confirmation == passphrase
        )
        if valid != self._valid:
            self._valid = valid
            self.validityChanged.emit(valid)
