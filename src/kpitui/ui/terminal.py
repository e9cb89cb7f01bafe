"""What the terminal can show: whether to draw with ASCII only, and the last guard that keeps
every other character off a terminal that cannot show it (SPEC §10).

A terminal whose locale is not UTF-8, ``TERM=linux``/``vt100``, or ``--ascii``: the widgets
draw with the ASCII glyph set (``kpitui.palette.ASCII``, :mod:`kpitui.ui.glyphs`), and what is
left — Vietnamese letters in names, Textual's own box and block characters — goes through
:func:`to_ascii` on its way out (:class:`AsciiDriver`) and in screenshots: every character
becomes ASCII of the same width (``Bà Rịa`` -> ``Ba Ria``, ``─`` -> ``-``), so the layout
Textual computed still lines up.
"""

from __future__ import annotations

import os
import sys
import unicodedata
from collections.abc import Mapping
from functools import lru_cache

from rich.cells import cell_len
from textual.drivers.linux_driver import LinuxDriver

from kpitui.palette import wants_ascii

_COERCED = frozenset({"C.UTF-8", "C.utf8", "UTF-8"})

_SYMBOLS: dict[str, str] = {
    # status, pace and arrows
    "✓": "v", "✔": "v", "✗": "x", "✘": "x", "⚠": "!", "·": ".", "•": "*", "●": "*", "○": "o",
    "▲": "+", "▼": "-", "↑": "^", "↓": "v", "←": "<", "→": ">", "▸": ">", "▶": ">", "◀": "<",
    "›": ">", "‹": "<", "»": ">", "«": "<", "‖": "|", "⏎": "<", "⌫": "<", "Δ": "D", "×": "x",
    # punctuation
    "…": ".", "—": "-", "–": "-", "‘": "'", "’": "'", "“": '"', "”": '"', "\u00a0": " ",
    "đ": "d", "Đ": "D", "ø": "o", "Ø": "O", "ß": "s", "æ": "a", "Æ": "A", "ł": "l", "Ł": "L",
    # box drawing and blocks (Textual's borders, scroll bars and rules)
    "─": "-", "━": "-", "═": "=", "╌": "-", "┄": "-", "▔": "-", "▁": " ", "‾": "-",
    "│": "|", "┃": "|", "║": "|", "╎": "|", "┆": "|", "▏": "|", "▎": "|", "▍": "|", "▌": "|",
    "▋": "|", "▊": "|", "▉": "|", "▐": "|", "▕": "|",
    # lower blocks: a scroll bar's partial thumb (the widgets' own bars are ASCII already)
    "█": "#", "▇": " ", "▆": " ", "▅": " ", "▄": " ", "▃": " ", "▂": " ",
    "░": ":", "▒": ":", "▓": "#",
}  # fmt: skip


@lru_cache(maxsize=4096)
def _char(ch: str) -> str:
    """One character as ASCII of the same width on the terminal."""
    symbol = _SYMBOLS.get(ch)
    if symbol is not None:
        return symbol
    width = cell_len(ch)
    if width == 0:
        return ""
    base = "".join(
        c for c in unicodedata.normalize("NFD", ch) if c.isascii() and not unicodedata.combining(c)
    )
    if len(base) == 1 and base.isprintable() and width == 1:
        return base
    if 0x2500 <= ord(ch) <= 0x257F:  # other box drawing: corners and crossings
        return "+"
    return "?" * width


def to_ascii(text: str) -> str:
    """``text`` with every character ASCII (control characters, escape sequences kept)."""
    if text.isascii():
        return text
    return "".join(ch if ch.isascii() else _char(ch) for ch in text)


class AsciiDriver(LinuxDriver):
    """The terminal driver, writing ASCII only (``--ascii`` and terminals that need it)."""

    def write(self, data: str) -> None:
        super().write(to_ascii(data))


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


def sixteen_colours() -> bool:
    """Whether the terminal has 16 colours (``TERM=xterm``, ``linux``...), as Rich reads it.

    The dashboard then uses the terminal's own ANSI colours (Textual's ``ansi_color``): its
    backgrounds stay the terminal's, and met / near / behind fall on three ANSI hues
    (``kpitui.palette``)."""
    from rich.console import Console

    return Console(force_terminal=True).color_system == "standard"


def ascii_wanted(flag: bool = False, web: bool = False) -> bool:
    """Whether the dashboard draws with ASCII only: ``--ascii``, or (not in a web browser,
    which shows every character) a terminal that needs it."""
    if flag:
        return True
    return not web and wants_ascii(startup_environ(), False)
