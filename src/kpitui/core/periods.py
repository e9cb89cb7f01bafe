"""Periods (SPEC §2.2): ``YYYY``, ``YYYY-Qn``, ``YYYY-MM`` and ``YYYY-MM-DD``.

A period stands at its end date (``2024-06`` -> 30 June 2024). Periods order by end date, and
periods that end on the same day by start date, so ``2023`` < ``2023-Q4`` < ``2023-12`` <
``2023-12-31``: the narrower period is the more recent reading.

Only distinct period strings are parsed (a data set has a few dozen), never one per row.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable
from datetime import date

import polars as pl

_PERIOD = re.compile(r"([0-9]{4})(?:-(?:Q([1-4])|([0-9]{2})(?:-([0-9]{2}))?))?")


def parse_period(text: str) -> tuple[date, date] | None:
    """(start, end) of a period, or None when ``text`` is not a period."""
    m = _PERIOD.fullmatch(text)
    if not m:
        return None
    year = int(m.group(1))
    if year < 1:
        return None
    quarter, month, day = m.group(2), m.group(3), m.group(4)
    try:
        if quarter:
            q = int(quarter)
            first, last = 3 * q - 2, 3 * q
            return date(year, first, 1), date(year, last, calendar.monthrange(year, last)[1])
        if month:
            mm = int(month)
            if day:
                d = date(year, mm, int(day))
                return d, d
            return date(year, mm, 1), date(year, mm, calendar.monthrange(year, mm)[1])
        return date(year, 1, 1), date(year, 12, 31)
    except ValueError:
        return None


PERIOD_SCHEMA = {
    "period": pl.String,
    "start": pl.Date,
    "end": pl.Date,
    "order": pl.UInt32,
}


def period_table(periods: Iterable[str]) -> tuple[pl.DataFrame, list[str]]:
    """A frame of the valid periods (with start, end and a global ``order``), and the invalid ones."""
    rows = []
    invalid = []
    for p in set(periods):
        parsed = parse_period(p)
        if parsed is None:
            invalid.append(p)
        else:
            rows.append((p, parsed[0], parsed[1]))
    rows.sort(key=lambda r: (r[2], r[1], r[0]))
    frame = pl.DataFrame(
        {
            "period": [r[0] for r in rows],
            "start": [r[1] for r in rows],
            "end": [r[2] for r in rows],
            "order": list(range(len(rows))),
        },
        schema=PERIOD_SCHEMA,
    )
    return frame, sorted(invalid)


def end_of(text: str) -> date | None:
    parsed = parse_period(text)
    return parsed[1] if parsed else None


ACCEPTED_FORMS = "YYYY, YYYY-Qn, YYYY-MM or YYYY-MM-DD"
"""The period spellings an error message lists."""


def canonical(text: str) -> str | None:
    """The canonical spelling of a period, or None when ``text`` is not a period."""
    text = text.strip()
    if not text.isascii():
        return None
    return text if parse_period(text) is not None else None


def canonical_map(texts: Iterable[str]) -> dict[str, str | None]:
    """:func:`canonical` of each distinct text (periods are parsed once per spelling)."""
    return {t: canonical(t) for t in set(texts)}
