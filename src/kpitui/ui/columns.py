"""Columns the indicator view and the breakdown share: status, attainment, pace, trend, change.

Priorities decide what a narrow terminal keeps: the glyph and the name always, then the
status word (colour is never the only signal), the value, attainment, pace, target, change;
columns that yield (bar, trend, counts, group...) give their room to the name first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import polars as pl
from rich.cells import cell_len
from rich.style import Style

from kpitui.core import numbers
from kpitui.i18n import status_word, t
from kpitui.ui import format as fmt
from kpitui.ui.glyphs import Marks
from kpitui.ui.widgets.frame_table import Column

Row = dict[str, Any]


def _status_style(r: Row) -> Style:
    return fmt.status_style(r["status"])


def status_width(lang: str) -> int:
    """The widest short status word of ``lang``."""
    return max(
        len(status_word(s, lang, short=True))
        for s in ("met", "near", "behind", "missing", "no_target")
    )


def status_columns(lang: str, marks: Marks) -> list[Column]:
    """The glyph (always kept) and the word (kept while anything but the name fits): the
    table's one consistent shortening of the status words of SPEC §10."""
    return [
        Column(
            "glyph",
            "",
            1,
            lambda r: marks.glyphs.status.get(r["status"], "?"),
            _status_style,
            priority=100,
        ),
        Column(
            "status",
            "",
            status_width(lang),
            lambda r: status_word(r["status"], lang, short=True),
            _status_style,
            priority=98,
        ),
    ]


def attainment_columns(lang: str, marks: Marks) -> list[Column]:
    """Attainment as a percentage, and a small bar, full at 100 % and only then."""
    return [
        Column(
            "attainment",
            t("col.attainment", lang),
            6,
            lambda r: numbers.attainment(r["attainment"], lang),
            _status_style,
            align="right",
            priority=90,
        ),
        Column(
            "bar",
            "",
            5,
            lambda r: fmt.bar(r["attainment"], r["status"], marks.glyphs),
            _status_style,
            priority=55,
            yields=True,
        ),
    ]


def pace_column(lang: str, marks: Marks) -> Column:
    """On pace / behind pace, and the warning sign when projected to miss the target."""

    def style(r: Row) -> Style | None:
        return fmt.verdict_style(fmt.pace_good(r.get("on_track"), r.get("will_meet")))

    return Column(
        "pace",
        t("col.pace", lang),
        4,
        lambda r: fmt.pace(r.get("on_track"), r.get("will_meet"), marks.glyphs),
        style,
        priority=85,
    )


def trend_column(lang: str, marks: Marks) -> Column:
    return Column(
        "trend",
        t("col.trend", lang),
        8,
        lambda r: fmt.sparkline(r.get("history"), marks.glyphs),
        priority=45,
        yields=True,
    )


def change_column(lang: str, unit: Callable[[Row], str], marks: Marks) -> Column:
    """The change since the previous period, coloured good or bad by the indicator's
    direction (a rise of late dossiers is bad news)."""

    def style(r: Row) -> Style | None:
        return fmt.verdict_style(fmt.better(r.get("change"), r.get("direction")))

    return Column(
        "change",
        marks.delta,
        7,
        lambda r: fmt.change(r["change"], unit(r), lang, marks.glyphs),
        style,
        align="right",
        priority=70,
    )


def missing_column(lang: str, priority: int) -> Column:
    return Column(
        "missing",
        t("col.missing", lang),
        5,
        lambda r: str(r["missing_reporters"] or ""),
        align="right",
        priority=priority,
        yields=True,
        hide=lambda f: (
            not ("missing_reporters" in f.columns and f["missing_reporters"].fill_null(0).max())
        ),
    )


SAMPLE = 200
"""Values measured for a column's width: the largest in magnitude (the longest numbers)."""


def measure(texts: Iterable[str], label: str, minimum: int = 4, maximum: int = 20) -> int:
    """Cells for the longest of ``texts`` and the heading, within [minimum, maximum]."""
    longest = max((cell_len(x) for x in texts), default=0)
    return max(minimum, min(maximum, max(longest, cell_len(label))))


def largest(frame: pl.DataFrame, column: str, *others: str) -> pl.DataFrame:
    """The rows of ``frame`` with the largest ``column`` in magnitude (at most SAMPLE)."""
    if column not in frame.columns or not frame.height:
        return frame.clear()
    if frame.height <= SAMPLE:
        return frame.select(column, *others)
    return (
        frame.select(column, *others)
        .filter(pl.col(column).is_not_null())
        .sort(pl.col(column).abs(), descending=True)
        .head(SAMPLE)
    )


def all_empty(column: str) -> Callable[[pl.DataFrame], bool]:
    """A column with nothing in it for this frame."""

    def hide(frame: pl.DataFrame) -> bool:
        if column not in frame.columns:
            return True
        series = frame.get_column(column)
        if series.dtype == pl.String:
            return bool((series.fill_null("") == "").all())
        return series.null_count() == frame.height

    return hide


def one_value(column: str) -> Callable[[pl.DataFrame], bool]:
    """A column whose every row says the same (the header says it once)."""

    def hide(frame: pl.DataFrame) -> bool:
        return column not in frame.columns or frame.get_column(column).n_unique() <= 1

    return hide
