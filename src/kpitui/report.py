"""`kpitui show`: the summary or a breakdown as a table on stdout.

On a terminal it is a Rich table coloured by status; piped, it is plain aligned text with no
escape sequences, so it can go to a file, ``grep`` or an e-mail. Both read the same view and
speak as the exports do: the status words of SPEC §10 after their glyph (ASCII ones when the
terminal cannot show ✓ ✗), units beside values, periods in the UI language.
"""

from __future__ import annotations

import sys
from typing import IO

import polars as pl

from kpitui.core import numbers
from kpitui.core.export.document import agency_label, period_label, rank_label
from kpitui.core.i18n import status_word, t
from kpitui.core.snapshot import Snapshot
from kpitui.core.text import clean
from kpitui.palette import STATUS_COLOURS, UNICODE, GlyphSet

NUMBERS = frozenset({3, 4, 5, 6, 7, 8, 9})
"""Columns of numbers, aligned right: value, target (or numerator / denominator),
attainment, change, same period last year, change on last year, shortfall (summary), and
in a breakdown the rank and the shortfall (:data:`BREAKDOWN_NUMBERS`)."""
BREAKDOWN_NUMBERS = NUMBERS | {10}
COLOURED = frozenset({0, 5})
"""The status and attainment cells take the status colour."""
WRAPPED = 2
"""The name column may wrap on a terminal; the others never do."""


class Headers(list[str]):
    """Column headings, and which columns hold numbers (aligned right)."""

    def __init__(self, headings: list[str], numbers: frozenset[int] = NUMBERS) -> None:
        super().__init__(headings)
        self.numbers = numbers


Table = tuple[list[str], list[list[str]], list[str]]


def status_cell(status: str, lang: str, marks: GlyphSet = UNICODE) -> str:
    """The glyph and the status word, as on every surface."""
    return f"{marks.status.get(status, '?')} {status_word(status, lang)}"


def shortfall_cell(x: float | None, unit: str, lang: str) -> str:
    """A shortfall in counts (``unit`` "": accounts still to activate) or in the value's unit."""
    if x is None:
        return ""
    return numbers.number(x, lang) if not unit else numbers.with_unit(x, unit, lang)


def summary_rows(frame: pl.DataFrame, lang: str, marks: GlyphSet = UNICODE) -> Table:
    headers = Headers(
        [
            t("col.status", lang),
            "ID",
            t("col.indicator", lang),
            t("col.value", lang),
            t("col.target", lang),
            t("col.attainment", lang),
            t("col.change", lang),
            t("col.last_year", lang),
            t("col.yoy", lang),
            t("col.shortfall", lang),
            t("col.period", lang),
        ]
    )
    rows = []
    statuses = []
    for r in frame.iter_rows(named=True):
        unit = r.get("unit") or ""
        name = r.get("name_en") if lang == "en" and r.get("name_en") else r.get("name")
        rows.append(
            [
                status_cell(r["status"], lang, marks),
                clean(r["indicator"]),
                clean(name or ""),
                numbers.with_unit(r["value"], unit, lang),
                numbers.with_unit(r["target"], unit, lang),
                numbers.attainment(r["attainment"], lang),
                numbers.change_with_unit(r["change"], unit, lang),
                numbers.with_unit(r.get("last_year"), unit, lang),
                numbers.change_with_unit(r.get("yoy_change"), unit, lang),
                shortfall_cell(r.get("shortfall"), r.get("shortfall_unit") or "", lang),
                period_label(r["period"], lang),
            ]
        )
        statuses.append(r["status"])
    return headers, rows, statuses


def breakdown_rows(
    snap: Snapshot, frame: pl.DataFrame, lang: str, marks: GlyphSet = UNICODE
) -> Table:
    unit = ""
    if frame.height:
        unit = frame.get_column("unit")[0] or ""
    headers = Headers(
        [
            t("col.status", lang),
            "ID",
            t("col.agency", lang),
            t("col.value", lang),
            t("col.fraction", lang),
            t("col.attainment", lang),
            t("col.change", lang),
            t("col.last_year", lang),
            t("col.yoy", lang),
            t("col.rank", lang),
            t("col.shortfall", lang),
            t("col.note", lang),
        ],
        BREAKDOWN_NUMBERS,
    )
    top = frame.get_column("depth").min() if frame.height else None
    top_depth = int(top) if isinstance(top, int | float) else 0
    names = snap.tree.names
    rows = []
    statuses = []
    for r in frame.iter_rows(named=True):
        indent = "  " * max(0, (r.get("depth") or 0) - top_depth)
        name = clean(names.get(r["agency"], r["agency"]) or t("all_agencies", lang))
        rows.append(
            [
                status_cell(r["status"], lang, marks),
                clean(r["agency"]),
                indent + agency_label(name, r.get("until"), lang),
                numbers.with_unit(r["value"], unit, lang),
                numbers.fraction(r["numerator"], r["denominator"], lang),
                numbers.attainment(r["attainment"], lang),
                numbers.change_with_unit(r["change"], unit, lang),
                numbers.with_unit(r.get("last_year"), unit, lang),
                numbers.change_with_unit(r.get("yoy_change"), unit, lang),
                rank_label(r.get("rank"), r.get("rank_of")),
                shortfall_cell(r.get("shortfall"), r.get("shortfall_unit") or "", lang),
                clean(r.get("note") or ""),
            ]
        )
        statuses.append(r["status"])
    return headers, rows, statuses


def plain(headers: list[str], rows: list[list[str]]) -> str:
    """Aligned columns, two spaces apart, no escape sequences."""
    from rich.cells import cell_len

    widths = [max([cell_len(h)] + [cell_len(r[i]) for r in rows]) for i, h in enumerate(headers)]
    right = getattr(headers, "numbers", NUMBERS)

    def line(cells: list[str]) -> str:
        parts = []
        for i, c in enumerate(cells):
            pad = " " * (widths[i] - cell_len(c))
            parts.append(pad + c if i in right else c + pad)
        return "  ".join(parts).rstrip()

    return "\n".join([line(headers), *(line(r) for r in rows)]) + "\n"


def print_table(
    title: str,
    headers: list[str],
    rows: list[list[str]],
    statuses: list[str],
    out: IO[str] | None = None,
    terminal: bool | None = None,
) -> None:
    out = out or sys.stdout
    terminal = out.isatty() if terminal is None else terminal
    if not terminal:
        if title:
            out.write(clean(title) + "\n\n")
        out.write(plain(headers, rows))
        return
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(title=Text(clean(title)) if title else None, header_style="bold", expand=False)
    right = getattr(headers, "numbers", NUMBERS)
    for i, h in enumerate(headers):
        table.add_column(Text(h), justify="right" if i in right else "left", no_wrap=i != WRAPPED)
    for cells, status in zip(rows, statuses, strict=True):
        colour = STATUS_COLOURS.get(status, "")
        table.add_row(
            *[Text(c, style=colour if i in COLOURED else "") for i, c in enumerate(cells)]
        )
    Console(file=out, highlight=False).print(table)
