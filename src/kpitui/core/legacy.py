"""Text typed with legacy Vietnamese fonts (SPEC §8.3): TCVN3 (ABC) and VNI.

Before Unicode, Vietnamese offices typed with fonts that drew Vietnamese letters in place of
Western ones. A workbook stores what was typed as Windows-1252 characters, so with any other
font "Đơn vị" reads as ``§¬n vÞ`` (TCVN3, fonts ``.VnTime``, ``.VnArial``...) or ``Ñôn vò``
(VNI, fonts ``VNI-Times``, ``VNI-Helve``...).

* TCVN3 (TCVN 5712:1993, table VN3) is one byte per letter: the precomposed lower-case
  letters and the seven plain capitals Ă Â Ê Ô Ơ Ư Đ. Capitals with a tone are drawn by a
  second font of the family whose name ends in ``H`` (``.VnTimeH``): the same bytes, shown in
  upper case, so :func:`convert` takes ``upper=True`` for text in those fonts.
* VNI writes a base letter followed by a mark character (``a`` + ``ù`` = ``á``; ``o`` + ``ä``
  = ``ộ``); ``ñ`` ``ô`` ``ö`` ``í`` ``ì`` ``æ`` ``ó`` ``ò`` ``î`` stand alone for đ ơ ư í ì ỉ ĩ ị ỵ.

:func:`detect` says which of the two a text looks like. Most letters of both encodings are also
letters of Vietnamese written in Unicode (``é`` is ``ộ`` in TCVN3, and a Vietnamese "é"), so a
text is only taken for legacy on *evidence*: a character that Vietnamese never uses (``§``,
``¬``, ``µ``, ``ñ``, ``ö``...) or, for VNI, a letter pair it never has (``oâ``, ``aù``), and only
when the converted text is plausible Vietnamese (no such character left, at most one tone mark a
word). A text without evidence (``Céng``) is ambiguous: the cell's font, when the workbook has
one, settles it (:func:`font_encoding`).

The tables were built by hand from the code charts and are checked in
``tests/core/test_legacy.py`` against text converted by hand, and the TCVN3 one also against
the C library's own TCVN 5712 decoder (``iconv -f TCVN5712-1``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

import polars as pl

TCVN3 = "tcvn3"
VNI = "vni"
ENCODINGS = (TCVN3, VNI)
"""The legacy encodings, as ``[csv] legacy`` names them (besides ``"none"``)."""

# --------------------------------------------------------------------------- TCVN3 (ABC)

_TCVN3_CODES: dict[int, str] = {
    0xA1: "Ă", 0xA2: "Â", 0xA3: "Ê", 0xA4: "Ô", 0xA5: "Ơ", 0xA6: "Ư", 0xA7: "Đ",
    0xA8: "ă", 0xA9: "â", 0xAA: "ê", 0xAB: "ô", 0xAC: "ơ", 0xAD: "ư", 0xAE: "đ",
    0xB5: "à", 0xB6: "ả", 0xB7: "ã", 0xB8: "á", 0xB9: "ạ",
    0xBB: "ằ", 0xBC: "ẳ", 0xBD: "ẵ", 0xBE: "ắ", 0xC6: "ặ",
    0xC7: "ầ", 0xC8: "ẩ", 0xC9: "ẫ", 0xCA: "ấ", 0xCB: "ậ",
    0xCC: "è", 0xCE: "ẻ", 0xCF: "ẽ", 0xD0: "é", 0xD1: "ẹ",
    0xD2: "ề", 0xD3: "ể", 0xD4: "ễ", 0xD5: "ế", 0xD6: "ệ",
    0xD7: "ì", 0xD8: "ỉ", 0xDC: "ĩ", 0xDD: "í", 0xDE: "ị",
    0xDF: "ò", 0xE1: "ỏ", 0xE2: "õ", 0xE3: "ó", 0xE4: "ọ",
    0xE5: "ồ", 0xE6: "ổ", 0xE7: "ỗ", 0xE8: "ố", 0xE9: "ộ",
    0xEA: "ờ", 0xEB: "ở", 0xEC: "ỡ", 0xED: "ớ", 0xEE: "ợ",
    0xEF: "ù", 0xF1: "ủ", 0xF2: "ũ", 0xF3: "ú", 0xF4: "ụ",
    0xF5: "ừ", 0xF6: "ử", 0xF7: "ữ", 0xF8: "ứ", 0xF9: "ự",
    0xFA: "ỳ", 0xFB: "ỷ", 0xFC: "ỹ", 0xFD: "ý", 0xFE: "ỵ",
}  # fmt: skip
"""TCVN3 byte -> the letter it draws. Bytes below 0x80 are ASCII."""

TCVN3_TABLE: dict[str, str] = {bytes([b]).decode("cp1252"): u for b, u in _TCVN3_CODES.items()}
"""What a workbook holds (the byte read as Windows-1252) -> the Vietnamese letter."""

# --------------------------------------------------------------------------- VNI

_TONES = {"ù": "\u0301", "ø": "\u0300", "û": "\u0309", "õ": "\u0303", "ï": "\u0323"}
_CIRCUMFLEX = {"â": "", "á": "\u0301", "à": "\u0300", "å": "\u0309", "ã": "\u0303", "ä": "\u0323"}
_BREVE = {"ê": "", "é": "\u0301", "è": "\u0300", "ú": "\u0309", "ü": "\u0303", "ë": "\u0323"}
_VNI_SINGLE = {
    "ñ": "đ",
    "ô": "ơ",
    "ö": "ư",
    "í": "í",
    "ì": "ì",
    "æ": "ỉ",
    "ó": "ĩ",
    "ò": "ị",
    "î": "ỵ",
}


def _vni_table() -> dict[str, str]:
    """VNI sequences -> letters, pairs before single characters (longest match first)."""
    pairs: dict[str, str] = {}
    for upper in (False, True):

        def case(s: str, upper: bool = upper) -> str:
            return s.upper() if upper else s

        bases = {"a": "a", "e": "e", "o": "o", "u": "u", "y": "y", "ô": "ơ", "ö": "ư"}
        for code, letter in bases.items():
            for mark, combining in _TONES.items():
                pairs[case(code) + case(mark)] = case(_nfc(letter + combining))
            if code in "aeo":
                for mark, combining in _CIRCUMFLEX.items():
                    pairs[case(code) + case(mark)] = case(_nfc(letter + "\u0302" + combining))
            if code == "a":
                for mark, combining in _BREVE.items():
                    pairs[case(code) + case(mark)] = case(_nfc(letter + "\u0306" + combining))
    singles = {k: v for s, u in _VNI_SINGLE.items() for k, v in ((s, u), (s.upper(), u.upper()))}
    return {**pairs, **singles}


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


VNI_TABLE: dict[str, str] = _vni_table()
"""VNI sequences (as Windows-1252 characters) -> Vietnamese letters; pairs first."""
_VNI_RE = re.compile("|".join(re.escape(k) for k in sorted(VNI_TABLE, key=len, reverse=True)))

# --------------------------------------------------------------------------- evidence

_VIETNAMESE_LATIN1 = frozenset("àáâãèéêìíòóôõùúýÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝ")
"""The letters of Vietnamese that Latin-1 has: they are no evidence of anything."""
_TCVN3_EVIDENCE = frozenset(TCVN3_TABLE) - _VIETNAMESE_LATIN1
_VNI_EVIDENCE = frozenset("ñÑöÖæÆîÎäÄåÅëËïÏøØûÛüÜ")
"""VNI characters that Vietnamese does not use."""
_VNI_PAIRS = re.compile("[aeoAEO][âÂ]|[aeAE][áàãÁÀÃ]|[aA][êéèúÊÉÈÚ]|[aeouyôöAEOUYÔÖ][ùõÙÕ]")
"""VNI pairs made of Vietnamese letters that Vietnamese never writes side by side."""
_TOKEN = re.compile(r"\S+")
_LETTERS = re.compile(r"[^\W\d_]+")
_TONED_Y_VOWEL = re.compile("[ýỳỷỹỵÝỲỶỸỴ][aeiouyàáảãạèéẻẽẹìíỉĩịòóỏõọùúủũụ]", re.IGNORECASE)
_LEGACY_CHARS = frozenset(TCVN3_TABLE) | frozenset("".join(VNI_TABLE))
_TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")
_CP1252_HIGH = frozenset(bytes(range(0x80, 0x100)).decode("cp1252", errors="ignore"))


def convert(text: str, encoding: str, *, upper: bool = False) -> str:
    """``text`` typed in ``encoding`` ("tcvn3" or "vni") as Unicode, NFC.

    ``upper``: the text was shown in a capitals-only font (TCVN3 ``.VnTimeH``), so the
    result is upper case as the user saw it.
    """
    if encoding == TCVN3:
        out = text.translate(_TCVN3_TRANSLATION)
    elif encoding == VNI:
        out = _VNI_RE.sub(lambda m: VNI_TABLE[m.group(0)], text)
    else:
        raise ValueError(f"unknown legacy encoding {encoding!r}")
    out = _nfc(out)
    return out.upper() if upper else out


_TCVN3_TRANSLATION = str.maketrans(TCVN3_TABLE)


def convert_expr(expr: pl.Expr, encoding: str, *, upper: bool = False) -> pl.Expr:
    """The vectorised :func:`convert` for a polars string column."""
    table = TCVN3_TABLE if encoding == TCVN3 else VNI_TABLE if encoding == VNI else None
    if table is None:
        raise ValueError(f"unknown legacy encoding {encoding!r}")
    out = expr.str.replace_many(table, leftmost=True).str.normalize("NFC")
    return out.str.to_uppercase() if upper else out


def font_encoding(font: str | None) -> tuple[str, bool] | None:
    """The legacy encoding a font draws, and whether it draws capitals only.

    ``.VnTime`` -> ("tcvn3", False), ``.VnTimeH`` -> ("tcvn3", True), ``VNI-Times`` ->
    ("vni", False); a Unicode font (``Times New Roman``) or none -> None.
    """
    if not font:
        return None
    name = font.strip()
    folded = name.casefold()
    if folded.startswith(".vn"):
        return TCVN3, name.endswith("H")
    if folded.startswith("vni-") or folded.startswith("vni "):
        return VNI, False
    return None


def _plausible(text: str) -> bool:
    """Converted text that reads as Vietnamese: no legacy character left, no word with two
    tone marks (``ẹụn`` is VNI read as TCVN3), no toned ``y`` before a vowel (``lỵi`` is TCVN3
    ``lîi`` read as VNI)."""
    if any(c in _TCVN3_EVIDENCE or c in _VNI_EVIDENCE for c in text):
        return False
    if _TONED_Y_VOWEL.search(text):
        return False
    for word in _LETTERS.findall(text):
        decomposed = unicodedata.normalize("NFD", word)
        if sum(c in _TONE_MARKS for c in decomposed) > 1:
            return False
    return True


def _evidence(text: str, encoding: str) -> int:
    """How many marks of ``encoding`` a text shows inside its words.

    TCVN3: one point a character Vietnamese does not use. VNI: two points a letter written as
    a pair that Vietnamese does not write (``yû``, ``aù``: the pair is the signature of VNI),
    one a lone character Vietnamese does not use (``ñ``).
    """
    count = 0
    for word in _TOKEN.findall(text):
        # A word: ASCII letters with legacy marks ("Ph\xadêng"), or two or more characters
        # that are all letters or legacy codes ("®·" is "đã"); not "2×3" nor a lone "§".
        if any(c.isascii() and c.isalpha() for c in word) or (
            len(word) > 1 and all(c.isalpha() or c in _LEGACY_CHARS for c in word)
        ):
            if encoding == TCVN3:
                count += sum(c in _TCVN3_EVIDENCE for c in word)
                continue
            for m in _VNI_RE.finditer(word):
                seq = m.group(0)
                if len(seq) == 2 and (seq[1] in _VNI_EVIDENCE or _VNI_PAIRS.fullmatch(seq)):
                    count += 2
                elif len(seq) == 1 and seq in _VNI_EVIDENCE:
                    count += 1
    return count


def _could_be_legacy(text: str) -> bool:
    """Legacy text holds ASCII and Windows-1252 characters only."""
    return not text.isascii() and all(
        ord(c) < 0x80 or 0xA0 <= ord(c) <= 0xFF or c in _CP1252_HIGH for c in text
    )


def detect(text: str, font: str | None = None) -> str | None:
    """The legacy encoding ``text`` looks typed in ("tcvn3" or "vni"), or None.

    ``font``: the name of the cell's font, when known. A legacy font settles a text without
    evidence (``Céng`` in ``.VnTime`` is "Cộng"); the text must still convert to plausible
    Vietnamese. With another font or none, the text must show evidence (see the module doc).
    When both encodings fit, the one with more evidence wins; a tie goes to TCVN3, by far the
    more common in government offices.
    """
    if not _could_be_legacy(text):
        return None
    by_font = font_encoding(font)
    if by_font is not None:
        encoding, upper = by_font
        converted = convert(text, encoding, upper=upper)
        if converted != _nfc(text if not upper else text.upper()) and _plausible(converted):
            return encoding
    best: tuple[int, str] | None = None
    for encoding in (TCVN3, VNI):
        score = _evidence(text, encoding)
        if score and _plausible(convert(text, encoding)) and (best is None or score > best[0]):
            best = (score, encoding)
    return best[1] if best else None


def detect_many(texts: Iterable[str], font: str | None = None) -> dict[str, str]:
    """``{text: encoding}`` for the texts that look legacy (each distinct text tested once)."""
    out: dict[str, str] = {}
    for text in dict.fromkeys(texts):  # in the order given, each once
        encoding = detect(text, font)
        if encoding is not None:
            out[text] = encoding
    return out


def describe(encoding: str) -> str:
    """How a message names an encoding: ``TCVN3 (.VnTime)``, ``VNI (VNI-Times)``."""
    return "TCVN3 (.VnTime)" if encoding == TCVN3 else "VNI (VNI-Times)"
