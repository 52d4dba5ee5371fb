"""Rendering a finished answer: Markdown features, Qt's HTML subset, and safety."""

from __future__ import annotations

import re

import pytest

from confide.core.markdown import (
    LONG_CODE_CHARS,
    PLAIN,
    CodeBlock,
    code_index_from_href,
    code_to_colour,
    copy_href,
    growing_code_html,
    highlight_runs,
    latex_to_unicode,
    render_markdown,
    split_documents,
)
from confide.core.markdown.result import RenderOptions
from tests.core.markdown.htmlcheck import html_problems, visible_text

MATH_SPAN = '<span style="font-family:serif; font-style:italic">'


def html_of(
    text: str, *, dark: bool = False, copy_label: str = "Copy", image_label: str = "image"
) -> str:
    result = render_markdown(text, dark=dark, copy_label=copy_label, image_label=image_label)
    assert html_problems(result.html) == []
    return result.html


def test_blocks_become_qt_subset_tags() -> None:
    html = html_of(
        "# Title\n\n### Sub\n\nText with **bold**, *em*, ~~gone~~ and `code`.\n\n> quoted\n\n---\n"
    )
    assert "<h1>Title</h1>" in html
    assert "<h3>Sub</h3>" in html
    assert "<strong>bold</strong>" in html
    assert "<em>em</em>" in html
    assert "<s>gone</s>" in html
    assert re.search(r'<code style="background-color:#[0-9a-f]{6}">code</code>', html)
    assert "<blockquote>\n<p>quoted</p>\n</blockquote>" in html
    assert "<hr />" in html


def test_nested_and_ordered_lists() -> None:
    html = html_of("- one\n- two\n  1. first\n  2. second\n     - deep\n\n7. seven\n8. eight\n")
    assert html.count("<ul>") == 2
    assert '<ol start="7">' in html
    assert re.search(r"<li>two\s*<ol>\s*<li>first</li>", html)
    assert re.search(r"<li>second\s*<ul>\s*<li>deep</li>", html)


def test_single_newline_is_a_line_break() -> None:
    assert "Dear Sir,<br />\nThank you" in html_of("Dear Sir,\nThank you")


def test_tables_use_attributes_qt_understands() -> None:
    html = html_of("| Left | Centre | Right |\n|:--|:-:|--:|\n| a | **b** | 3 |\n")
    assert '<table border="1" cellspacing="0" cellpadding="4">' in html
    assert '<th align="left">Left</th>' in html
    assert '<th align="center">Centre</th>' in html
    assert '<td align="right">3</td>' in html
    assert '<td align="center"><strong>b</strong></td>' in html
    assert "text-align" not in html


def test_code_blocks_are_highlighted_listed_and_linked_for_copying() -> None:
    text = (
        "Intro\n\n```python\ndef f(x):\n    return x  # note\n```\n\n"
        "```\nplain <text> & more\n```\n\n    indented code\n\n"
        "```nosuchlanguage\nkept\n```\n"
    )
    result = render_markdown(text)
    assert html_problems(result.html) == []
    assert result.code_blocks == (
        CodeBlock(0, "python", "def f(x):\n    return x  # note"),
        CodeBlock(1, "", "plain <text> & more"),
        CodeBlock(2, "", "indented code"),
        CodeBlock(3, "nosuchlanguage", "kept"),
    )
    links = re.findall(r'<a href="(confide-copy:\d+)">Copy</a>', result.html)
    assert links == [copy_href(n) for n in range(4)]
    assert [code_index_from_href(link) for link in links] == [0, 1, 2, 3]
    assert code_index_from_href("https://example.com") is None
    # Highlighted with inline colours, never CSS classes.
    assert re.search(
        r'<span style="color:#[0-9A-Fa-f]{6}; font-weight:bold">def\s*</span>', result.html
    )
    assert "class=" not in result.html
    assert "plain &lt;text&gt; &amp; more" in result.html
    # The code reads exactly as written once the markup is stripped.
    assert "def f(x):\n    return x  # note" in visible_text(result.html)


def test_a_code_block_being_written_has_the_same_line_and_shows_its_code_as_text() -> None:
    block = CodeBlock(2, "html", '<img src="http://tracker.example/p.png"> & more')
    html = growing_code_html(block, RenderOptions(copy_label="Kopiuj"))
    assert html_problems(html) == []
    assert "<img" not in html
    assert visible_text(html).endswith('<img src="http://tracker.example/p.png"> & more')
    # The line above it is the finished box's: its language, then the Copy link.
    finished = render_markdown("```html\nx\n```", copy_label="Kopiuj").html
    header = re.search(r'<td align="right">(.*?)</td>', finished)
    assert header is not None
    assert header.group(1).replace("confide-copy:0", copy_href(2)) in html


