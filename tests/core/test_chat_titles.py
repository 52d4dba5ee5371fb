"""Conversation titles: the request sent to the model, cleaning its reply, the fallback."""

from __future__ import annotations

import pytest

from confide.core.chat_titles import (
    ELLIPSIS,
    FALLBACK_CHARS,
    MAX_TITLE_CHARS,
    TITLE_NUM_PREDICT,
    TITLE_SYSTEM_PROMPT,
    clean_title,
    fallback_title,
    title_request,
)

# -- the request ------------------------------------------------------------------------------


def _prompt(wire: dict[str, object]) -> str:
    messages = wire["messages"]
    assert isinstance(messages, list)
    assert [m["role"] for m in messages] == ["system", "user"]
    assert messages[0]["content"] == TITLE_SYSTEM_PROMPT
    content = messages[1]["content"]
    assert isinstance(content, str)
    return content


def test_title_request_asks_the_same_model_briefly_and_calmly() -> None:
    request = title_request("Czy mogę wypowiedzieć umowę najmu?", "Tak, z zachowaniem…", "bielik")
    wire = request.to_wire()
    assert wire["model"] == "bielik"
    assert wire["options"] == {"temperature": 0.2, "num_predict": TITLE_NUM_PREDICT}
    assert "think" not in wire  # the caller decides; by default the model's own behaviour
    prompt = _prompt(wire)
    assert "Czy mogę wypowiedzieć umowę najmu?" in prompt
    assert "Tak, z zachowaniem…" in prompt
    assert "3 to 6 words" in TITLE_SYSTEM_PROMPT
    assert "same language" in TITLE_SYSTEM_PROMPT
    assert "no punctuation at the end" in TITLE_SYSTEM_PROMPT


def test_title_request_keeps_the_conversations_context_length_and_can_stop_thinking() -> None:
    wire = title_request("Hi", "Hello", "qwen3:8b", num_ctx=16384, think=False).to_wire()
    assert wire["options"]["num_ctx"] == 16384  # the same size: Ollama need not reload
    assert wire["think"] is False


def test_title_request_shortens_a_pasted_document_but_keeps_the_question_at_its_end() -> None:
    document = "Artykuł pierwszy stanowi, że strony zawierają umowę. " * 400
    question = "Jakie są terminy wypowiedzenia?"
    answer = "Terminy wypowiedzenia wynoszą trzy miesiące. " * 200
    prompt = _prompt(title_request(document + question, answer, "m").to_wire())
    assert len(prompt) < 2500
    assert prompt.count(ELLIPSIS) == 2  # one cut in the question, one in the answer
    assert question in prompt
    assert "Artykuł pierwszy stanowi" in prompt
    # Cuts fall between words.
    assert " Artykuł pierwszy stanowi, że strony zawierają umowę." in prompt


def test_title_request_leaves_the_answers_thinking_out() -> None:
    prompt = _prompt(
        title_request("Привет", "<think>secret reasoning</think>Здравейте!", "m").to_wire()
    )
    assert "secret reasoning" not in prompt
    assert "Здравейте!" in prompt


def test_title_request_collapses_whitespace() -> None:
    prompt = _prompt(title_request("a\n\n\n   b\t\tc", "d\r\ne", "m").to_wire())
    assert "<user>\na b c\n</user>" in prompt
    assert "<assistant>\nd e\n</assistant>" in prompt


# -- cleaning the reply -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Contract termination notice periods", "Contract termination notice periods"),
        ('"Contract termination notice periods"', "Contract termination notice periods"),
        ("„Wypowiedzenie umowy najmu”", "Wypowiedzenie umowy najmu"),
        ("«Résiliation du bail commercial»", "Résiliation du bail commercial"),
        ("“Договор за наем на жилище”.", "Договор за наем на жилище"),
        ("Title: GDPR data retention", "GDPR data retention"),
        ("**Title:** GDPR data retention", "GDPR data retention"),
        ("Tytuł: Zmiana umowy o pracę", "Zmiana umowy o pracę"),
        ("Заглавие: Обезщетение при уволнение", "Обезщетение при уволнение"),
        ("Sure! Here is a short title: Lease renewal options", "Lease renewal options"),
        ("Here's a title for this conversation: Lease renewal", "Lease renewal"),
        ("# Zmiana umowy o pracę", "Zmiana umowy o pracę"),
        ("- *Lease renewal options*", "Lease renewal options"),
        ("`Lease renewal options`", "Lease renewal options"),
        ("[Lease renewal](https://example.invalid)", "Lease renewal"),
        ("Lease renewal options!!!", "Lease renewal options"),
        ("Lease renewal options…", "Lease renewal options"),
        ("¿Qué es una hipoteca?", "Qué es una hipoteca"),
        ("  Lease \t renewal\u00a0 options  ", "Lease renewal options"),
        ("snake_case naming rules", "snake_case naming rules"),
        # A real title that happens to contain the word "title".
        ("Property title: transfer rules", "Property title: transfer rules"),
        ("Title IX compliance review", "Title IX compliance review"),
    ],
)
def test_clean_title_removes_what_models_add(raw: str, expected: str) -> None:
    assert clean_title(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("<think>The user asks about leases.</think>\n\nLease renewal options", "Lease renewal"),
        ("<THINKING>\nhmm\n</THINKING>Lease renewal options", "Lease renewal"),
        # The chat template opened the block, so only its end arrives.
        ("the user wants a title…</think>Lease renewal options", "Lease renewal"),
    ],
)
def test_clean_title_drops_thinking(raw: str, expected: str) -> None:
    title = clean_title(raw)
    assert title is not None and title.startswith(expected)
    assert "user" not in title


