"""The retention rule: "Delete conversations older than N days", off by default."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from confide.core.store import Store
from confide.core.store.erasure import DAY_MS
from confide.ui.privacy.busy import StatusLine
from confide.ui.privacy.settings import (
    DEFAULT_RETENTION_DAYS,
    MAX_RETENTION_DAYS,
    RETENTION_SETTING,
    read_days,
)
from confide.ui.privacy.texts import tr, warning
from confide.ui.store_gateway import StoreGateway


def _count_older(store: Store, days: int) -> int:
    cutoff = store.options.clock() - days * DAY_MS
    return len(store.conversations.ids_older_than(cutoff))


def _save_and_apply(store: Store, days: int | None) -> int:
    store.settings.set(RETENTION_SETTING, days)
    return store.apply_retention() if days is not None else 0


class RetentionPanel(QWidget):
    retentionChanged = Signal(int)  # days; 0: keep everything

    def __init__(self, gateway: StoreGateway, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._gateway = gateway
        self._saved: int | None = None
        self._loaded = False
        self.confirmation: QMessageBox | None = None

        intro = QLabel(
            tr(
                "Confide keeps your conversations until you delete them. Some offices must "
                "not keep them longer than a set time: Confide can then delete them for you."
            ),
            self,
        )
        intro.setWordWrap(True)
        self.enabled = QCheckBox(tr("Delete conversations older than"), self)
        self.days = QSpinBox(self)
        self.days.setRange(1, MAX_RETENTION_DAYS)
        self.days.setValue(DEFAULT_RETENTION_DAYS)
        self.days.setAccessibleName(tr("Days without activity before a conversation is deleted"))
        unit = QLabel(tr("days"), self)
        unit.setBuddy(self.days)
        explanation = QLabel(
            tr(
                "A conversation counts from the last time something was written in it. It is "
                "deleted for good, from the backups too, pinned or not. Confide checks when it "
                "starts and once a day."
            ),
            self,
        )
        explanation.setWordWrap(True)
        self.apply_button = QPushButton(tr("Apply"), self)
        self.apply_button.setAccessibleDescription(tr("Saves the rule and applies it now"))
        self.status = StatusLine(self)

        row = QHBoxLayout()
        row.addWidget(self.enabled)
        row.addWidget(self.days)
        row.addWidget(unit)
        row.addStretch(1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.apply_button)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(row)
        layout.addWidget(explanation)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        layout.addStretch(1)

        self.enabled.toggled.connect(lambda _on: self._update())
        self.days.valueChanged.connect(lambda _value: self._update())
        self.apply_button.clicked.connect(self.apply)
        self._busy = False
        self._update()

    @property
    def chosen_days(self) -> int | None:
        return self.days.value() if self.enabled.isChecked() else None

    def refresh(self) -> None:
        def read(store: Store) -> int | None:
            return read_days(store.settings.get(RETENTION_SETTING))

        handle = self._gateway.run("read-retention", read)
        handle.succeeded.connect(self._show_saved)
        handle.failed.connect(self.status.show_error)

    def _show_saved(self, days: object) -> None:
        self._saved = read_days(days)
        self._loaded = True
        self.enabled.setChecked(self._saved is not None)
        self.days.setValue(self._saved or DEFAULT_RETENTION_DAYS)
        self._update()

    def _update(self) -> None:
        self.days.setEnabled(self.enabled.isChecked() and not self._busy)
        self.enabled.setEnabled(not self._busy and self._loaded)
        self.apply_button.setEnabled(
            self._loaded and not self._busy and self.chosen_days != self._saved
        )

    def _set_busy(self, text: str | None) -> None:
        self._busy = text is not None
        if text is not None:
            self.status.set_busy(text)
        self._update()

    def apply(self) -> None:
        days = self.chosen_days
        if days is None:
            self._save(None)
            return
        self._set_busy(tr("Looking for older conversations…"))
        handle = self._gateway.run("count-old-conversations", lambda s: _count_older(s, days))
        handle.succeeded.connect(lambda count: self._confirm(days, count))
        handle.failed.connect(self._failed)

    def _confirm(self, days: int, count: int) -> None:
        self._set_busy(None)
        self.status.clear()
        if count == 0:
            self._save(days)
            return
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(tr("Delete older conversations?"))
        box.setText(
            warning(
                tr(
                    "%n conversation(s) had no activity for more than %1 days. They will be "
                    "deleted now, for good, including from the backups.",
                    count,
                ).replace("%1", str(days))
            )
        )
        delete = box.addButton(
            tr("Delete them and keep this rule"), QMessageBox.ButtonRole.AcceptRole
        )
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        self.confirmation = box

        def answered() -> None:
            self.confirmation = None
            if box.clickedButton() is delete:
                self._save(days)
            box.deleteLater()

        box.finished.connect(lambda _code: answered())
        box.open()

    def _save(self, days: int | None) -> None:
        self._set_busy(tr("Saving…") if days is None else tr("Deleting older conversations…"))
        handle = self._gateway.run("save-retention", lambda s: _save_and_apply(s, days))
        handle.succeeded.connect(lambda erased: self._saved_ok(days, erased))
        handle.failed.connect(self._failed)

    def _saved_ok(self, days: int | None, erased: int) -> None:
        self._saved = days
        self._set_busy(None)
        if days is None:
            self.status.show_message(tr("Conversations are kept until you delete them."))
        elif erased:
            self.status.show_message(tr("Saved. Older conversations deleted: %n.", erased))
        else:
            self.status.show_message(
                tr("Saved. Conversations older than %1 days will be deleted.").replace(
                    "%1", str(days)
                )
            )
        self.retentionChanged.emit(days or 0)

    def _failed(self, error: object) -> None:
        self._set_busy(None)
        self.status.show_error(error)
