"""What an ``.xlsx`` sheet's XML says that its cell values do not (SPEC §8.1, §8.3).

calamine reads cell values fast but does not say which cells hold an error (``#DIV/0!`` reads
as blank), which formulas were saved without a value (openpyxl and some generators write
formulas only), which rows are hidden, or which font a cell is in (the legacy fonts that tell
TCVN3 and VNI text). :func:`scan` reads the sheet's XML once, streaming, in chunks cut at row
ends, and looks at a cell only when its chunk holds what is looked for (``t="e"``, ``<f``,
``hidden="1"``, or a style in a legacy font), so a plain sheet costs one decompression.

Cell addresses are 0-based (row, column) pairs; :func:`cell_ref` and :func:`parse_ref`
convert to and from ``D14``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
import zipfile
import zlib
from dataclasses import dataclass, field

from kpitui.core import legacy
from kpitui.core.text import quote

MAX_XML_BYTES = 4 * 1024**3
"""A sheet whose XML unpacks to more than this is refused (a zip bomb, or far too big)."""
CHUNK = 8 * 1024**2


class SheetXmlError(Exception):
    """A sheet that cannot be scanned; ``kind`` is the finding's kind."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def col_letter(col: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def cell_ref(row: int, col: int) -> str:
    """0-based (row, col) -> ``D14``."""
    return f"{col_letter(col)}{row + 1}"


def parse_ref(ref: str) -> tuple[int, int]:
    """``D14`` -> 0-based (13, 3)."""
    m = re.fullmatch(r"([A-Za-z]{1,3})([1-9][0-9]*)", ref.strip())
    if not m:
        raise ValueError(f"not a cell reference: {ref!r}")
    col = 0
    for ch in m.group(1).upper():
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)) - 1, col - 1


@dataclass
class Extras:
    """What the sheet's XML says that the cell values do not (``.xlsx``/``.xlsm`` only)."""

    errors: dict[tuple[int, int], str] = field(default_factory=dict)
    """Error cells -> the error (``#DIV/0!``)."""
    no_value: dict[tuple[int, int], str] = field(default_factory=dict)
    """Formula cells saved without a value -> the formula."""
    hidden_rows: set[int] = field(default_factory=set)
    fonts: dict[tuple[int, int], str] = field(default_factory=dict)
    """Cells in a legacy font -> the font's name."""
    default_font: str | None = None
    """The font of cells without a style, when it is a legacy font."""

    def font(self, row: int, col: int) -> str | None:
        return self.fonts.get((row, col), self.default_font)


_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_ROW_TAG = re.compile(rb"<row\b[^>]*>")
_ATTR_R = re.compile(rb'\br="([0-9]+)"')
_HIDDEN = re.compile(rb'\bhidden="(?:1|true)"')
_CELL_START = re.compile(rb"<c\b[^>]*>")
_CELL_R = re.compile(rb'\br="([A-Z]+)([0-9]+)"')
_CELL_S = re.compile(rb'\bs="([0-9]+)"')
ZIP_FAILURES = (
    zipfile.BadZipFile,
    OSError,
    EOFError,
    ValueError,
    NotImplementedError,  # an unsupported zip version or compression method
    RuntimeError,  # an encrypted member
    zlib.error,
)
"""What reading a damaged zip (an .xlsx is one) can raise."""

_ERROR_CELL = re.compile(rb'<c\b[^>]*\bt="e"[^>]*>.*?</c>', re.DOTALL)
_VALUE = re.compile(rb"<v(?:\s[^>]*)?>([^<]*)</v>")
_FORMULA = re.compile(rb"<f\b[^>]*?(?:/>|>(.*?)</f>)", re.DOTALL)


def _zip_read(zf: zipfile.ZipFile, name: str, limit: int = 64 * 1024**2) -> bytes | None:
    try:
        info = zf.getinfo(name)
    except KeyError:
        return None
    if info.file_size > limit:
        return None
    return zf.read(info)


def _sheet_member(zf: zipfile.ZipFile, sheet: str) -> str | None:
    wb = _zip_read(zf, "xl/workbook.xml")
    rels = _zip_read(zf, "xl/_rels/workbook.xml.rels")
    if wb is None or rels is None:
        return None
    rid = None
    for el in ET.fromstring(wb).iter(f"{_NS}sheet"):
        if el.get("name") == sheet:
            rid = el.get(f"{_REL_NS}id")
    for el in ET.fromstring(rels).iter(f"{_PKG_REL}Relationship"):
        if el.get("Id") == rid:
            target = el.get("Target") or ""
            return target.lstrip("/") if target.startswith("/") else "xl/" + target
    return None


