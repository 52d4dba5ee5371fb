"""Streaming: the incremental renderer must end exactly where a full render does."""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from confide.core.markdown import (
    CodeBlock,
    IncrementalMarkdown,
    RenderResult,
    copy_href,
    growing_code_html,
    render_markdown,
    sample_answer,
    split_documents,
)
from confide.core.markdown import incremental as incremental_module
from confide.core.markdown import richtext as richtext_module
from confide.core.markdown.parser import answer_parser
from confide.core.markdown.result import RenderOptions
from tests.core.markdown.documents import document, split_points
from tests.core.markdown.htmlcheck import html_problems
from tests.manual_clock import ManualClock

# Engine settings that stress different paths: render on every update (so that every
# settling decision is exercised), almost never (previews only), and the defaults.
ENGINES = [
    {"preview_budget": 1000.0, "initial_credit": 1e9, "min_step": 1},
    {"preview_budget": 0.0, "initial_credit": 0.0, "min_step": 10_000, "max_raw_wait": 1e9},
    {},
]
PROPERTY = settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def normalised(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def check_stream(text: str, deltas: list[str], engine: dict[str, Any]) -> RenderResult:
    expected = render_markdown(text)
    # With no link reference definition, nothing settled may ever change again.
    settled_is_final = "]:" not in text
    stream = IncrementalMarkdown(**engine)
    for delta in deltas:
        result = stream.feed(delta)
        assert html_problems(result.html) == [], (delta, result.html)
        if settled_is_final:
            assert expected.html.startswith(result.stable_html)
        if result.open_code_at >= 0:
            check_open_code(result)
    assert stream.text == normalised(text).removesuffix("\r")
    final = stream.finish()
    assert final == expected
    return final


def check_open_code(result: RenderResult) -> None:
    """What the UI relies on to show a code block being written apart from the rest of the
    tail: its box is the end of the tail, and it is the last code block. (Its code usually
    grows from one update to the next, but not always: a ``$$`` further down can turn the
    fence above it into maths. The UI starts the block again when it did not grow.)"""
    block = result.code_blocks[-1]
    box = result.tail_html[result.open_code_at :]
    assert box.startswith("<table") and f'href="{copy_href(block.number)}"' in box
    assert box.endswith("</pre></td></tr></table>\n")


@pytest.mark.parametrize("engine", ENGINES)
@PROPERTY
@given(data=st.data(), text=document())
def test_streamed_answer_renders_like_the_whole(
    engine: dict[str, Any], data: st.DataObject, text: str
) -> None:
    check_stream(text, data.draw(split_points(text)), engine)


@settings(max_examples=60, deadline=None, database=None)
@given(data=st.data(), text=document())
def test_set_text_follows_the_growing_answer(data: st.DataObject, text: str) -> None:
    stream = IncrementalMarkdown(preview_budget=1000.0, min_step=1)
    shown = ""
    for delta in data.draw(split_points(text)):
        shown += delta
        assert html_problems(stream.set_text(shown).html) == []
    assert stream.finish() == render_markdown(text)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    "text",
    [
        # A fence with blank lines, closed only at the end.
        "Intro\n\n```python\nx = 1\n\n\ny = 2\n\nz = 3\n```\n\nAfter\n",
        # An unclosed fence swallows everything after it.
        "Intro\n\n```\ncode\n\n# not a heading\n\n- not a list\n",
        # A list whose items are separated by blank lines, with an indented paragraph.
        "- one\n\n- two\n\n  more of two\n\n- three\n\nAfter the list\n",
        # An ordered list interrupted by a paragraph, then a new list.
        "1. a\n2. b\n\nText\n\n3. c\n",
        # Items after blank lines, whose first character alone cannot tell a new item from
        # a new paragraph.
        "1. first\n\n2. second\n\n10. tenth\n\n2024 was a year.\n",
        "- a\n\n- b\n\n * c\n\n-not an item\n\n+ d\n",
        # A table followed directly by a line that becomes a row.
        "| a | b |\n|---|---|\n| 1 | 2 |\nlazy row\n\nParagraph\n",
        # A reference used before it is defined.
        "See [the lease][lease].\n\nMore text.\n\n[lease]: https://example.com/lease\n",
        # Setext heading arriving on the next line.
        "Title\n=====\n\nBody\n",
        # Display maths, closed and unclosed.
        "$$\nx^2\n$$\n\n\\[\n\\alpha\n\nText\n",
        # A maths block closing below a heading, a rule and a fence swallows them all.
        "Intro\n$$\n# not a heading\n***\n```\nnot code\n```\n$$\n\nAfter\n",
        "\\[\n## h\n\\]\n",
        # A heading line that the next line turns into a table header.
        "# a | b\n|--|--|\n| 1 | 2 |\n",
        # A no-break space is text to Markdown, not a blank line.
        "para one\n\u00a0\nstill the same paragraph\n\nnext\n",
        # CRLF line endings.
        "Line one\r\nLine two\r\n\r\n- item\r\n\r\n```\r\ncode\r\n```\r\n",
    ],
)
@pytest.mark.parametrize("size", [1, 3, 7])
def test_awkward_documents_stream_correctly(text: str, engine: dict[str, Any], size: int) -> None:
    deltas = [text[i : i + size] for i in range(0, len(text), size)]
    check_stream(text, deltas, engine)


