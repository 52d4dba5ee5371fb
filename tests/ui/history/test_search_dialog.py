"""The search dialog, driven from the keyboard against a real encrypted store."""

from __future__ import annotations

import threading

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QTextCursor
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from confide.core.store import Role, StoreError, StoreErrorKind
from confide.ui.errors import describe_error
from confide.ui.history import SearchDialog
from confide.ui.history.search_delegate import SearchResultDelegate
from confide.ui.history.search_model import ResultRow, SearchResultsModel
from confide.ui.history.snippet import MARK_BACKGROUND
from tests.ui.history.conftest import History


def open_dialog(qtbot: QtBot, history: History) -> SearchDialog:
    dialog = SearchDialog(history.gateway, now=history.now)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(lambda: dialog._models_task is None)  # the model filter has loaded
    return dialog


def type_query(qtbot: QtBot, dialog: SearchDialog, text: str) -> None:
    dialog.search.selectAll()
    qtbot.keyClicks(dialog.search, text)
    qtbot.waitUntil(lambda: not dialog.searching, timeout=5000)


def shown_rows(dialog: SearchDialog) -> list[ResultRow]:
    """The results the list shows, top to bottom (empty while a notice is shown)."""
    if dialog.stack.currentWidget() is not dialog.results:
        return []
    rows = []
    for number in range(dialog.results_model.rowCount()):
        row = dialog.results_model.index(number, 0).data(SearchResultsModel.RowRole)
        assert isinstance(row, ResultRow)
        rows.append(row)
    return rows


def snippet_cursor(dialog: SearchDialog, row: int, word: str) -> QTextCursor:
    """A cursor just inside ``word`` in the snippet as painted in ``row``."""
    delegate = dialog.results.itemDelegate()
    assert isinstance(delegate, SearchResultDelegate)
    shown = shown_rows(dialog)[row]
    width = dialog.results.viewport().width() - 24
    document = delegate.snippet_document(shown, dialog.results.font(), width)
    text = document.toPlainText()
    assert word in text
    cursor = QTextCursor(document)
    cursor.setPosition(text.index(word) + 1)
    return cursor


def choose_filter(qtbot: QtBot, combo: object, text: str) -> None:
    """Picks an entry the way a keyboard user does: focus the box, press Down until it shows."""
    from PySide6.QtWidgets import QComboBox

    assert isinstance(combo, QComboBox)
    combo.setFocus()
    target = combo.findText(text)
    assert target >= 0, f"{text!r} is not offered"
    while combo.currentIndex() < target:
        qtbot.keyClick(combo, Qt.Key.Key_Down)
    while combo.currentIndex() > target:
        qtbot.keyClick(combo, Qt.Key.Key_Up)


def test_typing_shows_results_with_the_words_marked(qtbot: QtBot, history: History) -> None:
    history.conversation(
        "Lease review",
        (Role.USER, "Please check the zorbleflux clause of the lease.", None),
        (Role.ASSISTANT, "The zorbleflux clause is valid.", "llama3.1:8b"),
    )
    history.conversation("Holidays", (Role.USER, "Where shall we go in August?", None))
    dialog = open_dialog(qtbot, history)
    assert dialog.notice_title.text() == "Type to search your conversations"
    assert dialog.search.hasFocus()

    type_query(qtbot, dialog, "zorble")  # as-you-type: a prefix is enough

    rows = shown_rows(dialog)
    assert [(row.title, row.source) for row in rows] == [
        ("Lease review", "Assistant · llama3.1:8b"),  # newest first
        ("Lease review", "You"),
    ]
    assert dialog.count.text() == "2 results"
    assert all(row.when for row in rows)
    # The match is bold and on a marker background: not by colour alone.
    marked = snippet_cursor(dialog, 0, "zorbleflux").charFormat()
    assert marked.fontWeight() >= QFont.Weight.Bold
    assert marked.background().color() == QColor(MARK_BACKGROUND)
    plain = snippet_cursor(dialog, 0, "clause").charFormat()
    assert plain.fontWeight() < QFont.Weight.Bold
    assert plain.background().style() == Qt.BrushStyle.NoBrush
    assert not dialog.results.grab().isNull()  # the delegate paints without trouble


