"""Columns the indicator view and the breakdown share: status, attainment, trend, change."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kpitui.core import numbers
from kpitui.i18n import t
from kpitui.ui import format as fmt
from kpitui.ui.widgets.frame_table import Column

Row = dict[str, Any]


def _status_style(r: Row) -> Any:
    return fmt.status_style(r["status"])


def status_columns(lang: str) -> list[Column]:
    """The glyph (always kept: colour is never the only signal) and the word."""
    return [
        Column(
            "glyph",
            "",
            1,
            lambda r: fmt.status_cell(r["status"], lang, word=False),
            _status_style,
            priority=100,
        ),
        Column(
            "status",
            "",
            9,
            lambda r: fmt.short_status(r["status"], lang),
            _status_style,
            priority=65,
        ),
    ]


def attainment_columns(lang: str) -> list[Column]:
    """Attainment as a percentage, and a small bar full at 100 %."""
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
        Column("bar", "", 5, lambda r: fmt.bar(r["attainment"]), _status_style, priority=50),
    ]


def trend_column(lang: str) -> Column:
    return Column(
        "trend", t("col.trend", lang), 8, lambda r: fmt.sparkline(r.get("history")), priority=45
    )


def change_column(lang: str, unit: Callable[[Row], str]) -> Column:
    return Column(
        "change",
        t("col.change", lang),
        7,
        lambda r: fmt.change(r["change"], unit(r), lang),
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
    )
