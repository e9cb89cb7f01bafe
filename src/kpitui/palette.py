"""Status colours: the Okabe–Ito palette, safe for the common kinds of colour blindness.

Colour is never the only signal: a glyph and a word always go with it (SPEC §4.2).
The 16-colour fallbacks are chosen to stay distinct on the basic ANSI palette.
"""

from __future__ import annotations

STATUS_COLOURS: dict[str, str] = {
    "met": "#56B4E9",  # sky blue
    "near": "#E69F00",  # orange
    "behind": "#D55E00",  # vermillion
    "missing": "#999999",
    "no_target": "#999999",
}

STATUS_ANSI: dict[str, str] = {
    "met": "bright_blue",
    "near": "yellow",
    "behind": "bright_red",
    "missing": "bright_black",
    "no_target": "bright_black",
}

GLYPHS: dict[str, str] = {
    "met": "✓",
    "near": "~",
    "behind": "✗",
    "missing": "?",
    "no_target": "·",
}