def test_user_text_in_a_snippet_is_never_read_as_html(qtbot: QtBot, history: History) -> None:
    history.conversation(
        "Markup", (Role.USER, "Wrap it in <b>html</b> & <i>quxwidget</i> tags", None)
    )
    dialog = open_dialog(qtbot, history)
    type_query(qtbot, dialog, "quxwidget")

    [row] = shown_rows(dialog)
    assert row.hit.snippet == "Wrap it in <b>html</b> & <i>quxwidget</i> tags"
    cursor = snippet_cursor(dialog, 0, "<b>html</b> & <i>quxwidget</i>")
    assert cursor.document().toPlainText() == row.hit.snippet
    assert cursor.charFormat().fontWeight() < QFont.Weight.Bold  # "<b>" made nothing bold
    assert snippet_cursor(dialog, 0, "quxwidget").charFormat().fontWeight() >= QFont.Weight.Bold


def test_model_filter_narrows_the_results(qtbot: QtBot, history: History) -> None:
    history.conversation("One", (Role.ASSISTANT, "Answer about the plumbus", "llama3.1:8b"))
    history.conversation("Two", (Role.ASSISTANT, "Another plumbus answer", "bielik:11b"))
    history.conversation("Three", (Role.USER, "My own plumbus question", None))
    dialog = open_dialog(qtbot, history)
    offered = [dialog.model_filter.itemText(i) for i in range(dialog.model_filter.count())]
    assert offered == ["All models", "bielik:11b", "llama3.1:8b"]

    type_query(qtbot, dialog, "plumbus")
    assert [row.title for row in shown_rows(dialog)] == ["Three", "Two", "One"]

    choose_filter(qtbot, dialog.model_filter, "llama3.1:8b")
    qtbot.waitUntil(lambda: not dialog.searching)
    assert [row.title for row in shown_rows(dialog)] == ["One"]
    assert dialog.count.text() == "1 result"

    choose_filter(qtbot, dialog.model_filter, "All models")
    qtbot.waitUntil(lambda: not dialog.searching)
    assert len(shown_rows(dialog)) == 3

    # A model first used while the dialog was open joins the filter once it shows up.
    history.conversation("Four", (Role.ASSISTANT, "A fresh plumbus answer", "aya:8b"))
    type_query(qtbot, dialog, "plumbus answer")
    offered = [dialog.model_filter.itemText(i) for i in range(dialog.model_filter.count())]
    assert offered == ["All models", "aya:8b", "bielik:11b", "llama3.1:8b"]
    assert dialog.model_filter.currentText() == "All models"


def test_date_filter_narrows_the_results(qtbot: QtBot, history: History) -> None:
    history.conversation("Old", (Role.USER, "flibbet from long ago", None))
    history.clock.advance_days(380)
    history.conversation("Recent", (Role.USER, "flibbet three weeks ago", None))
    history.clock.advance_days(18)
    history.conversation("Fresh", (Role.USER, "flibbet two days ago", None))
    history.clock.advance_days(2)
    dialog = open_dialog(qtbot, history)
    type_query(qtbot, dialog, "flibbet")
    assert [row.title for row in shown_rows(dialog)] == ["Fresh", "Recent", "Old"]

    for choice, expected in (
        ("Past year", ["Fresh", "Recent"]),
        ("Past month", ["Fresh", "Recent"]),
        ("Past week", ["Fresh"]),
        ("Any time", ["Fresh", "Recent", "Old"]),
    ):
        choose_filter(qtbot, dialog.date_filter, choice)
        qtbot.waitUntil(lambda: not dialog.searching)
        assert [row.title for row in shown_rows(dialog)] == expected, choice


def test_down_then_enter_opens_the_chosen_result(qtbot: QtBot, history: History) -> None:
    first, first_ids = history.conversation("First", (Role.USER, "gronk number one", None))
    history.conversation("Second", (Role.USER, "gronk number two", None))
    dialog = open_dialog(qtbot, history)
    type_query(qtbot, dialog, "gronk")
    assert [row.title for row in shown_rows(dialog)] == ["Second", "First"]

    qtbot.keyClick(dialog.search, Qt.Key.Key_Down)  # from the field into the results
    assert dialog.results.hasFocus()
    assert dialog.results.currentIndex().row() == 0
    qtbot.keyClick(dialog.results, Qt.Key.Key_Down)
    with qtbot.waitSignal(dialog.messageChosen) as chosen:
        qtbot.keyClick(dialog.results, Qt.Key.Key_Return)
    assert chosen.args == [first, first_ids[0]]
    assert not dialog.isVisible()


