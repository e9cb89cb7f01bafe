"""Text folded to ASCII of the same width, for terminals that show nothing else (SPEC §10):
``✓`` -> ``v``, ``Bà Rịa`` -> ``Ba Ria``, box drawing -> ``- | +``. The dashboard's ASCII
driver and ``kpitui show --ascii`` use it."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from rich.cells import cell_len

_SYMBOLS: dict[str, str] = {
    # status, pace and arrows
    "✓": "v", "✔": "v", "✗": "x", "✘": "x", "⚠": "!", "·": ".", "•": "*", "●": "*", "○": "o",
    "▲": "+", "▼": "-", "↑": "^", "↓": "v", "←": "<", "→": ">", "▸": ">", "▶": ">", "◀": "<",
    "›": ">", "‹": "<", "»": ">", "«": "<", "‖": "|", "⏎": "<", "⌫": "<", "Δ": "D", "×": "x",
    "±": "+",
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


