"""The main view: one row per indicator (or, with an agency, that agency's indicators)."""

from __future__ import annotations

from typing import Any, ClassVar

import polars as pl
from textual.content import Content

from kpitui.core import numbers, views
from kpitui.core.snapshot import Snapshot
from kpitui.i18n import t
from kpitui.ui import columns as cols
from kpitui.ui import format as fmt
from kpitui.ui.glyphs import Marks
from kpitui.ui.screens.base import URGENCY, ExportContext, TableScreen
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

    def shown_name(self, r: dict[str, Any]) -> str:
        return fmt.text(r["name_en"] if self.lang == "en" and r.get("name_en") else r["name"])

    def columns(self) -> list[Column]:
        return indicator_columns(
            self.lang, self.kpi.snapshot, self.marks, self.shown_name, self.name_spans, self.full
        )

    def current_line(self, row: dict[str, Any]) -> Content:
        line = self.highlighted(self.shown_name(row))
        group = fmt.text(row.get("group_name") or "")
        if group:
            line += Content.styled(f"{self.marks.sep}{group}", "dim")
        return line

    def details_for(self, row: dict[str, Any]) -> Any:
        snap = self.kpi.snapshot
        ind = snap.definitions.indicator(row["indicator"]) if snap else None
        if ind is None or snap is None:
            return ""
        agency = self.kpi.agency_name(self.agency) if self.agency else ""
        return details(
            ind, row, self.lang, snap.definitions.group_name(ind.group), agency, self.marks
        )

    def export_context(self) -> ExportContext:
        details = self.export_details()
        if self.agency:
            details["agency"] = self.agency
        return ExportContext("agency" if self.agency else "summary", self.shown_frame(), details)

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


def indicator_columns(
    lang: str,
    snap: Snapshot | None,
    marks: Marks,
    name: Any,
    name_spans: Any,
    frame: pl.DataFrame | None = None,
) -> list[Column]:
    units = {i.id: i.unit for i in snap.definitions.indicators} if snap else {}

    def unit(r: dict[str, Any]) -> str:
        return units.get(r["indicator"], "")

    rows = (
        list(frame.select("indicator", "value", "target").iter_rows())
        if frame is not None and frame.height
        else []
    )
    value_label, target_label = t("col.value", lang), t("col.target", lang)
    value_width = cols.measure(
        (fmt.value(v, units.get(i, ""), lang) for i, v, _ in rows), value_label, 7, 18
    )
    target_width = cols.measure(
        (numbers.value(x, units.get(i, ""), lang) for i, _, x in rows), target_label, 6, 12
    )

    return [
        *cols.status_columns(lang, marks),
        Column(
            "name",
            t("col.indicator", lang),
            24,
            name,
            priority=100,
            flex=True,
            source="name",
            spans=lambda r: name_spans(name(r)),
        ),
        Column(
            "group",
            t("col.group", lang),
            14,
            lambda r: fmt.text(r.get("group_name") or ""),
            priority=25,
            yields=True,
            hide=cols.all_empty("group_name"),
        ),
        Column(
            "value",
            value_label,
            value_width,
            lambda r: fmt.value(r["value"], unit(r), lang),
            align="right",
            priority=95,
        ),
        Column(
            "target",
            target_label,
            target_width,
            lambda r: numbers.value(r["target"], unit(r), lang),
            align="right",
            priority=80,
        ),
        *cols.attainment_columns(lang, marks),
        cols.pace_column(lang, marks),
        cols.trend_column(lang, marks),
        cols.change_column(lang, unit, marks),
        Column(
            "period",
            t("col.period", lang),
            7,
            lambda r: r["period"] or "",
            priority=40,
            yields=True,
            hide=cols.one_value("period"),
        ),
        cols.missing_column(lang, priority=35),
        Column(
            "owner",
            t("col.owner", lang),
            14,
            lambda r: fmt.text(r.get("owner") or ""),
            priority=10,
            yields=True,
            hide=cols.all_empty("owner"),
        ),
    ]