def _legacy_styles(zf: zipfile.ZipFile) -> dict[int, str]:
    """Style index -> font name, for the styles whose font is a legacy one."""
    data = _zip_read(zf, "xl/styles.xml")
    if data is None:
        return {}
    root = ET.fromstring(data)
    fonts_el = root.find(f"{_NS}fonts")
    xfs_el = root.find(f"{_NS}cellXfs")
    if fonts_el is None or xfs_el is None:
        return {}
    fonts = []
    for font in fonts_el.findall(f"{_NS}font"):
        name_el = font.find(f"{_NS}name")
        fonts.append(name_el.get("val", "") if name_el is not None else "")
    out: dict[int, str] = {}
    for index, xf in enumerate(xfs_el.findall(f"{_NS}xf")):
        try:
            name = fonts[int(xf.get("fontId", "0"))]
        except (ValueError, IndexError):
            continue
        if legacy.font_encoding(name) is not None:
            out[index] = name
    return out


def scan(path: str, sheet: str, fonts: bool = True) -> Extras:
    """One streaming pass over the sheet XML for error cells, formulas without a value,
    hidden rows and cells in legacy fonts."""
    extras = Extras()
    try:
        with zipfile.ZipFile(path) as zf:
            member = _sheet_member(zf, sheet)
            if member is None:
                return extras
            info = zf.getinfo(member)
            if info.file_size > MAX_XML_BYTES:
                raise SheetXmlError(
                    "too_large",
                    f"sheet {quote(sheet)} unpacks to more than {MAX_XML_BYTES // 2**30} GiB; split it",
                )
            styles = _legacy_styles(zf) if fonts else {}
            extras.default_font = styles.get(0)
            with zf.open(info) as fh:
                tail = b""
                read = 0
                while True:
                    block = fh.read(CHUNK)
                    read += len(block)
                    if read > MAX_XML_BYTES:  # the header lied about the size
                        raise SheetXmlError(
                            "too_large", f"sheet {quote(sheet)} is too large; split it"
                        )
                    data = tail + block
                    if block:
                        cut = data.rfind(b"</row>")
                        if cut < 0:
                            tail = data
                            continue
                        cut += len(b"</row>")
                        data, tail = data[:cut], data[cut:]
                    _scan_chunk(data, extras, styles)
                    if not block:
                        break
    except (*ZIP_FAILURES, ET.ParseError):
        raise SheetXmlError(
            "corrupt", "cannot read: the workbook is damaged (open and save it again)"
        ) from None
    return extras


def _scan_chunk(data: bytes, extras: Extras, styles: dict[int, str]) -> None:
    if b'hidden="' in data:
        for m in _ROW_TAG.finditer(data):
            tag = m.group(0)
            if _HIDDEN.search(tag):
                r = _ATTR_R.search(tag)
                if r:
                    extras.hidden_rows.add(int(r.group(1)) - 1)
    if b't="e"' in data:
        for m in _ERROR_CELL.finditer(data):
            cell = m.group(0)
            ref = _CELL_R.search(cell)
            value = _VALUE.search(cell)
            if ref:
                extras.errors[_ref(ref)] = (value.group(1) if value else b"#N/A").decode(
                    "utf-8", "replace"
                )
    if b"<f" in data:
        pos = data.find(b"<f")
        while pos >= 0:
            start = data.rfind(b"<c ", 0, pos)
            end = data.find(b"</c>", pos)
            if start >= 0 and end >= 0:
                cell = data[start : end + 4]
                head = _CELL_START.match(cell)
                value = _VALUE.search(cell)
                if (
                    head
                    and (value is None or not value.group(1))
                    and b't="str"' not in head.group(0)
                ):
                    ref = _CELL_R.search(head.group(0))
                    formula = _FORMULA.search(cell)
                    if ref:
                        text = (formula.group(1) or b"") if formula else b""
                        extras.no_value[_ref(ref)] = _xml_text(text)
            pos = data.find(b"<f", (end + 4) if end >= 0 else pos + 2)
    if styles:
        for m in _CELL_START.finditer(data):
            tag = m.group(0)
            s = _CELL_S.search(tag)
            index = int(s.group(1)) if s else 0
            name = styles.get(index)
            if name != extras.default_font:
                ref = _CELL_R.search(tag)
                if ref and name is not None:
                    extras.fonts[_ref(ref)] = name
                elif ref:
                    extras.fonts[_ref(ref)] = ""


def _ref(m: re.Match[bytes]) -> tuple[int, int]:
    return parse_ref(m.group(1).decode() + m.group(2).decode())


def _xml_text(raw: bytes) -> str:
    text = raw.decode("utf-8", "replace")
    for entity, char in (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&apos;", "'")):
        text = text.replace(entity, char)
    return text.replace("&amp;", "&")
