"""Periods (SPEC §2.2, §9.1): the Vietnamese reporting calendar, its spellings and its order.

Canonical forms, the ones stored and exported:

=============  ==========================  ===========================================
``2024``       the year                    ``Năm 2024``
``2024-H1``    a half year (``H2``)        ``6 tháng đầu năm 2024``, ``6 tháng cuối năm 2024``
``2024-Q2``    a quarter                   ``Quý II/2024``, ``Quý 2/2024``, ``Q2/2024``, ``Q2-2024``
``2024-YTD09`` 1 January to the end of     ``9 tháng 2024``, ``9 tháng đầu năm 2024``,
               month 09, cumulative        ``lũy kế 9 tháng 2024`` (``luỹ kế``)
``2024-06``    a month                     ``Tháng 6/2024``, ``T6/2024``, ``06/2024``, ``6/2024``
``2024-06-30`` a day                       ``30/06/2024``
=============  ==========================  ===========================================

Case and accents are ignored (``THANG 6/2024``); ``/``, ``-`` or a space separate the parts
(``Q2 2024``, ``30-06-2024``); spaces around the text are ignored. Beyond SPEC's table, the
formal spellings of official documents are read too: ``Tháng 6 năm 2024``, ``Quý II năm 2024``,
``9 tháng năm 2024``, ``ngày 30/6/2024`` and ``ngày 30 tháng 6 năm 2024``. Digits are ASCII:
a full-width ``２０２３-０８`` or Arabic-Indic digits are not a period (they would otherwise be
read as a *different* spelling of a period that also appears in ASCII, and hide a duplicate).
Year-first forms are the canonical ones and keep their fixed width (``2024-6`` is refused,
``6/2024`` is read).

Order: a period stands at its end date. Periods order by end date; those ending the same day
by start date, longer first, so ``2024`` < ``2024-H2`` < ``2024-Q4`` < ``2024-12`` <
``2024-12-31`` (the narrower period is the more recent reading). Two periods that cover the
same days (``2024-YTD12`` and ``2024``, ``2024-YTD06`` and ``2024-H1``, ``2024-YTD03`` and
``2024-Q1``, ``2024-YTD01`` and ``2024-01``) order the cumulative one first: the calendar
period is the report that closes it.

Only distinct period strings are parsed (a data set has a few dozen), never one per row:
:func:`canonical_map` takes the distinct values of a column and :func:`canonical_expr`
applies the result to the whole column.
"""

from __future__ import annotations

import calendar
import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

import polars as pl

from kpitui.core.text import clean, fold

ACCEPTED_FORMS = (
    "2024 or Năm 2024; 2024-H1 or 6 tháng đầu năm 2024; 2024-H2 or 6 tháng cuối năm 2024; "
    "2024-Q2, Quý II/2024, Quý 2/2024 or Q2/2024; "
    "2024-YTD09, 9 tháng 2024 or lũy kế 9 tháng 2024; "
    "2024-06, Tháng 6/2024, T6/2024 or 06/2024; 2024-06-30 or 30/06/2024"
)
"""The accepted forms, for the message of an unreadable period."""

MAX_PERIOD_CHARS = 80
"""Longer text is not a period (the longest spelling is about 40 characters)."""

YEAR, HALF, QUARTER, YTD, MONTH, DAY = "year", "half", "quarter", "ytd", "month", "day"
KINDS = (YEAR, HALF, QUARTER, YTD, MONTH, DAY)


@dataclass(frozen=True, slots=True)
class _Period:
    kind: str
    year: int
    n: int = 0
    """The half (1-2), quarter (1-4), month (1-12) or last month of a YTD period (1-12)."""
    day: int = 0

    @property
    def text(self) -> str:
        y = f"{self.year:04d}"
        if self.kind == YEAR:
            return y
        if self.kind == HALF:
            return f"{y}-H{self.n}"
        if self.kind == QUARTER:
            return f"{y}-Q{self.n}"
        if self.kind == YTD:
            return f"{y}-YTD{self.n:02d}"
        if self.kind == MONTH:
            return f"{y}-{self.n:02d}"
        return f"{y}-{self.n:02d}-{self.day:02d}"

    @property
    def span(self) -> tuple[date, date]:
        y = self.year
        if self.kind == DAY:
            d = date(y, self.n, self.day)
            return d, d
        first, last = {
            YEAR: (1, 12),
            HALF: (6 * self.n - 5, 6 * self.n),
            QUARTER: (3 * self.n - 2, 3 * self.n),
            YTD: (1, self.n),
            MONTH: (self.n, self.n),
        }[self.kind]
        return date(y, first, 1), date(y, last, calendar.monthrange(y, last)[1])

    @property
    def sort_key(self) -> tuple[date, date, int]:
        start, end = self.span
        return end, start, 0 if self.kind == YTD else 1


