"""The conversation settings dialog, driven like a user would, over a real encrypted store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest
from PySide6.QtCore import QCoreApplication, Qt, QTranslator
from PySide6.QtWidgets import QAbstractButton, QApplication, QComboBox, QDialog
from pytestqt.qtbot import QtBot

from confide.core.async_loop import LoopThread
from confide.core.conversation_settings import ConversationSettings
from confide.core.ollama.types import ModelDetails, ModelInfo
from confide.core.paths import AppPaths
from confide.core.store import KeyStore, Preset, Protection, Store
from confide.core.store.presets import BUILTIN_KEYS
from confide.core.store.schema_v1 import BUILTIN_PRESETS_V1
from confide.ui.chat.conversation_settings import (
    UNKNOWN_MAX_NUM_CTX,
    ConversationSettingsDialog,
    builtin_prompt,
)
from confide.ui.store_gateway import StoreGateway
from confide.ui.tasks import TaskRunner
from tests.keyring_double import FAST_SCRYPT

BUILTIN_NAMES = [
    "General assistant",
    "Legal analyst (cautious, quotes the text it relies on)",
    "Summariser",
    "Translator",
    "Proofreader",
]
ENGLISH_PROMPTS = {key: prompt for key, _name, prompt, _options in BUILTIN_PRESETS_V1}
LEGAL_PROMPT = ENGLISH_PROMPTS["legal_analyst"]


@pytest.fixture
def runner() -> Iterator[TaskRunner]:
    runner = TaskRunner(LoopThread())
    yield runner
    runner.shutdown()


@pytest.fixture
def gateway(tmp_path: Path, runner: TaskRunner) -> Iterator[StoreGateway]:
    paths = AppPaths.portable(tmp_path / "confide").ensure()
    store = Store.create(paths, KeyStore.for_paths(paths, scrypt=FAST_SCRYPT), Protection.KEYRING)
    gateway = StoreGateway(runner, store)
    yield gateway
    gateway.close()


def model(context_length: int | None) -> ModelInfo:
    return ModelInfo(
        name="bielik:11b",
        capabilities=frozenset({"completion"}),
        context_length=context_length,
        details=ModelDetails(),
    )


def open_dialog(
    qtbot: QtBot,
    gateway: StoreGateway,
    settings: ConversationSettings | None = None,
    model_info: ModelInfo | None = None,
) -> ConversationSettingsDialog:
    dialog = ConversationSettingsDialog(gateway, settings or ConversationSettings(), model_info)
    qtbot.addWidget(dialog)
    dialog.show()
    with qtbot.waitSignal(dialog.presetsLoaded, timeout=5000):
        pass
    return dialog


def items(combo: QComboBox) -> list[str]:
    # Separators are items without text.
    return [combo.itemText(i) for i in range(combo.count()) if combo.itemText(i)]


def choose(qtbot: QtBot, combo: QComboBox, text: str) -> None:
    """Picks an entry with the keyboard, as a user tabbing through the dialog would."""
    assert text in items(combo), items(combo)
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Home)
    for _ in range(combo.count()):
        if combo.currentText() == text:
            return
        qtbot.keyClick(combo, Qt.Key.Key_Down)
    raise AssertionError(f"could not reach {text!r}")


def click(qtbot: QtBot, button: QAbstractButton) -> None:
    assert button.isEnabled(), button.text()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def replace_text(qtbot: QtBot, widget: object, text: str) -> None:
    qtbot.keyClick(widget, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(widget, Qt.Key.Key_Delete)
    qtbot.keyClicks(widget, text)


def stored_presets(gateway: StoreGateway) -> list[Preset]:
    return gateway.wait(lambda store: store.presets.list_presets())


def add_own_preset(gateway: StoreGateway, name: str, prompt: str) -> Preset:
    return gateway.wait(lambda store: store.presets.create(name, prompt, {"temperature": 0.9}))


# -- built-ins --------------------------------------------------------------------------------


def test_the_english_texts_are_the_ones_the_database_holds() -> None:
    # Translators translate the dialog's copy of each prompt; it must match the seeded one,
    # or built-ins would show untranslated.
    assert tuple(ENGLISH_PROMPTS) == BUILTIN_KEYS
    for key, prompt in ENGLISH_PROMPTS.items():
        assert builtin_prompt(key) == prompt


def test_lists_the_five_built_ins_with_their_names(qtbot: QtBot, gateway: StoreGateway) -> None:
    dialog = open_dialog(qtbot, gateway)
    combo = dialog.preset_combo
    assert combo.isEnabled()
    assert items(combo) == ["No preset (own instructions)", *BUILTIN_NAMES]
    assert combo.currentText() == "No preset (own instructions)"
    # Built-ins can be used but not changed.
    choose(qtbot, combo, "Summariser")
    assert not dialog.update_button.isEnabled()
    assert not dialog.rename_button.isEnabled()
    assert not dialog.delete_button.isEnabled()
    assert "cannot be changed" in dialog.delete_button.toolTip()


class FakePolish(QTranslator):
    """Stands in for a compiled Polish translation file."""

    WORDS: ClassVar[dict[str, str]] = {
        "Legal analyst (cautious, quotes the text it relies on)": "Analityk prawny (ostrożny)",
        "General assistant": "Asystent ogólny",
        LEGAL_PROMPT: "Jesteś ostrożnym analitykiem prawnym.",
    }

    def translate(
        self, context: str, source: str, disambiguation: str | None = None, n: int = -1
    ) -> str:
        if context != "ConversationSettings":
            return ""
        return self.WORDS.get(source, "")


def test_built_ins_are_shown_in_the_users_language(qtbot: QtBot, gateway: StoreGateway) -> None:
    translator = FakePolish()
    app = QCoreApplication.instance()
    assert isinstance(app, QApplication)
    app.installTranslator(translator)
    try:
        dialog = open_dialog(qtbot, gateway)
        assert "Asystent ogólny" in items(dialog.preset_combo)
        choose(qtbot, dialog.preset_combo, "Analityk prawny (ostrożny)")
        assert dialog.prompt_edit.toPlainText() == "Jesteś ostrożnym analitykiem prawnym."
        # The translated text is the preset's own: nothing counts as changed.
        assert not dialog.changed_label.isVisible()
        assert dialog.settings().preset_key == "legal_analyst"
    finally:
        app.removeTranslator(translator)


def test_choosing_legal_analyst_fills_its_instructions_and_options(
    qtbot: QtBot, gateway: StoreGateway
) -> None:
    dialog = open_dialog(qtbot, gateway)
    assert dialog.temperature_default.isChecked()
    choose(qtbot, dialog.preset_combo, BUILTIN_NAMES[1])
    assert dialog.prompt_edit.toPlainText() == LEGAL_PROMPT
    assert not dialog.temperature_default.isChecked()
    assert dialog.temperature_spin.value() == pytest.approx(0.2)
    assert dialog.temperature_slider.value() == 20
    assert not dialog.changed_label.isVisible()
    assert not dialog.reset_button.isEnabled()
    settings = dialog.settings()
    assert settings.preset_key == "legal_analyst"
    assert settings.to_options().to_wire() == {"temperature": 0.2}


def test_edited_instructions_are_returned_on_ok(qtbot: QtBot, gateway: StoreGateway) -> None:
    dialog = open_dialog(qtbot, gateway)
    choose(qtbot, dialog.preset_combo, BUILTIN_NAMES[1])
    dialog.prompt_edit.setFocus()
    dialog.prompt_edit.moveCursor(dialog.prompt_edit.textCursor().MoveOperation.End)
    qtbot.keyClicks(dialog.prompt_edit, " Answer in Polish.")
    assert dialog.changed_label.isVisible()  # said in words, not by colour
    assert dialog.reset_button.isEnabled()
    click(qtbot, dialog.ok_button)
    assert dialog.result() == QDialog.DialogCode.Accepted
    settings = dialog.settings()
    assert settings.system_prompt == LEGAL_PROMPT + " Answer in Polish."
    assert settings.preset_key == "legal_analyst"


def test_reset_brings_the_built_in_text_back(qtbot: QtBot, gateway: StoreGateway) -> None:
    dialog = open_dialog(qtbot, gateway)
    choose(qtbot, dialog.preset_combo, BUILTIN_NAMES[1])
    replace_text(qtbot, dialog.prompt_edit, "Something else")
    click(qtbot, dialog.temperature_default)
    assert dialog.changed_label.isVisible()
    click(qtbot, dialog.reset_button)
    assert dialog.prompt_edit.toPlainText() == LEGAL_PROMPT
    assert dialog.settings().temperature == pytest.approx(0.2)
    assert not dialog.changed_label.isVisible()


def test_choosing_a_preset_can_be_undone(qtbot: QtBot, gateway: StoreGateway) -> None:
    dialog = open_dialog(qtbot, gateway, ConversationSettings(system_prompt="My own words"))
    assert dialog.prompt_edit.toPlainText() == "My own words"
    choose(qtbot, dialog.preset_combo, "Translator")
    assert dialog.prompt_edit.toPlainText() == ENGLISH_PROMPTS["translator"]
    qtbot.keyClick(dialog.prompt_edit, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert dialog.prompt_edit.toPlainText() == "My own words"


def test_cancel_rejects(qtbot: QtBot, gateway: StoreGateway) -> None:
    dialog = open_dialog(qtbot, gateway)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.result() == QDialog.DialogCode.Rejected


# -- the user's own presets -------------------------------------------------------------------


def test_save_as_preset_creates_one_in_the_list_and_the_store(
    qtbot: QtBot, gateway: StoreGateway
) -> None:
    dialog = open_dialog(qtbot, gateway)
    replace_text(qtbot, dialog.prompt_edit, "Answer like a notary.")
    click(qtbot, dialog.temperature_default)  # now a fixed temperature
    replace_text(qtbot, dialog.temperature_spin, "0.4")
    click(qtbot, dialog.save_as_button)
    name_dialog = dialog.name_dialog
    assert name_dialog is not None and name_dialog.isVisible()
    assert not name_dialog.ok_button.isEnabled()  # empty name

    qtbot.keyClicks(name_dialog.field, "general ASSISTANT")  # a built-in's name
    assert not name_dialog.ok_button.isEnabled()
    assert name_dialog.problem.isVisible()
    assert "already exists" in name_dialog.problem.text()

    replace_text(qtbot, name_dialog.field, "Notary  style")
    assert name_dialog.ok_button.isEnabled()
    assert not name_dialog.problem.isVisible()
    with qtbot.waitSignal(dialog.presetsChanged, timeout=5000):
        click(qtbot, name_dialog.ok_button)

    assert items(dialog.preset_combo)[-1] == "Notary style"
    assert dialog.preset_combo.currentText() == "Notary style"
    assert "Saved the preset “Notary style”." in dialog.preset_status.text()
    # Now the user's own: it can be changed and deleted.
    assert dialog.rename_button.isEnabled() and dialog.delete_button.isEnabled()
    own = [preset for preset in stored_presets(gateway) if not preset.builtin]
    assert [(p.name, p.system_prompt, p.options) for p in own] == [
        ("Notary style", "Answer like a notary.", {"temperature": 0.4})
    ]
    assert dialog.settings().preset_key == own[0].key


def test_a_new_dialog_lists_saved_presets_after_the_built_ins(
    qtbot: QtBot, gateway: StoreGateway
) -> None:
    add_own_preset(gateway, "Contracts", "Review contracts.")
    add_own_preset(gateway, "Emails", "Write emails.")
    dialog = open_dialog(qtbot, gateway)
    assert items(dialog.preset_combo) == [
        "No preset (own instructions)",
        *BUILTIN_NAMES,
        "Contracts",
        "Emails",
    ]
    choose(qtbot, dialog.preset_combo, "Emails")
    assert dialog.prompt_edit.toPlainText() == "Write emails."
    assert dialog.temperature_spin.value() == pytest.approx(0.9)


def test_update_and_rename_an_own_preset(qtbot: QtBot, gateway: StoreGateway) -> None:
    preset = add_own_preset(gateway, "Contracts", "Review contracts.")
    dialog = open_dialog(
        qtbot,
        gateway,
        ConversationSettings.from_preset(preset),
    )
    assert dialog.preset_combo.currentText() == "Contracts"
    assert not dialog.update_button.isEnabled()  # nothing changed yet
    replace_text(qtbot, dialog.prompt_edit, "Review contracts under Polish law.")
    with qtbot.waitSignal(dialog.presetsChanged, timeout=5000):
        click(qtbot, dialog.update_button)
    stored = gateway.wait(lambda store: store.presets.get(preset.key))
    assert stored.system_prompt == "Review contracts under Polish law."
    assert not dialog.changed_label.isVisible()

    click(qtbot, dialog.rename_button)
    name_dialog = dialog.name_dialog
    assert name_dialog is not None
    assert name_dialog.field.text() == "Contracts"
    replace_text(qtbot, name_dialog.field, "Polish contracts")
    with qtbot.waitSignal(dialog.presetsChanged, timeout=5000):
        qtbot.keyClick(name_dialog.field, Qt.Key.Key_Return)
    assert dialog.preset_combo.currentText() == "Polish contracts"
    assert gateway.wait(lambda store: store.presets.get(preset.key)).name == "Polish contracts"


def test_deleting_an_own_preset(qtbot: QtBot, gateway: StoreGateway) -> None:
    preset = add_own_preset(gateway, "Old style", "Be formal.")
    dialog = open_dialog(qtbot, gateway, ConversationSettings.from_preset(preset))
    click(qtbot, dialog.delete_button)
    box = dialog.confirm_box
    assert box is not None and "Old style" in box.text()

    # Cancel first: nothing happens.
    qtbot.keyClick(box, Qt.Key.Key_Escape)
    assert "Old style" in items(dialog.preset_combo)

    click(qtbot, dialog.delete_button)
    box = dialog.confirm_box
    assert box is not None
    delete = next(b for b in box.buttons() if b.text() == "Delete")
    with qtbot.waitSignal(dialog.presetsChanged, timeout=5000):
        click(qtbot, delete)
    assert "Old style" not in items(dialog.preset_combo)
    assert dialog.preset_combo.currentText() == "No preset (own instructions)"
    assert all(p.key != preset.key for p in stored_presets(gateway))
    # The conversation keeps its instructions; only the link to the preset is gone.
    settings = dialog.settings()
    assert settings.preset_key is None
    assert settings.system_prompt == "Be formal."


def test_a_deleted_preset_is_not_shown_as_the_current_one(
    qtbot: QtBot, gateway: StoreGateway
) -> None:
    dialog = open_dialog(
        qtbot, gateway, ConversationSettings(preset_key="gone", system_prompt="Kept")
    )
    assert dialog.preset_combo.currentText() == "No preset (own instructions)"
    assert dialog.settings() == ConversationSettings(system_prompt="Kept")


def test_presets_that_cannot_load_leave_the_settings_usable(
    qtbot: QtBot, runner: TaskRunner
) -> None:
    closed = StoreGateway(runner)  # no store open
    try:
        settings = ConversationSettings(
            preset_key="legal_analyst", system_prompt="Mine", temperature=0.3
        )
        dialog = open_dialog(qtbot, closed, settings)
        assert dialog.preset_problem.isVisible()
        assert "could not be loaded" in dialog.preset_problem.text()
        assert dialog.preset_combo.currentText() == BUILTIN_NAMES[1]
        assert not dialog.save_as_button.isEnabled()
        assert dialog.settings() == settings
    finally:
        closed.close()


# -- answer options ---------------------------------------------------------------------------


def test_context_length_is_limited_by_the_model(qtbot: QtBot, gateway: StoreGateway) -> None:
    dialog = open_dialog(qtbot, gateway, model_info=model(32768))
    spin = dialog.context_spin
    assert spin.maximum() == 32768
    # Written as the spin box writes numbers ("32768", "32,768" or "32 768" by locale).
    assert dialog.context_limit.text() == (
        f"Up to {spin.textFromValue(32768)} tokens for this model."
    )
    assert spin.textFromValue(32768).replace(",", "").replace("\u00a0", "") == "32768"
    assert "more memory" in dialog.context_warning.text()
    assert not spin.isEnabled()  # model default
    click(qtbot, dialog.context_default)
    assert spin.isEnabled()
    assert spin.value() == 4096
    qtbot.keyClick(spin, Qt.Key.Key_Up)  # doubles
    assert spin.value() == 8192
    qtbot.keyClick(spin, Qt.Key.Key_Down)
    qtbot.keyClick(spin, Qt.Key.Key_Down)
    assert spin.value() == 2048
    for _ in range(10):
        qtbot.keyClick(spin, Qt.Key.Key_Up)
    assert spin.value() == 32768  # no further than the model reads
    assert dialog.settings().to_options().to_wire() == {"num_ctx": 32768}


def test_a_stored_context_beyond_the_model_is_lowered(qtbot: QtBot, gateway: StoreGateway) -> None:
    dialog = open_dialog(qtbot, gateway, ConversationSettings(num_ctx=65536), model(8192))
    assert dialog.settings().num_ctx == 8192


def test_unknown_context_length(qtbot: QtBot, gateway: StoreGateway) -> None:
    dialog = open_dialog(qtbot, gateway, model_info=model(None))
    assert dialog.context_spin.maximum() == UNKNOWN_MAX_NUM_CTX
    assert "does not say" in dialog.context_limit.text()
    dialog_without_model = open_dialog(qtbot, gateway)
    assert dialog_without_model.context_spin.maximum() == UNKNOWN_MAX_NUM_CTX


def test_temperature_and_seed_reach_the_request(qtbot: QtBot, gateway: StoreGateway) -> None:
    dialog = open_dialog(qtbot, gateway, model_info=model(8192))
    assert dialog.settings().to_options().to_wire() == {}
    assert not dialog.temperature_slider.isEnabled()
    assert dialog.seed_random.isChecked() and not dialog.seed_spin.isEnabled()

    click(qtbot, dialog.temperature_default)
    replace_text(qtbot, dialog.temperature_spin, "0.7")
    assert dialog.temperature_slider.value() == 70  # the slider follows the number
    dialog.temperature_slider.setFocus()
    qtbot.keyClick(dialog.temperature_slider, Qt.Key.Key_Right)  # and the number the slider
    assert dialog.temperature_spin.value() == pytest.approx(0.75)

    click(qtbot, dialog.seed_fixed)
    assert dialog.seed_spin.isEnabled()
    replace_text(qtbot, dialog.seed_spin, "1234")
    click(qtbot, dialog.ok_button)
    assert dialog.settings().to_options().to_wire() == {"temperature": 0.75, "seed": 1234}


def test_back_to_random_and_model_default(qtbot: QtBot, gateway: StoreGateway) -> None:
    start = ConversationSettings(temperature=1.5, num_ctx=4096, seed=7)
    dialog = open_dialog(qtbot, gateway, start, model(8192))
    assert dialog.settings() == start
    assert dialog.seed_spin.value() == 7
    click(qtbot, dialog.seed_random)
    click(qtbot, dialog.temperature_default)
    click(qtbot, dialog.context_default)
    assert dialog.settings().to_options().to_wire() == {}


def test_options_round_trip_through_a_stored_conversation(
    qtbot: QtBot, gateway: StoreGateway
) -> None:
    options = {"temperature": 0.25, "num_ctx": 16384, "seed": 99, "top_p": 0.9}
    conversation = gateway.wait(
        lambda store: store.conversations.create(
            "Lease", "bielik:11b", "Be brief.", options, "summariser"
        )
    )
    start = ConversationSettings.from_conversation(conversation)
    dialog = open_dialog(qtbot, gateway, start, model(32768))
    assert dialog.preset_combo.currentText() == "Summariser"
    assert dialog.changed_label.isVisible()  # its own prompt differs from the preset's
    click(qtbot, dialog.ok_button)
    settings = dialog.settings()
    assert settings == start
    # What the caller stores after OK reads back the same, unknown keys included.
    gateway.wait(
        lambda store: store.conversations.set_options(conversation.id, settings.options_json())
    )
    again = gateway.wait(lambda store: store.conversations.get(conversation.id))
    assert again.options == options
    assert ConversationSettings.from_conversation(again) == start


def test_controls_have_accessible_names(qtbot: QtBot, gateway: StoreGateway) -> None:
    dialog = open_dialog(qtbot, gateway)
    for widget in (
        dialog.preset_combo,
        dialog.prompt_edit,
        dialog.save_as_button,
        dialog.update_button,
        dialog.rename_button,
        dialog.delete_button,
        dialog.reset_button,
        dialog.temperature_default,
        dialog.temperature_slider,
        dialog.temperature_spin,
        dialog.context_default,
        dialog.context_spin,
        dialog.seed_random,
        dialog.seed_fixed,
        dialog.seed_spin,
        dialog.ok_button,
    ):
        assert widget.accessibleName(), widget
    # The two "Model default" boxes say which default they mean.
    assert dialog.temperature_default.accessibleName() != dialog.context_default.accessibleName()


# -- late and failed store answers ------------------------------------------------------------


def test_a_preset_deleted_meanwhile_is_explained_and_dropped(
    qtbot: QtBot, gateway: StoreGateway
) -> None:
    preset = add_own_preset(gateway, "Shared", "Be formal.")
    dialog = open_dialog(qtbot, gateway, ConversationSettings.from_preset(preset))
    gateway.wait(lambda store: store.presets.delete(preset.key))  # e.g. from another window
    replace_text(qtbot, dialog.prompt_edit, "Be very formal.")
    with qtbot.waitSignal(dialog.presetsLoaded, timeout=5000):  # the list is read again
        click(qtbot, dialog.update_button)
    assert dialog.preset_problem.text() == "This preset no longer exists."
    assert "Shared" not in items(dialog.preset_combo)
    assert dialog.settings() == ConversationSettings(
        system_prompt="Be very formal.", temperature=0.9
    )


def test_closing_before_the_presets_arrive_is_harmless(qtbot: QtBot, gateway: StoreGateway) -> None:
    dialog = ConversationSettingsDialog(gateway, ConversationSettings(), None)
    qtbot.addWidget(dialog)
    dialog.show()
    loaded: list[bool] = []
    dialog.presetsLoaded.connect(lambda: loaded.append(True))
    dialog.reject()
    # Store calls are answered in order: once this one is back, the list has arrived too.
    later = gateway.run("a later call", lambda store: None)
    with qtbot.waitSignal(later.succeeded, timeout=5000):
        pass
    assert loaded == []
    assert dialog.preset_combo.currentText() == "Loading presets…"
