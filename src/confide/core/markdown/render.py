"""Render a whole Markdown answer at once."""

from __future__ import annotations

from collections.abc import Sequence

from markdown_it.token import Token
from markdown_it.utils import EnvType

from confide.core.markdown.parser import answer_parser
from confide.core.markdown.result import RenderOptions, RenderResult
from confide.core.markdown.richtext import RenderContext, new_env


def render_markdown(
    text: str,
    *,
    dark: bool = False,
    copy_label: str = "Copy",
    image_label: str = "image",
) -> RenderResult:
    """``text`` as Qt rich-text HTML, with the code blocks it contains in order.

    ``dark`` picks the code highlighting palette; the labels are the (translated) link text
    above code blocks and the word shown for pictures, which are never loaded.
    """
    options = RenderOptions(dark=dark, copy_label=copy_label, image_label=image_label)
    context = RenderContext(options)
    env = new_env(context)
    tokens = answer_parser().parse(text, env)
    return RenderResult(render_tokens(tokens, env), "", tuple(context.code_blocks))


def render_tokens(tokens: Sequence[Token], env: EnvType) -> str:
    md = answer_parser()
    html = md.renderer.render(tokens, md.options, env)
    assert isinstance(html, str)
    return html
