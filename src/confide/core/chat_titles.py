"""Titles for conversations: asked of the conversation's own model, cleaned, with a fallback.

After the first answer, the same model is asked for a short title (so nothing else has to be
loaded and the title is in the conversation's language). Models do not always obey: they
think aloud, add "Title:", quotes, markdown or a full sentence. :func:`clean_title` makes a
usable title of what came back or says there is none, and :func:`fallback_title` then names
the conversation after its first words, which is also what the list shows until a title
arrives.
"""

from __future__ import annotations

import re

from confide.core.ollama.types import ChatMessage, ChatOptions, ChatRequest, ThinkSetting

MAX_TITLE_CHARS = 60
FALLBACK_WORDS = 6
FALLBACK_CHARS = 50
ELLIPSIS = "…"

# A title needs no more; the model's first tokens are enough to know what it is about.
_QUESTION_HEAD_CHARS = 900
_QUESTION_TAIL_CHARS = 400
_ANSWER_CHARS = 700
# 3–6 words are 10–25 tokens even in languages that take many tokens per word; the rest is
# room for a stray "Title:" the cleaning removes.
TITLE_NUM_PREDICT = 48
TITLE_TEMPERATURE = 0.2
# A reply with more words than this is an answer, not a title.
_MAX_TITLE_WORDS = 14

TITLE_SYSTEM_PROMPT = (
    "You write titles for conversations. Read the conversation the user shows you and reply "
    "with one short title of 3 to 6 words saying what it is about. Write the title in the "
    "same language as the conversation. Reply with the title only: no quotation marks, no "
    "explanation, no markdown and no punctuation at the end. Do not answer or continue the "
    "conversation."
)

_THINK_TAGS = "think|thinking|reasoning|reflection"
_THINK_BLOCK = re.compile(rf"<({_THINK_TAGS})\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
# A template may open the thinking block itself, so only its end reaches us.
_DANGLING_END = re.compile(rf"^.*</(?:{_THINK_TAGS})\s*>", re.IGNORECASE | re.DOTALL)
# A reply cut off (num_predict) while still thinking.
_UNCLOSED_START = re.compile(rf"<(?:{_THINK_TAGS})\b[^>]*>.*$", re.IGNORECASE | re.DOTALL)
_FENCES = ("```", "~~~")
_ANY_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9_-]{0,20}\s*/?>")

_MARKDOWN_LEAD = re.compile(r"^\s*(?:#{1,6}\s*|>\s*|[-*+•]\s+|\d{1,2}[.)]\s+)+")
_MARKDOWN_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MARKDOWN_MARKS = re.compile(r"\*\*|__|~~|`+")
# Single * or _ used as emphasis, not inside a word (snake_case stays).
_EMPHASIS = re.compile(r"(?<!\w)[*_]+|[*_]+(?!\w)")

# "Title:" in the official EU languages, and the lead-ins models put before it in English
# ("Sure! Here is a short title:"). Only these: "Property title: transfer rules" is a title.
_LEAD_IN = (
    r"(?:(?:sure|okay|ok)[,!.]?\s+)?(?:here(?:'s|’s|\s+is)\s+)?(?:(?:a|the|my|one)\s+)?"
    r"(?:(?:short|concise|possible|suggested|proposed|brief)\s+)*(?:(?:conversation|chat)\s+)?"
)
_TITLE_WORDS = (
    "title|tytuł|заглавие|název|názov|titel|titre|título|titolo|naslov|cím|pealkiri|"
    "otsikko|pavadinimas|nosaukums|τίτλος|rubrik|titlu|teideal|titolu"
)
_TITLE_PREFIX = re.compile(
    rf"^{_LEAD_IN}(?:{_TITLE_WORDS})\b(?:\s+(?:for|of)\s+(?:the|this)\s+(?:conversation|chat))?"
    r"\s*[:：]\s*",
    re.IGNORECASE,
)

_QUOTES = "\"'“”„‟«»‹›‘’‚「」『』`"
_LEAD_JUNK = _QUOTES + "-–—•·:¿¡ \t"
_TRAIL_JUNK = _QUOTES + ".,;:!?…。！？、·-–— \t"
_SPACE = re.compile(r"\s+")


