"""Status colours: the Okabe–Ito palette, safe for the common kinds of colour blindness.

Colour is never the only signal: a glyph and a word always go with it (SPEC §4.2). On a
16-colour terminal Textual maps these to the nearest ANSI colours (blue, yellow, red, grey).
"""

from __future__ import annotations

from kpitui.core.model import Status

STATUS_COLOURS: dict[str, str] = {
    "met": "#56B4E9",  # sky blue
    "near": "#E69F00",  # orange
    "behind": "#D55E00",  # vermillion
    "missing": "#999999",
    "no_target": "#999999",
}

GLYPHS: dict[str, str] = {s.value: s.glyph for s in Status}
"""The monochrome glyph of each status (SPEC §4.2)."""
