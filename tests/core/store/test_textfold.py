"""The index fold: the fast implementation gives exactly what a per-character mapping gives
(deleting a message from the index re-folds its text and must reproduce the indexed tokens)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from confide.core.store.textfold import _EXTRA_FOLDS, fold_for_index

_REFERENCE = str.maketrans(_EXTRA_FOLDS)
_LETTERS = st.sampled_from([*_EXTRA_FOLDS, "a", "ż", "ó", " ", "\n", "Ł", "x", "ж", "€", "𝔘"])


@given(st.text(_LETTERS, max_size=200) | st.text(max_size=200))
def test_fast_fold_matches_the_character_mapping(text: str) -> None:
    assert fold_for_index(text) == text.translate(_REFERENCE)


def test_fold_examples() -> None:
    assert fold_for_index("Łódź, ćma, Øresund, Đakovo") == "Lódź, ćma, Oresund, Dakovo"
    assert fold_for_index("") == fold_for_index(None) == ""
    plain = "nothing to fold here"
    assert fold_for_index(plain) is plain  # the common case allocates nothing
