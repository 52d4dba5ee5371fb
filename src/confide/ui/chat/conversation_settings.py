"""Conversation settings: the instructions the model follows and how it answers.

A preset fills the instructions and options in one go; the user may then change anything.
Built-in presets cannot be changed (a "Reset" brings back their text) and are shown in the
user's language by key, since the database holds them in English. The user's own presets can
be saved from the current settings, updated, renamed and deleted. Presets load and save on
the store thread; the dialog works with or without them.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QShowEvent, QTextCursor
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from confide.core.conversation_settings import (
    MAX_SEED,
    MAX_TEMPERATURE,
    MIN_NUM_CTX,
    MIN_TEMPERATURE,
    ConversationSettings,
)
from confide.core.ollama.types import ModelInfo
from confide.core.store import Preset, Store, StoreError, StoreErrorKind
from confide.ui.store_gateway import StoreGateway
from confide.ui.tasks import TaskHandle

_CONTEXT = "ConversationSettings"

# Shown (greyed out) while "model default" is ticked: Ollama's usual defaults, so that
# unticking starts from a familiar value.
SHOWN_DEFAULT_TEMPERATURE = 0.8
SHOWN_DEFAULT_NUM_CTX = 4096
SHOWN_DEFAULT_SEED = 42
# When the model does not say how far it can read; Ollama shortens a value that is too large.
UNKNOWN_MAX_NUM_CTX = 131072
MAX_PRESET_NAME = 80
_SLIDER_SCALE = 100  # the slider moves in hundredths
_NO_PRESET = ""  # the combo's data for "no preset"

_NameHandler = Callable[[str], None]
_StoreCall = Callable[[Store], object]


def _tr(text: str) -> str:
    return QCoreApplication.translate(_CONTEXT, text)


# -- built-in presets, by key -----------------------------------------------------------------


def builtin_name(key: str) -> str | None:
    """The translated name of a built-in preset, ``None`` for any other key."""
    names = {
        "general": _tr("General assistant"),
        "legal_analyst": _tr("Legal analyst (cautious, quotes the text it relies on)"),
        "summariser": _tr("Summariser"),
        "translator": _tr("Translator"),
        "proofreader": _tr("Proofreader"),
    }
    return names.get(key)


def builtin_prompt(key: str) -> str | None:
    """The translated instructions of a built-in preset. The English text is exactly the one
    the database was seeded with (a test keeps them equal)."""
    prompts = {
        "general": _tr(
            "You are a helpful, precise assistant. Answer in the language of the question. "
            "If you are not sure of something, say so rather than guess."
        ),
        "legal_analyst": _tr(
            "You are a careful legal analyst. Base every statement on the text the user "
            "provides and quote the exact passage you rely on. Keep what the text says apart "
            "from your interpretation. If the text does not answer the question, say so; never "
            "invent provisions, cases or citations. Point out what a qualified lawyer should "
            "verify."
        ),
        "summariser": _tr(
            "Summarise the text the user provides. Keep names, dates, amounts and obligations "
            "exact. Start with a one-sentence overview, then list the key points. Add nothing "
            "that is not in the text."
        ),
        "translator": _tr(
            "Translate the text the user provides. Preserve meaning, tone, formatting and legal "
            "terminology; keep names and numbers unchanged. If the target language is not "
            "stated, ask for it. Reply with the translation only."
        ),
        "proofreader": _tr(
            "Proofread the text the user provides. Correct spelling, grammar and punctuation "
            "without changing the meaning or the style. Return the corrected text, then a short "
            "list of the changes you made."
        ),
    }
    return prompts.get(key)


def preset_display_name(preset: Preset) -> str:
    if preset.builtin:
        return builtin_name(preset.key) or preset.name
    return preset.name


def preset_settings(preset: Preset) -> ConversationSettings:
    """What choosing ``preset`` puts in the dialog, in the user's language."""
    prompt = builtin_prompt(preset.key) if preset.builtin else None
    return ConversationSettings.from_preset(preset, system_prompt=prompt)


