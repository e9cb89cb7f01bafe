"""`n`: who has not reported ("chưa báo cáo") — one row per agency that owes a report in the
period on screen (SPEC §4.4 missing reporters), with its name, the agency above it and the
indicators it has not reported. It follows ``[`` and ``]``; ``Enter`` opens the agency's
indicators.
"""

from __future__ import annotations

from typing import Any, ClassVar

import polars as pl
from textual import work
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.worker import get_current_worker

from kpitui.core.model import ALL_AGENCIES
from kpitui.core.periods import end_of
from kpitui.core.reporters import missing_reporter_list
from kpitui.core.snapshot import Snapshot
from kpitui.core.text import clean
from kpitui.i18n import t
from kpitui.ui.screens.panel import PanelScreen
from kpitui.ui.widgets.frame_table import Column, FrameTable

SCHEMA = {
    "agency": pl.String,
    "agency_name": pl.String,
    "parent_name": pl.String,
    "count": pl.UInt32,
    "indicators": pl.String,
    "periods": pl.String,
}


def not_reported(snap: Snapshot, as_of: str | None, lang: str, joiner: str = "; ") -> pl.DataFrame:
    """One row per agency that has not reported an indicator it reported earlier in the
    target period, as of ``as_of``, in the order of the agency tree."""
    ip = snap.indicator_periods.lazy()
    if as_of is not None:
        ip = ip.filter(pl.col("end") <= end_of(as_of))
    current = ip.group_by("indicator").agg(pl.col("order").max().alias("cur_order")).collect()
    pairs = missing_reporter_list(
        snap.definitions, snap.tree, snap.periods, snap.reporters, current
    )
    if not pairs:
        return pl.DataFrame(schema=SCHEMA)
    tree = snap.tree
    names = {i.id: i.display_name(lang) for i in snap.definitions.indicators}
    ind_order = {i.id: n for n, i in enumerate(snap.definitions.indicators)}
    period_of = dict(
        current.join(
            snap.periods.select(pl.col("order").alias("cur_order"), "period"), on="cur_order"
        )
        .select("indicator", "period")
        .iter_rows()
    )
    by_agency: dict[str, list[str]] = {}
    for indicator, agency in pairs:
        by_agency.setdefault(agency, []).append(indicator)
    order = {a: n for n, a in enumerate(tree.subtree(tree.headline))}
    rows = []
    for agency in sorted(by_agency, key=lambda a: order.get(a, len(order))):
        indicators = sorted(set(by_agency[agency]), key=lambda i: ind_order.get(i, 0))
        parent = tree.parent.get(agency)
        if parent == ALL_AGENCIES:  # the virtual agency above several roots
            parent = None
        rows.append(
            (
                agency,
                clean(tree.names.get(agency) or agency),
                clean(tree.names.get(parent) or parent or "") if parent else "",
                len(indicators),
                joiner.join(clean(names.get(i, i)) for i in indicators),
                ", ".join(sorted({period_of.get(i, "") for i in indicators} - {""})),
            )
        )
    return pl.DataFrame(rows, schema=SCHEMA, orient="row")


class MissingScreen(PanelScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,backspace,n", "close", "key.back", id="missing.back"),
        Binding("enter", "open", "key.agency", id="missing.open"),
    ]
    key_column = "agency"
    follows_period = True

    def __init__(self) -> None:
        super().__init__()
        self.frame = pl.DataFrame(schema=SCHEMA)

    def refresh_rows(self) -> None:
        snap = self.kpi.snapshot
        if snap is not None:
            self._compute(snap, self.kpi.as_of, self.lang)

    @work(thread=True, exclusive=True, group="missing", exit_on_error=False)
    def _compute(self, snap: Snapshot, as_of: str | None, lang: str) -> None:
        worker = get_current_worker()
        try:
            frame = not_reported(snap, as_of, lang)
        except BaseException as exc:  # an error here must never cost the app
            if isinstance(exc, KeyboardInterrupt | SystemExit):
                raise
            if not worker.is_cancelled:
                self.app.call_from_thread(
                    self.notify,
                    t("msg.view_failed", lang, error=clean(str(exc))[:160]),
                    severity="error",
                    markup=False,
                )
            return
        if not worker.is_cancelled:
            self.app.call_from_thread(self._show, frame)

    def _show(self, frame: pl.DataFrame) -> None:
        if self.is_mounted:
            self.frame = frame
            self.show_rows(frame, self.columns(), t("missing.none", self.lang))

    def heading(self) -> Content:
        lang = self.lang
        frame = self.frame
        snap = self.kpi.snapshot
        periods = snap.period_list() if snap else []
        period = self.kpi.as_of or (periods[-1] if periods else self.marks.dash)
        reports = int(frame["count"].sum()) if frame.height else 0
        line = Content.styled(t("missing.title", lang, period=period), "bold") + Content(
            "  " + t("missing.counts", lang, agencies=frame.height, reports=reports)
        )
        if self.kpi.as_of:
            line += Content("  ") + Content.styled(
                f"{self.marks.past} {t('bar.past', lang)}", "bold reverse"
            )
        return line

    def columns(self) -> list[Column]:
        lang = self.lang
        return [
            Column("name", t("col.agency", lang), 24, lambda r: r["agency_name"], priority=100),
            Column("parent", t("missing.under", lang), 18, lambda r: r["parent_name"], priority=50),
            Column(
                "count",
                t("missing.count", lang),
                5,
                lambda r: str(r["count"]),
                align="right",
                priority=90,
            ),
            Column(
                "indicators",
                t("missing.indicators", lang),
                20,
                lambda r: r["indicators"],
                priority=80,
                flex=True,
            ),
        ]

    def current_line(self, row: dict[str, Any]) -> Content:
        return Content.styled(row["agency_name"], "bold") + Content(
            f"{self.marks.sep}{row['indicators']}"
        )

    def action_open(self) -> None:
        key = self.query_one(FrameTable).cursor_key
        if key is not None:
            from kpitui.ui.screens.dashboard import IndicatorScreen

            self.app.push_screen(IndicatorScreen(agency=key))
