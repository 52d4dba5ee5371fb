"""The streaming benchmark helper."""

from __future__ import annotations

from confide.core.markdown import measure_streaming_cost, render_markdown, sample_answer
from tests.core.markdown.htmlcheck import html_problems


def test_sample_answer_is_long_and_varied() -> None:
    text = sample_answer()
    assert len(text) >= 32_000
    result = render_markdown(text)
    assert html_problems(result.html) == []
    for tag in ("<h2>", "<table", "<ol>", "<ul>", "<blockquote>", "<pre", "<strong>", "<a href"):
        assert tag in result.html
    assert len(result.code_blocks) >= 10


def test_measure_streaming_cost_returns_both_timings() -> None:
    streaming, single = measure_streaming_cost(sample_answer(3_000), chunk_chars=4)
    assert streaming > 0
    assert single > 0
