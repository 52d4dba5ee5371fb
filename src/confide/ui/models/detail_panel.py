"""The full card of one model: every size in plain words, and Download / Use / Remove."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from confide.core.catalog import UI_LANGUAGES, Capability, LanguageLevel, LibraryEntry, Variant
from confide.core.catalog.labels import LANGUAGE_LEVEL_LABELS
from confide.ui.models.actions import confirm_download, confirm_removal, removal_names
from confide.ui.models.controller import ModelLibrary
from confide.ui.models.downloads import DownloadItem, DownloadsModel, DownloadState, download_key
from confide.ui.models.library_data import LibrarySnapshot
from confide.ui.models.library_model import Card
from confide.ui.models.text import (
    catalog_text,
    commercial_label,
    fit_phrase,
    fit_tooltip,
    format_size,
    format_speed_result,
    format_when,
    language_label,
    task_label,
    tier_word,
    tr_catalog,
)


def _set_primary(button: QPushButton, primary: bool) -> None:
    name = "primaryButton" if primary else ""
    if button.objectName() != name:
        button.setObjectName(name)
        # The style sheet selects on the object name; re-apply it after the change.
        button.style().unpolish(button)
        button.style().polish(button)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class DetailPanel(QWidget):
    """Shows one card in full, and acts on it through the library controller."""

    closeRequested = Signal()  # after "Use": the chat is where the user wants to be

    def __init__(self, library: ModelLibrary, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("libraryDetail")
        self.library = library
        self._card: Card | None = None
        self._snapshot: LibrarySnapshot | None = None
        self._entries: tuple[LibraryEntry, ...] = ()

        self.title = QLabel(self)
        self.title.setObjectName("libraryDetailTitle")
        self.title.setWordWrap(True)
        self.maker = QLabel(self)
        self.maker.setObjectName("libraryHint")
        self.maker.setWordWrap(True)
        self.badges = QLabel(self)
        self.badges.setObjectName("libraryDetailBadges")
        self.badges.setWordWrap(True)
        self.description = QLabel(self)
        self.description.setWordWrap(True)
        self.caution = QLabel(self)
        self.caution.setObjectName("libraryCaution")
        self.caution.setWordWrap(True)

        self.sizes_label = QLabel(self.tr("Choose a size"), self)
        self.sizes_label.setObjectName("librarySection")
        self.sizes = QListWidget(self)
        self.sizes.setObjectName("librarySizes")
        self.sizes.setAccessibleName(self.tr("Sizes of this model"))
        self.sizes.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.sizes.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.sizes_label.setBuddy(self.sizes)
        self.variant_description = QLabel(self)
        self.variant_description.setWordWrap(True)
        self.variant_description.setObjectName("libraryHint")

        self.progress = QProgressBar(self)
        self.progress.setObjectName("libraryProgress")
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(8)
        self.progress.setAccessibleName(self.tr("Download progress"))
        self.progress_text = QLabel(self)
        self.progress_text.setWordWrap(True)
        self.progress_text.setObjectName("libraryHint")

        self.install_button = QPushButton(self)
        self.install_button.setObjectName("primaryButton")
        self.use_button = QPushButton(self.tr("Use in chat"), self)
        self.use_button.setAccessibleName(self.tr("Chat with this model"))
        self.remove_button = QPushButton(self.tr("Remove…"), self)
        self.remove_button.setAccessibleName(self.tr("Remove this model from the computer"))
        self.speed_button = QPushButton(self.tr("Test speed"), self)
        self.speed_button.setAccessibleName(self.tr("Test how fast this model answers here"))
        buttons = QHBoxLayout()
        buttons.addWidget(self.install_button)
        buttons.addWidget(self.use_button)
        buttons.addWidget(self.speed_button)
        buttons.addStretch(1)
        buttons.addWidget(self.remove_button)
        self.speed_text = QLabel(self)
        self.speed_text.setWordWrap(True)
        self.speed_text.setObjectName("libraryHint")

        self.facts = QLabel(self)
        self.facts.setWordWrap(True)
        self.facts.setTextFormat(Qt.TextFormat.RichText)
        self.facts.setOpenExternalLinks(False)
        self.facts.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.placeholder = QLabel(self.tr("Choose a model to see its details."), self)
        self.placeholder.setObjectName("libraryHint")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)

        content = QWidget(self)
        content.setObjectName("libraryDetailContent")
        column = QVBoxLayout(content)
        column.setContentsMargins(18, 16, 18, 16)
        column.setSpacing(8)
        for widget in (self.title, self.maker, self.badges, self.description, self.caution):
            column.addWidget(widget)
        column.addSpacing(6)
        column.addWidget(self.sizes_label)
        column.addWidget(self.sizes)
        column.addWidget(self.variant_description)
        column.addWidget(self.progress)
        column.addWidget(self.progress_text)
        column.addLayout(buttons)
        column.addWidget(self.speed_text)
        column.addSpacing(6)
        column.addWidget(self.facts)
        column.addStretch(1)
        self.content = content
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(content)
        self.scroll_area = scroll
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.placeholder, 1)
        layout.addWidget(scroll, 1)
        scroll.hide()

        self.sizes.currentRowChanged.connect(self._on_size_chosen)
        self.install_button.clicked.connect(self._install)
        self.use_button.clicked.connect(self._use)
        self.remove_button.clicked.connect(self._remove)
        self.speed_button.clicked.connect(self._speed)
        library.downloads.stateChanged.connect(lambda _name: self._update_actions())
        library.downloads.model.dataChanged.connect(self._on_download_progress)
        library.speedTestsChanged.connect(self._update_actions)
        library.speedTested.connect(lambda _name, _result: self._update_actions())
        library.speedTestFailed.connect(self._on_speed_failed)

    # -- what is shown --------------------------------------------------------------------

    @property
    def entry(self) -> LibraryEntry | None:
        row = self.sizes.currentRow()
        return self._entries[row] if 0 <= row < len(self._entries) else None

    @property
    def card(self) -> Card | None:
        return self._card

    def show_card(self, card: Card | None, snapshot: LibrarySnapshot | None) -> None:
        previous = self.entry.key if self.entry is not None and self._card is not None else None
        same_card = self._card is not None and card is not None and self._card.key == card.key
        self._card, self._snapshot = card, snapshot
        if card is None or snapshot is None:
            self.scroll_area.hide()
            self.placeholder.show()
            self._entries = ()
            return
        self.placeholder.hide()
        self.scroll_area.show()
        self.title.setText(card.title)
        self.maker.setText(card.maker)
        self.badges.setText("  ·  ".join(badge.text for badge in card.badges))
        self.description.setText(card.description)
        entry = card.entry
        family = entry.family
        caution = catalog_text(family.caution) if family is not None else ""
        self.caution.setText(caution)
        self.caution.setVisible(bool(caution))

        self._entries = snapshot.family_entries(entry)
        self.sizes.blockSignals(True)
        self.sizes.clear()
        siblings = tuple(e.variant for e in self._entries if e.variant is not None)
        for sibling in self._entries:
            item = QListWidgetItem(self._size_text(sibling, siblings), self.sizes)
            item.setToolTip(fit_tooltip(sibling.fit))
            item.setData(Qt.ItemDataRole.AccessibleTextRole, item.text().replace("\n", ", "))
        keep = previous if same_card else entry.key
        row = next((i for i, e in enumerate(self._entries) if e.key == keep), 0)
        self.sizes.setCurrentRow(row)
        self.sizes.blockSignals(False)
        self.sizes.setFixedHeight(
            self.sizes.sizeHintForRow(0) * max(len(self._entries), 1) + 2 * self.sizes.frameWidth()
        )
        self.sizes_label.setVisible(entry.variant is not None)
        self._on_size_chosen()

    def _size_text(self, entry: LibraryEntry, siblings: tuple[Variant, ...]) -> str:
        """Two lines: 'Standard · 4.7 GB · 8B' and 'Runs well on this computer · Installed'.

        The parameter count stays, small and last, for those who know what it means."""
        variant = entry.variant
        if variant is None:
            head = self.tr("%1 on disk").replace("%1", format_size(entry.download_size_bytes))
        else:
            head = " · ".join(
                (
                    tier_word(variant, siblings),
                    format_size(variant.download_size_bytes),
                    variant.label,
                )
            )
        state = fit_phrase(entry.fit)
        status = state[:1].upper() + state[1:]
        if entry.installed:
            status += " · " + self.tr("Installed")
        return f"{head}\n{status}"

    def _on_size_chosen(self, *_args: object) -> None:
        entry = self.entry
        if entry is None:
            return
        variant = entry.variant
        text = catalog_text(variant.description) if variant is not None else ""
        if variant is not None and variant.caution is not None:
            text += "\n" + catalog_text(variant.caution)
        self.variant_description.setText(text)
        self.variant_description.setVisible(bool(text))
        self.sizes.setToolTip(fit_tooltip(entry.fit))
        self.facts.setText(self._facts(entry))
        self._update_actions()

    def _facts(self, entry: LibraryEntry) -> str:
        rows: list[tuple[str, str]] = []
        snapshot = self._snapshot
        variant = entry.variant
        if entry.tasks:
            rows.append(
                (
                    self.tr("Good at"),
                    ", ".join(task_label(t) for t in sorted(entry.tasks, key=lambda t: t.value)),
                )
            )
        if entry.languages is not None:
            levels = []
            for code in UI_LANGUAGES:
                level = entry.languages.level(code)
                if level is not LanguageLevel.NONE:
                    words = tr_catalog(LANGUAGE_LEVEL_LABELS[level])
                    levels.append(f"{language_label(code)}: {words}")
            rows.append((self.tr("Languages"), "; ".join(levels)))
        if variant is not None:
            licence = variant.license
            rows.append(
                (
                    self.tr("Licence"),
                    f"{licence.name}: {commercial_label(licence.commercial_use)}. "
                    f"{catalog_text(licence.summary)}",
                )
            )
            rows.append((self.tr("Released"), variant.released.text))
        if entry.family is not None and entry.family.openness.is_fully_open:
            rows.append(
                (
                    self.tr("Openness"),
                    self.tr("Fully open: weights, training data and training code are published."),
                )
            )
        if entry.variant is None:
            installed = entry.installed[0] if entry.installed else None
            info = snapshot.infos.get(installed.name) if snapshot and installed else None
            if installed is not None:
                rows.append((self.tr("Name"), installed.name))
            if info is not None:
                details = info.details
                described = ", ".join(
                    part
                    for part in (details.family, details.parameter_size, details.quantization)
                    if part
                )
                if described:
                    rows.append((self.tr("Details"), described))
                if info.context_length:
                    rows.append(
                        (
                            self.tr("Reads at most"),
                            self.tr("%1 tokens at once").replace("%1", f"{info.context_length:,}"),
                        )
                    )
                if info.license.strip():
                    rows.append((self.tr("Licence"), info.license.strip().splitlines()[0][:120]))
        if entry.installed and snapshot is not None:
            rows.append((self.tr("On disk"), format_size(entry.installed[0].size_bytes)))
            usage = snapshot.usage_of(entry.run_name)
            rows.append((self.tr("Last used"), format_when(usage.last_used)))
        return "".join(
            f"<p style='margin:0 0 6px 0'><b>{_escape(label)}</b><br>{_escape(value)}</p>"
            for label, value in rows
            if value
        )

    # -- actions --------------------------------------------------------------------------

    def _download_name(self, entry: LibraryEntry) -> str:
        return entry.variant.pull_name if entry.variant is not None else entry.display_name

    def _download_item(self) -> DownloadItem | None:
        entry = self.entry
        if entry is None:
            return None
        return self.library.downloads.item(self._download_name(entry))

    def _update_actions(self) -> None:
        entry = self.entry
        if entry is None or self._card is None:
            return
        installed = entry.is_installed
        can_chat = Capability.CHAT in entry.capabilities or not entry.capabilities
        item = self._download_item()
        pending = item is not None and (item.state is DownloadState.QUEUED or item.state.active)
        self.install_button.setVisible(not installed and entry.variant is not None)
        if pending and item is not None:
            # While it downloads, the same place offers the way out.
            self.install_button.setText(self.tr("Cancel download"))
            self.install_button.setEnabled(True)
            _set_primary(self.install_button, False)
        else:
            _set_primary(self.install_button, True)
            self.install_button.setText(
                self.tr("Download (%1)").replace("%1", format_size(entry.download_size_bytes))
            )
            self.install_button.setEnabled(True)
        self.install_button.setAccessibleName(self.install_button.text())
        self.use_button.setVisible(installed)
        self.use_button.setEnabled(can_chat)
        self.use_button.setToolTip(
            "" if can_chat else self.tr("This model searches documents; it cannot chat.")
        )
        self.remove_button.setVisible(installed)
        testing = installed and self.library.is_testing(entry.run_name)
        self.speed_button.setVisible(installed and can_chat)
        self.speed_button.setText(self.tr("Stop test") if testing else self.tr("Test speed"))
        speed = (
            self._snapshot.usage_of(entry.run_name).speed
            if installed and self._snapshot is not None
            else None
        )
        if testing:
            self.speed_text.setText(
                self.tr("Testing: loading the model and asking a short question…")
            )
        elif speed is not None:
            self.speed_text.setText(
                format_speed_result(speed.tokens_per_second, speed.load_seconds)
            )
        else:
            self.speed_text.setText("")
        self.speed_text.setVisible(bool(self.speed_text.text()))
        self._show_progress(item)

    def _show_progress(self, item: DownloadItem | None) -> None:
        visible = item is not None and (
            item.state is DownloadState.QUEUED
            or item.state.active
            or item.state is DownloadState.FAILED
            or item.state is DownloadState.CANCELLED
        )
        self.progress.setVisible(
            bool(visible) and item is not None and item.state is not DownloadState.FAILED
        )
        self.progress_text.setVisible(bool(visible))
        if item is None or not visible:
            return
        fraction = item.fraction
        if fraction is None and item.state.active:
            self.progress.setRange(0, 0)
        else:
            self.progress.setRange(0, 1000)
            self.progress.setValue(round((fraction or 0.0) * 1000))
        percent = item.percent_text()
        status = item.status_text()
        self.progress_text.setText(f"{percent} · {status}" if percent else status)

    def _on_download_progress(
        self,
        top_left: QModelIndex | QPersistentModelIndex,
        _bottom_right: object = None,
        _roles: object = None,
    ) -> None:
        entry = self.entry
        if entry is None or not self.isVisible():
            return
        item = top_left.data(DownloadsModel.ItemRole)
        if isinstance(item, DownloadItem) and item.key == download_key(self._download_name(entry)):
            self._show_progress(item)

    def _install(self) -> None:
        entry, card = self.entry, self._card
        if entry is None or card is None or entry.variant is None:
            return
        if self.library.downloads.is_pending(entry.variant.pull_name):
            self.library.downloads.cancel(entry.variant.pull_name)
            return
        title = f"{card.title} · {self.sizes.currentItem().text().split(' · ')[0]}"
        if not confirm_download(self, title, entry):
            return
        self.library.downloads.enqueue(entry.variant.pull_name, title, entry.download_size_bytes)

    def _use(self) -> None:
        entry = self.entry
        if entry is not None and entry.installed:
            self.library.use(entry.run_name)
            self.closeRequested.emit()

    def _remove(self) -> None:
        entry, card, snapshot = self.entry, self._card, self._snapshot
        if entry is None or card is None or snapshot is None or not entry.installed:
            return
        if confirm_removal(self, card.title, entry, snapshot):
            self.library.remove(removal_names(entry))

    def _speed(self) -> None:
        entry = self.entry
        if entry is None or not entry.installed:
            return
        if self.library.is_testing(entry.run_name):
            self.library.stop_speed_test(entry.run_name)
        else:
            self.library.test_speed(entry.run_name)

    def _on_speed_failed(self, name: str, error: object) -> None:
        entry = self.entry
        if entry is not None and entry.installed and entry.run_name == name:
            title = getattr(error, "title", "")
            message = getattr(error, "message", "")
            self.speed_text.setText(
                self.tr("The speed test failed: %1 %2")
                .replace("%1", title + ".")
                .replace("%2", message)
            )
            self.speed_text.setVisible(True)
