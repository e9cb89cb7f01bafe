"""`!`: the data-quality panel — every finding, errors first, in the UI language, filterable
by kind, with a jump from a row to the agency it is about (and ``Esc`` back to the panel).

Findings carry a machine ``kind`` (``num_gt_den``) and an English message; the panel shows a
label for the kind and, where the finding names an agency and an indicator, a message built
from their names. It remembers its filter and its cursor between openings.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

import polars as pl
from textual.binding import Binding, BindingType
from textual.content import Content

from kpitui.core.findings import Finding
from kpitui.core.snapshot import Snapshot
from kpitui.core.text import clean
from kpitui.i18n import t
from kpitui.ui.screens.panel import PanelScreen
from kpitui.ui.widgets.frame_table import Column, FrameTable

SCHEMA = {
    "key": pl.String,
    "severity": pl.String,
    "where": pl.String,
    "kind": pl.String,
    "message": pl.String,
    "indicator": pl.String,
    "agency": pl.String,
}
KINDS = {
    "missing_reporter": "kind.missing_reporter",
    "stale_file": "kind.stale_file",
    "num_gt_den": "kind.num_gt_den",
    "den_zero": "kind.den_zero",
    "total_mismatch": "kind.total_mismatch",
    "duplicate": "kind.duplicate",
    "unknown_agency": "kind.unknown_agency",
    "unknown_indicator": "kind.unknown_indicator",
    "bad_number": "kind.bad_number",
    "non_finite": "kind.bad_number",
    "overflow": "kind.bad_number",
    "negative_den": "kind.bad_number",
    "bad_period": "kind.bad_period",
    "no_value": "kind.no_value",
    "half_pair": "kind.no_value",
    "header": "kind.header",
    "ragged": "kind.header",
    "ignored_column": "kind.header",
    "encoding": "kind.encoding",
    "legacy_font": "kind.encoding",
    "half_written": "kind.unreadable",
    "corrupt": "kind.unreadable",
    "encrypted": "kind.unreadable",
    "xls": "kind.unreadable",
    "unreadable": "kind.unreadable",
    "hidden": "kind.unreadable",
    "no_indicators": "kind.definitions",
    "digits": "kind.bad_id",
    "reserved_agency": "kind.bad_id",
}
"""Machine kinds -> the label the panel shows (several kinds can share one)."""
WHAT = {"num_gt_den": "what.num_gt_den", "den_zero": "what.den_zero"}
"""Row findings whose words the panel says in the UI language."""
ROW_MESSAGE = re.compile(r"^'.*?' at '.*?'(?: (?P<period>\S+))?: (?P<what>.*)$")
STALE_DAYS = re.compile(r"(\d+) days")
MISSING_PERIOD = re.compile(r"no report for (\S+)")


def kind_label(kind: str, lang: str) -> str:
    key = KINDS.get(kind.split(":", 1)[0])
    if key:
        return t(key, lang)
    return t("kind.definitions" if not kind else "kind.other", lang)


class QualityScreen(PanelScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,backspace,exclamation_mark", "close", "key.back", id="quality.back"),
        Binding("enter", "open", "key.jump", id="quality.jump"),
        Binding("f", "kind", "key.kind_filter", id="quality.kind"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.kind_filter: str | None = None
        """Only this kind's label (None: all)."""
        self._keep: str | None = None
        self.all_rows = pl.DataFrame(schema=SCHEMA)

    def restore(self) -> None:
        self.kind_filter, self._keep = self.kpi.memory.get("quality", (None, None))

    def remember(self) -> None:
        # Opened again, the panel shows the same filter and the same row.
        if self._keep is None:
            self.kpi.memory["quality"] = (self.kind_filter, self.query_one(FrameTable).cursor_key)

    def refresh_rows(self) -> None:
        snap = self.kpi.snapshot
        findings = sorted(
            enumerate(snap.findings if snap else ()), key=lambda p: (not p[1].is_error, p[0])
        )
        self.all_rows = pl.DataFrame(
            [_row(f, snap, self.lang, self.marks.sep) for _, f in findings],
            schema=SCHEMA,
            orient="row",
        )
        if self.kind_filter not in set(self.all_rows["kind"].to_list()):
            self.kind_filter = None
        frame = self.all_rows
        if self.kind_filter:
            frame = frame.filter(pl.col("kind") == self.kind_filter)
        keep, self._keep = self._keep, None
        table = self.query_one(FrameTable)
        self.show_rows(frame, self.columns(), t("quality.none", self.lang))
        if keep:
            table.move_to_key(keep)

    def heading(self) -> Content:
        lang = self.lang
        rows = self.all_rows
        errors = int((rows["severity"] == "error").sum()) if rows.height else 0
        text = (
            t("quality.title", lang)
            + "  "
            + t("quality.counts", lang, errors=errors, warnings=rows.height - errors)
        )
        line = Content.styled(text, "bold")
        if self.kind_filter:
            line += Content(f"{self.marks.sep}{t('quality.only', lang, kind=self.kind_filter)}")
        return line

    def columns(self) -> list[Column]:
        lang, m = self.lang, self.marks
        return [
            Column(
                "severity",
                "",
                1,
                lambda r: m.error if r["severity"] == "error" else m.glyphs.warning,
                priority=100,
            ),
            Column("kind", t("quality.kind", lang), 18, lambda r: r["kind"], priority=60),
            Column(
                "where",
                t("quality.where", lang),
                26,
                lambda r: clean(r["where"]),
                priority=90,
                clip="start",
            ),
            Column(
                "message",
                t("quality.message", lang),
                30,
                lambda r: r["message"],
                priority=100,
                flex=True,
            ),
        ]

    def current_line(self, row: dict[str, Any]) -> Content:
        return Content(f"{clean(row['where'])}: {row['message']}")

    def action_kind(self) -> None:
        """Cycle through the kinds present (errors' first), then all."""
        kinds = list(dict.fromkeys(self.all_rows["kind"].to_list()))
        options: list[str | None] = [None, *kinds]
        i = options.index(self.kind_filter) if self.kind_filter in options else 0
        self.kind_filter = options[(i + 1) % len(options)]
        self.refresh_rows()

    def action_open(self) -> None:
        """To the breakdown of the finding's indicator, on its agency; Esc comes back here."""
        row = self.query_one(FrameTable).row()
        snap = self.kpi.snapshot
        if not row or not row["indicator"] or snap is None:
            return
        if snap.definitions.indicator(row["indicator"]) is None:
            return
        from kpitui.ui.screens.breakdown import BreakdownScreen

        agency = row["agency"]
        parent = snap.tree.parent.get(agency) if agency else None
        screen = BreakdownScreen(row["indicator"], parent or snap.tree.headline)
        if agency:
            screen.show_all = True
            screen.focus_key = agency
        self.app.push_screen(screen)