def test_enter_in_the_field_opens_the_top_result(qtbot: QtBot, history: History) -> None:
    conversation, ids = history.conversation(
        "Only", (Role.USER, "question", None), (Role.ASSISTANT, "wibblequark", "gemma3:4b")
    )
    dialog = open_dialog(qtbot, history)
    type_query(qtbot, dialog, "wibblequark")
    with qtbot.waitSignal(dialog.messageChosen) as chosen:
        qtbot.keyClick(dialog.search, Qt.Key.Key_Enter)
    assert chosen.args == [conversation, ids[1]]


def test_up_from_the_top_result_and_typing_go_back_to_the_field(
    qtbot: QtBot, history: History
) -> None:
    history.conversation("Notes", (Role.USER, "snorkel plan and snorkel gear", None))
    dialog = open_dialog(qtbot, history)
    type_query(qtbot, dialog, "snork")
    qtbot.keyClick(dialog.search, Qt.Key.Key_Down)
    assert dialog.results.hasFocus()
    qtbot.keyClick(dialog.results, Qt.Key.Key_Up)
    assert dialog.search.hasFocus()

    qtbot.keyClick(dialog.search, Qt.Key.Key_Down)
    qtbot.keyClicks(dialog.results, "el gear")
    assert dialog.search.hasFocus()
    assert dialog.search.text() == "snorkel gear"
    qtbot.waitUntil(lambda: not dialog.searching)
    assert [row.title for row in shown_rows(dialog)] == ["Notes"]


def test_empty_and_no_match_states(qtbot: QtBot, history: History) -> None:
    history.conversation("Something", (Role.USER, "text that exists", None))
    dialog = open_dialog(qtbot, history)
    type_query(qtbot, dialog, "doesnotexistanywhere")
    assert dialog.stack.currentWidget() is dialog.notice
    assert dialog.notice_title.text() == "No matches"
    assert not dialog.count.isVisible()

    choose_filter(qtbot, dialog.date_filter, "Past week")
    qtbot.waitUntil(lambda: not dialog.searching)
    assert "Any time" in dialog.notice_text.text()  # suggests loosening the filters

    dialog.search.clear()
    assert dialog.notice_title.text() == "Type to search your conversations"
    assert dialog.results_model.rowCount() == 0


def test_only_the_newest_query_is_shown(qtbot: QtBot, history: History) -> None:
    history.conversation("Apples", (Role.USER, "apples are red", None))
    history.conversation("Pears", (Role.USER, "pears are green", None))
    dialog = open_dialog(qtbot, history)
    release = threading.Event()
    history.gateway.submit(lambda _store: release.wait(10))  # the store thread is busy
    try:
        qtbot.keyClicks(dialog.search, "apples")
        qtbot.waitUntil(lambda: dialog._search_task is not None)  # sent, stuck in the queue
        dialog.search.selectAll()
        qtbot.keyClicks(dialog.search, "pears")
        qtbot.waitUntil(lambda: not dialog._debounce.isActive())
    finally:
        release.set()
    qtbot.waitUntil(lambda: not dialog.searching, timeout=5000)
    history.do(lambda _store: None)  # anything still queued has run and been delivered
    QApplication.processEvents()
    assert [row.title for row in shown_rows(dialog)] == ["Pears"]


def test_store_problems_are_explained_inline(qtbot: QtBot, history: History) -> None:
    dialog = open_dialog(qtbot, history)
    history.gateway.attach(None)  # e.g. the store was locked again meanwhile
    type_query(qtbot, dialog, "anything")
    expected = describe_error(StoreError(StoreErrorKind.NOT_SET_UP, "the store is not open"))
    assert dialog.stack.currentWidget() is dialog.notice
    assert dialog.notice_title.text() == expected.title
    assert dialog.notice_text.text() == expected.message
    assert "Traceback" not in dialog.notice_text.text()


def test_results_model_is_a_well_behaved_qt_model(qtmodeltester: object, history: History) -> None:
    history.conversation("Model", (Role.USER, "tested words", None))
    hits = history.do(lambda store: store.search("tested"))
    model = SearchResultsModel()
    model.set_hits(hits)
    qtmodeltester.check(model)  # type: ignore[attr-defined]
    index = model.index(0, 0)
    assert "Model" in index.data(Qt.ItemDataRole.AccessibleTextRole)
    assert "tested words" in index.data(Qt.ItemDataRole.AccessibleTextRole)