def test_light_and_dark_palettes_differ() -> None:
    text = "```python\nimport os\n```\n\nSome `code`."
    light, dark = html_of(text, dark=False), html_of(text, dark=True)
    assert light != dark
    background = re.compile(r'bgcolor="(#[0-9a-fA-F]{6})"')
    light_bg, dark_bg = background.search(light), background.search(dark)
    assert light_bg and dark_bg
    assert _luminance(light_bg.group(1)) > 0.7 > 0.3 > _luminance(dark_bg.group(1))


def _luminance(colour: str) -> float:
    red, green, blue = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def test_copy_label_is_translatable() -> None:
    html = html_of("```\nx\n```", copy_label="Kopieren")
    assert '<a href="confide-copy:0">Kopieren</a>' in html


@pytest.mark.parametrize(
    ("markdown", "href"),
    [
        ("[site](https://example.com/a?b=1&c=2)", "https://example.com/a?b=1&amp;c=2"),
        ("[site](http://example.com)", "http://example.com"),
        ("[mail](mailto:office@example.com)", "mailto:office@example.com"),
        ("<https://example.com>", "https://example.com"),
        ("<office@example.com>", "mailto:office@example.com"),
        ("[ref]\n\n[ref]: https://example.com/ref", "https://example.com/ref"),
    ],
)
def test_web_and_mail_links_are_kept(markdown: str, href: str) -> None:
    assert f'<a href="{href}">' in html_of(markdown)


@pytest.mark.parametrize(
    "markdown",
    [
        "[click](javascript:alert(1))",
        "[click](JavaScript:alert(1))",
        "[click](file:///etc/passwd)",
        "[click](data:text/html;base64,PHNjcmlwdD4=)",
        "[click](vbscript:msgbox)",
        "[click](relative/path.html)",
        "<javascript:alert(1)>",
        "<file:///etc/passwd>",
        "[click][r]\n\n[r]: javascript:alert(1)",
    ],
)
def test_other_link_schemes_become_plain_text(markdown: str) -> None:
    html = html_of(markdown)
    assert "<a " not in html
    assert "click" in html or "alert" in html or "passwd" in html


@pytest.mark.parametrize(
    "markdown",
    [
        "![a cat](https://example.com/cat.png)",
        "![a cat](cat.png)",
        "![a cat](data:image/png;base64,AAAA)",
        "![a cat][pic]\n\n[pic]: https://example.com/cat.png",
        "[![a cat](https://example.com/cat.png)](https://example.com)",
    ],
)
def test_images_are_never_loaded(markdown: str) -> None:
    html = html_of(markdown)
    assert "<img" not in html.lower()
    assert "a cat" in html


def test_image_becomes_a_label_with_its_address() -> None:
    html = html_of("See ![the *signed* page](https://example.com/p.png).", image_label="Bild")
    assert "See [Bild: the signed page] (https://example.com/p.png)." in html


@pytest.mark.parametrize(
    "raw",
    [
        "<img src=x onerror=alert(1)>",
        "<script>alert(1)</script>",
        "<style>body { display: none }</style>",
        '<a href="https://evil.example">click</a>',
        '<iframe src="https://evil.example"></iframe>',
        "<!-- comment -->",
    ],
)
@pytest.mark.parametrize("where", ["block", "inline"])
def test_raw_html_is_shown_as_text(raw: str, where: str) -> None:
    markdown = raw if where == "block" else f"Before {raw} after"
    html = html_of(markdown)
    assert raw.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") in html.replace(
        "&quot;", '"'
    )
    assert raw in visible_text(html)
    for tag in ("<img", "<script", "<style", "<iframe", '<a href="https://evil'):
        assert tag not in html


@pytest.mark.parametrize(
    ("markdown", "shown"),
    [
        ("Area $\\pi r^2$ here", "π r^2"),
        ("Inline \\(\\alpha + \\beta\\) here", "α + β"),
        ("Display inside text $$\\sqrt{x}$$ here", "√(x)"),
        ("Bracket display inside text \\[\\frac{a}{b}\\] here", "a/b"),
    ],
)
def test_inline_maths_is_readable_unicode(markdown: str, shown: str) -> None:
    html = html_of(markdown)
    assert f"{MATH_SPAN}{shown}</span>" in html
    assert html.startswith("<p>")