def _store_problem(error: object) -> str:
    kind = error.kind if isinstance(error, StoreError) else None
    if kind is StoreErrorKind.DISK_FULL:
        return _tr("The disk is full. Free some space, then try again.")
    if kind is StoreErrorKind.READ_ONLY:
        return _tr("Confide cannot write to its data folder. Check that the disk is writable.")
    if kind is StoreErrorKind.NOT_FOUND:
        return _tr("This preset no longer exists.")
    return _tr("The change to the preset could not be saved. Details were written to the log file.")


# -- small widgets ----------------------------------------------------------------------------


class ContextLengthSpinBox(QSpinBox):
    """Arrow keys and the mouse wheel double or halve the value: context sizes that matter
    are powers of two, and 256 → 131072 in steps of 1024 would take a hundred presses."""

    def stepBy(self, steps: int) -> None:
        value = self.value()
        for _ in range(abs(steps)):
            if steps > 0:
                power = 1 << value.bit_length()  # the next power of two above the value
            else:
                power = 1 << max(0, (value - 1).bit_length() - 1)  # the one below
            value = power
        self.setValue(max(self.minimum(), min(self.maximum(), value)))


class PresetNameDialog(QDialog):
    """Asks for a preset's name; refuses empty, too long and already used names as typed."""

    def __init__(
        self, title: str, taken: set[str], initial: str = "", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self._taken = {name.casefold() for name in taken}
        self.field = QLineEdit(initial, self)
        self.field.setMaxLength(MAX_PRESET_NAME * 2)  # a paste may be trimmed below the limit
        self.field.setAccessibleName(_tr("Preset name"))
        self.field.selectAll()
        label = QLabel(_tr("&Name:"), self)
        label.setBuddy(self.field)
        self.problem = QLabel(self)
        self.problem.setObjectName("libraryError")
        self.problem.setWordWrap(True)
        self.problem.setAccessibleName(_tr("Problem with the name"))
        self.problem.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(_tr("Save"))
        row = QHBoxLayout()
        row.addWidget(label)
        row.addWidget(self.field, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(380)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.field.textChanged.connect(self._check)
        self._check()

    def name(self) -> str:
        return " ".join(self.field.text().split())

    def problem_with(self, name: str) -> str | None:
        if not name:
            return ""  # nothing to explain: the empty field says it
        if len(name) > MAX_PRESET_NAME:
            return _tr("Use at most %1 characters.").replace("%1", str(MAX_PRESET_NAME))
        if name.casefold() in self._taken:
            return _tr("A preset called “%1” already exists.").replace("%1", name)
        return None

    def _check(self) -> None:
        problem = self.problem_with(self.name())
        self.ok_button.setEnabled(problem is None)
        self.problem.setText(problem or "")
        self.problem.setVisible(bool(problem))

    def accept(self) -> None:
        if self.problem_with(self.name()) is None:
            super().accept()


# -- the dialog -------------------------------------------------------------------------------


class ConversationSettingsDialog(QDialog):
    presetsLoaded = Signal()
    """The preset list is on screen (or could not be loaded: see ``preset_problem``)."""
    presetsChanged = Signal()
    """A preset was saved, updated, renamed or deleted, and the list shows it."""

    def __init__(
        self,
        gateway: StoreGateway,
        settings: ConversationSettings,
        model_info: ModelInfo | None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("conversationSettings")
        self.setWindowTitle(_tr("Conversation settings"))
        self._gateway = gateway
        self._model_info = model_info
        self._preset_key = settings.preset_key
        self._extra = settings.extra
        self._presets: dict[str, Preset] = {}
        self._loaded = False
        self._load_task: TaskHandle | None = None
        self._write_task: TaskHandle | None = None
        self._pending_name = ""
        self._pending_done = ""
        self._syncing = False
        self._join_preset_edits = False
        self.name_dialog: PresetNameDialog | None = None
        self.confirm_box: QMessageBox | None = None

        self._build_instructions()
        self._build_answers()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setAccessibleName(_tr("Apply these settings"))
        self.ok_button.setAccessibleDescription(
            _tr("Uses these instructions and settings in this conversation")
        )
        cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel_button.setAccessibleDescription(_tr("Closes without changing anything"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        if model_info is not None:
            model_label = QLabel(_tr("Model: %1").replace("%1", model_info.name), self)
            model_label.setObjectName("libraryHint")
            layout.addWidget(model_label)
        layout.addWidget(self.instructions_box, 1)
        layout.addWidget(self.answers_box)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(640)
        # Wrapped hints need their height for the width, which the plain size hint ignores.
        height = self.heightForWidth(640)
        self.resize(640, max(height, self.sizeHint().height()))

        self._show_settings(settings, undoable=False)
        self._show_loading()
        self._update_preset_state()
        self._load_presets()

    # -- building ----------------------------------------------------------------------------

    def _build_instructions(self) -> None:
        box = QGroupBox(_tr("Instructions"), self)
        self.instructions_box = box
        self.preset_combo = QComboBox(box)
        self.preset_combo.setAccessibleName(_tr("Preset"))
        self.preset_combo.setAccessibleDescription(
            _tr("Choosing a preset fills in the instructions and the answer settings.")
        )
        self.preset_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        preset_label = QLabel(_tr("&Preset:"), box)
        preset_label.setBuddy(self.preset_combo)

        self.save_as_button = QPushButton(_tr("Sa&ve as preset…"), box)
        self.save_as_button.setAccessibleName(_tr("Save these settings as a new preset"))
        self.save_as_button.setAccessibleDescription(
            _tr("Keeps these instructions and settings under a name of your choice")
        )
        self.update_button = QPushButton(_tr("&Update preset"), box)
        self.update_button.setAccessibleName(_tr("Save the changes into this preset"))
        self.rename_button = QPushButton(_tr("Rena&me…"), box)
        self.rename_button.setAccessibleName(_tr("Rename this preset"))
        self.delete_button = QPushButton(_tr("&Delete…"), box)
        self.delete_button.setAccessibleName(_tr("Delete this preset"))
        self.reset_button = QPushButton(_tr("Re&set"), box)
        self.reset_button.setAccessibleName(_tr("Reset to the preset's instructions and settings"))
        self.reset_button.setAccessibleDescription(_tr("Undoes the changes made here"))

        self.changed_label = QLabel(_tr("Changed from the preset."), box)
        self.changed_label.setObjectName("libraryHint")
        self.preset_status = QLabel(box)
        self.preset_status.setObjectName("libraryHint")
        self.preset_status.setWordWrap(True)
        self.preset_status.hide()
        self.preset_problem = QLabel(box)
        self.preset_problem.setObjectName("libraryError")
        self.preset_problem.setWordWrap(True)
        self.preset_problem.setAccessibleName(_tr("Problem with presets"))
        self.preset_problem.hide()

        self.prompt_edit = QPlainTextEdit(box)
        self.prompt_edit.setAccessibleName(_tr("Instructions for the model"))
        self.prompt_edit.setAccessibleDescription(
            _tr("The model follows these instructions (its system prompt) in every answer.")
        )
        self.prompt_edit.setPlaceholderText(
            _tr("For example: Answer briefly and in plain language.")
        )
        self.prompt_edit.setTabChangesFocus(True)
        self.prompt_edit.setMinimumHeight(140)
        prompt_label = QLabel(_tr("&Instructions the model follows in every answer:"), box)
        prompt_label.setBuddy(self.prompt_edit)

        preset_row = QHBoxLayout()
        preset_row.addWidget(preset_label)
        preset_row.addWidget(self.preset_combo, 1)
        preset_row.addWidget(self.reset_button)
        actions = QHBoxLayout()
        actions.addStretch(1)
        for button in (
            self.save_as_button,
            self.update_button,
            self.rename_button,
            self.delete_button,
        ):
            actions.addWidget(button)
        layout = QVBoxLayout(box)
        layout.addLayout(preset_row)
        layout.addLayout(actions)
        layout.addWidget(self.preset_status)
        layout.addWidget(self.preset_problem)
        prompt_row = QHBoxLayout()
        prompt_row.addWidget(prompt_label)
        prompt_row.addStretch(1)
        prompt_row.addWidget(self.changed_label)
        layout.addLayout(prompt_row)
        layout.addWidget(self.prompt_edit, 1)

        self.preset_combo.activated.connect(self._preset_chosen)
        self.save_as_button.clicked.connect(self._ask_new_preset_name)
        self.update_button.clicked.connect(self._update_preset)
        self.rename_button.clicked.connect(self._ask_rename)
        self.delete_button.clicked.connect(self._confirm_delete)
        self.reset_button.clicked.connect(self._reset_to_preset)
        self.prompt_edit.textChanged.connect(self._prompt_edited)

    def _build_answers(self) -> None:
        box = QGroupBox(_tr("Answers"), self)
        self.answers_box = box
        grid = QGridLayout(box)
        grid.setColumnStretch(1, 1)

        # Temperature: a slider for feel, a spin box for the exact value.
        self.temperature_default = QCheckBox(_tr("Model default"), box)
        self.temperature_default.setAccessibleName(_tr("Use the model's default temperature"))
        self.temperature_default.setAccessibleDescription(
            _tr("When ticked, the model answers with its own temperature")
        )
        self.temperature_slider = QSlider(Qt.Orientation.Horizontal, box)
        self.temperature_slider.setRange(
            round(MIN_TEMPERATURE * _SLIDER_SCALE), round(MAX_TEMPERATURE * _SLIDER_SCALE)
        )
        self.temperature_slider.setSingleStep(5)
        self.temperature_slider.setPageStep(20)
        self.temperature_slider.setTickInterval(50)
        self.temperature_slider.setTickPosition(QSlider.TickPosition.TicksBelow)
        self.temperature_slider.setAccessibleName(_tr("Temperature"))
        self.temperature_spin = QDoubleSpinBox(box)
        self.temperature_spin.setRange(MIN_TEMPERATURE, MAX_TEMPERATURE)
        self.temperature_spin.setDecimals(2)
        self.temperature_spin.setSingleStep(0.05)
        self.temperature_spin.setAccessibleName(_tr("Temperature value"))
        temperature_label = QLabel(_tr("&Temperature:"), box)
        temperature_label.setBuddy(self.temperature_slider)
        temperature_hint = QLabel(
            _tr(
                "Lower: focused and consistent, best for legal and factual work. "
                "Higher: more varied and creative."
            ),
            box,
        )
        temperature_hint.setObjectName("libraryHint")
        temperature_hint.setWordWrap(True)
        self.temperature_slider.setAccessibleDescription(temperature_hint.text())
        self.temperature_spin.setAccessibleDescription(temperature_hint.text())
        temperature_row = QHBoxLayout()
        temperature_row.addWidget(self.temperature_slider, 1)
        temperature_row.addWidget(self.temperature_spin)
        temperature_row.addWidget(self.temperature_default)
        grid.addWidget(temperature_label, 0, 0)
        grid.addLayout(temperature_row, 0, 1)
        grid.addWidget(temperature_hint, 1, 1)

        # Context length.
        self.context_default = QCheckBox(_tr("Model default"), box)
        self.context_default.setAccessibleName(_tr("Use the model's default context length"))
        self.context_default.setAccessibleDescription(
            _tr("When ticked, the model reads as much at once as it does by default")
        )
        self.context_spin = ContextLengthSpinBox(box)
        known = self._model_info.context_length if self._model_info is not None else None
        maximum = max(known, MIN_NUM_CTX) if known else UNKNOWN_MAX_NUM_CTX
        self.context_spin.setRange(MIN_NUM_CTX, maximum)
        self.context_spin.setGroupSeparatorShown(True)
        self.context_spin.setSuffix(_tr(" tokens"))
        self.context_spin.setAccessibleName(_tr("Context length in tokens"))
        self.context_spin.setCorrectionMode(QAbstractSpinBox.CorrectionMode.CorrectToNearestValue)
        context_label = QLabel(_tr("Context &length:"), box)
        context_label.setBuddy(self.context_spin)
        if known:
            # Written as the spin box writes numbers, so the two can be compared at a glance.
            limit_text = _tr("Up to %1 tokens for this model.").replace(
                "%1", self.context_spin.textFromValue(maximum)
            )
        else:
            limit_text = _tr("This model does not say how much it can read at once.")
        self.context_limit = QLabel(limit_text, box)
        self.context_limit.setObjectName("libraryHint")
        self.context_limit.setWordWrap(True)
        self.context_warning = QLabel(
            _tr(
                "How much text the model reads at once: the conversation and any documents. "
                "Larger contexts need more memory and make answers slower; if the model "
                "stops unexpectedly, choose a smaller value."
            ),
            box,
        )
        self.context_warning.setObjectName("libraryHint")
        self.context_warning.setWordWrap(True)
        self.context_spin.setAccessibleDescription(
            f"{self.context_limit.text()} {self.context_warning.text()}"
        )
        context_row = QHBoxLayout()
        context_row.addWidget(self.context_spin, 1)
        context_row.addWidget(self.context_default)
        grid.addWidget(context_label, 2, 0)
        grid.addLayout(context_row, 2, 1)
        grid.addWidget(self.context_limit, 3, 1)
        grid.addWidget(self.context_warning, 4, 1)

        # Seed.
        self.seed_random = QRadioButton(_tr("&Random: a different answer each time"), box)
        self.seed_random.setAccessibleName(_tr("Random seed"))
        self.seed_random.setAccessibleDescription(_tr("A different answer each time"))
        self.seed_fixed = QRadioButton(_tr("&Fixed number:"), box)
        self.seed_fixed.setAccessibleName(_tr("Fixed seed"))
        self.seed_group = QButtonGroup(box)
        self.seed_group.addButton(self.seed_random)
        self.seed_group.addButton(self.seed_fixed)
        self.seed_spin = QSpinBox(box)
        self.seed_spin.setRange(0, MAX_SEED)
        self.seed_spin.setAccessibleName(_tr("Seed number"))
        seed_hint = QLabel(
            _tr(
                "With a fixed number, the same question and settings give the same answer "
                "again, which helps to compare or reproduce results."
            ),
            box,
        )
        seed_hint.setObjectName("libraryHint")
        seed_hint.setWordWrap(True)
        self.seed_fixed.setAccessibleDescription(seed_hint.text())
        self.seed_spin.setAccessibleDescription(seed_hint.text())
        seed_label = QLabel(_tr("Seed:"), box)
        fixed_row = QHBoxLayout()
        fixed_row.addWidget(self.seed_fixed)
        fixed_row.addWidget(self.seed_spin)
        fixed_row.addStretch(1)
        grid.addWidget(seed_label, 5, 0)
        grid.addWidget(self.seed_random, 5, 1)
        grid.addLayout(fixed_row, 6, 1)
        grid.addWidget(seed_hint, 7, 1)

        self.temperature_slider.valueChanged.connect(self._slider_moved)
        self.temperature_spin.valueChanged.connect(self._spin_changed)
        self.temperature_default.toggled.connect(self._update_enabled)
        self.context_default.toggled.connect(self._update_enabled)
        self.seed_fixed.toggled.connect(self._update_enabled)
        for signal in (
            self.temperature_spin.valueChanged,
            self.temperature_default.toggled,
            self.context_spin.valueChanged,
            self.context_default.toggled,
            self.seed_spin.valueChanged,
            self.seed_fixed.toggled,
        ):
            signal.connect(self._update_preset_state)

    # -- the value ---------------------------------------------------------------------------

    def settings(self) -> ConversationSettings:
        """What the dialog shows now (the caller stores it after OK)."""
        return ConversationSettings(
            preset_key=self._preset_key,
            system_prompt=self.prompt_edit.toPlainText(),
            temperature=(
                None
                if self.temperature_default.isChecked()
                else round(self.temperature_spin.value(), 2)
            ),
            num_ctx=None if self.context_default.isChecked() else self.context_spin.value(),
            seed=self.seed_spin.value() if self.seed_fixed.isChecked() else None,
            extra=self._extra,
        )

    def _show_settings(self, settings: ConversationSettings, *, undoable: bool = True) -> None:
        self._syncing = True
        try:
            self._set_prompt(settings.system_prompt, undoable)
            self.temperature_default.setChecked(settings.temperature is None)
            self.temperature_spin.setValue(
                SHOWN_DEFAULT_TEMPERATURE if settings.temperature is None else settings.temperature
            )
            self.temperature_slider.setValue(round(self.temperature_spin.value() * _SLIDER_SCALE))
            self.context_default.setChecked(settings.num_ctx is None)
            self.context_spin.setValue(
                min(SHOWN_DEFAULT_NUM_CTX, self.context_spin.maximum())
                if settings.num_ctx is None
                else settings.num_ctx
            )
            self.seed_fixed.setChecked(settings.seed is not None)
            self.seed_random.setChecked(settings.seed is None)
            if settings.seed is not None:
                self.seed_spin.setValue(settings.seed)
            elif self.seed_spin.value() == 0:
                self.seed_spin.setValue(SHOWN_DEFAULT_SEED)
            self._extra = settings.extra
        finally:
            self._syncing = False
        self._update_enabled()
        self._update_preset_state()

    def _set_prompt(self, text: str, undoable: bool) -> None:
        if not undoable:
            self.prompt_edit.setPlainText(text)
            return
        if text == self.prompt_edit.toPlainText():
            return
        # Replacing through a cursor keeps Ctrl+Z: the user's own text is one undo away, even
        # after stepping through several presets with the arrow keys (one joined edit).
        cursor = QTextCursor(self.prompt_edit.document())
        if self._join_preset_edits:
            cursor.joinPreviousEditBlock()
        else:
            cursor.beginEditBlock()
        cursor.select(QTextCursor.SelectionType.Document)
        cursor.insertText(text)
        cursor.endEditBlock()
        self._join_preset_edits = True

    def _prompt_edited(self) -> None:
        if not self._syncing:
            self._join_preset_edits = False  # the user typed: the next preset is its own undo
        self._update_preset_state()

    def _slider_moved(self, value: int) -> None:
        if not self._syncing:
            self.temperature_spin.setValue(value / _SLIDER_SCALE)

    def _spin_changed(self, value: float) -> None:
        syncing, self._syncing = self._syncing, True
        try:
            self.temperature_slider.setValue(round(value * _SLIDER_SCALE))
        finally:
            self._syncing = syncing

    def _update_enabled(self) -> None:
        custom_temperature = not self.temperature_default.isChecked()
        self.temperature_slider.setEnabled(custom_temperature)
        self.temperature_spin.setEnabled(custom_temperature)
        self.context_spin.setEnabled(not self.context_default.isChecked())
        self.seed_spin.setEnabled(self.seed_fixed.isChecked())

    # -- presets: loading and choosing -------------------------------------------------------

    def _show_loading(self) -> None:
        self.preset_combo.clear()
        self.preset_combo.addItem(_tr("Loading presets…"), _NO_PRESET)
        self.preset_combo.setEnabled(False)

    def _load_presets(self) -> None:
        self._load_task = self._gateway.run("loading presets", _list_presets)
        self._load_task.succeeded.connect(self._presets_arrived)
        self._load_task.failed.connect(self._presets_failed)

    def _presets_arrived(self, presets: object) -> None:
        self._load_task = None
        assert isinstance(presets, list)
        self._presets = {preset.key: preset for preset in presets}
        self._loaded = True
        self._fill_combo()
        self.presetsLoaded.emit()

    def _presets_failed(self, _error: object) -> None:
        self._load_task = None
        self._presets = {}
        self._loaded = False
        self._fill_combo()
        self._show_problem(_tr("Your presets could not be loaded. The settings below still work."))
        self.presetsLoaded.emit()

    def _fill_combo(self) -> None:
        combo = self.preset_combo
        combo.clear()
        combo.addItem(_tr("No preset (own instructions)"), _NO_PRESET)
        builtins = [preset for preset in self._presets.values() if preset.builtin]
        own = [preset for preset in self._presets.values() if not preset.builtin]
        if builtins:
            combo.insertSeparator(combo.count())
        for preset in builtins:
            self._add_preset_item(preset)
        if own:
            combo.insertSeparator(combo.count())
        for preset in own:
            self._add_preset_item(preset)
        combo.setEnabled(True)
        key = self._preset_key
        if key is not None and key not in self._presets:
            if self._loaded:
                # The preset was deleted since: the conversation keeps its instructions.
                self._preset_key = None
            else:
                # The list could not be read: keep naming the conversation's preset.
                combo.addItem(builtin_name(key) or _tr("The conversation's preset"), key)
        index = combo.findData(self._preset_key or _NO_PRESET)
        combo.setCurrentIndex(max(index, 0))
        self._update_preset_state()

    def _add_preset_item(self, preset: Preset) -> None:
        self.preset_combo.addItem(preset_display_name(preset), preset.key)
        index = self.preset_combo.count() - 1
        # The beginning of the instructions, to tell similar presets apart.
        summary = " ".join(preset_settings(preset).system_prompt.split())
        if len(summary) > 200:
            summary = summary[:199].rstrip() + "…"
        self.preset_combo.setItemData(index, summary, Qt.ItemDataRole.ToolTipRole)

    def _preset_chosen(self, index: int) -> None:
        key = self.preset_combo.itemData(index)
        if not isinstance(key, str) or key == _NO_PRESET:
            self._preset_key = None
            self._update_preset_state()
            return
        self._preset_key = key
        preset = self._presets.get(key)
        if preset is None:  # the list could not be read: only the name is known
            self._update_preset_state()
            return
        self._show_settings(preset_settings(preset))
        self._clear_messages()

    def _current_preset(self) -> Preset | None:
        if self._preset_key is None:
            return None
        return self._presets.get(self._preset_key)

    def _update_preset_state(self) -> None:
        if self._syncing:
            return
        preset = self._current_preset()
        changed = preset is not None and not self.settings().same_as(preset_settings(preset))
        own = preset is not None and not preset.builtin
        idle = self._write_task is None
        self.changed_label.setVisible(changed)
        self.reset_button.setEnabled(changed)
        self.save_as_button.setEnabled(self._loaded and idle)
        self.update_button.setEnabled(own and changed and idle)
        self.rename_button.setEnabled(own and idle)
        self.delete_button.setEnabled(own and idle)
        built_in_note = _tr(
            "Built-in presets cannot be changed; save a copy with “Save as preset”."
        )
        built_in = preset is not None and preset.builtin
        for button, description in (
            (self.update_button, _tr("Replaces the saved preset with what is shown here")),
            (self.rename_button, _tr("Gives this preset another name")),
            (self.delete_button, _tr("Removes this preset from the list")),
        ):
            button.setToolTip(built_in_note if built_in else "")
            # Read out instead of the tooltip, so it says why the button is disabled too.
            button.setAccessibleDescription(
                f"{description}. {built_in_note}" if built_in else description
            )

    def _reset_to_preset(self) -> None:
        preset = self._current_preset()
        if preset is not None:
            self._show_settings(preset_settings(preset))

    # -- presets: writing --------------------------------------------------------------------

    def _taken_names(self, except_key: str | None = None) -> set[str]:
        return {
            preset_display_name(preset)
            for preset in self._presets.values()
            if preset.key != except_key
        }

    def _ask_new_preset_name(self) -> None:
        self._open_name_dialog(_tr("Save as preset"), self._taken_names(), "", self._create)

    def _ask_rename(self) -> None:
        preset = self._current_preset()
        if preset is None or preset.builtin:
            return
        self._open_name_dialog(
            _tr("Rename preset"), self._taken_names(preset.key), preset.name, self._rename
        )

    def _open_name_dialog(
        self, title: str, taken: set[str], initial: str, then: _NameHandler
    ) -> None:
        dialog = PresetNameDialog(title, taken, initial, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.name_dialog = dialog

        def chosen() -> None:
            then(dialog.name())

        dialog.accepted.connect(chosen)
        dialog.finished.connect(self._name_dialog_closed)
        dialog.open()

    def _name_dialog_closed(self) -> None:
        self.name_dialog = None

    def _create(self, name: str) -> None:
        settings = self.settings()
        prompt, options = settings.system_prompt, settings.options_json()
        self._start_write(
            name,
            lambda store: store.presets.create(name, prompt, options),
            _tr("Saved the preset “%1”."),
        )

    def _update_preset(self) -> None:
        preset = self._current_preset()
        if preset is None or preset.builtin:
            return
        settings = self.settings()
        key, prompt, options = preset.key, settings.system_prompt, settings.options_json()
        self._start_write(
            preset.name,
            lambda store: store.presets.update(key, system_prompt=prompt, options=options),
            _tr("Updated the preset “%1”."),
        )

    def _rename(self, name: str) -> None:
        preset = self._current_preset()
        if preset is None or preset.builtin:
            return
        key = preset.key
        self._start_write(
            name,
            lambda store: store.presets.update(key, name=name),
            _tr("Renamed the preset to “%1”."),
        )

    def _confirm_delete(self) -> None:
        preset = self._current_preset()
        if preset is None or preset.builtin:
            return
        box = QMessageBox(
            QMessageBox.Icon.Question,
            _tr("Delete preset"),
            _tr(
                "Delete the preset “%1”? Conversations started from it keep their instructions."
            ).replace("%1", preset.name),
            QMessageBox.StandardButton.NoButton,
            self,
        )
        delete = box.addButton(_tr("Delete"), QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.confirm_box = box
        key, name = preset.key, preset.name

        def answered() -> None:
            self.confirm_box = None
            if box.clickedButton() is delete:
                self._delete(key, name)

        box.finished.connect(answered)
        box.open()

    def _delete(self, key: str, name: str) -> None:
        def delete(store: Store) -> str:
            store.presets.delete(key)
            return key

        self._start_write(name, delete, _tr("Deleted the preset “%1”."))

    def _start_write(self, name: str, call: _StoreCall, done_text: str) -> None:
        self._clear_messages()
        self._pending_name = name
        self._pending_done = done_text
        task = self._gateway.run("saving a preset", call)
        self._write_task = task
        task.succeeded.connect(self._write_done)
        task.failed.connect(self._write_failed)
        self._update_preset_state()

    def _write_done(self, result: object) -> None:
        self._write_task = None
        if isinstance(result, Preset):
            self._presets[result.key] = result
            self._preset_key = result.key
        elif isinstance(result, str):  # a deleted preset's key
            self._presets.pop(result, None)
            if self._preset_key == result:
                self._preset_key = None
        self._fill_combo()
        self._show_status(self._pending_done.replace("%1", self._pending_name))
        self.presetsChanged.emit()

    def _write_failed(self, error: object) -> None:
        self._write_task = None
        self._show_problem(_store_problem(error))
        self._update_preset_state()
        if isinstance(error, StoreError) and error.kind is StoreErrorKind.NOT_FOUND:
            self._load_presets()  # someone else changed the list: show the real one

    def _show_status(self, text: str) -> None:
        self.preset_problem.hide()
        self.preset_status.setText(text)
        self.preset_status.show()

    def _show_problem(self, text: str) -> None:
        self.preset_status.hide()
        self.preset_problem.setText(text)
        self.preset_problem.show()

    def _clear_messages(self) -> None:
        self.preset_status.hide()
        self.preset_problem.hide()

    # -- events ------------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.prompt_edit.setFocus()

    def done(self, result: int) -> None:
        # A late answer must not reach a closed dialog; writes already sent still complete.
        for task in (self._load_task, self._write_task):
            if task is not None:
                task.succeeded.disconnect()
                task.failed.disconnect()
        self._load_task = self._write_task = None
        super().done(result)


def _list_presets(store: Store) -> list[Preset]:
    return store.presets.list_presets()
