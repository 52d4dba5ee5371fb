"""ConversationSettings: what reaches the model, and the stored options object both ways."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from confide.core.conversation_settings import MAX_SEED, ConversationSettings
from confide.core.store import Conversation, Preset
from confide.core.store.models import JSONObject

_NOW = datetime(2025, 6, 1, tzinfo=timezone.utc)


def test_defaults_send_no_options() -> None:
    settings = ConversationSettings()
    assert settings.to_options().to_wire() == {}
    assert settings.options_json() == {}
    assert settings.stored_system_prompt is None


def test_chosen_values_reach_the_wire() -> None:
    settings = ConversationSettings(temperature=0.7, num_ctx=8192, seed=42)
    assert settings.to_options().to_wire() == {"temperature": 0.7, "num_ctx": 8192, "seed": 42}


@pytest.mark.parametrize(
    "settings",
    [
        ConversationSettings(),
        ConversationSettings(temperature=0.0),
        ConversationSettings(temperature=2.0, num_ctx=131072, seed=0),
        ConversationSettings(seed=MAX_SEED),
        ConversationSettings(temperature=0.35, extra={"top_p": 0.9, "future": [1, "a"]}),
    ],
)
def test_options_json_round_trips_through_the_store_format(
    settings: ConversationSettings,
) -> None:
    stored = json.loads(json.dumps(settings.options_json()))  # as the store writes and reads
    again = ConversationSettings.from_options_json(stored)
    assert again == settings
    assert again.options_json() == settings.options_json()


def test_unknown_keys_are_kept_but_not_sent() -> None:
    settings = ConversationSettings.from_options_json({"temperature": 0.5, "mirostat": 2})
    assert settings.options_json() == {"temperature": 0.5, "mirostat": 2}
    assert settings.to_options().to_wire() == {"temperature": 0.5}


@pytest.mark.parametrize(
    ("stored", "temperature", "num_ctx", "seed"),
    [
        ({"temperature": "hot", "num_ctx": "big", "seed": "x"}, None, None, None),
        ({"temperature": True, "num_ctx": True, "seed": False}, None, None, None),
        ({"temperature": -1, "num_ctx": 0, "seed": -5}, None, None, None),
        ({"temperature": 5.0, "num_ctx": 4096.0, "seed": 7.0}, 2.0, 4096, 7),
        ({"temperature": float("nan"), "num_ctx": 4096.5, "seed": 2**40}, None, None, None),
        ({"temperature": None, "num_ctx": None, "seed": None}, None, None, None),
        ({"temperature": 1, "num_ctx": 100}, 1.0, None, None),
    ],
)
def test_unusable_stored_values_mean_model_default(
    stored: JSONObject, temperature: float | None, num_ctx: int | None, seed: int | None
) -> None:
    settings = ConversationSettings.from_options_json(stored)
    assert (settings.temperature, settings.num_ctx, settings.seed) == (temperature, num_ctx, seed)
    assert settings.extra == {}


def test_a_stored_value_that_is_not_an_object_is_ignored() -> None:
    assert ConversationSettings.from_options_json(None) == ConversationSettings()
    assert ConversationSettings.from_options_json([1, 2]) == ConversationSettings()  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"temperature": -0.1},
        {"temperature": 2.5},
        {"temperature": float("inf")},
        {"num_ctx": 10},
        {"seed": -1},
        {"seed": MAX_SEED + 1},
        {"extra": {"seed": 1}},
    ],
)
def test_impossible_values_are_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        ConversationSettings(**kwargs)  # type: ignore[arg-type]


def test_extra_cannot_be_changed_from_outside() -> None:
    extra: JSONObject = {"top_p": 0.9}
    settings = ConversationSettings(extra=extra)
    extra["top_p"] = 0.1
    assert settings.options_json() == {"top_p": 0.9}


def test_from_conversation_and_preset() -> None:
    conversation = Conversation(
        id="c1",
        title="",
        model="m",
        system_prompt="Be brief.",
        options={"temperature": 0.2, "seed": 9},
        preset_key="legal_analyst",
        pinned=False,
        active_leaf_id=None,
        created_at=_NOW,
        updated_at=_NOW,
        deleted_at=None,
    )
    settings = ConversationSettings.from_conversation(conversation)
    assert settings == ConversationSettings(
        preset_key="legal_analyst", system_prompt="Be brief.", temperature=0.2, seed=9
    )
    preset = Preset(
        key="p1",
        name="Mine",
        system_prompt="English prompt",
        options={"num_ctx": 8192},
        builtin=False,
        position=0,
        created_at=_NOW,
        updated_at=_NOW,
    )
    assert ConversationSettings.from_preset(preset) == ConversationSettings(
        preset_key="p1", system_prompt="English prompt", num_ctx=8192
    )
    translated = ConversationSettings.from_preset(preset, system_prompt="Polski prompt")
    assert translated.system_prompt == "Polski prompt"


def test_a_blank_prompt_is_stored_as_none() -> None:
    assert ConversationSettings(system_prompt="  \n").stored_system_prompt is None
    assert ConversationSettings(system_prompt="Be brief.").stored_system_prompt == "Be brief."


def test_same_as_ignores_where_the_settings_came_from() -> None:
    a = ConversationSettings(preset_key="general", system_prompt="x", temperature=0.2)
    assert a.same_as(ConversationSettings(preset_key=None, system_prompt="x", temperature=0.2))
    assert not a.same_as(ConversationSettings(system_prompt="x"))
    assert not a.same_as(ConversationSettings(system_prompt="y", temperature=0.2))
