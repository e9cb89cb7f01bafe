"""Cells for the UI language: numbers, status glyph + word, attainment bars, sparklines.

Every function returns plain strings or Rich styles; data text arrives already cleaned by
``core.text.clean`` (and is never parsed as markup: widgets build ``Text``/``Content``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date

from rich.style import Style

from kpitui.core import numbers
from kpitui.core.text import clean
from kpitui.i18n import status_word, t
from kpitui.palette import GLYPHS, STATUS_COLOURS

SPARKS = "▁▂▃▄▅▆▇█"
EIGHTHS = " ▏▎▍▌▋▊▉█"


def status_style(status: str) -> Style:
    return Style(color=STATUS_COLOURS.get(status), bold=status == "behind")


def status_cell(status: str, lang: str, word: bool = True) -> str:
    glyph = GLYPHS.get(status, "?")
    return f"{glyph} {status_word(status, lang)}" if word else glyph


def short_status(status: str, lang: str) -> str:
    """The status word for a table cell (9 cells at most)."""
    return t(f"short.{status}", lang)


def bar(attainment: float | None, width: int = 5) -> str:
    """A bar of ``width`` cells, full at 100 % (longer values are capped at the width)."""
    if attainment is None or not math.isfinite(attainment) or width <= 0:
        return " " * width
    eighths = round(max(0.0, min(attainment, 1.0)) * width * 8)
    full, rest = divmod(eighths, 8)
    text = "█" * full + (EIGHTHS[rest] if rest else "")
    return text.ljust(width)


def sparkline(values: Sequence[float | None] | None, width: int = 8) -> str:
    """The last ``width`` values as block characters; a gap is a space."""
    if not values:
        return " " * width
    tail = list(values)[-width:]
    present = [v for v in tail if v is not None and math.isfinite(v)]
    if not present:
        return " " * width
    lo, hi = min(present), max(present)
    span = hi - lo
    out = []
    for v in tail:
        if v is None or not math.isfinite(v):
            out.append(" ")
        elif span == 0:
            out.append(SPARKS[3])
        else:
            out.append(SPARKS[min(7, int((v - lo) / span * 7.999))])
    return "".join(out).rjust(width)


def value(x: float | None, unit: str, lang: str) -> str:
    return numbers.value(x, unit, lang)


def change(x: float | None, unit: str, lang: str) -> str:
    text = numbers.change(x, unit, lang)
    if text and x is not None and x > 0:
        return "▲" + text[1:] if text.startswith("+") else text
    if text and x is not None and x < 0:
        return "▼" + text.lstrip("-")
    return text


def text(value: object) -> str:
    """Any value from a data file, safe to show."""
    return "" if value is None else clean(str(value))


def day(d: date | None, lang: str) -> str:
    if d is None:
        return ""
    return f"{d.day:02d}/{d.month:02d}/{d.year}" if lang == "vi" else d.isoformat()
