"""Text folding shared by the full-text index, the query builder and the snippet maker.

The index uses SQLite's ``unicode61 remove_diacritics 2`` tokenizer: it lower-cases and strips
every diacritic that Unicode *decomposes* (ż→z, ó→o, ć→c, ș→s, ț→t, ă→a, č→c). Some letters
of our users' languages have no decomposition, so unicode61 keeps them: Polish ł, Croatian đ,
Danish/Norwegian ø… ``fold_for_index`` maps those to their base letter before the tokenizer
sees the text, so "zazolc" finds "zażółć".

Changing ``_EXTRA_FOLDS`` changes what the index contains: it needs a migration that rebuilds
the index, because deleting a message from the index re-folds its text and must produce the
very tokens that were indexed.

For highlighting, ``fold_for_match`` maps text character by character (same length, so
offsets stay valid) to lower case without diacritics. It is exact but slow (a dictionary
lookup per character in ``str.translate``), so snippets first try ``ByteFolder``: the text is
encoded with a one-byte code page (cp1250 covers Polish, Slovene, Croatian, Czech, Slovak,
Hungarian and, with two substitutions, Romanian; cp1251 covers Bulgarian), which keeps one
byte per character, and folded with ``bytes.translate`` in C, about 50 times faster.
Characters outside the code page become ``?``; when that hides a query word, the caller
falls back to the exact fold.
"""

from __future__ import annotations

import re
import unicodedata

_EXTRA_FOLDS = {
    "ł": "l",
    "Ł": "L",
    "đ": "d",
    "Đ": "D",
    "ø": "o",
    "Ø": "O",
    "ħ": "h",
    "Ħ": "H",
    "ı": "i",
    "ŧ": "t",
    "Ŧ": "T",
    "ŀ": "l",
    "Ŀ": "L",
}
_EXTRA_ITEMS = tuple(_EXTRA_FOLDS.items())
_EXTRA_CHARS = re.compile("[" + "".join(_EXTRA_FOLDS) + "]")

WORD = re.compile(r"[^\W_]+")
"""A run of letters and digits: always a single unicode61 token (its token characters are
letters, numbers, private-use characters and, removed, combining marks)."""


def fold_for_index(text: str | None) -> str:
    """What the full-text index is fed. Registered as the SQL function ``confide_fold``.

    Runs for every message indexed and every message erased, so it must be fast: a C-speed
    search first (most text has none of these letters), then one C-speed ``replace`` per
    letter present. ``str.translate`` with a dictionary costs a lookup per character, ~50
    times slower on a typical answer."""
    text = text or ""
    if _EXTRA_CHARS.search(text) is None:
        return text
    for letter, base in _EXTRA_ITEMS:
        if letter in text:
            text = text.replace(letter, base)
    return text


def _match_table() -> dict[int, str]:
    """One character -> one character: lower case, base letter. Latin, Greek, Cyrillic…"""
    table: dict[int, str] = {}
    for code in range(0x80, 0x2000):
        char = chr(code)
        lower = char.lower()
        if len(lower) != 1:
            continue
        lower = _EXTRA_FOLDS.get(lower, lower)
        base = [c for c in unicodedata.normalize("NFKD", lower) if not unicodedata.combining(c)]
        folded = base[0] if len(base) == 1 else lower
        if folded != char:
            table[code] = folded
    for code in range(0x41, 0x5B):  # ASCII capitals
        table[code] = chr(code + 32)
    return table


_MATCH_TABLE = _match_table()


def fold_for_match(text: str) -> str:
    """Same length as ``text``; compare query words and text words after this."""
    return text.translate(_MATCH_TABLE)


# Romanian comma-below letters are not in cp1250; their cedilla twins are, and fold the same.
_CP1250_TWINS = (("ș", "ş"), ("Ș", "Ş"), ("ț", "ţ"), ("Ț", "Ţ"))


class ByteFolder:
    """``fold_for_match`` for the characters of one code page, in C (see the docstring)."""

    def __init__(self, codec: str) -> None:
        self.codec = codec
        table = bytearray(range(256))
        word = []
        for byte in range(256):
            try:
                char = bytes([byte]).decode(codec)
            except UnicodeDecodeError:
                continue
            folded = fold_for_match(char)
            try:
                encoded = folded.encode(codec)
            except UnicodeEncodeError:
                encoded = b"?"
            if len(encoded) == 1:
                table[byte] = encoded[0]
            if char.isalnum():
                word.append(byte)
        self._table = bytes(table)
        self.word_bytes = frozenset(word)

    def encode_term(self, term: str) -> bytes | None:
        """The folded term in this code page, or None if it cannot be written in it."""
        try:
            return fold_for_match(term).encode(self.codec)
        except UnicodeEncodeError:
            return None

    def fold(self, text: str) -> bytes:
        """One byte per character of ``text``, so offsets match."""
        if self.codec == "cp1250":
            for comma, cedilla in _CP1250_TWINS:
                if comma in text:
                    text = text.replace(comma, cedilla)
        return text.encode(self.codec, "replace").translate(self._table)


BYTE_FOLDERS = (ByteFolder("cp1250"), ByteFolder("cp1251"))
