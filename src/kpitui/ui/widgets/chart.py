"""A small history chart in text: bars per period, the target line, the expected path and
the projection at the deadline (SPEC §4.4), then a legend. Pure function -> lines of Rich
``Text``; the symbols come from :class:`~kpitui.ui.glyphs.Marks` (Unicode or ASCII)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from rich.style import Style
from rich.text import Text

from kpitui.core import numbers
from kpitui.i18n import t
from kpitui.ui.glyphs import UNICODE_MARKS, Marks


def history_chart(
    values: Sequence[float | None],
    periods: Sequence[str],
    target: float | None,
    expected: Sequence[float | None] | None,
    projected: float | None,
    unit: str,
    lang: str,
    height: int = 6,
    col_width: int = 2,
    bar_style: Style | None = None,
    target_style: Style | None = None,
    marks: Marks = UNICODE_MARKS,
) -> list[Text]:
    """Lines of the chart, top to bottom, an axis line with the first and last period, and a
    legend of what is drawn."""
    points = [v for v in values if v is not None and math.isfinite(v)]
    extra = [x for x in (target, projected) if x is not None and math.isfinite(x)]
    shown_expected = [x for x in (expected or []) if x is not None and math.isfinite(x)]
    extra += shown_expected
    if not points:
        return [Text(marks.dash)]
    blocks = marks.chart_blocks
    top = max(points + extra + [0.0])
    bottom = min(points + extra + [0.0])
    span = (top - bottom) or 1.0
    columns = list(values) + ([projected] if projected is not None else [])
    n = len(columns)

    def level(v: float) -> int:
        """Height in eighths of a row."""
        return round((v - bottom) / span * height * 8)

    target_row = None
    if target is not None:
        # The row whose top edge is nearest the target.
        target_row = min(height - 1, max(0, (level(target) - 1) // 8))
    lines: list[Text] = []
    top_label, bottom_label = numbers.value(top, unit, lang), numbers.value(bottom, unit, lang)
    label_width = max(len(top_label), len(bottom_label))
    for row in range(height - 1, -1, -1):
        line = Text()
        if row == height - 1:
            line.append(top_label.rjust(label_width) + f" {marks.axis_top}")
        elif row == 0:
            line.append(bottom_label.rjust(label_width) + f" {marks.axis_top}")
        else:
            line.append(" " * label_width + f" {marks.axis}")
        for i, v in enumerate(columns):
            is_projection = projected is not None and i == n - 1
            cell = " "
            style = bar_style
            if v is not None and math.isfinite(v):
                h = level(v)
                if h >= (row + 1) * 8:
                    cell = marks.chart_projection if is_projection else blocks[8]
                elif h > row * 8:
                    cell = marks.chart_projection if is_projection else blocks[h - row * 8]
            if cell == " " and expected is not None and i < len(expected):
                e = expected[i]
                if e is not None and math.isfinite(e) and level(e) // 8 == row:
                    cell = marks.chart_expected
                    style = target_style
            if cell == " " and target_row == row:
                cell = marks.chart_target
                style = target_style
            line.append(cell * col_width + (" " if col_width > 1 else ""), style=style)
        lines.append(line)
    rule = marks.axis_rule * (n * (col_width + (1 if col_width > 1 else 0)))
    lines.append(Text(" " * label_width + f" {marks.axis_corner}" + rule))
    if periods:
        first, last = periods[0], periods[-1]
        gap = max(1, n * (col_width + 1) - len(first) - len(last))
        lines.append(
            Text(" " * (label_width + 2) + first + " " * gap + (last if len(periods) > 1 else ""))
        )
    lines.append(
        legend(
            marks,
            lang,
            target=target is not None,
            expected=bool(shown_expected),
            projected=projected is not None,
            bar_style=bar_style,
            target_style=target_style,
        )
    )
    return lines


def legend(
    marks: Marks,
    lang: str,
    target: bool,
    expected: bool,
    projected: bool,
    bar_style: Style | None = None,
    target_style: Style | None = None,
) -> Text:
    """What each symbol of the chart means (only those drawn)."""
    items: list[tuple[str, Style | None, str]] = [
        (marks.chart_blocks[8], bar_style, t("chart.value", lang))
    ]
    if target:
        items.append((marks.chart_target, target_style, t("chart.target", lang)))
    if expected:
        items.append((marks.chart_expected, target_style, t("chart.expected", lang)))
    if projected:
        items.append((marks.chart_projection, bar_style, t("chart.projected", lang)))
    out = Text()
    for i, (symbol, style, word) in enumerate(items):
        if i:
            out.append("  ")
        out.append(symbol * 2, style=style)
        out.append(f" {word}", style="dim")
    return out
