"""Status colours on real 16-colour palettes, the ASCII glyph set, and when it is used (SPEC §10)."""

from __future__ import annotations

import colorsys
import math

import pytest
from rich.color import Color, ColorSystem

from kpitui.core.model import Status
from kpitui.palette import (
    ASCII,
    GLYPHS,
    STATUS_ANSI,
    STATUS_COLOURS,
    UNICODE,
    glyphs,
    wants_ascii,
)

# The 16 ANSI colours as real terminals draw them (default settings).
PALETTES = {
    "xterm": "000000 cd0000 00cd00 cdcd00 0000ee cd00cd 00cdcd e5e5e5 "
    "7f7f7f ff0000 00ff00 ffff00 5c5cff ff00ff 00ffff ffffff",
    "linux console (VGA)": "000000 aa0000 00aa00 aa5500 0000aa aa00aa 00aaaa aaaaaa "
    "555555 ff5555 55ff55 ffff55 5555ff ff55ff 55ffff ffffff",
    "Windows Campbell": "0c0c0c c50f1f 13a10e c19c00 0037da 881798 3a96dd cccccc "
    "767676 e74856 16c60c f9f1a5 3b78ff b4009e 61d6d6 f2f2f2",
    "GNOME Tango": "2e3436 cc0000 4e9a06 c4a000 3465a4 75507b 06989a d3d7cf "
    "555753 ef2929 8ae234 fce94f 729fcf ad7fa8 34e2e2 eeeeec",
}
RANKED = ("met", "near", "behind")


def _rgb(hexa: str) -> tuple[float, float, float]:
    hexa = hexa.lstrip("#")
    r, g, b = (int(hexa[i : i + 2], 16) / 255 for i in (0, 2, 4))
    return r, g, b


def _hue_gap(a: float, b: float) -> float:
    d = abs(a - b) % 360
    return min(d, 360 - d)


def test_16_colour_terminals_get_the_documented_ansi_colours() -> None:
    # Rich's downgrade is what Textual and `kpitui show` apply on a 16-colour terminal.
    for status, colour in STATUS_COLOURS.items():
        assert Color.parse(colour).downgrade(ColorSystem.STANDARD).number == STATUS_ANSI[status]
    assert len({STATUS_ANSI[s] for s in RANKED}) == 3
    # 256 colours: three different colours too.
    assert (
        len({Color.parse(STATUS_COLOURS[s]).downgrade(ColorSystem.EIGHT_BIT) for s in RANKED}) == 3
    )


@pytest.mark.parametrize("palette", sorted(PALETTES))
def test_met_near_behind_are_three_hues_on_real_palettes(palette: str) -> None:
    colours = PALETTES[palette].split()
    hues = {}
    for status in RANKED:
        h, lightness, saturation = colorsys.rgb_to_hls(*_rgb(colours[STATUS_ANSI[status]]))
        assert saturation > 0.5 and 0.2 < lightness < 0.9, (status, colours[STATUS_ANSI[status]])
        hues[status] = h * 360
    for i, a in enumerate(RANKED):
        for b in RANKED[i + 1 :]:
            assert _hue_gap(hues[a], hues[b]) >= 45, (palette, a, b, hues)


def _lab(rgb: tuple[float, float, float]) -> tuple[float, float, float]:
    def lin(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (lin(c) for c in rgb)
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


# Machado, Oliveira & Fernandes (2009), severity 1, applied to linear RGB.
DICHROMACY = {
    "deuteranopia": (
        (0.367322, 0.860646, -0.227968),
        (0.280085, 0.672501, 0.047413),
        (-0.011820, 0.042940, 0.968881),
    ),
    "protanopia": (
        (0.152286, 1.052583, -0.204868),
        (0.114503, 0.786281, 0.099216),
        (-0.003882, -0.048116, 1.051998),
    ),
}


@pytest.mark.parametrize("kind", sorted(DICHROMACY))
def test_true_colours_stay_apart_for_red_green_colour_blindness(kind: str) -> None:
    m = DICHROMACY[kind]

    def seen(colour: str) -> tuple[float, float, float]:
        def lin(c: float) -> float:
            return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

        def gamma(c: float) -> float:
            c = min(1.0, max(0.0, c))
            return 12.92 * c if c <= 0.0031308 else 1.055 * c ** (1 / 2.4) - 0.055

        rgb = [lin(c) for c in _rgb(colour)]
        r, g, b = (gamma(sum(m[i][j] * rgb[j] for j in range(3))) for i in range(3))
        return _lab((r, g, b))

    for i, a in enumerate(RANKED):
        for b in RANKED[i + 1 :]:
            assert math.dist(seen(STATUS_COLOURS[a]), seen(STATUS_COLOURS[b])) > 25, (kind, a, b)


def test_glyph_sets() -> None:
    assert UNICODE.status == {s.value: s.glyph for s in Status} == GLYPHS
    assert ASCII.status == {
        "met": "v",
        "near": "~",
        "behind": "x",
        "missing": "?",
        "no_target": "-",
    }
    assert (ASCII.bar, ASCII.up, ASCII.down) == ("#", "+", "-")
    for field in ("bar", "eighths", "sparks", "up", "down", "warning", "ellipsis"):
        assert getattr(ASCII, field).isascii(), field
        assert len(getattr(UNICODE, field)) == len(getattr(ASCII, field)) or field == "ellipsis"
    assert all(g.isascii() and len(g) == 1 for g in ASCII.status.values())
    assert len(set(ASCII.status.values())) == len(ASCII.status)
    assert glyphs(True) is ASCII and glyphs(False) is UNICODE


@pytest.mark.parametrize(
    ("environ", "flag", "expected"),
    [
        ({"LANG": "vi_VN.UTF-8", "TERM": "xterm-256color"}, False, False),
        ({"LANG": "vi_VN.UTF-8", "TERM": "xterm-256color"}, True, True),  # --ascii
        ({"LANG": "en_US.utf8", "TERM": "screen"}, False, False),
        ({"LANG": "C.UTF-8", "TERM": "tmux-256color"}, False, False),
        ({"LANG": "C", "TERM": "xterm"}, False, True),
        ({"LANG": "POSIX", "TERM": "xterm"}, False, True),
        ({"LANG": "en_US.ISO-8859-1", "TERM": "xterm"}, False, True),
        ({"LANG": "vi_VN", "TERM": "xterm"}, False, True),  # the legacy 8-bit charset
        ({"LANG": "de_DE.UTF-8@euro", "TERM": "xterm"}, False, False),
        ({"TERM": "xterm"}, False, True),  # no locale at all: the C locale
        ({"LANG": "vi_VN.UTF-8", "TERM": "linux"}, False, True),
        ({"LANG": "vi_VN.UTF-8", "TERM": "linux-16color"}, False, True),
        ({"LANG": "vi_VN.UTF-8", "TERM": "vt100"}, False, True),
        # LC_ALL wins over LC_CTYPE, which wins over LANG.
        ({"LANG": "vi_VN.UTF-8", "LC_ALL": "C", "TERM": "xterm"}, False, True),
        ({"LANG": "C", "LC_CTYPE": "vi_VN.UTF-8", "TERM": "xterm"}, False, False),
        ({"LANG": "C", "LC_ALL": "en_GB.UTF-8", "LC_CTYPE": "C", "TERM": "xterm"}, False, False),
        ({"LANG": "vi_VN.UTF-8", "LC_ALL": "", "TERM": "xterm"}, False, False),  # empty = unset
    ],
)
def test_when_ascii_is_used(environ: dict[str, str], flag: bool, expected: bool) -> None:
    assert wants_ascii(environ, flag) is expected
