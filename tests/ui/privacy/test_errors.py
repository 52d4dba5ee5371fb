"""Every storage failure has its own plain explanation; Ollama's are unchanged."""

from __future__ import annotations

from pathlib import Path

from confide.core.ollama.errors import OllamaError, OllamaErrorKind
from confide.core.store import StoreError, StoreErrorKind
from confide.ui.errors import describe_error

GENERIC = describe_error(RuntimeError("boom")).title


def test_each_store_error_kind_is_explained_in_its_own_words() -> None:
    texts = {kind: describe_error(StoreError(kind, "detail")) for kind in StoreErrorKind}
    assert all(text.title != GENERIC for text in texts.values())
    assert len({text.title for text in texts.values()}) == len(StoreErrorKind)
    assert len({text.message for text in texts.values()}) == len(StoreErrorKind)
    # The English detail is for logs; the user never sees it.
    assert all("detail" not in text.message for text in texts.values())
    assert texts[StoreErrorKind.LOCKED].title == "Confide is already open"
    assert not texts[StoreErrorKind.TOO_NEW].can_retry
    assert texts[StoreErrorKind.DISK_FULL].can_retry


def test_store_error_with_a_backup_is_still_described() -> None:
    error = StoreError(StoreErrorKind.CORRUPT, "x", latest_backup=Path("b.db"))
    assert "damaged" in describe_error(error).title


def test_ollama_errors_keep_their_wording() -> None:
    text = describe_error(OllamaError(OllamaErrorKind.NOT_RUNNING, "x"))
    assert text.title == "Ollama is not running"
