"""The canonical row schema every source reads into, and the shape of a parsed file.

Three frames, one vocabulary:

* :data:`ROW_SCHEMA` — the rows the views read (one observation each);
* :data:`FAST_SCHEMA` — the same plus ``bad`` (a number the fast reader could not read), for
  the streaming statistics pass; no row numbers (numbering rows costs the pass time);
* the *careful* frame — ``row`` (an index into the source, turned into a line or a cell by the
  source's :class:`Locate`), the row columns, and for each number column present the text it
  was read from (``_text_<name>``) and whether it was unreadable (``_bad_<name>``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import polars as pl

from kpitui.core import findings as fnd
from kpitui.core.findings import Finding
from kpitui.core.load.files import Content, ReadFailure
from kpitui.core.model import CsvOptions

REQUIRED = ("indicator", "agency", "period")
NUMBERS = ("value", "numerator", "denominator")
TEXTS = ("indicator", "agency", "period", "note")
MAX_FIELD_CHARS = 4096
MAX_FINDINGS_PER_KIND = 20

ROW_SCHEMA: dict[str, pl.DataType] = {
    "indicator": pl.String(),
    "agency": pl.String(),
    "period": pl.String(),
    "value": pl.Float64(),
    "numerator": pl.Float64(),
    "denominator": pl.Float64(),
    "note": pl.String(),
}
FAST_SCHEMA: dict[str, pl.DataType] = {**ROW_SCHEMA, "bad": pl.Boolean()}

READ_FAILURES = (pl.exceptions.PolarsError, pl.exceptions.PanicException, OSError, ReadFailure)
"""What reading a data file can raise. A Rust panic in polars (``PanicException``) derives
from ``BaseException``, not ``Exception``; every call that reads data catches all of these."""


class Locate(Protocol):
    """Where a row (and a column of it) is: ``(line, place)`` for a finding."""

    def __call__(self, row: int, column: str | None = None) -> tuple[int, str]: ...


def by_line(row: int, column: str | None = None) -> tuple[int, str]:
    """Rows on consecutive lines after a one-line header (row 0 = line 2)."""
    return row + 2, ""


@dataclass(frozen=True)
class Careful:
    """A located read of a file: every defect the reader itself saw, and the rows."""

    frame: pl.LazyFrame | None
    """``row``, the row columns, ``_text_<n>``/``_bad_<n>`` per number column present;
    None when the file cannot be read at all (its findings say why). Lazy: the checks
    collect only the rows they report."""
    findings: tuple[Finding, ...]
    locate: Locate = by_line
    numbers: frozenset[str] = frozenset(NUMBERS)
    """The number columns the file has."""
    explain: Callable[[BaseException], Finding] | None = None
    """Turns a failure while collecting ``frame`` (a ragged row, an open quote) into a
    located finding."""


@dataclass(eq=False)
class Parsed:
    """One file version read with one set of options. Nothing is read until asked."""

    path: str
    kind: str
    header_findings: tuple[Finding, ...]
    """Warnings found before the rows were read (e.g. an ignored column)."""
    fast: Callable[..., pl.LazyFrame] | None
    """The typed rows (:data:`FAST_SCHEMA`), or None when the file is read carefully only.
    ``fast(agencies)`` with an ``Enum`` of the known agency ids reads the agency column as
    that enum (an unknown id fails the read, which sends the file to the careful read), so
    that the statistics pass looks slots up by index instead of joining strings."""
    read_careful: Callable[[], Careful]
    located: Callable[[], pl.LazyFrame] | None = None
    """The typed rows with ``row`` (to locate a few of them), when cheaper than careful."""
    _careful: Careful | None = field(default=None, repr=False)

    def careful(self) -> Careful:
        if self._careful is None:
            try:
                self._careful = self.read_careful()
            except ReadFailure as exc:
                self._careful = Careful(None, (exc.finding,))
        return self._careful


def failed(content: Content, kind: str, finding: Finding) -> Parsed:
    """A file that cannot be read at all."""
    return Parsed(content.path, kind, (), None, lambda: Careful(None, (finding,)))


def unsupported(content: Content, kind: str) -> Parsed:
    return failed(
        content, kind, fnd.error(content.path, 0, f"cannot read {kind} files in this version")
    )


# --------------------------------------------------------------------------- numbers


def number_exprs(text: pl.Expr, name: str, opts: CsvOptions) -> tuple[pl.Expr, pl.Expr]:
    """(number, unreadable) expressions for number text read with the ``[csv]`` conventions."""
    text = text.str.strip_chars()
    if name == "value":
        text = text.str.strip_suffix("%").str.strip_chars_end()
    plain = text
    grouping_ok: pl.Expr = pl.lit(True)
    if opts.thousands:
        sep = re.escape(opts.thousands)
        dec = re.escape(opts.decimal)
        grouping_ok = ~text.str.contains(sep) | text.str.contains(
            rf"^[+-]?[0-9]{{1,3}}({sep}[0-9]{{3}})+({dec}[0-9]*)?$"
        )
        plain = plain.str.replace_all(opts.thousands, "", literal=True)
    if opts.decimal == ",":
        if opts.thousands != ".":
            grouping_ok = grouping_ok & ~text.str.contains(".", literal=True)
        plain = plain.str.replace(",", ".", literal=True)
    # Only ASCII digits are digits (a full-width '１２' is text, never 12).
    ascii_only = ~text.str.contains(r"[\d&&[^0-9]]")
    number = plain.cast(pl.Float64, strict=False)
    blank = text.is_null() | (text == "")
    unreadable = ~blank & (number.is_null() | ~grouping_ok | ~ascii_only)
    return pl.when(blank | unreadable).then(None).otherwise(number), unreadable


def number_hint(text: str, opts: CsvOptions) -> str:
    """Why a number text could not be read, when there is a likely reason."""
    stripped = text.strip().removesuffix("%").strip()
    if any(ch.isdigit() and not ("0" <= ch <= "9") for ch in stripped):
        return " (digits must be ASCII 0-9)"
    if opts.decimal == "." and re.fullmatch(r"[+-]?\d+,\d+", stripped):
        return ' (the decimal mark is "."; for 69,88 set [csv] decimal = ",")'
    if opts.decimal == "," and not opts.thousands and re.fullmatch(r"[+-]?\d+\.\d+", stripped):
        return ' (the decimal mark is ","; for 69.88 set [csv] decimal = ".")'
    if opts.thousands and opts.thousands in stripped:
        return f" (digits must be grouped by 3 around the thousands separator '{opts.thousands}')"
    return ""
