"""How a status looks on a terminal: its colour, its glyph, and the ASCII fallback (SPEC §10).

Colour is never the only signal: a glyph and a word always go with it (SPEC §4.2).

**Colours.** ``STATUS_COLOURS`` are true colours for 256-colour and true-colour terminals,
chosen so that on a 16-colour terminal they fall on three different ANSI hues:

============  ===========  ===================================  ===========================
status        true colour  nearest of the 16 ANSI colours       hue on xterm / VGA / Windows
============  ===========  ===================================  ===========================
met           ``#56B4E9``  14 bright cyan (``STATUS_ANSI``)     cyan (180°)
near          ``#F0B400``  11 bright yellow                     yellow (50-60°)
behind        ``#E0443A``  9 bright red                         red (0°/355°)
missing, ·    ``#999999``  7 white (light grey)                 grey
============  ===========  ===================================  ===========================

"Nearest" is Rich's downgrade, which Textual and ``kpitui show`` use on a 16-colour terminal;
before, near (orange) and behind (vermillion) both fell on ANSI yellow. The bright variants
are used because on the Linux console's VGA palette ANSI 3 is brown (``#AA5500``), too close
to ANSI 1 red (``#AA0000``); bright yellow and bright red stay apart on every common palette
(xterm, VGA, Windows Campbell, Tango), and sky blue / amber / red also stay apart for
red-green colour blindness, by lightness. ``tests/test_palette.py`` checks these mappings
against those real palettes.

**Glyphs.** ``UNICODE`` is the normal set; ``ASCII`` is for terminals that cannot show it:
a locale that is not UTF-8, ``TERM=linux`` or ``vt100``, or ``--ascii`` (:func:`wants_ascii`).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass

from kpitui.core.model import Status

STATUS_COLOURS: dict[str, str] = {
    "met": "#56B4E9",  # sky blue (Okabe-Ito)
    "near": "#F0B400",  # amber
    "behind": "#E0443A",  # red
    "missing": "#999999",
    "no_target": "#999999",
}

STATUS_ANSI: dict[str, int] = {"met": 14, "near": 11, "behind": 9, "missing": 7, "no_target": 7}
"""The ANSI colour number each status falls on in 16 colours (the table above)."""


@dataclass(frozen=True)
class GlyphSet:
    """Every symbol the terminal surfaces draw, in one character set."""

    status: Mapping[str, str]
    """One glyph per status (SPEC §4.2 / §10)."""
    bar: str
    """A full cell of an attainment bar."""
    eighths: str
    """Partial bar cells, from 0/8 to 8/8 (a space, then finer steps where the set has them)."""
    sparks: str
    """Sparkline levels, lowest first."""
    up: str
    down: str
    warning: str
    ellipsis: str


UNICODE = GlyphSet(
    status={s.value: s.glyph for s in Status},
    bar="█",
    eighths=" ▏▎▍▌▋▊▉█",
    sparks="▁▂▃▄▅▆▇█",
    up="▲",
    down="▼",
    warning="⚠",
    ellipsis="…",
)
ASCII = GlyphSet(
    status={"met": "v", "near": "~", "behind": "x", "missing": "?", "no_target": "-"},
    bar="#",
    eighths="        #",
    sparks="_.-=+*#@",
    up="+",
    down="-",
    warning="!",
    ellipsis="...",
)

GLYPHS: dict[str, str] = dict(UNICODE.status)
"""The Unicode glyph of each status (SPEC §4.2)."""

ASCII_TERMS = frozenset({"linux", "vt100"})
"""Terminal types whose fonts have no ✓ ✗ ▁…█ (also with a suffix: ``linux-16color``)."""


def _charset_is_utf8(locale: str) -> bool:
    """Whether a POSIX locale name (``vi_VN.UTF-8``, ``C``, ``en_US.ISO-8859-1``) is UTF-8."""
    name = locale.split("@", 1)[0]
    if name in ("C", "POSIX"):
        return False
    _, dot, charset = name.partition(".")
    return bool(dot) and charset.lower().replace("-", "").replace("_", "") == "utf8"


_COERCED = frozenset({"C.UTF-8", "C.utf8", "UTF-8"})


def startup_environ(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The locale variables as the user set them.

    When the locale is C or POSIX, Python starts in UTF-8 mode and writes
    ``LC_CTYPE=C.UTF-8`` into its own environment (PEP 538, PEP 540): read as is, ``LANG=C``
    would look like UTF-8. That variable is set aside so that ``LANG`` decides again.
    """
    env = dict(os.environ if environ is None else environ)
    if sys.flags.utf8_mode and not env.get("LC_ALL") and env.get("LC_CTYPE") in _COERCED:
        env.pop("LC_CTYPE")
    return env


def wants_ascii(environ: Mapping[str, str], flag: bool = False) -> bool:
    """Whether to draw with :data:`ASCII` glyphs: ``--ascii`` (``flag``), ``TERM`` linux or
    vt100, or a character-type locale that is not UTF-8.

    The locale is the first set of ``LC_ALL``, ``LC_CTYPE``, ``LANG`` (POSIX precedence); none
    set means the C locale, which is not UTF-8. A locale without a charset (``vi_VN``) uses
    its legacy 8-bit charset, so it is not UTF-8 either.
    """
    if flag:
        return True
    term = environ.get("TERM", "")
    if term.split("-", 1)[0] in ASCII_TERMS:
        return True
    for var in ("LC_ALL", "LC_CTYPE", "LANG"):
        value = environ.get(var, "")
        if value:
            return not _charset_is_utf8(value)
    return True


def glyphs(ascii: bool) -> GlyphSet:
    return ASCII if ascii else UNICODE
