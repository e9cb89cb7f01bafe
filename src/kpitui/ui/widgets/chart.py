"""A small history chart in text: bars per period, the target line, the expected path and
the projection at the deadline (SPEC §4.4). Pure function -> lines of Rich ``Text``."""

from __future__ import annotations

import math
from collections.abc import Sequence

from rich.style import Style
from rich.text import Text

from kpitui.core import numbers

BLOCKS = " ▁▂▃▄▅▆▇█"
TARGET = "─"
EXPECTED = "•"
PROJECTION = "░"


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
) -> list[Text]:
    """Lines of the chart, top to bottom, then an axis line with the first and last period."""
    points = [v for v in values if v is not None and math.isfinite(v)]
    extra = [x for x in (target, projected) if x is not None and math.isfinite(x)]
    extra += [x for x in (expected or []) if x is not None and math.isfinite(x)]
    if not points:
        return [Text("—")]
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
    label_width = max(len(numbers.value(top, unit, lang)), len(numbers.value(bottom, unit, lang)))
    for row in range(height - 1, -1, -1):
        line = Text()
        if row == height - 1:
            line.append(numbers.value(top, unit, lang).rjust(label_width) + " ┤")
        elif row == 0:
            line.append(numbers.value(bottom, unit, lang).rjust(label_width) + " ┤")
        else:
            line.append(" " * label_width + " │")
        for i, v in enumerate(columns):
            is_projection = projected is not None and i == n - 1
            cell = " "
            style = bar_style
            if v is not None and math.isfinite(v):
                h = level(v)
                if h >= (row + 1) * 8:
                    cell = PROJECTION if is_projection else BLOCKS[8]
                elif h > row * 8:
                    cell = PROJECTION if is_projection else BLOCKS[h - row * 8]
            if cell == " " and expected is not None and i < len(expected):
                e = expected[i]
                if e is not None and math.isfinite(e) and level(e) // 8 == row:
                    cell = EXPECTED
                    style = target_style
            if cell == " " and target_row == row:
                cell = TARGET
                style = target_style
            line.append(cell * col_width + (" " if col_width > 1 else ""), style=style)
        lines.append(line)
    axis = Text(" " * label_width + " └" + "─" * (n * (col_width + (1 if col_width > 1 else 0))))
    lines.append(axis)
    if periods:
        first, last = periods[0], periods[-1]
        gap = max(1, n * (col_width + 1) - len(first) - len(last))
        lines.append(
            Text(" " * (label_width + 2) + first + " " * gap + (last if len(periods) > 1 else ""))
        )
    return lines