# --------------------------------------------------------------------------- reading


_SPACES = "[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]"
_SPACES_RE = re.compile(f"{_SPACES}+")
_SEPARATOR = re.compile(r" ?[/-] ?| ")
_PIECE = re.compile(r"[a-z]+|[0-9]+")
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}


def _tokens(text: str) -> list[str] | None:
    """Words and numbers of a spelling, folded (no accents, lower case); None when it holds
    anything else: non-ASCII digits or letters, punctuation, doubled separators."""
    if len(text) > MAX_PERIOD_CHARS:
        return None
    folded = _SPACES_RE.sub(" ", fold(text)).strip(" ")
    if not folded or not folded.isascii():
        return None
    tokens: list[str] = []
    for part in _SEPARATOR.split(folded):
        pieces = _PIECE.findall(part)
        if not part or "".join(pieces) != part:
            return None
        tokens.extend(pieces)  # "t6" -> "t", "6"; "q2" -> "q", "2"; "ytd09" -> "ytd", "09"
    return tokens


def _year(token: str) -> int | None:
    if len(token) == 4 and token.isdigit() and token != "0000":
        return int(token)
    return None


def _number(token: str, low: int, high: int, width: tuple[int, ...] = (1, 2)) -> int | None:
    if token.isdigit() and len(token) in width and low <= int(token) <= high:
        return int(token)
    return None


def _year_first(year: int, rest: list[str]) -> _Period | None:
    """The canonical forms: ``2024-06``, ``2024-06-30``, ``2024-Q2``, ``2024-H1``, ``2024-YTD09``."""
    if len(rest) == 1 and (m := _number(rest[0], 1, 12, (2,))):
        return _Period(MONTH, year, m)
    if len(rest) == 2:
        word, num = rest
        if word == "q" and (q := _number(num, 1, 4, (1,))):
            return _Period(QUARTER, year, q)
        if word == "h" and (h := _number(num, 1, 2, (1,))):
            return _Period(HALF, year, h)
        if word == "ytd" and (m := _number(num, 1, 12, (2,))):
            return _Period(YTD, year, m)
        m, d = _number(word, 1, 12, (2,)), _number(num, 1, 31, (2,))
        if m and d:
            return _Period(DAY, year, m, d)
    return None


def _year_last(year: int, body: list[str]) -> _Period | None:
    """The report spellings, ``body`` being what comes before the year."""
    match body:
        case []:
            return _Period(YEAR, year)
        case ["nam"]:
            return _Period(YEAR, year)
        case [m] | ["thang" | "t", m] | ["thang" | "t", m, "nam"] if m.isdigit():
            month = _number(m, 1, 12)
            return _Period(MONTH, year, month) if month else None
        case [d, m] | ["ngay", d, m] | ["ngay", d, "thang", m, "nam"] if (
            d.isdigit() and m.isdigit()
        ):
            day, month = _number(d, 1, 31), _number(m, 1, 12)
            return _Period(DAY, year, month, day) if day and month else None
        case ["quy" | "q", q] | ["quy" | "q", q, "nam"]:
            quarter = _ROMAN.get(q) or _number(q, 1, 4)
            return _Period(QUARTER, year, quarter) if quarter else None
        case ["6", "thang", "cuoi", "nam"] | ["06", "thang", "cuoi", "nam"]:
            return _Period(HALF, year, 2)
        case [n, "thang", "dau", "nam"]:
            months = _number(n, 1, 12)
            if months == 6:
                return _Period(HALF, year, 1)
            return _Period(YTD, year, months) if months else None
        case (
            [n, "thang"]
            | [n, "thang", "nam"]
            | ["luy", "ke", n, "thang"]
            | ["luy", "ke", n, "thang", "nam"]
            | ["luy", "ke", n, "thang", "dau", "nam"]
        ):
            months = _number(n, 1, 12)
            return _Period(YTD, year, months) if months else None
    return None


@functools.lru_cache(maxsize=4096)
def _parse(text: str) -> _Period | None:
    tokens = _tokens(text)
    if not tokens:
        return None
    period: _Period | None = None
    if (first := _year(tokens[0])) is not None and len(tokens) > 1:
        period = _year_first(first, tokens[1:])
    elif (last := _year(tokens[-1])) is not None:
        period = _year_last(last, tokens[:-1])
    if period is None:
        return None
    try:
        period.span  # noqa: B018 - a day that does not exist (30/02/2024) is not a period
    except ValueError:
        return None
    return period


def canonical(text: str) -> str | None:
    """The canonical form of a period in any accepted spelling; None when it is not one."""
    period = _parse(text)
    return period.text if period else None


def canonical_map(texts: Iterable[str | None]) -> dict[str, str | None]:
    """Each distinct text -> its canonical form, or None when it is not a period
    (None and the empty string map to None)."""
    return {t: canonical(t) for t in set(texts) if t is not None}