def test_blocks_settle_while_streaming() -> None:
    stream = IncrementalMarkdown()
    stream.feed("# Heading\n\nFirst paragraph with **bold**.\n\n")
    result = stream.feed("Second paragraph is still being wri")
    assert (
        result.stable_html
        == "<h1>Heading</h1>\n<p>First paragraph with <strong>bold</strong>.</p>\n"
    )
    assert "Second paragraph is still being wri" in result.tail_html
    result = stream.feed("tten.\n\n")
    assert result.stable_html.endswith("<p>Second paragraph is still being written.</p>\n")
    assert result.tail_html == ""


def test_unfinished_code_block_streams_plain_and_can_be_copied() -> None:
    stream = IncrementalMarkdown()
    stream.feed("Here:\n\n```python\n")
    result = stream.feed("def f():\n    return 1")
    assert result.code_blocks == (CodeBlock(0, "python", "def f():\n    return 1"),)
    assert "def f():\n    return 1</pre>" in result.tail_html
    assert html_problems(result.html) == []
    result = stream.feed("\n```\n")
    assert "font-weight:bold" in result.stable_html  # highlighted once complete
    assert result.code_blocks == (CodeBlock(0, "python", "def f():\n    return 1"),)


def test_the_code_block_an_answer_ends_in_is_marked_as_being_written() -> None:
    stream = IncrementalMarkdown()
    result = stream.feed("Here:\n\n```python\ndef f():\n")
    assert result.open_code_at == 0  # the whole tail: the paragraph before it has settled
    assert result.code_blocks[-1] == CodeBlock(0, "python", "def f():")
    for line in ("    total = 0\n", "    for x in range(10):\n", "        total += x\n"):
        before = result.code_blocks[-1].code
        result = stream.feed(line)
        assert result.open_code_at == 0 and result.code_blocks[-1].code == before + "\n" + line[:-1]
    result = stream.feed("    return total\n```\n")
    assert result.open_code_at == -1  # closed: it is highlighted and settles

    stream = IncrementalMarkdown()
    result = stream.feed("Here:\n```sh\nls -l")  # no blank line: the paragraph is in the tail
    assert result.tail_html[: result.open_code_at] == "<p>Here:</p>\n"
    assert result.code_blocks[-1] == CodeBlock(0, "sh", "ls -l")

    stream = IncrementalMarkdown()
    result = stream.feed("1. Run:\n\n   ```sh\n   ls -l")  # inside a list item: not the end
    assert result.open_code_at == -1
    assert stream.feed("\n").open_code_at == -1
    assert render_markdown("```sh\nls -l\n").open_code_at == -1


def test_a_long_code_block_settles_plain_the_moment_it_closes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Highlighting it here froze the window for a third of a second when a 30,000-character
    # block ended: it settles as a document of its own, plain, for the UI to colour later.
    highlighted: list[str] = []
    real = richtext_module.highlight_code
    monkeypatch.setattr(
        richtext_module,
        "highlight_code",
        lambda code, *a: highlighted.append(code) or real(code, *a),
    )
    code = "\n".join(f"total += item_{i} * rate  # line {i}" for i in range(120))
    text = f"Here:\n\n```python\n{code}\n```\n\nRun it.\n"
    stream = IncrementalMarkdown()
    closing = text.index("```\n\nRun") + 4
    for start in range(0, closing, 50):
        result = stream.feed(text[start : min(start + 50, closing)])
    assert result.open_code_at == -1 and result.tail_html == ""
    pieces = split_documents(result.stable_html)
    assert [piece.code_number for piece in pieces] == [-1, 0]
    assert pieces[1].html == growing_code_html(CodeBlock(0, "python", code), RenderOptions())
    assert highlighted == []  # nothing of it was highlighted, while it grew or when it closed
    stream.feed(text[closing:])
    assert stream.finish() == render_markdown(text)


