"""The details panel of the selected row: definition, formula, pace and a history chart."""

from __future__ import annotations

from datetime import date
from typing import Any

from rich.console import Group
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from kpitui.core import numbers
from kpitui.core.model import Indicator
from kpitui.core.pace import expected_at
from kpitui.core.periods import end_of
from kpitui.core.text import clean
from kpitui.i18n import t
from kpitui.palette import STATUS_COLOURS
from kpitui.ui import format as fmt
from kpitui.ui.glyphs import UNICODE_MARKS, Marks
from kpitui.ui.widgets.chart import history_chart


class DetailsPanel(VerticalScroll, can_focus=False):
    """Hidden unless the app has the ``-show-details`` class (``d``); beside the table on a
    wide screen, below it on a narrow one (``app.tcss``)."""

    DEFAULT_CSS = """
    DetailsPanel { width: 44%; min-width: 36; border-left: tall $panel; padding: 0 1; display: none; }
    """

    def compose(self):  # type: ignore[no-untyped-def]
        yield Static(id="details-body")

    content: Any = ""
    """What the panel shows now (a Rich renderable)."""

    def show(self, renderable: Any) -> None:
        self.content = renderable
        self.query_one("#details-body", Static).update(renderable)


def _row(table: Table, label: str, value: str | Text) -> None:
    if value:
        table.add_row(Text(label, style="dim"), value if isinstance(value, Text) else Text(value))


def details(
    indicator: Indicator,
    row: dict[str, Any],
    lang: str,
    group_name: str = "",
    agency_name: str = "",
    marks: Marks = UNICODE_MARKS,
) -> Group:
    """What the panel shows for one (indicator, agency) row of a view."""
    unit = indicator.unit
    status = row.get("status") or "missing"
    title = Text(clean(indicator.display_name(lang)), style="bold")
    sub = marks.sep.join(
        x
        for x in (
            indicator.id,
            clean(group_name),
            clean(unit),
            t(f"details.direction_{indicator.direction.value}", lang),
            t(f"aggregate.{indicator.aggregate.value}", lang),
        )
        if x
    )
    table = Table.grid(padding=(0, 1))
    table.add_column(no_wrap=True)
    table.add_column()
    if agency_name:
        _row(table, t("col.agency", lang), clean(agency_name))
    value = numbers.with_unit(row.get("value"), unit, lang)
    status_text = Text(
        fmt.status_cell(status, lang, marks.glyphs), style=Style(color=STATUS_COLOURS.get(status))
    )
    _row(
        table,
        t("col.value", lang),
        Text(f"{value}  ({row.get('period') or marks.dash})  ") + status_text,
    )
    if row.get("numerator") is not None and row.get("denominator") is not None:
        formula = numbers.fraction(row["numerator"], row["denominator"], lang)
        if indicator.scale != 100 or unit != "%":
            formula = f"{numbers.number(indicator.scale, lang)} {marks.times} {formula}"
        _row(table, t("details.formula", lang), f"{formula} = {value}")
    if indicator.target is not None:
        target = numbers.with_unit(indicator.target, unit, lang)
        deadline = fmt.day(indicator.deadline, lang)
        line = f"{target}" + (
            f" {marks.dash} {t('details.deadline', lang).lower()} {deadline}" if deadline else ""
        )
        if row.get("attainment") is not None:
            line += f"   {t('col.attainment', lang)} {numbers.attainment(row['attainment'], lang)}"
        _row(table, t("details.target", lang), line)
    _row(table, t("details.pace", lang), pace_text(row, unit, lang, indicator.deadline, marks))
    if row.get("missing_reporters"):
        _row(table, t("details.missing", lang), str(row["missing_reporters"]))
    if row.get("note"):
        _row(table, t("details.note", lang), clean(row["note"]))
    _row(table, t("details.owner", lang), clean(indicator.owner or ""))
    _row(table, t("details.source", lang), clean(indicator.source or ""))
    parts: list[Any] = [title, Text(sub, style="dim"), table]
    if indicator.description:
        parts.append(Text(clean(indicator.description), style="italic"))
    history = row.get("history") or []
    if history:
        periods = row.get("history_periods") or []
        ends = [end_of(p) for p in periods]
        expected = [
            expected_at(
                e,
                row.get("anchor_end"),
                row.get("anchor_value"),
                indicator.target,
                indicator.deadline,
            )
            if e
            else None
            for e in ends
        ]
        parts.append(Text(t("details.history", lang), style="bold"))
        parts.extend(
            history_chart(
                history,
                periods,
                indicator.target,
                expected,
                row.get("projected"),
                unit,
                lang,
                bar_style=Style(color=STATUS_COLOURS.get(status)),
                target_style=Style(dim=True),
                marks=marks,
            )
        )
    return Group(*parts)


def pace_text(
    row: dict[str, Any], unit: str, lang: str, deadline: date | None, marks: Marks = UNICODE_MARKS
) -> str:
    parts = []
    if row.get("expected") is not None:
        parts.append(f"{t('pace.expected', lang)} {numbers.with_unit(row['expected'], unit, lang)}")
    if row.get("on_track") is True:
        parts.append(f"{marks.glyphs.status['met']} " + t("pace.on_track", lang))
    elif row.get("on_track") is False:
        parts.append(f"{marks.glyphs.status['behind']} " + t("pace.off_track", lang))
    if row.get("projected") is not None and deadline is not None:
        verdict = t("pace.will_meet", lang) if row.get("will_meet") else t("pace.will_miss", lang)
        parts.append(
            f"{t('pace.projected', lang, date=fmt.day(deadline, lang))}: "
            f"{numbers.with_unit(row['projected'], unit, lang)} ({verdict})"
        )
    needed = row.get("needed_per_month")
    if needed is not None and row.get("status") != "met" and deadline is not None:
        amount = numbers.change_with_unit(needed, unit, lang)
        parts.append(t("pace.needs", lang, amount=amount, date=fmt.day(deadline, lang)))
    return marks.sep.join(parts)