def test_clean_title_takes_the_line_after_an_introduction() -> None:
    assert clean_title('Title:\n\n  "EU data protection basics"') == "EU data protection basics"
    assert clean_title("Here is a possible title:\nPrzegląd umowy leasingu") == (
        "Przegląd umowy leasingu"
    )
    # The explanation after the title is not part of it.
    assert clean_title("Lease renewal\n\nThis title reflects the topic.") == "Lease renewal"


def test_clean_title_takes_the_title_out_of_a_code_fence_not_its_language() -> None:
    assert clean_title("```text\nTerminy wypowiedzenia\n```") == "Terminy wypowiedzenia"
    assert clean_title("Title:\n~~~markdown\nLease renewal\n~~~") == "Lease renewal"


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   \n\t ",
        '""',
        "...",
        "***",
        "<think>still thinking when the token limit came",
        "<think>done</think>",
        "<title></title>",
        # A whole answer instead of a title.
        "The notice period for a residential lease depends on the contract and on the law "
        "of the country where the flat is located, so please check both carefully.",
    ],
)
def test_clean_title_gives_none_when_there_is_no_title(raw: str) -> None:
    assert clean_title(raw) is None


def test_clean_title_shortens_at_a_word_boundary() -> None:
    raw = "Analiza porównawcza przepisów dotyczących wypowiedzenia umów najmu lokali użytkowych"
    title = clean_title(raw)
    assert title is not None
    assert len(title) <= MAX_TITLE_CHARS
    assert raw.startswith(title)
    assert raw[len(title)] == " "  # ends with a whole word


def test_clean_title_cuts_a_single_overlong_word() -> None:
    title = clean_title("Donaudampfschifffahrtsgesellschaftskapitän" * 3)
    assert title is not None and len(title) == MAX_TITLE_CHARS


def test_clean_title_keeps_cyrillic_and_polish_letters_intact() -> None:
    assert clean_title("Żółć i gęślą jaźń: test") == "Żółć i gęślą jaźń: test"
    assert clean_title("'Щастливи дни в София'") == "Щастливи дни в София"


# -- the fallback -----------------------------------------------------------------------------


def test_fallback_keeps_a_short_message_whole() -> None:
    assert fallback_title("Dzień dobry") == "Dzień dobry"
    assert fallback_title("  Добър ден,\n  как сте?  ") == "Добър ден, как сте?"


def test_fallback_takes_the_first_six_words() -> None:
    assert fallback_title("Proszę o streszczenie tej umowy najmu lokalu") == (
        "Proszę o streszczenie tej umowy najmu…"
    )
    assert fallback_title("Моля, обобщете този договор за наем, който е приложен") == (
        "Моля, обобщете този договор за наем…"
    )


def test_fallback_stays_within_fifty_characters() -> None:
    text = "Internationalisation considerations regarding multijurisdictional enforceability"
    title = fallback_title(text)
    assert len(title) <= FALLBACK_CHARS
    assert title.endswith(ELLIPSIS)
    assert text.startswith(title.removesuffix(ELLIPSIS))
    assert title == "Internationalisation considerations regarding…"


def test_fallback_cuts_one_long_word() -> None:
    title = fallback_title("x" * 200)
    assert title == "x" * (FALLBACK_CHARS - 1) + ELLIPSIS


def test_fallback_does_not_end_in_punctuation_before_the_ellipsis() -> None:
    assert (
        fallback_title("Hi, how are you doing today, my friend?") == "Hi, how are you doing today…"
    )


def test_fallback_of_nothing_is_empty() -> None:
    assert fallback_title("") == ""
    assert fallback_title(" \n\t ") == ""
