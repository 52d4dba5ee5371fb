"""Hypothesis strategies for Markdown answers, built block by block.

The blocks are chosen for the places where streaming could go wrong: code fences with blank
lines (closed or not, nested fence characters), lists spanning blank lines, list items with
indented paragraphs and fences, tables followed by lazy lines, quotes, setext headings, maths
blocks (closed or not), link reference definitions defined after use, raw HTML, stray
Markdown punctuation, and every kind of separator, including none and CRLF.
"""

from __future__ import annotations

import itertools

from hypothesis import strategies as st

WORDS = [
    "tenant",
    "notice",
    "deposit",
    "**bold**",
    "*em*",
    "`code`",
    "[link](https://example.com)",
    "[bad](javascript:alert(1))",
    "![pic](https://example.com/p.png)",
    "$x^2$",
    "$5",
    "$$y$$",
    "\\(a\\)",
    "\\[b\\]",
    "[ref]",
    "[other]",
    "~~gone~~",
    "|",
    "<b>raw</b>",
    "&amp;",
    "_u_",
    "\\",
    "*",
    "`",
    "**",
    "1.",
    "-",
    "#",
    ">",
    "<https://example.org>",
]

inline = st.lists(st.sampled_from(WORDS), min_size=1, max_size=7).map(" ".join)
paragraph = st.lists(inline, min_size=1, max_size=3).map("\n".join)

atx_heading = st.builds(lambda level, text: "#" * level + " " + text, st.integers(1, 6), inline)
setext_heading = st.builds(
    lambda text, rule: f"{text}\n{rule}", inline, st.sampled_from(["===", "---", "=", "- -"])
)

CODE_LINES = ["x = 1", "", "   ", "  indented", "```", "~~~", "# comment", "- item", "| a |", "$$"]


@st.composite
def fence(draw: st.DrawFn, indent: str = "") -> str:
    marker = draw(st.sampled_from(["```", "~~~", "````", "`````"]))
    language = draw(st.sampled_from(["", "python", "js", "nosuchlanguage", "python {.x}"]))
    body = draw(st.lists(st.sampled_from(CODE_LINES), max_size=6))
    closed = draw(st.booleans()) or draw(st.booleans())
    lines = [marker + language, *body]
    if closed:
        lines.append(draw(st.sampled_from([marker, marker + "`", " " + marker, marker + " "])))
    return "\n".join(indent + line if line else line for line in lines)


@st.composite
def list_block(draw: st.DrawFn, depth: int = 0) -> str:
    ordered = draw(st.booleans())
    start = draw(st.integers(0, 12))
    bullet = draw(st.sampled_from(["-", "*", "+"]))
    count = draw(st.integers(1, 4))
    items = []
    for number in range(count):
        marker = f"{start + number}{draw(st.sampled_from(['.', ')']))}" if ordered else bullet
        pad = " " * (len(marker) + 1)
        parts = [f"{marker} {draw(inline)}"]
        extra = draw(st.sampled_from(["", "", "para", "lazy", "fence", "nested"]))
        if extra == "para":
            parts.append(f"\n{pad}{draw(inline)}")
        elif extra == "lazy":
            parts.append(draw(inline))
        elif extra == "fence":
            parts.append(draw(fence(indent=pad)))
        elif extra == "nested" and depth < 2:
            nested = draw(list_block(depth + 1))
            parts.append("\n".join(pad + line if line else line for line in nested.split("\n")))
        items.append("\n".join(parts))
    separators = st.sampled_from(["\n", "\n", "\n\n", "\n\n\n"])
    text = items[0]
    for item in items[1:]:
        text += draw(separators) + item
    return text


@st.composite
def table(draw: st.DrawFn) -> str:
    columns = draw(st.integers(1, 3))
    header = "| " + " | ".join(draw(inline) for _ in range(columns)) + " |"
    rule = "|" + "|".join(
        draw(st.sampled_from(["---", ":--", ":-:", "--:"])) for _ in range(columns)
    )
    rule += "|"
    rows = [
        "| " + " | ".join(draw(inline) for _ in range(columns)) + " |"
        for _ in range(draw(st.integers(0, 3)))
    ]
    lines = [header, rule, *rows]
    if draw(st.booleans()):
        lines.append(draw(inline))  # a lazy line: GFM makes it a row
    return "\n".join(lines)


@st.composite
def quote(draw: st.DrawFn) -> str:
    lines = draw(
        st.lists(st.one_of(inline, st.just(""), st.just("- quoted item")), min_size=1, max_size=4)
    )
    text = "\n".join(f"> {line}" if line else ">" for line in lines)
    if draw(st.booleans()):
        text += "\n" + draw(inline)  # lazy continuation
    return text


@st.composite
def maths_block(draw: st.DrawFn) -> str:
    opener, closer = draw(st.sampled_from([("$$", "$$"), ("\\[", "\\]")]))
    body = draw(
        st.lists(
            st.sampled_from(["x^2", "\\frac{a}{b}", "", "\\alpha", "# h", "```", "***", "| a |"]),
            max_size=4,
        )
    )
    lines = [opener, *body]
    if draw(st.booleans()):
        lines.append(closer)
    return "\n".join(lines)


indented_code = st.lists(
    st.sampled_from(["    code()", "    more", "", "        deeper"]), min_size=1, max_size=4
).map(lambda lines: "    start\n" + "\n".join(lines))

definition = st.sampled_from(
    [
        "[ref]: https://example.com/ref",
        '[ref]: https://example.com/second "Title"',
        "[other]: javascript:alert(1)",
        "[other]:\nhttps://example.com/next-line",
        "[ref]: <https://example.com/angle>\n'title on its own line'",
    ]
)

# Includes characters that Python calls whitespace but Markdown does not.
junk = st.text(alphabet="-*_`~$\\[]()<>|#=:1.! \tab\u00a0\x0c", max_size=20)

block = st.one_of(
    paragraph,
    atx_heading,
    setext_heading,
    fence(),
    list_block(),
    table(),
    quote(),
    maths_block(),
    indented_code,
    definition,
    st.sampled_from(["***", "---", "___", "<div>\n\n</div>", "<!-- c -->"]),
    junk,
)

separator = st.sampled_from(
    ["\n\n", "\n\n", "\n", "\n\n\n", "\n  \n", "\n\u00a0\n", "\r\n\r\n", "\r\n", ""]
)


@st.composite
def document(draw: st.DrawFn) -> str:
    parts = draw(st.lists(st.tuples(block, separator), min_size=1, max_size=8))
    text = "".join(body + sep for body, sep in parts)
    return text if draw(st.booleans()) else text.rstrip("\r\n")


@st.composite
def split_points(draw: st.DrawFn, text: str) -> list[str]:
    """``text`` cut into deltas, from single characters to large pieces."""
    if not text:
        return []
    cuts = draw(st.lists(st.integers(1, len(text)), max_size=min(len(text), 60)))
    if draw(st.booleans()):
        step = draw(st.integers(1, 6))
        cuts += list(range(step, len(text), step))
    edges = [0, *sorted(set(cuts)), len(text)]
    return [text[a:b] for a, b in itertools.pairwise(edges) if b > a]