def test_a_list_item_arriving_whole_shows_as_an_item_of_its_own() -> None:
    # Fast models deliver many characters at once: a whole new item, marker and all, may
    # arrive in one update after its line began. It must not show glued to the item before.
    stream = IncrementalMarkdown()
    stream.feed("Steps:\n\n1. Read the notice clause.\n2. Draft the notice and keep a copy.\n")
    result = stream.feed("3. Send it by a method that gives you proof of del")
    assert "copy.3." not in result.tail_html
    assert "<li>Send it by a method that gives you proof of del" in result.tail_html
    assert html_problems(result.html) == []


def test_formatting_shows_soon_when_a_model_writes_slowly() -> None:
    # A local model at ~40 tokens a second delivers ~8 characters 20 times a second: too
    # few characters to pay for rendering a long paragraph again, so its ** would show raw
    # until the paragraph ends. It must be formatted within about half a second.
    clock = ManualClock()
    stream = IncrementalMarkdown(initial_credit=0.0, clock=clock)  # well into an answer
    paragraph = (
        "The tenant must give notice in writing. " * 4
        + "The **notice period** is three months, and it runs from the first day of the "
        + "month after the landlord receives the notice. "
        + "Keep proof of delivery: a registered letter or a signed receipt will do. " * 3
    )
    bold_ends = paragraph.index("**", paragraph.index("**") + 2) + 2
    arrived_at = formatted_at = None
    for start in range(0, len(paragraph), 8):
        clock.now += 0.05
        result = stream.feed(paragraph[start : start + 8])
        if arrived_at is None and start + 8 >= bold_ends:
            arrived_at = clock.now
        if formatted_at is None and "<strong>notice period</strong>" in result.tail_html:
            formatted_at = clock.now
            assert "**" not in result.tail_html
    assert arrived_at is not None and formatted_at is not None
    assert formatted_at - arrived_at <= 0.6  # not when the paragraph ends, seconds later
    assert stream.finish() == render_markdown(paragraph)


def test_late_reference_definition_updates_settled_blocks() -> None:
    stream = IncrementalMarkdown()
    first = stream.feed("Read [the lease][lease] first.\n\nThen sign.\n\n")
    assert "<a " not in first.html
    stream.feed("[lease]: https://example.com/lease\n\nDone.")
    final = stream.finish()
    assert '<a href="https://example.com/lease">the lease</a>' in final.stable_html
    assert final == render_markdown(stream.text)


def test_finish_is_idempotent_and_feeding_after_it_continues() -> None:
    stream = IncrementalMarkdown()
    stream.feed("Some *text*")
    assert stream.finish() == stream.finish() == render_markdown("Some *text*")
    stream.feed(" continued")
    assert stream.finish() == render_markdown("Some *text* continued")


def test_set_text_starts_over_when_the_text_changes() -> None:
    stream = IncrementalMarkdown()
    stream.set_text("First answer.\n\nWith two paragraphs.\n\n")
    stream.set_text("A regenerated answer")
    assert stream.text == "A regenerated answer"
    assert stream.finish() == render_markdown("A regenerated answer")


def test_crlf_split_across_deltas() -> None:
    stream = IncrementalMarkdown()
    for delta in ["a\r", "\nb\r", "\r", "\nc\r"]:
        stream.feed(delta)
    assert stream.finish() == render_markdown("a\r\nb\r\r\nc\r")
    assert stream.text == "a\nb\n\nc\n"


def test_streaming_work_stays_proportional_to_the_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    """Re-rendering the whole tail on every 4-character update parses ~100x the text;
    the incremental renderer must parse only a small multiple of it."""
    text = sample_answer(16_000)
    parsed = 0

    class CountingParser:
        def __getattr__(self, name: str) -> object:
            return getattr(answer_parser(), name)

        def parse(self, src: str, env: MutableMapping[str, Any] | None = None) -> object:
            nonlocal parsed
            parsed += len(src)
            return answer_parser().parse(src, env)

    monkeypatch.setattr(incremental_module, "answer_parser", CountingParser)
    stream = IncrementalMarkdown(clock=ManualClock())  # as fast as a loop: no time passes
    updates = 0
    for start in range(0, len(text), 4):
        stream.feed(text[start : start + 4])
        updates += 1
    assert stream.finish() == render_markdown(text)
    assert updates > 3000
    assert parsed <= 2 * len(text)
