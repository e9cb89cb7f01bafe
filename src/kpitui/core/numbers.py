"""Numbers for people, per language (SPEC §10): vi ``50,24%`` ``309.104``; en ``50.24%`` ``309,104``.

Percentages are written as the seed article, government documents and CLDR write them: no
space before ``%`` in either language. Values keep up to two decimals (trailing zeros dropped:
``10,5%``, ``105,48%``), counts have none; attainment has none from 10 % up. Every surface
(the dashboard, ``show``, the xlsx/html/md exports) formats through this module; machine
formats (csv, json) never use it.
"""

from __future__ import annotations

import math

MINUS = "-"


def _marks(lang: str) -> tuple[str, str]:
    """(thousands, decimal) marks."""
    return (".", ",") if lang == "vi" else (",", ".")


def number(x: float | None, lang: str, decimals: int = 2, strip: bool = True) -> str:
    """``1234.5`` -> vi ``1.234,5`` / en ``1,234.5``; ``None`` and non-finite -> ``""``."""
    if x is None or not math.isfinite(x):
        return ""
    thousands, decimal = _marks(lang)
    text = f"{abs(x):,.{decimals}f}"
    if strip and "." in text:
        text = text.rstrip("0").rstrip(".")
    text = text.replace(",", "\0").replace(".", decimal).replace("\0", thousands)
    if x < 0 and text.strip("0" + thousands + decimal):
        text = MINUS + text
    return text


def percent(x: float | None, lang: str, decimals: int = 2) -> str:
    """A value already in percent (50.24 -> vi ``50,24%``, en ``50.24%``)."""
    if x is None or not math.isfinite(x):
        return ""
    return number(x, lang, decimals) + "%"


def value(x: float | None, unit: str, lang: str) -> str:
    """A value in its indicator's unit."""
    if x is None or not math.isfinite(x):
        return ""
    if unit == "%":
        return percent(x, lang)
    text = number(x, lang, 0 if float(x).is_integer() else 2)
    return text


def with_unit(x: float | None, unit: str, lang: str) -> str:
    """A value and its unit: ``7.999 người``, ``6,7 ngày``, ``50,24%``."""
    text = value(x, unit, lang)
    if text and unit and unit != "%":
        text += f" {unit}"
    return text


def attainment(x: float | None, lang: str) -> str:
    """Attainment fraction as a percentage: 1.2409 -> ``124%``; 0.0772 -> ``7,7%``."""
    if x is None or not math.isfinite(x):
        return ""
    pct = x * 100
    return percent(pct, lang, 0 if abs(pct) >= 10 else 1)


def change(x: float | None, unit: str, lang: str) -> str:
    """A signed change (percentage points for a % indicator): ``+2,9`` / ``-0,2``; ``0``."""
    if x is None or not math.isfinite(x):
        return ""
    decimals = 0 if float(x).is_integer() and unit != "%" else 2
    text = number(x, lang, decimals)
    if text in ("0", ""):
        return "0"
    return "+" + text if x > 0 else text


def change_with_unit(x: float | None, unit: str, lang: str) -> str:
    """A signed change and the unit of a non-% indicator: ``+1.200 người``; a % indicator's
    change is in percentage points and shown bare (``+2,9``) beside its ``50,24%``."""
    text = change(x, unit, lang)
    if text and text != "0" and unit and unit != "%":
        text += f" {unit}"
    return text


def fraction(numerator: float | None, denominator: float | None, lang: str) -> str:
    """``309.104 / 615.198`` (vi) or ``309,104 / 615,198`` (en)."""
    if numerator is None or denominator is None:
        return ""
    num = number(numerator, lang, 0 if float(numerator).is_integer() else 2)
    den = number(denominator, lang, 0 if float(denominator).is_integer() else 2)
    return f"{num} / {den}"
