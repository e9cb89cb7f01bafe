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

from textual.drivers.linux_driver import LinuxDriver

from kpitui.asciifold import to_ascii
from kpitui.palette import startup_environ, wants_ascii


class AsciiDriver(LinuxDriver):
    """The terminal driver, writing ASCII only (``--ascii`` and terminals that need it)."""

    def write(self, data: str) -> None:
        super().write(to_ascii(data))


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
