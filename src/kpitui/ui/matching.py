"""Accent-insensitive matching that can say *where* it matched: the search highlights the
matched part of a name, the command palette the matched letters of a command.

:func:`kpitui.core.text.fold` may change a string's length ("ß" -> "ss"); :func:`fold_each`
folds character by character, so that an offset in the folded text is the offset of the same
character in the text shown.
"""

from __future__ import annotations

from functools import lru_cache

from kpitui.core.text import fold


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    folded = fold(ch)
    return folded if len(folded) == 1 else ch.lower()


def fold_each(text: str) -> str:
    """``fold`` one character at a time: same length as ``text``."""
    if text.isascii():
        return text.lower()
    return "".join(_fold_char(ch) for ch in text)


def spans(text: str, query: str) -> list[tuple[int, int]]:
    """(start, end) of every place ``query`` occurs in ``text``, accents and case ignored."""
    needle = fold_each(query.strip()) if query.strip() else ""
    if not needle:
        return []
    hay = fold_each(text)
    out = []
    start = hay.find(needle)
    while start >= 0:
        out.append((start, start + len(needle)))
        start = hay.find(needle, start + len(needle))
    return out