@pytest.mark.parametrize(
    "markdown",
    [
        "$$\n\\sum_{i=1}^{n} i\n$$",
        "$$\\sum_{i=1}^{n} i$$",
        "\\[\n\\sum_{i=1}^{n} i\n\\]",
        "\\[\\sum_{i=1}^{n} i\\]",
        "The sum is:\n\\[\n\\sum_{i=1}^{n} i\n\\]",
    ],
)
def test_display_maths_is_a_centred_paragraph(markdown: str) -> None:
    html = html_of(markdown)
    assert f'<p align="center">{MATH_SPAN}∑_i=1^n i</span></p>' in html


@pytest.mark.parametrize(
    "markdown",
    [
        "It costs $5 and $10 in total.",
        "Between $5 and $6.",
        "Pay $ 5 now and $ 6 later.",
        "A price: $x $ is not maths, nor $ x$.",
        "From $20 to $30.",
        "Range $a$5 is not maths either.",
        "Escaped \\$x\\$ stays.",
    ],
)
def test_dollar_amounts_are_not_maths(markdown: str) -> None:
    assert MATH_SPAN not in html_of(markdown)


def test_latex_conversion_is_forgiving() -> None:
    assert latex_to_unicode("\\alpha + \\beta = \\gamma") == "α + β = γ"
    assert latex_to_unicode("x \\leq y") == "x ≤ y"
    # A broken formula is shown as written rather than as a template or an error.
    assert latex_to_unicode("\\frac{") == "\\frac{"
    assert latex_to_unicode("{") == "{"


def test_empty_and_whitespace_input() -> None:
    assert render_markdown("").html == ""
    assert render_markdown("   \n\n").code_blocks == ()


LONG_CODE = "\n".join(
    f"def step_{i}(value):\n    return value * {i}  # step {i}" for i in range(80)
)


def test_a_long_code_block_is_a_document_of_its_own_shown_plain_at_first() -> None:
    # Highlighting and laying out a long block at once froze the window: the UI shows it plain
    # in a document of its own and colours it a piece at a time.
    assert len(LONG_CODE) >= LONG_CODE_CHARS
    text = f"Before it:\n\n```python\n{LONG_CODE}\n```\n\nAfter it.\n\n```python\nimport os\n```\n"
    result = render_markdown(text)
    pieces = split_documents(result.stable_html)
    assert [piece.code_number for piece in pieces] == [-1, 0, -1]
    before, code, after = pieces
    assert visible_text(before.html).strip() == "Before it:"
    assert code.html == growing_code_html(CodeBlock(0, "python", LONG_CODE), RenderOptions())
    assert html_problems(code.html) == [] and "<span" not in code.html.split("</p>", 1)[1]
    # A short block is coloured in the HTML, in its box, as before.
    assert "After it." in visible_text(after.html) and '<span style="color' in after.html
    assert [result.stable_html.index(p.html) + len(p.html) <= p.end for p in pieces] == [True] * 3
    assert pieces[-1].end == len(result.stable_html)


def test_a_long_code_block_inside_a_list_stays_in_its_box_plain_and_marked_for_colour() -> None:
    # Highlighted in the HTML, a 400-line program in a list item froze the window for 0.2 s
    # when the list was finished: it is shown plain and the UI colours it a piece at a time.
    indented = "\n".join("   " + line for line in LONG_CODE.split("\n"))
    short = "   ```python\n   import os\n   ```\n"
    text = f"1. Step one:\n\n   ```python\n{indented}\n   ```\n\n2. Then:\n\n{short}"
    result = render_markdown(text)
    html = result.stable_html
    assert [piece.code_number for piece in split_documents(html)] == [-1]  # not cut out
    assert html.count("<table") == 2 and visible_text(html).count("def step_") == 80
    assert code_to_colour(html) == [0]  # the long one only; the short one is coloured here
    long_box, short_box = html.split("<table")[1:]
    assert "<span" not in long_box.split("<pre", 1)[1] and html_problems(html) == []
    assert '<span style="color' in short_box.split("<pre", 1)[1]
    assert result.code_blocks[0].code == LONG_CODE


def test_highlight_runs_cover_the_code_exactly_with_the_html_colours() -> None:
    runs = list(highlight_runs(LONG_CODE, "python", dark=False))
    assert "".join(text for _style, text in runs) == LONG_CODE
    keyword = next(style for style, text in runs if text.startswith("def"))
    assert keyword.bold and keyword.colour.startswith("#")
    short = html_of(f"```python\n{LONG_CODE[:50]}\n```")
    assert f'<span style="{keyword.css}">def </span>' in short  # blanks join the run before
    # No lexer for the language: one plain run, the code as written.
    assert list(highlight_runs("a <b>", "no-such-language", dark=False)) == [(PLAIN, "a <b>")]
