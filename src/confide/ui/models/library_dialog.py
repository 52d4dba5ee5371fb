"""The model library window: find a model like in a shop, see what is installed, downloads.

Three tabs: "Find a model" (search, filters, "Recommended for you", a grid of cards and the
detail panel), "On this computer" and "Downloads". The window is a view on the
:class:`~confide.ui.models.controller.ModelLibrary`, which outlives it, so closing the window
never stops a download.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSize, Qt
from PySide6.QtGui import QKeySequence, QResizeEvent, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from confide.core.catalog import (
    TASK_LABELS,
    UI_LANGUAGES,
    Capability,
    LibraryQuery,
    SortOrder,
    Task,
    query_library,
    recommended_picks,
)
from confide.core.hardware import format_gib
from confide.ui.errors import ErrorText
from confide.ui.models.card_delegate import CardDelegate
from confide.ui.models.controller import ModelLibrary
from confide.ui.models.detail_panel import DetailPanel
from confide.ui.models.downloads import DownloadsPanel
from confide.ui.models.installed import InstalledPage
from confide.ui.models.library_data import LibrarySnapshot
from confide.ui.models.library_model import Card, CardCache, LibraryModel
from confide.ui.models.text import capability_label, english_plural, language_label, task_label

_FILTER_CAPABILITIES = (
    Capability.VISION,
    Capability.TOOLS,
    Capability.THINKING,
    Capability.CODE,
    Capability.EMBEDDING,
)


class CardGrid(QListView):
    """Cards laid out left to right and wrapped, like a shop shelf.

    The card width follows the view: as many columns as fit at ``min_width``, sharing the
    width between them, so the shelf never ends in a ragged gap. A shelf that does not wrap
    (the recommendations) shows all its cards side by side when there is room.
    """

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        wrapping: bool = True,
        min_width: int = 300,
        compact: bool = False,
    ) -> None:
        super().__init__(parent)
        self.min_width = min_width
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(wrapping)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setUniformItemSizes(True)
        self.setSpacing(6)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setMouseTracking(True)  # hover outlines
        self.setDragEnabled(False)
        self.card_delegate = CardDelegate(self, compact=compact)
        self.setItemDelegate(self.card_delegate)

    def fit_cards(self) -> None:
        spacing = self.spacing()
        available = self.viewport().width() - spacing - 2
        columns = max(1, available // (self.min_width + spacing))
        if not self.isWrapping():
            count = self.model().rowCount() if self.model() is not None else 0
            columns = max(1, min(columns, count))
        width = max(self.min_width if self.isWrapping() else 200, available // columns - spacing)
        if width != self.card_delegate.card_width:
            self.card_delegate.card_width = width
            self.scheduleDelayedItemsLayout()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit_cards()


class LibraryDialog(QDialog):
    def __init__(self, library: ModelLibrary, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("libraryDialog")
        self.setWindowTitle(self.tr("Model library"))
        self.setModal(False)
        self.library = library
        self._snapshot: LibrarySnapshot | None = None
        self._cache: CardCache | None = None

        # -- Find a model -------------------------------------------------------------------
        find = QWidget(self)
        find.setObjectName("libraryFind")
        self.search = QLineEdit(find)
        self.search.setObjectName("librarySearch")
        self.search.setPlaceholderText(
            self.tr("Search by name, maker, language or task, e.g. “polski” or “legal”")
        )
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName(self.tr("Search models"))
        self.sort = QComboBox(find)
        self.sort.setAccessibleName(self.tr("Sort models"))
        for text, order in (
            (self.tr("Recommended first"), SortOrder.RECOMMENDED),
            (self.tr("Smallest download first"), SortOrder.SIZE),
            (self.tr("Newest first"), SortOrder.NEWEST),
            (self.tr("By name"), SortOrder.NAME),
        ):
            self.sort.addItem(text, order.value)
        sort_label = QLabel(self.tr("&Sort:"), find)
        sort_label.setBuddy(self.sort)

        self.task = QComboBox(find)
        self.task.setAccessibleName(self.tr("Filter by task"))
        self.task.addItem(self.tr("Any task"), None)
        for task in TASK_LABELS:
            self.task.addItem(task_label(task), task.value)
        self.language = QComboBox(find)
        self.language.setAccessibleName(self.tr("Filter by language"))
        self.language.addItem(self.tr("Any language"), None)
        for code in UI_LANGUAGES:
            self.language.addItem(language_label(code), code)
        self.capability = QComboBox(find)
        self.capability.setAccessibleName(self.tr("Filter by ability"))
        self.capability.addItem(self.tr("Any ability"), None)
        for capability in _FILTER_CAPABILITIES:
            self.capability.addItem(capability_label(capability), capability.value)
        self.fits_only = QCheckBox(self.tr("Fits this computer"), find)
        self.fits_only.setToolTip(
            self.tr("Hide models that need more memory than this computer has")
        )
        self.installed_only = QCheckBox(self.tr("Installed only"), find)
        self.commercial_only = QCheckBox(self.tr("Commercial use allowed"), find)
        self.commercial_only.setToolTip(
            self.tr("Only models whose licence allows use in a business (some with conditions)")
        )
        self.fully_open = QCheckBox(self.tr("Fully open"), find)
        self.fully_open.setToolTip(
            self.tr(
                "Only models whose weights, training data, training code, evaluation code "
                "and training logs are all published"
            )
        )
        for box in (self.fits_only, self.installed_only, self.commercial_only, self.fully_open):
            box.setAccessibleName(box.text())

        top_row = QHBoxLayout()
        top_row.addWidget(self.search, 1)
        top_row.addWidget(sort_label)
        top_row.addWidget(self.sort)
        filter_row = QHBoxLayout()
        for widget in (
            self.task,
            self.language,
            self.capability,
            self.fits_only,
            self.installed_only,
            self.commercial_only,
            self.fully_open,
        ):
            filter_row.addWidget(widget)
        filter_row.addStretch(1)

        self.banner = QLabel(find)
        self.banner.setObjectName("libraryBanner")
        self.banner.setWordWrap(True)
        self.banner.hide()

        self.recommended_title = QLabel(self.tr("Recommended for you"), find)
        self.recommended_title.setObjectName("librarySection")
        self.recommended_hint = QLabel(find)
        self.recommended_hint.setObjectName("libraryHint")
        self.recommended_model = LibraryModel(self)
        self.recommended = CardGrid(find, wrapping=False, min_width=260, compact=True)
        self.recommended.setObjectName("libraryRecommended")
        self.recommended.setAccessibleName(self.tr("Recommended for you"))
        self.recommended.setModel(self.recommended_model)
        self.recommended.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.recommended.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

        self.count = QLabel(find)
        self.count.setObjectName("librarySection")
        self.model = LibraryModel(self)
        self.grid = CardGrid(find)
        self.grid.setObjectName("libraryGrid")
        self.grid.setAccessibleName(self.tr("Models"))
        self.grid.setModel(self.model)
        self.loading = QLabel(self.tr("Loading the model library…"), find)
        self.loading.setObjectName("libraryHint")
        self.loading.setAlignment(Qt.AlignmentFlag.AlignCenter)

        shelf = QWidget(find)
        shelf_layout = QVBoxLayout(shelf)
        shelf_layout.setContentsMargins(0, 0, 0, 0)
        shelf_layout.addWidget(self.banner)
        shelf_layout.addWidget(self.recommended_title)
        shelf_layout.addWidget(self.recommended_hint)
        shelf_layout.addWidget(self.recommended)
        shelf_layout.addWidget(self.count)
        shelf_layout.addWidget(self.loading, 1)
        shelf_layout.addWidget(self.grid, 1)

        self.detail = DetailPanel(library, find)
        self.detail.setMinimumWidth(340)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, find)
        self.splitter.addWidget(shelf)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setChildrenCollapsible(False)

        find_layout = QVBoxLayout(find)
        find_layout.setContentsMargins(12, 12, 12, 0)
        find_layout.addLayout(top_row)
        find_layout.addLayout(filter_row)
        find_layout.addWidget(self.splitter, 1)

        # -- the other tabs and the footer --------------------------------------------------
        self.installed = InstalledPage(library, self)
        self.downloads = DownloadsPanel(library.downloads, self)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("libraryTabs")
        self.tabs.addTab(find, self.tr("Find a model"))
        self.tabs.addTab(self.installed, self.tr("On this computer"))
        self.tabs.addTab(self.downloads, self.tr("Downloads"))

        self.add_by_name_button = QPushButton(self.tr("Add by name…"), self)
        self.add_by_name_button.setAccessibleName(
            self.tr("Download a model by its name (for advanced users)")
        )
        self.import_button = QPushButton(self.tr("Import model file…"), self)
        self.import_button.setAccessibleName(self.tr("Import a GGUF model file from this computer"))
        self.close_button = QPushButton(self.tr("Close"), self)
        footer = QHBoxLayout()
        footer.setContentsMargins(12, 8, 12, 12)
        footer.addWidget(self.add_by_name_button)
        footer.addWidget(self.import_button)
        footer.addStretch(1)
        footer.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(footer)
        self.resize(1180, 780)

        # -- behaviour ----------------------------------------------------------------------
        self.search.textChanged.connect(self.apply_query)
        for combo in (self.sort, self.task, self.language, self.capability):
            combo.currentIndexChanged.connect(self.apply_query)
        for box in (self.fits_only, self.installed_only, self.commercial_only, self.fully_open):
            box.toggled.connect(self.apply_query)
        self.grid.selectionModel().currentChanged.connect(self._on_current_card)
        self.recommended.clicked.connect(self._on_recommended_clicked)
        self.recommended.activated.connect(self._on_recommended_clicked)
        self.detail.closeRequested.connect(self.hide)
        self.add_by_name_button.clicked.connect(lambda: library.open_add_by_name(self))
        self.import_button.clicked.connect(lambda: library.open_import(self))
        self.close_button.clicked.connect(self.hide)
        library.snapshotChanged.connect(self.show_snapshot)
        library.actionFailed.connect(self._on_action_failed)
        library.downloads.started.connect(self._on_download_started)
        search_shortcut = QShortcut(QKeySequence.StandardKey.Find, self)
        search_shortcut.activated.connect(self._focus_search)

        self.grid.hide()
        self.count.hide()
        self._show_recommended(False)
        if library.snapshot is not None:
            self.show_snapshot(library.snapshot)
        self.search.setFocus()

    # -- data -----------------------------------------------------------------------------

    def query(self) -> LibraryQuery:
        # Combo data holds the enums' values: Qt stores a str-based enum as a plain str.
        task, language = self.task.currentData(), self.language.currentData()
        capability, sort = self.capability.currentData(), self.sort.currentData()
        return LibraryQuery(
            text=self.search.text(),
            task=Task(task) if task else None,
            language=language or None,
            capability=Capability(capability) if capability else None,
            commercial_only=self.commercial_only.isChecked(),
            fits_only=self.fits_only.isChecked(),
            installed_only=self.installed_only.isChecked(),
            fully_open_only=self.fully_open.isChecked(),
            sort=SortOrder(sort) if sort else SortOrder.RECOMMENDED,
        )

    def show_snapshot(self, snapshot: object) -> None:
        assert isinstance(snapshot, LibrarySnapshot)
        self._snapshot = snapshot
        self._cache = CardCache(snapshot)
        self.loading.hide()
        self.grid.show()
        self.count.show()
        if snapshot.daemon_error is not None:
            self.banner.setText(
                self.tr(
                    "Ollama is not running, so installed models are not shown and downloads "
                    "wait until it is. You can still browse."
                )
            )
        self.banner.setVisible(snapshot.daemon_error is not None)
        picks = recommended_picks(snapshot.entries)
        self.recommended_model.set_cards([self._cache.card(entry) for entry in picks])
        self.recommended.fit_cards()
        hardware = snapshot.hardware
        memory = format_gib(hardware.total_ram_bytes)
        if hardware.has_dedicated_gpu and not hardware.unified_memory:
            basis = self.tr(
                "Chosen for this computer (%1 of memory, %2 on the graphics card) and your "
                "language."
            )
            basis = basis.replace("%1", memory).replace("%2", format_gib(hardware.gpu_total_bytes))
        else:
            basis = self.tr("Chosen for this computer (%1 of memory) and your language.").replace(
                "%1", memory
            )
        self.recommended_hint.setText(basis)
        self.installed.show_snapshot(snapshot)
        self.apply_query()

    def apply_query(self, *_args: object) -> None:
        snapshot, cache = self._snapshot, self._cache
        if snapshot is None or cache is None:
            return
        query = self.query()
        current = self.current_card()
        keep = current.key if current is not None else None
        rows = query_library(snapshot.entries, query)
        cards = cache.group(rows, prefer_installed=query.sort is SortOrder.RECOMMENDED)
        self.model.set_cards(cards)
        browsing = query == LibraryQuery(sort=query.sort)
        self._show_recommended(browsing and self.recommended_model.rowCount() > 0)
        if cards and browsing:
            self.count.setText(self.tr("All models (%1)").replace("%1", str(len(cards))))
        elif cards:
            matched = self.tr("%n matching model(s)", "", len(cards))
            self.count.setText(english_plural(matched, len(cards)))
        else:
            self.count.setText(self.tr("No model matches. Try a shorter search or fewer filters."))
        row = self.model.row_of(keep) if keep is not None else -1
        if row < 0 and cards:
            row = 0
        if row >= 0:
            self.grid.setCurrentIndex(self.model.index(row, 0))
        else:
            self.detail.show_card(None, None)

    def _show_recommended(self, visible: bool) -> None:
        for widget in (self.recommended_title, self.recommended_hint, self.recommended):
            widget.setVisible(visible)
        if visible:
            hint = self.recommended.sizeHintForRow(0) if self.recommended_model.rowCount() else 0
            scroll = self.recommended.horizontalScrollBar().sizeHint().height()
            self.recommended.setFixedHeight(hint + 2 * self.recommended.spacing() + scroll)

    # -- selection ------------------------------------------------------------------------

    def current_card(self) -> Card | None:
        index = self.grid.currentIndex()
        card = index.data(LibraryModel.CardRole) if index.isValid() else None
        return card if isinstance(card, Card) else None

    def select_card(self, key: str) -> bool:
        row = self.model.row_of(key)
        if row < 0:
            return False
        self.grid.setCurrentIndex(self.model.index(row, 0))
        self.grid.scrollTo(self.model.index(row, 0))
        return True

    def _on_current_card(
        self, current: QModelIndex | QPersistentModelIndex, _previous: object = None
    ) -> None:
        card = current.data(LibraryModel.CardRole) if current.isValid() else None
        self.detail.show_card(card if isinstance(card, Card) else None, self._snapshot)

    def _on_recommended_clicked(self, index: QModelIndex | QPersistentModelIndex) -> None:
        card = index.data(LibraryModel.CardRole)
        if not isinstance(card, Card):
            return
        if not self.select_card(card.key):
            self.detail.show_card(card, self._snapshot)

    def _focus_search(self) -> None:
        self.tabs.setCurrentIndex(0)
        self.search.setFocus()
        self.search.selectAll()

    # -- reactions ------------------------------------------------------------------------

    def _on_action_failed(self, error: object) -> None:
        if isinstance(error, ErrorText) and self.isVisible():
            QMessageBox.warning(self, error.title, error.message)

    def _on_download_started(self, name: str) -> None:
        self.downloads.select(name)

    def sizeHint(self) -> QSize:
        return QSize(1180, 780)
