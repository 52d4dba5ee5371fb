"""Copy as plain text."""

from __future__ import annotations

from confide.core.markdown import to_plain_text


def test_formatting_goes_structure_stays() -> None:
    markdown = (
        "# Notice period\n\n"
        "The **tenant** must give *written* notice, see [clause 4](https://example.com/4).\n\n"
        "- first\n- second\n  1. nested one\n  2. nested two\n\n"
        "3. three\n4. four\n\n"
        "> Quoted\n> text\n\n"
        "---\n"
    )
    assert to_plain_text(markdown) == (
        "Notice period\n\n"
        "The tenant must give written notice, see clause 4 (https://example.com/4).\n\n"
        "- first\n- second\n  1. nested one\n  2. nested two\n\n"
        "3. three\n4. four\n\n"
        "> Quoted\n> text\n\n"
        "———"
    )


def test_code_is_kept_exactly() -> None:
    code = "def f(x):\n\n    return x * 2  # **not bold**\n"
    assert to_plain_text(f"Code:\n\n```python\n{code}```\n") == f"Code:\n\n{code.rstrip()}"
    assert to_plain_text("Use `a_b*c` here") == "Use a_b*c here"


def test_table_cells_are_tab_separated() -> None:
    markdown = "| Clause | Days |\n|:--|--:|\n| **4.2** | 30 |\n| 7.1 | 60 |\n"
    assert to_plain_text(markdown) == "Clause\tDays\n4.2\t30\n7.1\t60"


def test_maths_links_and_images_read_as_text() -> None:
    assert to_plain_text("Rate $\\frac{r}{365}$ per day") == "Rate r/365 per day"
    assert to_plain_text("$$\n\\alpha + x \\leq y\n$$") == "α + x ≤ y"
    assert to_plain_text("<https://example.com>") == "https://example.com"
    assert to_plain_text("<office@example.com>") == "office@example.com"
    assert to_plain_text("![the scan](https://example.com/s.png)", image_label="Bild") == (
        "[Bild: the scan] (https://example.com/s.png)"
    )


def test_raw_html_and_line_breaks_survive() -> None:
    assert to_plain_text("Dear Sir,\nthank you <b>kindly</b>.") == (
        "Dear Sir,\nthank you <b>kindly</b>."
    )
