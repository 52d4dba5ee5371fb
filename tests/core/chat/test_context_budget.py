"""The token estimate and the context budget: cautious, fast, and right at the edges."""

from __future__ import annotations

import time

import pytest

from confide.core.chat.context_budget import (
    ANSWER_RESERVE_TOKENS,
    IMAGE_TOKENS,
    MESSAGE_OVERHEAD_TOKENS,
    BudgetLevel,
    ContextBudget,
    check_next_turn,
    estimate_conversation_tokens,
    estimate_message_tokens,
    estimate_tokens,
)

ENGLISH = (
    "The agreement is concluded for an indefinite period. Either party may terminate it "
    "with three months' notice, given in writing to the other party's registered office."
)
POLISH = (
    "Umowa zostaje zawarta na czas nieokreślony. Każda ze stron może ją wypowiedzieć "
    "z zachowaniem trzymiesięcznego okresu wypowiedzenia, w formie pisemnej."
)
BULGARIAN = (
    "Договорът се сключва за неопределен срок. Всяка от страните може да го прекрати "
    "с тримесечно писмено предизвестие до седалището на другата страна."
)


def chars_per_token(text: str) -> float:
    return len(text) / estimate_tokens(text)


def test_nothing_costs_nothing() -> None:
    assert estimate_tokens("") == 0


def test_english_comes_out_near_four_characters_per_token() -> None:
    assert 3.3 <= chars_per_token(ENGLISH) <= 4.6


def test_polish_and_bulgarian_cost_more_per_character_than_english() -> None:
    assert chars_per_token(POLISH) < chars_per_token(ENGLISH)
    assert 2.5 <= chars_per_token(POLISH) <= 3.6
    assert chars_per_token(BULGARIAN) < chars_per_token(POLISH)
    assert 1.8 <= chars_per_token(BULGARIAN) <= 2.8


def test_a_polish_diacritic_costs_more_than_its_plain_letter() -> None:
    assert estimate_tokens("żółć " * 100) > estimate_tokens("zolc " * 100)


def test_cjk_digits_and_emoji_are_counted_generously() -> None:
    assert estimate_tokens("契約書" * 100) == 300  # about one token per character
    assert estimate_tokens("1234567890") == 10  # many tokenizers split every digit
    assert estimate_tokens("🙂" * 10) == 20


def test_the_estimate_rounds_up_and_grows_with_the_text() -> None:
    assert estimate_tokens("a") == 1
    assert estimate_tokens(ENGLISH * 2) >= 2 * estimate_tokens(ENGLISH) - 1


def test_odd_text_never_breaks_the_estimate() -> None:
    assert estimate_tokens("broken \ud800 surrogate") > 0
    assert estimate_tokens("\x00\x01\t\r\n") > 0


def test_a_megabyte_is_estimated_in_a_blink() -> None:
    text = (ENGLISH + POLISH + BULGARIAN) * (1_000_000 // len(ENGLISH + POLISH + BULGARIAN))
    started = time.perf_counter()
    tokens = estimate_tokens(text)
    elapsed = time.perf_counter() - started
    assert tokens > 200_000
    assert elapsed < 0.25  # the composer calls it on the GUI thread as the user types


def test_a_message_adds_its_template_markers_and_images() -> None:
    assert estimate_message_tokens("") == MESSAGE_OVERHEAD_TOKENS
    assert estimate_message_tokens("Hello", images=2) == (
        MESSAGE_OVERHEAD_TOKENS + estimate_tokens("Hello") + 2 * IMAGE_TOKENS
    )
    assert estimate_conversation_tokens([("Hello", 0), ("Hi there", 1)]) == (
        estimate_message_tokens("Hello") + estimate_message_tokens("Hi there", 1)
    )


def test_budget_fraction_remaining_and_fits() -> None:
    budget = ContextBudget(3000, 4000)
    assert budget.known
    assert budget.fraction == pytest.approx(0.75)
    assert budget.remaining_tokens == 1000
    assert budget.fits(1000) and not budget.fits(1001)
    over = ContextBudget(5000, 4000)
    assert over.fraction == pytest.approx(1.25)
    assert over.remaining_tokens == 0 and not over.fits(0)


@pytest.mark.parametrize(
    ("used", "level"),
    [
        (0, BudgetLevel.ROOMY),
        (749, BudgetLevel.ROOMY),
        (750, BudgetLevel.FILLING),
        (899, BudgetLevel.FILLING),
        (900, BudgetLevel.ALMOST_FULL),
        (999, BudgetLevel.ALMOST_FULL),
        (1000, BudgetLevel.FULL),
        (1500, BudgetLevel.FULL),
    ],
)
def test_budget_levels(used: int, level: BudgetLevel) -> None:
    assert ContextBudget(used, 1000).level is level


def test_an_unknown_limit_is_never_full() -> None:
    budget = ContextBudget(50_000, 0)
    assert not budget.known
    assert budget.level is BudgetLevel.UNKNOWN
    assert budget.fraction == 0.0
    assert budget.fits(10**9)


def test_next_turn_adds_the_draft_to_the_measured_history() -> None:
    draft = "Summarise the agreement in three bullet points."
    check = check_next_turn(1000, draft, 4096)
    assert check.draft_tokens == estimate_message_tokens(draft)
    assert check.budget == ContextBudget(1000 + check.draft_tokens, 4096)
    assert check.fits


def test_next_turn_keeps_room_for_the_answer() -> None:
    draft = "Go on."
    draft_tokens = estimate_message_tokens(draft)
    # The prompt alone fits, but the answer would push the oldest part out.
    measured = 4096 - draft_tokens - ANSWER_RESERVE_TOKENS + 1
    assert not check_next_turn(measured, draft, 4096).fits
    assert check_next_turn(measured - 1, draft, 4096).fits
    assert check_next_turn(measured, draft, 4096, answer_reserve=0).fits


def test_next_turn_counts_images_and_unmeasured_messages() -> None:
    plain = check_next_turn(100, "What is in this picture?", 8192)
    with_image = check_next_turn(100, "What is in this picture?", 8192, images=1)
    assert with_image.draft_tokens == plain.draft_tokens + IMAGE_TOKENS
    later = check_next_turn(100, "Go on.", 8192, unmeasured_tokens=500)
    assert later.budget.used_tokens == 600 + estimate_message_tokens("Go on.")
    assert not check_next_turn(8000, "Go on.", 8192, images=1).fits
