"""The small pure pieces: date ranges, file names, snippet markup."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from confide.ui.history.date_ranges import DateRange, range_start
from confide.ui.history.filenames import MAX_BYTES, safe_file_name
from confide.ui.history.snippet import MARK_BACKGROUND, merge_spans, snippet_html


def _at(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 14, 30, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("now", "choice", "expected"),
    [
        (_at(2025, 3, 15), DateRange.WEEK, _at(2025, 3, 8)),
        (_at(2025, 3, 15), DateRange.MONTH, _at(2025, 2, 15)),
        (_at(2025, 3, 31), DateRange.MONTH, _at(2025, 2, 28)),  # no 31 February
        (_at(2025, 1, 10), DateRange.MONTH, _at(2024, 12, 10)),  # across the new year
        (_at(2024, 2, 29), DateRange.YEAR, _at(2023, 2, 28)),
        (_at(2025, 6, 1), DateRange.YEAR, _at(2024, 6, 1)),
        (_at(2025, 6, 1), DateRange.ANY, None),
    ],
)
def test_date_ranges_are_calendar_ranges(
    now: datetime, choice: DateRange, expected: datetime | None
) -> None:
    assert range_start(choice, now) == expected


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Lease: Smith / Jones?", "Lease Smith Jones"),
        ('a<b>c|d*e"f\\g', "a b c d e f g"),
        ("  ..hidden.  ", "hidden"),
        ("Umowa najmu – Łódź", "Umowa najmu – Łódź"),
        ("CON", "CON_"),
        ("aux.txt", "aux.txt_"),
        ("line\nbreak\ttab", "line break tab"),
        ("???", "Conversation"),
        ("", "Conversation"),
    ],
)
def test_file_names_are_safe_everywhere(title: str, expected: str) -> None:
    assert safe_file_name(title, "Conversation") == expected


def test_long_titles_are_cut_to_a_name_every_file_system_takes() -> None:
    name = safe_file_name("Żółw " * 200, "Conversation")
    assert len(name.encode("utf-8")) <= MAX_BYTES
    assert name.startswith("Żółw Żółw") and not name.endswith(" ")


def test_snippet_markup_escapes_text_and_marks_spans() -> None:
    snippet = "a <b>x</b> & y"
    start = snippet.index("x")
    html = snippet_html(snippet, [(start, start + 1)])
    assert html.startswith("a &lt;b&gt;")
    assert "&amp; y" in html
    assert f"background-color:{MARK_BACKGROUND}" in html
    assert "font-weight:700" in html
    assert html.count("<span") == 1


def test_spans_are_clamped_merged_and_sorted() -> None:
    assert merge_spans([(8, 12), (0, 3), (2, 5), (5, 6), (20, 30), (4, 4)], 10) == [
        (0, 6),
        (8, 10),
    ]
