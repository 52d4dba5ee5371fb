"""When a growing document is laid out again: often while short, rarely while long, and
never long after the text it shows arrived."""

from __future__ import annotations

from confide.ui.chat.layout_budget import (
    ALLOWANCE,
    ALWAYS_UP_TO,
    MAX_CREDIT,
    MAX_WAIT_S,
    RATE,
    LayoutBudget,
)
from tests.manual_clock import ManualClock


def test_a_short_document_is_laid_out_on_every_delivery() -> None:
    clock = ManualClock()
    budget = LayoutBudget(clock=clock)
    assert budget.due(10, 12)  # the first look always lays it out
    layouts = [budget.due(10 + 100 * n, 300) for n in range(1, 30)]
    assert all(layouts)


def test_a_document_that_stays_small_is_laid_out_on_every_delivery_however_slow() -> None:
    clock = ManualClock()
    budget = LayoutBudget(clock=clock)
    for n in range(1, ALWAYS_UP_TO):  # one character per delivery, no time passing
        assert budget.due(n, n)


def test_a_long_document_is_laid_out_at_a_cost_proportional_to_its_length() -> None:
    clock = ManualClock()
    budget = LayoutBudget(clock=clock, max_wait=1e9)  # the budget alone
    charged = 0
    length = 0
    for _ in range(400):  # 40,000 characters in 100-character deliveries, 20 a second
        length += 100
        clock.now += 0.05
        if budget.due(length, length):
            charged += length
    # Every delivery would have cost 40,000 * 400 / 2 = 8 million characters of layout.
    assert charged <= RATE * length + ALLOWANCE * 400 * 0.05 + MAX_CREDIT + length
    assert charged < 1_000_000
    assert budget.due(length + 1, length, required=True)  # a change that must show, shows


def test_a_long_document_is_never_left_behind_longer_than_the_wait() -> None:
    clock = ManualClock()
    budget = LayoutBudget(clock=clock)
    assert budget.due(50_000, 50_000)
    clock.now += MAX_WAIT_S / 2
    assert not budget.due(50_010, 50_010)  # ten new characters do not pay for 50,000
    clock.now += MAX_WAIT_S / 2
    assert budget.due(50_020, 50_020)


def test_saved_credit_is_capped_so_a_long_block_after_short_ones_pays_its_way() -> None:
    clock = ManualClock()
    budget = LayoutBudget(clock=clock, max_wait=1e9)
    for n in range(1, 200):  # a long answer of short paragraphs: credit would pile up
        assert budget.due(100 * n, 100)
    assert not budget.due(20_100, 20_000)  # a 20,000-character block still waits its turn


def test_a_long_document_at_an_ordinary_speed_moves_several_times_a_second() -> None:
    # Long reasoning arriving at ~40 tokens a second (8 characters a delivery): the text
    # alone would pay for a layout every half second; time pays for the rest.
    clock = ManualClock()
    budget = LayoutBudget(clock=clock)
    length = 4000
    budget.due(length, length)
    layouts = 0
    for _ in range(20):  # one second
        clock.now += 0.05
        length += 8
        layouts += budget.due(length, length)
    assert layouts >= 4
    assert layouts < 20  # and not on every delivery: 4,000 characters is not small
