"""Cells for the UI language: numbers with units, status glyph + word, attainment bars,
sparklines, changes coloured good or bad.

Every function returns plain strings or Rich styles; data text arrives already cleaned by
``core.text.clean`` (and is never parsed as markup: widgets build ``Text``/``Content``).
Glyphs come from a :class:`~kpitui.palette.GlyphSet` (Unicode, or ASCII for terminals that
need it).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date

from rich.style import Style

from kpitui.core import numbers
from kpitui.core.text import clean
from kpitui.i18n import status_word
from kpitui.palette import STATUS_COLOURS, UNICODE, GlyphSet

GOOD = Style(color=STATUS_COLOURS["met"])
BAD = Style(color=STATUS_COLOURS["behind"], bold=True)


def status_style(status: str) -> Style:
    return Style(color=STATUS_COLOURS.get(status), bold=status == "behind")


def status_cell(
    status: str, lang: str, glyphs: GlyphSet = UNICODE, word: bool = True, short: bool = False
) -> str:
    glyph = glyphs.status.get(status, "?")
    return f"{glyph} {status_word(status, lang, short=short)}" if word else glyph


def bar(
    attainment: float | None, status: str | None, glyphs: GlyphSet = UNICODE, width: int = 5
) -> str:
    """A bar of ``width`` cells, full at 100 %; a target not met never draws a full bar (the
    last eighth stays empty), and the bar rounds down."""
    if attainment is None or not math.isfinite(attainment) or width <= 0:
        return " " * width
    eighths = math.floor(max(0.0, min(attainment, 1.0)) * width * 8 + 1e-9)
    if status != "met":
        eighths = min(eighths, width * 8 - 1)
    full, rest = divmod(eighths, 8)
    text = glyphs.bar * full + (glyphs.eighths[rest] if rest else "")
    return text.ljust(width)


def sparkline(
    values: Sequence[float | None] | None, glyphs: GlyphSet = UNICODE, width: int = 8
) -> str:
    """The last ``width`` values as levels; a gap is a space."""
    if not values:
        return " " * width
    tail = list(values)[-width:]
    present = [v for v in tail if v is not None and math.isfinite(v)]
    if not present:
        return " " * width
    sparks = glyphs.sparks
    lo, hi = min(present), max(present)
    span = hi - lo
    out = []
    for v in tail:
        if v is None or not math.isfinite(v):
            out.append(" ")
        elif span == 0:
            out.append(sparks[3])
        else:
            out.append(sparks[min(len(sparks) - 1, int((v - lo) / span * (len(sparks) - 0.001)))])
    return "".join(out).rjust(width)


def value(x: float | None, unit: str, lang: str) -> str:
    """A value with its unit beside it, unless it is a percentage: ``6,7 ngày``, ``50,24%``."""
    return numbers.with_unit(x, unit, lang)


def change(x: float | None, unit: str, lang: str, glyphs: GlyphSet = UNICODE) -> str:
    text = numbers.change(x, unit, lang)
    if text and x is not None and x > 0:
        return glyphs.up + text[1:] if text.startswith("+") else text
    if text and x is not None and x < 0:
        return glyphs.down + text.lstrip("-")
    return text


def better(x: float | None, direction: str | None) -> bool | None:
    """Whether a change of ``x`` is good news for an indicator of this direction (a rise of
    late dossiers is bad); None for no change."""
    if x is None or not math.isfinite(x) or x == 0:
        return None
    return (x > 0) == (direction != "lower")


def verdict_style(good: bool | None) -> Style | None:
    """Good in the colour of "met", bad in the colour of "behind"."""
    if good is None:
        return None
    return GOOD if good else BAD


def pace(on_track: bool | None, will_meet: bool | None, glyphs: GlyphSet = UNICODE) -> str:
    """On pace / behind pace, and the warning sign when projected to miss the target."""
    mark = {True: glyphs.status["met"], False: glyphs.status["behind"]}.get(on_track, " ")  # type: ignore[arg-type]
    if will_meet is False:
        mark += glyphs.warning
    return mark


def pace_good(on_track: bool | None, will_meet: bool | None) -> bool | None:
    if on_track is False or will_meet is False:
        return False
    if on_track is True:
        return True
    return None


def text(value: object) -> str:
    """Any value from a data file, safe to show."""
    return "" if value is None else clean(str(value))


def day(d: date | None, lang: str) -> str:
    if d is None:
        return ""
    return f"{d.day:02d}/{d.month:02d}/{d.year}" if lang == "vi" else d.isoformat()
