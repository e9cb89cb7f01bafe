"""The string table lives in :mod:`kpitui.core.i18n` (the core and the UI share it)."""

from kpitui.core.i18n import LANGS, STRINGS, detect_lang, status_word, t

__all__ = ["LANGS", "STRINGS", "detect_lang", "status_word", "t"]
