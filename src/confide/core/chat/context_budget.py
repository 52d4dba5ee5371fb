"""How much of the model's context a conversation uses, and whether the next turn fits.

Ollama never says "this is too long": when a prompt outgrows ``num_ctx`` it silently drops
the oldest messages (and during a long answer it shifts the oldest tokens out), so the model
forgets the start of the conversation without anyone noticing. The composer shows a meter,
and the page can warn before sending.

Two kinds of numbers meet here:

* **Measured** — the daemon's final chunk reports ``prompt_eval_count`` (the whole prompt,
  KV-cache hits included) and ``eval_count`` (the answer). Their sum is exactly what the
  conversation occupied after the last answer.
* **Estimated** — text not yet sent has no count; we do not ship each model's tokenizer, so
  :func:`estimate_tokens` uses a heuristic (below). It errs on the high side, because a meter
  that says "fits" when it does not is the failure that loses context.

The heuristic, per character, from typical behaviour of current open-model tokenizers
(Llama 3, Qwen 2.5/3, Gemma 3, Mistral Tekken; vocabularies of 128k to 262k entries):

=============================================  ========  ==============================
Characters                                      Tokens    Why
=============================================  ========  ==============================
ASCII letters                                   0.27      English ≈ 1.3 tokens per word
Space                                           0.10      usually merged into the next word
ASCII digits                                    1.0       Gemma, Qwen, Mistral: one per digit
ASCII punctuation, newlines, tabs, controls     0.8       mostly tokens of their own
Latin letters with diacritics (U+00C0–U+027F)   1.5       see below
U+0080–U+00BF (NBSP, «», §, °)                  0.5
Cyrillic (U+0400–U+052F)                        0.45      Bulgarian ≈ 2.2 characters/token
Greek, IPA, combining marks, Armenian,          0.5
Hebrew, Arabic, Syriac, Thaana, NKo
Everything else in the BMP (CJK, kana, Hangul,  1.0       about one token per character
Indic, Thai, dashes and curly quotes, …)
Outside the BMP (emoji, rare CJK)               2.0       byte-level pieces
=============================================  ========  ==============================

Why Polish diacritics weigh 1.5: such a letter is often a token of its own, *and* it cuts the
word around it into rarer, shorter pieces ("źródło" becomes three or four tokens where an
English six-letter word is one or two). Polish prose comes out near 3 characters per token,
English near 4, Bulgarian near 2.2 — close to, and a little above, what the tokenizers give.

On top of the text, each message costs :data:`MESSAGE_OVERHEAD_TOKENS` for the chat
template's role markers, and each image :data:`IMAGE_TOKENS` — the very allowance Ollama
itself reserves per image when it decides which old messages to drop.

Counting runs at C speed: the text is encoded to UTF-8 once, every byte is mapped to its
class with ``bytes.translate`` and each class is counted with ``bytes.count`` (a megabyte in
a few milliseconds), so the meter can follow the draft as the user types.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable
from dataclasses import dataclass

MESSAGE_OVERHEAD_TOKENS = 8
"""Role markers around each message (Llama 3: 5, Gemma 3: 5, ChatML: 4–6), with margin."""

IMAGE_TOKENS = 768
"""Per image. Ollama's own figure when it truncates history for vision models (Gemma 3
really uses 256, LLaVA 1.5 576, Qwen 2.5 VL up to about 1,300 for a large picture)."""

ANSWER_RESERVE_TOKENS = 512
"""Room kept free for the answer: a reply that does not fit pushes the oldest part out."""

FILLING_AT = 0.75
ALMOST_FULL_AT = 0.9

# Byte classes and their weights (tokens per character, counted on the character's first
# byte; UTF-8 continuation bytes weigh nothing).
_WEIGHTS: dict[bytes, float] = {
    b"a": 0.27,  # ASCII letter
    b"s": 0.10,  # space
    b"d": 1.0,  # ASCII digit (Llama 3 groups three, the others split every digit)
    b"p": 0.8,  # ASCII punctuation, symbols, newlines, controls (runs like "\n\n" merge)
    b"c": 0.5,  # U+0080–U+00BF
    b"l": 1.5,  # Latin letters with diacritics, U+00C0–U+027F
    b"g": 0.5,  # other two-byte scripts
    b"y": 0.45,  # Cyrillic
    b"w": 1.0,  # three-byte characters
    b"e": 2.0,  # four-byte characters
}


def _byte_classes() -> bytes:
    table = bytearray(b"z" * 256)  # "z": continuation bytes, and bytes UTF-8 never produces
    for byte in range(0x80):
        if chr(byte).isascii() and chr(byte).isalpha():
            table[byte] = ord("a")
        elif chr(byte).isdigit():
            table[byte] = ord("d")
        else:
            table[byte] = ord("p")
    table[0x20] = ord("s")
    table[0xC2] = ord("c")
    for lead in range(0xC3, 0xCA):
        table[lead] = ord("l")
    for lead in range(0xCA, 0xE0):
        table[lead] = ord("g")
    for lead in range(0xD0, 0xD5):
        table[lead] = ord("y")
    for lead in range(0xE0, 0xF0):
        table[lead] = ord("w")
    for lead in range(0xF0, 0xF5):
        table[lead] = ord("e")
    return bytes(table)


_CLASSES = _byte_classes()


def estimate_tokens(text: str) -> int:
    """A cautious estimate of how many tokens ``text`` takes (the heuristic above)."""
    if not text:
        return 0
    # Lone surrogates cannot come from a keyboard, but must not crash the meter either.
    classes = text.encode("utf-8", "surrogatepass").translate(_CLASSES)
    total = sum(weight * classes.count(key) for key, weight in _WEIGHTS.items())
    return math.ceil(total)


def estimate_message_tokens(text: str, images: int = 0) -> int:
    """One chat message as the model sees it: template markers, text and images."""
    return MESSAGE_OVERHEAD_TOKENS + estimate_tokens(text) + images * IMAGE_TOKENS


def estimate_conversation_tokens(messages: Iterable[tuple[str, int]]) -> int:
    """For a history without measurements: ``(text, image count)`` per message."""
    return sum(estimate_message_tokens(text, images) for text, images in messages)


class BudgetLevel(enum.Enum):
    UNKNOWN = "unknown"
    """The context size is not known (no model, or the daemon did not say)."""
    ROOMY = "roomy"
    FILLING = "filling"
    """From :data:`FILLING_AT`: worth knowing."""
    ALMOST_FULL = "almost_full"
    """From :data:`ALMOST_FULL_AT`: the next long message or answer will not fit."""
    FULL = "full"
    """At or over the limit: the oldest part is being dropped."""


@dataclass(frozen=True)
class ContextBudget:
    used_tokens: int
    limit_tokens: int
    """``num_ctx``; zero or less when unknown."""

    @property
    def known(self) -> bool:
        return self.limit_tokens > 0

    @property
    def fraction(self) -> float:
        """Share of the context in use, 0.0 upwards (over 1.0 when it overflowed)."""
        if not self.known:
            return 0.0
        return max(0, self.used_tokens) / self.limit_tokens

    @property
    def remaining_tokens(self) -> int:
        return max(0, self.limit_tokens - max(0, self.used_tokens))

    def fits(self, extra_tokens: int) -> bool:
        """Whether ``extra_tokens`` more still fit (always True when the limit is unknown)."""
        if not self.known:
            return True
        return max(0, self.used_tokens) + max(0, extra_tokens) <= self.limit_tokens

    def with_extra(self, extra_tokens: int) -> ContextBudget:
        return ContextBudget(self.used_tokens + max(0, extra_tokens), self.limit_tokens)

    @property
    def level(self) -> BudgetLevel:
        if not self.known:
            return BudgetLevel.UNKNOWN
        fraction = self.fraction
        if fraction >= 1.0:
            return BudgetLevel.FULL
        if fraction >= ALMOST_FULL_AT:
            return BudgetLevel.ALMOST_FULL
        if fraction >= FILLING_AT:
            return BudgetLevel.FILLING
        return BudgetLevel.ROOMY


@dataclass(frozen=True)
class TurnCheck:
    """The outlook for sending the draft now."""

    budget: ContextBudget
    """The conversation with the draft added (what the meter shows)."""
    draft_tokens: int
    """The estimate for the new message."""
    fits: bool
    """Whether the draft and :data:`ANSWER_RESERVE_TOKENS` of answer fit in ``num_ctx``."""


def check_next_turn(
    measured_tokens: int,
    draft_text: str,
    num_ctx: int,
    *,
    images: int = 0,
    unmeasured_tokens: int = 0,
    answer_reserve: int = ANSWER_RESERVE_TOKENS,
) -> TurnCheck:
    """Whether the next turn fits in the context.

    ``measured_tokens`` is ``prompt_eval_count + eval_count`` of the last answer (exact);
    ``unmeasured_tokens`` covers messages added since without a measurement (an answer that
    was stopped, say), e.g. from :func:`estimate_conversation_tokens`.
    """
    draft = estimate_message_tokens(draft_text, images)
    history = ContextBudget(max(0, measured_tokens) + max(0, unmeasured_tokens), num_ctx)
    with_draft = history.with_extra(draft)
    return TurnCheck(
        budget=with_draft,
        draft_tokens=draft,
        fits=with_draft.fits(answer_reserve),
    )