def canonical_expr(expr: pl.Expr, mapping: Mapping[str, str | None]) -> pl.Expr:
    """The vectorised :func:`canonical` of a string column, given ``canonical_map`` of its
    distinct values; values missing from ``mapping`` become null, like unreadable ones."""
    return expr.replace_strict(
        list(mapping), list(mapping.values()), default=None, return_dtype=pl.String
    )


def parse_period(text: str) -> tuple[date, date] | None:
    """(start, end) of a period in any accepted spelling, or None when ``text`` is not one."""
    period = _parse(text)
    return period.span if period else None


def end_of(text: str) -> date | None:
    parsed = parse_period(text)
    return parsed[1] if parsed else None


def kind_of(text: str) -> str | None:
    """``year``, ``half``, ``quarter``, ``ytd``, ``month`` or ``day``; None for a non-period."""
    period = _parse(text)
    return period.kind if period else None


def sort_key(text: str) -> tuple[date, date, int] | None:
    """The key periods order by (see the module's docstring); None for a non-period."""
    period = _parse(text)
    return period.sort_key if period else None


def from_date(d: date, days: bool) -> str:
    """The canonical period of a workbook date cell: its day (``days``: the ``period``
    column holds days) or else its month."""
    if isinstance(d, datetime):
        d = d.date()
    return d.isoformat() if days else f"{d.year:04d}-{d.month:02d}"


def last_year(text: str) -> str | None:
    """The same period one year earlier, canonical (SPEC §9.2): ``2024-06`` -> ``2023-06``,
    ``2024-YTD09`` -> ``2023-YTD09``, ``2024-02-29`` -> ``2023-02-28``. None when ``text``
    is not a period or is in year 1."""
    period = _parse(text)
    if period is None or period.year == 1:
        return None
    day = period.day
    if period.kind == DAY and period.n == 2 and day == 29:
        day = calendar.monthrange(period.year - 1, 2)[1]
    return _Period(period.kind, period.year - 1, period.n, day).text


# --------------------------------------------------------------------------- showing

_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def display(text: str, lang: str) -> str:
    """A period as the UI shows it in ``lang`` ("vi" or "en"): ``Tháng 6/2024``,
    ``Quý 2/2024``, ``6 tháng đầu năm 2024``, ``9 tháng 2024``, ``Năm 2024``, ``30/06/2024`` /
    ``Jun 2024``, ``Q2 2024``, ``H1 2024``, ``Jan–Sep 2024``, ``2024``, ``30 Jun 2024``.
    Text that is not a period is returned cleaned (safe to print), as it is."""
    p = _parse(text)
    if p is None:
        return clean(text)
    y = f"{p.year:04d}"
    if lang == "vi":
        if p.kind == YEAR:
            return f"Năm {y}"
        if p.kind == HALF:
            return f"6 tháng {'đầu' if p.n == 1 else 'cuối'} năm {y}"
        if p.kind == QUARTER:
            return f"Quý {p.n}/{y}"
        if p.kind == YTD:
            return f"{p.n} tháng {y}"
        if p.kind == MONTH:
            return f"Tháng {p.n}/{y}"
        return f"{p.day:02d}/{p.n:02d}/{y}"
    if p.kind == YEAR:
        return y
    if p.kind == HALF:
        return f"H{p.n} {y}"
    if p.kind == QUARTER:
        return f"Q{p.n} {y}"
    if p.kind == YTD:
        if p.n == 1:
            return f"Jan {y} (YTD)"
        return f"Jan–{_MONTHS_EN[p.n - 1]} {y}"
    if p.kind == MONTH:
        return f"{_MONTHS_EN[p.n - 1]} {y}"
    return f"{p.day} {_MONTHS_EN[p.n - 1]} {y}"


# --------------------------------------------------------------------------- the table

PERIOD_SCHEMA = {
    "period": pl.String,
    "start": pl.Date,
    "end": pl.Date,
    "order": pl.UInt32,
}


def period_table(periods: Iterable[str]) -> tuple[pl.DataFrame, list[str]]:
    """A frame of the valid periods (with start, end and a global ``order``), and the invalid
    ones. Rows keep the text given: give it canonical periods (:func:`canonical_map`), or two
    spellings of one period become two rows."""
    rows: list[tuple[tuple[date, date, int], str, str, date, date]] = []
    invalid = []
    for p in set(periods):
        period = _parse(p)
        if period is None:
            invalid.append(p)
        else:
            start, end = period.span
            rows.append((period.sort_key, period.text, p, start, end))
    rows.sort()
    frame = pl.DataFrame(
        {
            "period": [r[2] for r in rows],
            "start": [r[3] for r in rows],
            "end": [r[4] for r in rows],
            "order": list(range(len(rows))),
        },
        schema=PERIOD_SCHEMA,
    )
    return frame, sorted(invalid)