def _collapse(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def _cut(text: str, limit: int) -> tuple[str, bool]:
    """At most ``limit`` characters, ending at a word boundary when one is close enough."""
    if len(text) <= limit:
        return text, False
    head = text[: limit + 1]
    space = head.rfind(" ")
    # A word boundary in the first half would throw away too much: cut the long word instead.
    cut = head[:space] if space >= limit // 2 else text[:limit]
    return cut.rstrip(), True


def _strip_thinking(text: str) -> str:
    text = _THINK_BLOCK.sub(" ", text)
    text = _DANGLING_END.sub(" ", text)
    return _UNCLOSED_START.sub(" ", text)


def _excerpt(text: str, head: int, tail: int = 0) -> str:
    """The start (and for long questions the end, where the question usually is) of a text."""
    text = _collapse(text)
    if len(text) <= head + tail + len(ELLIPSIS) + 2:
        return text
    start, _ = _cut(text, head)
    if not tail:
        return f"{start} {ELLIPSIS}"
    end = text[-tail:]
    space = end.find(" ")
    if 0 <= space < tail // 2:
        end = end[space + 1 :]
    return f"{start} {ELLIPSIS} {end}"


def title_request(
    first_user_text: str,
    first_answer: str,
    model: str,
    *,
    num_ctx: int | None = None,
    think: ThinkSetting = None,
) -> ChatRequest:
    """A request asking ``model`` to title the conversation that starts with this exchange.

    ``num_ctx`` should be the conversation's own context length: a different one would make
    Ollama load the model again. For models that can think, pass ``think=False`` (or the
    lowest level) so the few tokens allowed are spent on the title.
    """
    question = _excerpt(first_user_text, _QUESTION_HEAD_CHARS, _QUESTION_TAIL_CHARS)
    answer = _excerpt(_strip_thinking(first_answer), _ANSWER_CHARS)
    prompt = (
        "Write a title for this conversation.\n\n"
        f"<conversation>\n<user>\n{question}\n</user>\n"
        f"<assistant>\n{answer}\n</assistant>\n</conversation>\n\n"
        "Reply with the title only (3 to 6 words, in the language of the conversation)."
    )
    return ChatRequest(
        model=model,
        messages=(ChatMessage(role="user", content=prompt),),
        system=TITLE_SYSTEM_PROMPT,
        think=think,
        options=ChatOptions(
            temperature=TITLE_TEMPERATURE, num_predict=TITLE_NUM_PREDICT, num_ctx=num_ctx
        ),
    )


def _clean_line(line: str) -> str:
    line = _MARKDOWN_LINK.sub(r"\1", line)
    line = _MARKDOWN_LEAD.sub("", line)
    line = _MARKDOWN_MARKS.sub("", line)
    line = _EMPHASIS.sub("", line)
    line = _collapse(line)
    previous = None
    # Quotes, prefixes and punctuation nest in any order: '"Title: Foo."' or 'Title: "Foo"'.
    while previous != line:
        previous = line
        line = _TITLE_PREFIX.sub("", line)
        line = line.lstrip(_LEAD_JUNK).rstrip(_TRAIL_JUNK)
    return line


def clean_title(raw: str) -> str | None:
    """A title from what the model replied, or ``None`` when the reply holds no usable one."""
    text = _ANY_TAG.sub(" ", _strip_thinking(raw))
    for line in text.splitlines():
        stripped = line.strip()
        # "Here is a title:" on its own line introduces the title on the next one; a code
        # fence ("```text") wraps it, and its language is not the title.
        if not stripped or stripped.endswith((":", "：")) or stripped.startswith(_FENCES):
            continue
        title = _clean_line(stripped)
        if not any(character.isalnum() for character in title):
            continue
        if len(title.split(" ")) > _MAX_TITLE_WORDS:
            return None
        title, _ = _cut(title, MAX_TITLE_CHARS)
        title = title.rstrip(_TRAIL_JUNK)
        return title or None
    return None


def fallback_title(first_user_text: str) -> str:
    """The first words of the first message ("" when it has none, e.g. only an attachment)."""
    text = _collapse(first_user_text)
    words = text.split(" ")
    if len(words) <= FALLBACK_WORDS and len(text) <= FALLBACK_CHARS:
        return text
    limit = FALLBACK_CHARS - len(ELLIPSIS)
    kept = words[:1]
    for word in words[1:FALLBACK_WORDS]:
        if len(" ".join([*kept, word])) > limit:
            break
        kept.append(word)
    title, _ = _cut(" ".join(kept), limit)
    return title.rstrip(_TRAIL_JUNK) + ELLIPSIS
