"""The main view: one row per indicator (or, with an agency, that agency's indicators)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import polars as pl

from kpitui.core import views
from kpitui.core.snapshot import Snapshot
from kpitui.i18n import t
from kpitui.ui import columns as cols
from kpitui.ui import format as fmt
from kpitui.ui.screens.base import URGENCY, TableScreen
from kpitui.ui.widgets.details import details
from kpitui.ui.widgets.frame_table import Column, FrameTable


def _status_rank() -> list[pl.Expr]:
    return [
        pl.col("status").replace_strict(URGENCY, default=9, return_dtype=pl.Int8),
        pl.col("attainment"),
    ]


class IndicatorScreen(TableScreen):
    """Indicators at the headline agency, or at ``agency`` (the agency view)."""

    key_column = "indicator"
    sort_options: ClassVar = [
        ("sort.default", lambda: []),
        ("sort.status", _status_rank),
        ("sort.attainment", lambda: [pl.col("attainment")]),
        ("sort.change", lambda: [pl.col("change")]),
        ("sort.name", lambda: [pl.col("_fold")]),
        ("sort.group", lambda: [pl.col("group"), pl.col("ind_order")]),
    ]

    def __init__(self, agency: str | None = None) -> None:
        super().__init__()
        self.agency = agency

    def compute(self, snap: Snapshot, as_of: str | None) -> pl.DataFrame:
        return views.summary(snap, as_of=as_of, agency=self.agency)

    def search_fields(self) -> list[str]:
        return ["name", "name_en", "indicator", "group_name", "owner"]

    def crumbs(self) -> list[str]:
        out = [t("app.title", self.lang)]
        snap = self.kpi.snapshot
        if self.agency and snap:
            out.append(self.kpi.agency_name(self.agency))
        return out

    def columns(self) -> list[Column]:
        lang = self.lang
        return indicator_columns(lang, self.kpi.snapshot)

    def details_for(self, row: dict[str, Any]) -> Any:
        snap = self.kpi.snapshot
        ind = snap.definitions.indicator(row["indicator"]) if snap else None
        if ind is None:
            return ""
        agency = self.kpi.agency_name(self.agency) if self.agency else ""
        return details(ind, row, self.lang, snap.definitions.group_name(ind.group), agency)  # type: ignore[union-attr]

    def on_frame_table_selected(self, message: FrameTable.Selected) -> None:
        self.action_open()

    def action_open(self) -> None:
        key = self.query_one(FrameTable).cursor_key
        snap = self.kpi.snapshot
        if key is None or snap is None:
            return
        parent = self.agency or snap.tree.headline
        if not snap.tree.children.get(parent):
            self.notify(
                t("msg.no_children", self.lang, name=self.kpi.agency_name(parent)), markup=False
            )
            return
        from kpitui.ui.screens.breakdown import BreakdownScreen

        self.app.push_screen(BreakdownScreen(key, parent))


def indicator_columns(lang: str, snap: Snapshot | None) -> list[Column]:
    units = {i.id: i.unit for i in snap.definitions.indicators} if snap else {}

    def unit(r: dict[str, Any]) -> str:
        return units.get(r["indicator"], "")

    def name(r: dict[str, Any]) -> str:
        return fmt.text(r["name_en"] if lang == "en" and r.get("name_en") else r["name"])

    def value(key: str) -> Callable[[dict[str, Any]], str]:
        return lambda r: fmt.value(r[key], unit(r), lang)

    return [
        *cols.status_columns(lang),
        Column("name", t("col.indicator", lang), 30, name, priority=100, flex=True),
        Column(
            "group",
            t("col.group", lang),
            12,
            lambda r: fmt.text(r.get("group_name") or ""),
            priority=25,
        ),
        Column("value", t("col.value", lang), 10, value("value"), align="right", priority=95),
        Column("target", t("col.target", lang), 9, value("target"), align="right", priority=80),
        *cols.attainment_columns(lang),
        Column("pace", t("col.pace", lang), 4, pace_cell, priority=60),
        cols.trend_column(lang),
        cols.change_column(lang, unit),
        Column("period", t("col.period", lang), 7, lambda r: r["period"] or "", priority=55),
        cols.missing_column(lang, priority=35),
        Column(
            "owner", t("col.owner", lang), 14, lambda r: fmt.text(r.get("owner") or ""), priority=10
        ),
    ]


def pace_cell(r: dict[str, Any]) -> str:
    """✓ on pace / ✗ behind pace, and ⚠ when projected to miss the target."""
    mark = {True: "✓", False: "✗"}.get(r.get("on_track"), " ")  # type: ignore[arg-type]
    if r.get("will_meet") is False:
        mark += "⚠"
    return mark
