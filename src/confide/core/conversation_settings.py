"""How one conversation talks to its model: the instructions and the few knobs users may turn.

The store keeps a conversation's system prompt and preset in their own columns and the model
options as a JSON object (``Conversation.options``, ``Preset.options``). This value is the one
place that reads and writes that object, so a conversation stored by any version opens in any
other: values that cannot be understood are treated as "use the default" (never an error the
user has to fix), and keys this version does not know are carried along untouched.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from confide.core.ollama.types import ChatOptions
from confide.core.store.models import Conversation, JSONObject, JSONValue, Preset

# Ollama itself accepts higher temperatures, but beyond 2 every model produces noise.
MIN_TEMPERATURE = 0.0
MAX_TEMPERATURE = 2.0
# Below a few hundred tokens not even the system prompt fits.
MIN_NUM_CTX = 256
# Ollama reads the seed as a Go int; the positive 32-bit range is safe on every platform.
MAX_SEED = 2**31 - 1

TEMPERATURE_KEY = "temperature"
NUM_CTX_KEY = "num_ctx"
SEED_KEY = "seed"
_KNOWN_KEYS = frozenset({TEMPERATURE_KEY, NUM_CTX_KEY, SEED_KEY})


def _number(value: JSONValue) -> float | None:
    # JSON booleans are Python ints; a stored ``true`` is not a temperature.
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _temperature(value: JSONValue) -> float | None:
    number = _number(value)
    if number is None or number < MIN_TEMPERATURE:
        return None
    return min(number, MAX_TEMPERATURE)


def _whole(value: JSONValue) -> int | None:
    number = _number(value)
    if number is None or not number.is_integer():
        return None
    return int(number)


def _num_ctx(value: JSONValue) -> int | None:
    number = _whole(value)
    return number if number is not None and number >= MIN_NUM_CTX else None


def _seed(value: JSONValue) -> int | None:
    number = _whole(value)
    return number if number is not None and 0 <= number <= MAX_SEED else None


@dataclass(frozen=True)
class ConversationSettings:
    """``None`` means "let the model decide": its own temperature and context length, and a
    new random seed for every answer."""

    preset_key: str | None = None
    system_prompt: str = ""
    temperature: float | None = None
    num_ctx: int | None = None
    seed: int | None = None
    extra: Mapping[str, JSONValue] = field(default_factory=dict)
    """Stored options this version does not edit (written by a newer one); kept as they are."""

    def __post_init__(self) -> None:
        if self.temperature is not None and _temperature(self.temperature) != self.temperature:
            raise ValueError(f"temperature must be between {MIN_TEMPERATURE} and {MAX_TEMPERATURE}")
        if self.num_ctx is not None and _num_ctx(self.num_ctx) != self.num_ctx:
            raise ValueError(f"num_ctx must be a whole number of at least {MIN_NUM_CTX}")
        if self.seed is not None and _seed(self.seed) != self.seed:
            raise ValueError(f"seed must be a whole number from 0 to {MAX_SEED}")
        if _KNOWN_KEYS & self.extra.keys():
            raise ValueError("extra options must not repeat the edited ones")
        # A read-only copy: the caller's dict cannot change this value behind its back.
        object.__setattr__(self, "extra", MappingProxyType(dict(self.extra)))

    # -- to and from the store -------------------------------------------------------------

    @classmethod
    def from_options_json(
        cls,
        options: Mapping[str, JSONValue] | None,
        *,
        preset_key: str | None = None,
        system_prompt: str | None = None,
    ) -> ConversationSettings:
        """Reads a stored options object; unusable values fall back to the model's default."""
        options = options if isinstance(options, Mapping) else {}
        return cls(
            preset_key=preset_key,
            system_prompt=system_prompt or "",
            temperature=_temperature(options.get(TEMPERATURE_KEY)),
            num_ctx=_num_ctx(options.get(NUM_CTX_KEY)),
            seed=_seed(options.get(SEED_KEY)),
            extra={key: value for key, value in options.items() if key not in _KNOWN_KEYS},
        )

    @classmethod
    def from_conversation(cls, conversation: Conversation) -> ConversationSettings:
        return cls.from_options_json(
            conversation.options,
            preset_key=conversation.preset_key,
            system_prompt=conversation.system_prompt,
        )

    @classmethod
    def from_preset(cls, preset: Preset, system_prompt: str | None = None) -> ConversationSettings:
        """A preset's settings; ``system_prompt`` replaces its stored one (a translation)."""
        return cls.from_options_json(
            preset.options,
            preset_key=preset.key,
            system_prompt=preset.system_prompt if system_prompt is None else system_prompt,
        )

    def options_json(self) -> JSONObject:
        """The object to store as ``Conversation.options`` or ``Preset.options``."""
        stored: JSONObject = dict(self.extra)
        if self.temperature is not None:
            stored[TEMPERATURE_KEY] = self.temperature
        if self.num_ctx is not None:
            stored[NUM_CTX_KEY] = self.num_ctx
        if self.seed is not None:
            stored[SEED_KEY] = self.seed
        return stored

    @property
    def stored_system_prompt(self) -> str | None:
        """The value for the conversation's ``system_prompt`` column: none rather than blank."""
        return self.system_prompt if self.system_prompt.strip() else None

    # -- to the model ----------------------------------------------------------------------

    def to_options(self) -> ChatOptions:
        return ChatOptions(temperature=self.temperature, num_ctx=self.num_ctx, seed=self.seed)

    def same_as(self, other: ConversationSettings) -> bool:
        """Same instructions and options, whichever preset each came from."""
        return (
            self.system_prompt == other.system_prompt
            and self.options_json() == other.options_json()
        )
