"""Untrusted text: one place that makes strings from data files safe to show, and search keys.

Every string that comes from a data file (names, notes, ids, group names, file names) passes
through :func:`clean` (or its vectorised twin :func:`clean_expr`) before it reaches a screen,
a notification, a finding or an export:

* Unicode NFC, so "Hoà" typed on macOS (decomposed) and on Windows (composed) are one string;
* tab, CR and LF become a space (a table cell is one line);
* every other C0/C1 control character, DEL, and the bidirectional override / isolate
  characters become U+FFFD, so an ``ESC[2J`` or an OSC 52 clipboard write in a file is shown,
  never executed, and a U+202E cannot reverse what the user reads.

Markup is a separate concern handled by the UI: it always builds ``Text``/``Content`` objects,
never markup strings, so ``[bold]`` in a name is shown as typed.
"""

from __future__ import annotations

import re
import unicodedata

import polars as pl

REPLACEMENT = "\ufffd"

# C0 controls except \t \n \r, DEL, C1 controls, and the bidi embedding/override/isolate marks.
_UNSAFE = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069"
_UNSAFE_RE = re.compile(f"[{_UNSAFE}]")
_SPACE_RE = re.compile("[\t\r\n]")
_UNSAFE_RE_POLARS = f"[{_UNSAFE}]"


def clean(value: str) -> str:
    """NFC, one line, no control or bidi-override characters."""
    if value.isascii() and value.isprintable():
        return value
    value = unicodedata.normalize("NFC", value)
    value = _SPACE_RE.sub(" ", value)
    return _UNSAFE_RE.sub(REPLACEMENT, value)


def is_clean(value: str) -> bool:
    return clean(value) == value


def has_controls(value: str) -> bool:
    """Whether ``value`` holds a control, DEL or bidi-override character (tab/CR/LF count)."""
    return bool(_UNSAFE_RE.search(value) or _SPACE_RE.search(value))


def clean_expr(expr: pl.Expr) -> pl.Expr:
    """The vectorised :func:`clean` for a polars string column."""
    return (
        expr.str.normalize("NFC")
        .str.replace_all("[\t\r\n]", " ")
        .str.replace_all(_UNSAFE_RE_POLARS, REPLACEMENT)
    )


def visible(text: str) -> str:
    """Invisible format characters (a BOM, a zero-width space...) written as ``<U+FEFF>``:
    an id that does not match because of one must say so."""
    if text.isascii():
        return text
    return "".join(f"<U+{ord(ch):04X}>" if unicodedata.category(ch) == "Cf" else ch for ch in text)


def quote(value: object, limit: int = 60) -> str:
    """Quote a value from a data file for a message: cleaned, invisible characters made
    visible, shortened, in single quotes (an empty cell, None, is ``''``)."""
    text = visible(clean("" if value is None else str(value)))
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return f"'{text}'"


def fold(value: str) -> str:
    """An accent-insensitive, case-insensitive search key: "Đắk Lắk" -> "dak lak"."""
    decomposed = unicodedata.normalize("NFD", value.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped.casefold()


def fold_expr(expr: pl.Expr) -> pl.Expr:
    """The vectorised :func:`fold`."""
    return (
        expr.str.replace_all("[đĐ]", "d")
        .str.normalize("NFD")
        .str.replace_all(r"\p{M}", "")
        .str.to_lowercase()
    )