def _row(f: Finding, snap: Snapshot | None, lang: str, sep: str) -> tuple[str, ...]:
    return (
        f"{f.path}\0{f.line}\0{f.col}\0{f.place}\0{f.kind}\0{f.indicator}\0{f.agency}\0{f.message}",
        f.severity.value,
        f.location(),
        kind_label(f.kind, lang),
        message(f, snap, lang, sep),
        f.indicator or "",
        f.agency or "",
    )


def message(f: Finding, snap: Snapshot | None, lang: str, sep: str = " · ") -> str:
    """What a finding says, in the UI language where the panel knows the words: names of
    the agency and the indicator instead of their ids."""
    kind = f.kind.split(":", 1)[0]
    if f.indicator and f.agency and snap is not None:
        ind = snap.definitions.indicator(f.indicator)
        indicator = clean(ind.display_name(lang) if ind else f.indicator)
        name = snap.tree.names.get(f.agency)
        # The id too: it is what the files spell, and what the user edits.
        agency = clean(f"{name} ({f.agency})" if name and name != f.agency else f.agency)
        if kind == "missing_reporter":
            found = MISSING_PERIOD.search(f.message)
            period = found.group(1) if found else ""
            return t(
                "what.missing_reporter", lang, agency=agency, indicator=indicator, period=period
            )
        m = ROW_MESSAGE.match(f.message)
        if m:
            what = t(WHAT[kind], lang) if kind in WHAT else clean(m.group("what"))
            head = sep.join(x for x in (agency, indicator, clean(m.group("period") or "")) if x)
            return f"{head}: {what}"
    if kind == "stale_file":
        found = STALE_DAYS.search(f.message)
        if found:
            return t("what.stale_file", lang, days=found.group(1))
    return clean(f.message)
