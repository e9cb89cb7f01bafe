"""The breakdown of one indicator by agency: the children of an agency, one level at a time."""

from __future__ import annotations

from typing import Any, ClassVar

import polars as pl
from textual.binding import Binding, BindingType

from kpitui.core import numbers, views
from kpitui.core.snapshot import Snapshot
from kpitui.i18n import t
from kpitui.ui import columns as cols
from kpitui.ui import format as fmt
from kpitui.ui.screens.base import URGENCY, TableScreen
from kpitui.ui.widgets.details import details
from kpitui.ui.widgets.frame_table import Column, FrameTable


class BreakdownScreen(TableScreen):
    """Indicator ``indicator`` for each child of agency ``parent``."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "agency", "key.agency", id="breakdown.agency"),
        Binding("h", "all_rows", "key.all_rows", show=False, id="breakdown.all_rows"),
    ]
    key_column = "agency"
    sort_options: ClassVar = [
        ("sort.default", lambda: []),
        (
            "sort.status",
            lambda: [
                pl.col("status").replace_strict(URGENCY, default=9, return_dtype=pl.Int8),
                pl.col("attainment"),
            ],
        ),
        ("sort.attainment", lambda: [pl.col("attainment")]),
        ("sort.value", lambda: [pl.col("value")]),
        ("sort.change", lambda: [pl.col("change")]),
        ("sort.missing", lambda: [pl.col("missing_reporters")]),
        ("sort.name", lambda: [pl.col("_fold")]),
    ]

    def __init__(self, indicator: str, parent: str) -> None:
        super().__init__()
        self.indicator = indicator
        self.under = parent
        self.show_all = False

    def compute(self, snap: Snapshot, as_of: str | None) -> pl.DataFrame:
        frame = views.breakdown(snap, self.indicator, self.under, as_of=as_of)
        has_children = [
            bool(snap.tree.children.get(a)) for a in frame.get_column("agency").to_list()
        ]
        frame = frame.with_columns(
            children=pl.Series(has_children, dtype=pl.Boolean),
            agency_name=pl.col("agency_name").fill_null(pl.col("agency")),
        )
        if not self.show_all:
            # Agencies that never reported this indicator would only add noise.
            frame = frame.filter(
                (pl.col("history").list.drop_nulls().list.len() > 0)
                | pl.col("value").is_not_null()
                | (pl.col("missing_reporters").fill_null(0) > 0)
            )
        return frame

    def search_fields(self) -> list[str]:
        return ["agency_name", "agency", "note"]

    def crumbs(self) -> list[str]:
        snap = self.kpi.snapshot
        out = [t("app.title", self.lang)]
        if snap is None:
            return out
        ind = snap.definitions.indicator(self.indicator)
        out.append(ind.display_name(self.lang) if ind else self.indicator)
        out.extend(self.kpi.agency_name(a) for a in snap.tree.path(self.under))
        return out

    def columns(self) -> list[Column]:
        snap = self.kpi.snapshot
        ind = snap.definitions.indicator(self.indicator) if snap else None
        return breakdown_columns(self.lang, ind.unit if ind else "")

    def apply(self) -> None:
        super().apply()
        self.query_one(FrameTable).empty_text = t("msg.empty_breakdown", self.lang)

    def details_for(self, row: dict[str, Any]) -> Any:
        snap = self.kpi.snapshot
        ind = snap.definitions.indicator(self.indicator) if snap else None
        if ind is None or snap is None:
            return ""
        return details(
            ind,
            row,
            self.lang,
            snap.definitions.group_name(ind.group),
            self.kpi.agency_name(row["agency"]),
        )

    def on_frame_table_selected(self, message: FrameTable.Selected) -> None:
        self.action_open()

    def action_open(self) -> None:
        key = self.query_one(FrameTable).cursor_key
        snap = self.kpi.snapshot
        if key is None or snap is None:
            return
        if not snap.tree.children.get(key):
            self.notify(
                t("msg.no_children", self.lang, name=self.kpi.agency_name(key)), markup=False
            )
            return
        self.app.push_screen(BreakdownScreen(self.indicator, key))

    def action_agency(self) -> None:
        key = self.query_one(FrameTable).cursor_key
        if key is not None:
            from kpitui.ui.screens.dashboard import IndicatorScreen

            self.app.push_screen(IndicatorScreen(agency=key))

    def action_all_rows(self) -> None:
        self.show_all = not self.show_all
        self.recompute()


def breakdown_columns(lang: str, unit: str) -> list[Column]:
    def name(r: dict[str, Any]) -> str:
        return fmt.text(r["agency_name"]) + (" ▸" if r.get("children") else "")

    def fraction(r: dict[str, Any]) -> str:
        return numbers.fraction(r["numerator"], r["denominator"], lang)

    return [
        *cols.status_columns(lang),
        Column("name", t("col.agency", lang), 20, name, priority=100, flex=True),
        Column(
            "value",
            t("col.value", lang),
            11,
            lambda r: fmt.value(r["value"], unit, lang),
            align="right",
            priority=95,
        ),
        Column("fraction", t("col.fraction", lang), 19, fraction, align="right", priority=52),
        *cols.attainment_columns(lang),
        cols.change_column(lang, lambda r: unit),
        cols.trend_column(lang),
        cols.missing_column(lang, priority=60),
        Column(
            "note", t("col.note", lang), 16, lambda r: fmt.text(r.get("note") or ""), priority=30
        ),
    ]
