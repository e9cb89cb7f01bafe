"""Key bindings in the UI language, and what a key name may be.

Binding descriptions are i18n keys (``key.search``); Textual's own widgets describe theirs in
English (``Scroll Left``, ``Focus Next``). Every surface that shows a binding — the footer,
``?`` help, the command palette — translates it with :func:`describe` when it draws, so
``L`` switches them all at once and no binding is ever rewritten.
"""

from __future__ import annotations

import unicodedata

from textual.binding import Binding
from textual.keys import KEY_TO_UNICODE_NAME, Keys

from kpitui.i18n import status_word, t

TEXTUAL: dict[str, str] = {
    # App and Screen
    "Quit": "key.quit",
    "palette": "key.palette",
    "Focus Next": "tx.focus_next",
    "Focus Previous": "tx.focus_previous",
    "Copy selected text": "tx.copy",
    # Input (the search box, the export dialog)
    "Move cursor left": "tx.cursor_left",
    "Move cursor left and select": "tx.select_left",
    "Move cursor left a word": "tx.word_left",
    "Move cursor left a word and select": "tx.select_word_left",
    "Move cursor right or accept the completion suggestion": "tx.cursor_right",
    "Move cursor right and select": "tx.select_right",
    "Move cursor right a word": "tx.word_right",
    "Move cursor right a word and select": "tx.select_word_right",
    "Delete character left": "tx.delete_left",
    "Select all": "tx.select_all",
    "Go to start": "tx.home",
    "Go to end": "tx.end",
    "Select line start": "tx.select_home",
    "Select line end": "tx.select_end",
    "Delete character right": "tx.delete_right",
    "Submit": "tx.submit",
    "Delete left to start of word": "tx.delete_word_left",
    "Delete all to the left": "tx.delete_all_left",
    "Delete right to start of word": "tx.delete_word_right",
    "Delete all to the right": "tx.delete_all_right",
    "Cut selected text": "tx.cut",
    "Paste text from the clipboard": "tx.paste",
}
"""Textual's built-in binding descriptions -> i18n keys."""


def describe(description: str, lang: str) -> str:
    """What a binding does, in ``lang``: its i18n key translated (Textual's descriptions too);
    "" for one that is not ours to show."""
    if description.startswith("key.filter_status."):
        status = description.rsplit(".", 1)[1]
        if status == "at_risk":
            word = t("bar.at_risk", lang)
        elif status == "will_miss":
            word = t("status.will_miss", lang)
        else:
            word = status_word(status, lang)
        return t("key.filter_status", lang, status=word)
    if description.startswith("key."):
        return t(description, lang)
    key = TEXTUAL.get(description)
    return t(key, lang) if key else ""


MODIFIERS = frozenset({"ctrl", "shift", "alt", "super", "meta", "hyper"})
NAMED_KEYS = frozenset(
    {k.value for k in Keys if "+" not in k.value}
    | set(KEY_TO_UNICODE_NAME)
    | {"space", "enter", "tab", "escape", "backspace", "delete", "insert", "minus", "plus"}
    | {"slash", "backslash", "at", "underscore", "comma", "colon", "semicolon", "apostrophe"}
    | {f"f{n}" for n in range(1, 25)}
)


def is_key(name: str) -> bool:
    """Whether ``name`` names one key as Textual reads them: ``o``, ``?``, ``f2``, ``ctrl+s``,
    ``shift+tab``, ``question_mark``."""
    if len(name) == 1:
        return name.isprintable() and not name.isspace() and name != ","
    *mods, base = name.split("+")
    if any(m not in MODIFIERS for m in mods) or len(set(mods)) != len(mods):
        return False
    if len(base) == 1:
        return bool(mods) and base.isprintable() and not base.isspace()
    if base in NAMED_KEYS:
        return True
    try:
        unicodedata.lookup(base.replace("_", " "))
    except KeyError:
        return False
    return True


def key_list(text: str) -> list[str] | None:
    """``"ctrl+s, f2"`` -> ``["ctrl+s", "f2"]``; None when any part is not a key."""
    keys = [k.strip() for k in text.split(",")]
    if not keys or not all(keys) or not all(is_key(k) for k in keys):
        return None
    return keys


def binding_table() -> dict[str, str]:
    """Every binding id kpitui has -> its default keys."""
    from kpitui.ui.app import KpiApp
    from kpitui.ui.screens.base import TableScreen
    from kpitui.ui.screens.breakdown import BreakdownScreen
    from kpitui.ui.screens.help import HelpScreen
    from kpitui.ui.screens.missing import MissingScreen
    from kpitui.ui.screens.quality import QualityScreen
    from kpitui.ui.widgets.frame_table import FrameTable

    out: dict[str, str] = {}
    for cls in (KpiApp, TableScreen, BreakdownScreen, QualityScreen, MissingScreen, FrameTable):
        for b in cls.BINDINGS:
            if isinstance(b, Binding) and b.id:
                out[b.id] = b.key
    for b in HelpScreen.BINDINGS:
        if isinstance(b, Binding) and b.id:
            out[b.id] = b.key
    return out
