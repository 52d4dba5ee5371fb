"""Full-text search: diacritics, as-you-type prefixes, filters, snippets."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from confide.core.store import Role, Store
from confide.core.store.search import make_snippet, parse_query
from tests.core.store.conftest import Clock


@pytest.fixture
def corpus(store: Store, clock: Clock) -> dict[str, str]:
    ids: dict[str, str] = {}
    pl = store.conversations.create("Najem lokalu")
    ids["pl"] = store.conversations.add_message(
        pl.id, None, Role.USER, "Zażółć gęślą jaźń: czy umowa najmu lokalu jest ważna?"
    ).id
    ids["pl_answer"] = store.conversations.add_message(
        pl.id,
        ids["pl"],
        Role.ASSISTANT,
        "Umowa najmu wymaga formy pisemnej. Łódź, 2024.",
        model="bielik:11b",
    ).id
    clock.advance_days(10)
    other = store.conversations.create("Mixed")
    ids["sl"] = store.conversations.add_message(
        other.id, None, Role.USER, "Čestitke, šef Žiga je v Ljubljani."
    ).id
    ids["bg"] = store.conversations.add_message(
        other.id,
        ids["sl"],
        Role.ASSISTANT,
        "Здравей, договорът за наем е валиден.",
        model="llama3.1:8b",
    ).id
    ids["ro"] = store.conversations.add_message(
        other.id, ids["bg"], Role.USER, "Știință și țară în București."
    ).id
    ids["hr"] = store.conversations.add_message(
        other.id, ids["ro"], Role.USER, "Đurđevac i Šibenik"
    ).id
    return ids


def _found(store: Store, query: str, **filters: object) -> list[str]:
    return [hit.message_id for hit in store.search(query, **filters)]  # type: ignore[arg-type]


def test_diacritics_are_ignored(store: Store, corpus: dict[str, str]) -> None:
    assert _found(store, "zazolc gesla jazn") == [corpus["pl"]]
    assert _found(store, "ZAŻÓŁĆ") == [corpus["pl"]]
    assert _found(store, "lodz") == [corpus["pl_answer"]]  # ł has no Unicode decomposition
    assert _found(store, "cestitke sef ziga") == [corpus["sl"]]
    assert _found(store, "stiinta tara bucuresti") == [corpus["ro"]]
    assert _found(store, "durdevac sibenik") == [corpus["hr"]]
    assert _found(store, "договорът") == [corpus["bg"]]
    assert _found(store, "здравей") == [corpus["bg"]]


def test_the_last_word_matches_as_a_prefix(store: Store, corpus: dict[str, str]) -> None:
    assert _found(store, "umowa naj") == [corpus["pl_answer"], corpus["pl"]]  # newest first
    assert _found(store, "umowa naj ") == []  # a finished word must match whole
    assert _found(store, "zazo") == [corpus["pl"]]
    assert _found(store, "дог") == [corpus["bg"]]
    assert _found(store, "u") == []  # one letter is not a prefix search


def test_hits_identify_message_and_conversation(store: Store, corpus: dict[str, str]) -> None:
    (hit,) = store.search("pisemnej")
    assert hit.message_id == corpus["pl_answer"]
    assert hit.conversation_title == "Najem lokalu"
    assert hit.role is Role.ASSISTANT and hit.model == "bielik:11b"
    assert [hit.snippet[start:end] for start, end in hit.highlights] == ["pisemnej"]
    (hit,) = store.search("zazolc jazn")
    assert [hit.snippet[start:end] for start, end in hit.highlights] == ["Zażółć", "jaźń"]


def test_filters_by_model_and_date(store: Store, corpus: dict[str, str], clock: Clock) -> None:
    assert _found(store, "umowa", model="bielik:11b") == [corpus["pl_answer"]]
    assert _found(store, "umowa", model="llama3.1:8b") == []
    split = datetime.fromtimestamp((clock.now - 5 * 86_400_000) / 1000, tz=timezone.utc)
    assert _found(store, "umowa", until=split) == [corpus["pl_answer"], corpus["pl"]]
    assert _found(store, "umowa", since=split) == []
    assert _found(store, "ljubljani", since=split, until=split + timedelta(days=30)) == [
        corpus["sl"]
    ]


def test_deleted_conversations_are_not_found(store: Store, corpus: dict[str, str]) -> None:
    message = store.conversations.get_message(corpus["sl"])
    store.conversations.soft_delete(message.conversation_id)
    assert _found(store, "ljubljani") == []
    store.conversations.undelete(message.conversation_id)
    assert _found(store, "ljubljani") == [corpus["sl"]]
    store.conversations.soft_delete(message.conversation_id)
    store.purge_deleted()
    assert _found(store, "ljubljani") == []


def test_new_answers_are_searchable_at_once(store: Store) -> None:
    conv = store.conversations.create("Fresh")
    question = store.conversations.add_message(conv.id, None, Role.USER, "hipoteka")
    writer = store.begin_answer(conv.id, question.id, "m")
    writer.append("Hipoteka przymusowa")
    assert _found(store, "przymusowa") == []  # not while it is being written
    writer.finish()
    assert _found(store, "przymusowa") == [writer.message_id]


def test_queries_are_never_fts_syntax() -> None:
    for hostile in ['"', "NEAR(a b)", "a OR b", "col:term", "*", "a AND", "(", "^x", "'; DROP"]:
        parsed = parse_query(hostile)
        assert parsed is None or all(part.startswith('"') for part in parsed.match.split())
    assert parse_query("   ") is None


def test_snippet_windows_and_highlights() -> None:
    text = "Wstęp. " * 40 + "Najemca zapłaci karę umowną. " + "Koniec. " * 40
    snippet, spans = make_snippet(text, [("kare", False), ("umown", True)])
    assert snippet.startswith("…") and snippet.endswith("…")
    assert [snippet[a:b] for a, b in spans] == ["karę", "umowną"]
    assert len(snippet) <= 170


def test_search_with_hostile_input_does_not_fail(store: Store, corpus: dict[str, str]) -> None:
    for hostile in [
        '"umowa',
        "umowa OR najmu",
        "NEAR(umowa najmu)",
        "umowa*",
        "body:umowa",
        "e-mail",
    ]:
        store.search(hostile)
    assert _found(store, "umowa OR") == []  # OR is a word here, not an operator


@pytest.mark.parametrize(
    "text",
    [
        "Zażółć gęślą jaźń, ŁÓDŹ i Kraków",
        "Știință și țară în București; Ștefan",
        "Čestitke, šef Žiga; Đurđevac",
        "Здравей, ЙОД и договорът за наем",
        "Mixed: Ærø, ﬁne, İstanbul, naïve café",
    ],
)
def test_fast_folding_agrees_with_the_exact_one(text: str) -> None:
    from confide.core.store.textfold import BYTE_FOLDERS, fold_for_match

    exact = fold_for_match(text)
    for folder in BYTE_FOLDERS:
        fast = folder.fold(text)
        assert len(fast) == len(text)  # one byte per character: offsets carry over
        for index, byte in enumerate(fast):
            if byte != ord("?") or text[index] == "?":
                assert bytes([byte]).decode(folder.codec) == exact[index]
    words = [
        (w, False) for w in ("zazolc", "lodz", "stiinta", "tara", "ziga", "durdevac", "договорът")
    ]
    for word, prefix in words:
        if word in exact:
            snippet, spans = make_snippet(text, [(fold_for_match(word), prefix)])
            assert [fold_for_match(snippet[a:b]) for a, b in spans] == [word]
