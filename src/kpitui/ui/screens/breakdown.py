"""The breakdown of one indicator by agency: the children of an agency, one level at a time."""

from __future__ import annotations

from typing import Any, ClassVar

import polars as pl
from textual.binding import Binding, BindingType
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
        """The agency whose children are listed."""
        self.show_all = False
        """Also the agencies that never reported the indicator (``h``)."""

    def compute(self, snap: Snapshot, as_of: str | None) -> pl.DataFrame:
        frame = views.breakdown(snap, self.indicator, self.under, as_of=as_of)
        has_children = [
            bool(snap.tree.children.get(a)) for a in frame.get_column("agency").to_list()
        ]
        return frame.with_columns(
            children=pl.Series(has_children, dtype=pl.Boolean),
            agency_name=pl.col("agency_name").fill_null(pl.col("agency")),
            # Agencies that never reported this indicator would only add noise (``h``).
            _silent=(
                (pl.col("history").list.drop_nulls().list.len() == 0)
                & pl.col("value").is_null()
                & (pl.col("missing_reporters").fill_null(0) == 0)
            ),
        )

    def base(self) -> pl.DataFrame:
        if self.show_all or not self.full.height:
            return self.full
        return self.full.filter(~pl.col("_silent"))

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

    def unit(self) -> str:
        snap = self.kpi.snapshot
        ind = snap.definitions.indicator(self.indicator) if snap else None
        return ind.unit if ind else ""

    def columns(self) -> list[Column]:
        return breakdown_columns(self.lang, self.unit(), self.marks, self.name_spans, self.full)

    def empty_text(self) -> str:
        hidden = self.full.height - self.base().height
        if hidden and not self.base().height:
            return (
                t("msg.empty_breakdown", self.lang)
                + "\n"
                + t("msg.show_hidden", self.lang, n=hidden, keys=self.hidden_key())
            )
        if not self.full.height:
            return t("msg.no_agencies", self.lang)
        return t("msg.empty", self.lang)

    def current_line(self, row: dict[str, Any]) -> Content:
        line = self.highlighted(fmt.text(row["agency_name"]))
        note = fmt.text(row.get("note") or "")
        if note:
            line += Content.styled(f"{self.marks.sep}{note}", "italic")
        return line

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
            self.marks,
        )

    def export_context(self) -> ExportContext:
        details = self.export_details()
        details.update(indicator=self.indicator, agency=self.under)
        frame = self.shown_frame().drop("children", "_silent", strict=False)
        return ExportContext("breakdown", frame, details)

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

    def hidden_key(self) -> str:
        """The key that shows the hidden agencies (``h``, or what the user remapped it to)."""
        for active in self.active_bindings.values():
            if active.binding.action == "all_rows":
                return self.app.get_key_display(active.binding)
        return "h"

    def action_all_rows(self) -> None:
        self.show_all = not self.show_all
        self.apply()


def breakdown_columns(
    lang: str, unit: str, marks: Marks, name_spans: Any, frame: pl.DataFrame | None = None
) -> list[Column]:
    def name(r: dict[str, Any]) -> str:
        return fmt.text(r["agency_name"]) + (f" {marks.child}" if r.get("children") else "")

    def fraction(r: dict[str, Any]) -> str:
        return numbers.fraction(r["numerator"], r["denominator"], lang)

    values = cols.largest(frame, "value") if frame is not None else pl.DataFrame()
    value_label = t("col.value", lang)
    value_width = cols.measure(
        (fmt.value(v, unit, lang) for v in (values["value"] if values.height else [])),
        value_label,
        7,
        20,
    )
    return [
        *cols.status_columns(lang, marks),
        Column(
            "name",
            t("col.agency", lang),
            20,
            name,
            priority=100,
            flex=True,
            source="agency_name",
            spans=lambda r: name_spans(fmt.text(r["agency_name"])),
        ),
        Column(
            "value",
            value_label,
            value_width,
            lambda r: fmt.value(r["value"], unit, lang),
            align="right",
            priority=95,
        ),
        Column(
            "fraction",
            t("col.fraction", lang),
            19,
            fraction,
            align="right",
            priority=52,
            yields=True,
            hide=cols.all_empty("denominator"),
        ),
        *cols.attainment_columns(lang, marks),
        cols.change_column(lang, lambda r: unit, marks),
        cols.trend_column(lang, marks),
        cols.missing_column(lang, priority=60),
        Column(
            "note",
            t("col.note", lang),
            16,
            lambda r: fmt.text(r.get("note") or ""),
            priority=30,
            yields=True,
            hide=cols.all_empty("note"),
        ),
    ]
