"""Workbooks and wide forms -> long observation rows, with findings at sheet and cell (SPEC §8).

Two entry points, one result (:class:`SourceTable`):

* :func:`read_workbook` reads a *long* table, one row per observation, from an ``.xlsx``,
  ``.xlsm`` or ``.ods`` file (and an Excel 97 ``.xls``, which the reader also understands).
  The header row is the first row (of the first :data:`HEADER_SEARCH_ROWS`) that holds the
  required columns after the ``[csv.columns]`` mapping; title rows above it are skipped. A
  sheet whose header row holds ``agency`` and ``<indicator>.<figure>`` columns instead (the
  forms ``kpitui template`` writes) is read as a wide form without any mapping.
* :func:`read_wide` reads a *wide* form, one row per agency and a column per figure, as a
  ``[[sheet]]`` table describes it (:class:`~kpitui.core.model.SheetSpec`), from a workbook or a
  CSV file. Each figure cell becomes one long row; a blank cell is no row.

Cells are read with calamine (``python-calamine``), which gives each cell with its type, so a
number typed as a number is never re-read as text: ``1.5`` in a numeric cell is 1.5 even when
the data set writes ``1.234,5``. Text in a number column is handed over as text (``_text_*``)
for the loader to read with the ``[csv]`` conventions. ``bench/bench_workbook.py`` measures the
readers. What calamine does not say (error cells such as ``#DIV/0!``, formulas saved without a
value, hidden rows, cell fonts) is read from the sheet's XML in an ``.xlsx``/``.xlsm``, in one
streaming pass that looks at a cell only when its chunk holds what is looked for.

Decisions where SPEC is silent:

* The default sheet is the first *visible* worksheet (a hidden first sheet is usually a list
  for drop-downs). A sheet named in the TOML is read even when hidden, with a warning. Hidden
  rows are read (their figures were typed by someone), with one warning per sheet.
* A date cell in a ``period`` column is a month (``2024-06``), unless the column holds days:
  two or more date cells in one month on different days (a daily series); then every date
  cell of the column is a day (``2024-06-15``). A date in a period cell is its month.
* A header cell merged down over the header row (``Mã đơn vị`` over two header rows) heads its
  column. A header merged across columns heads only its first column: a warning, an error when
  the header is one the table needs (the columns under it would be ambiguous).
* The row right below the header is skipped when it only numbers the columns (``1 2 3`` or
  ``(1) (2)`` or ``A B C``), as Vietnamese forms do. Rows below the last row with a figure that
  lack an agency or a period (signatures, "Người lập biểu") are not data.
* An error cell in a column the table reads is an error at that cell and its row is left out
  (the file is in error anyway, so the loader keeps its last good version); in the note column
  it is a warning and the note is empty. Same for a formula saved without a value.
"""

from __future__ import annotations

import contextlib
import csv
import fnmatch
import io
import itertools
import operator
import os
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

import polars as pl

from kpitui.core import findings as fnd
from kpitui.core import legacy, sheetxml
from kpitui.core.definitions import CANONICAL_COLUMNS
from kpitui.core.findings import Finding, Severity
from kpitui.core.model import CsvOptions, SheetColumn, SheetSpec
from kpitui.core.sheetxml import ZIP_FAILURES, Extras, cell_ref, col_letter, parse_ref
from kpitui.core.sources.schema import MAX_FINDINGS_PER_KIND, NUMBERS, REQUIRED, TEXTS
from kpitui.core.text import clean, quote

WORKBOOK_EXTENSIONS = (".xlsx", ".xlsm", ".ods")
"""Workbook files a data folder reads (SPEC §8.1)."""
READABLE_EXTENSIONS = (*WORKBOOK_EXTENSIONS, ".xls")
"""What :func:`read_workbook` can open (an Excel 97 ``.xls`` too, with a warning)."""
CANONICAL = CANONICAL_COLUMNS
HEADER_SEARCH_ROWS = 50
"""The header row is looked for in this many rows at the top of a sheet."""
MAX_WORKBOOK_BYTES = 512 * 1024**2
"""A larger workbook is refused: a clear message beats running out of memory."""
MAX_CELL_FINDINGS = MAX_FINDINGS_PER_KIND
"""Cell findings of one kind shown per file, then a count."""

FRAME_SCHEMA: dict[str, pl.DataType] = {
    "row": pl.UInt32(),
    "indicator": pl.String(),
    "agency": pl.String(),
    "period": pl.String(),
    "note": pl.String(),
    "value": pl.Float64(),
    "_text_value": pl.String(),
    "numerator": pl.Float64(),
    "_text_numerator": pl.String(),
    "denominator": pl.Float64(),
    "_text_denominator": pl.String(),
    "_line": pl.UInt32(),
    "_where": pl.String(),
}
"""The columns every :class:`SourceTable` frame has, in this order; then one ``_where_<col>``
(String) per canonical column the file has, in :data:`CANONICAL` order."""


@dataclass(frozen=True, slots=True)
class SourceTable:
    """What a reader found in one file: long rows and the problems it saw itself.

    ``frame`` has one row per observation: :data:`FRAME_SCHEMA`, then ``_where_<column>`` for
    each canonical column present. ``row`` numbers the rows 0..n-1; ``_line`` is the row's
    1-based row number in its sheet (the line in a CSV file); ``_where`` is the row's first
    cell (``BC thang!A14``) and ``_where_<column>`` the exact cell of each value, the ``place``
    of a finding about it (both null for a CSV file: use ``_line``). Text is NFC.
    Numbers: ``<name>`` from a numeric cell, ``_text_<name>`` the text of any other non-blank
    cell (to be read with the ``[csv]`` conventions).
    ``findings`` are header- and cell-level: located with ``place`` (``BC thang!D14``) in a
    workbook, with ``line`` in a CSV file.
    """

    frame: pl.DataFrame
    findings: list[Finding] = field(default_factory=list)
    sheet: str = ""
    """The sheet read ("" for a CSV file)."""

    @property
    def ok(self) -> bool:
        return not any(f.is_error for f in self.findings)


def empty_frame(present: Iterable[str] = ()) -> pl.DataFrame:
    schema = dict(FRAME_SCHEMA)
    for name in CANONICAL:
        if name in set(present):
            schema[f"_where_{name}"] = pl.String()
    return pl.DataFrame(schema=schema)


def is_lock_file(path: str) -> bool:
    """An office suite's lock file next to an open workbook (``~$x.xlsx``, ``.~lock.x#``):
    never data, never a finding."""
    name = os.path.basename(path)
    return name.startswith("~$") or name.startswith(".~lock.")


def sheet_for(path: str, specs: Sequence[SheetSpec]) -> SheetSpec | None:
    """The first ``[[sheet]]`` whose ``files`` glob (relative to its TOML's folder) matches
    ``path``; None = a long table."""
    full = os.path.abspath(path)
    for spec in specs:
        base = os.path.abspath(spec.base or ".")
        rel = os.path.relpath(full, base).replace(os.sep, "/")
        if not rel.startswith("../") and fnmatch.fnmatchcase(rel, spec.files.replace("\\", "/")):
            return spec
    return None


# --------------------------------------------------------------------------- cells


def header_key(value: object) -> str:
    """A header cell as compared with the mapping: NFC text, blanks collapsed (a header may
    wrap over lines in its cell)."""
    if value is None or value == "":
        return ""
    text = value if isinstance(value, str) else _cell_text(value)
    return " ".join(unicodedata.normalize("NFC", text or "").split())


def _cell_text(value: object) -> str | None:
    """The text of a cell in a text column; None when blank."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 2**53 else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _as_date(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return None


# --------------------------------------------------------------------------- the grid


class _Unreadable(Exception):
    def __init__(self, finding: Finding) -> None:
        super().__init__(finding.format())
        self.finding = finding


@dataclass
class _Grid:
    """One sheet (or a CSV file): rows of cells, read lazily, and where they are."""

    path: str
    sheet: str
    rows: Iterator[tuple[int, list[Any]]]
    """(0-based row number, cells from column :attr:`col0`)."""
    col0: int = 0
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)
    extras: Extras = field(default_factory=Extras)
    is_csv: bool = False
    lines: list[int] | None = None
    """CSV: the line of each record, when quoted fields span lines."""
    findings: list[Finding] = field(default_factory=list)
    head: dict[int, list[Any]] = field(default_factory=dict)
    """The first rows, once read (the header search and the period cell look at them)."""

    def where(self, row: int, col: int) -> str | None:
        return None if self.is_csv else f"{self.sheet}!{cell_ref(row, col)}"

    def line(self, row: int) -> int:
        if self.lines is not None and row < len(self.lines):
            return self.lines[row]
        return row + 1

    def finding(
        self,
        severity: Severity,
        row: int,
        col: int,
        message: str,
        kind: str = "",
        indicator: str | None = None,
        agency: str | None = None,
    ) -> Finding:
        if self.is_csv:
            return Finding(
                self.path,
                self.line(row),
                severity,
                message,
                col=col + 1,
                kind=kind,
                indicator=indicator,
                agency=agency,
            )
        return Finding(
            self.path,
            row + 1,
            severity,
            message,
            kind=kind,
            indicator=indicator,
            agency=agency,
            place=f"{self.sheet}!{cell_ref(row, col)}",
        )

    def error(self, row: int, col: int, message: str, kind: str = "", **kw: Any) -> None:
        self.findings.append(self.finding(Severity.ERROR, row, col, message, kind, **kw))

    def warning(self, row: int, col: int, message: str, kind: str = "", **kw: Any) -> None:
        self.findings.append(self.finding(Severity.WARNING, row, col, message, kind, **kw))

    def merge_of(self, row: int, col: int) -> tuple[tuple[int, int], tuple[int, int]] | None:
        for (r0, c0), (r1, c1) in self.merged:
            if r0 <= row <= r1 and c0 <= col <= c1:
                return (r0, c0), (r1, c1)
        return None


def _file_error(path: str, message: str, kind: str = "unreadable") -> _Unreadable:
    return _Unreadable(fnd.error(path, 0, message, kind=kind))


def _sniff(path: str) -> str:
    """ "zip", "ole" (Excel 97 or an encrypted workbook), "ods-flat" or "other"; raises on a
    file that cannot be opened or is too large."""
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as fh:
            head = fh.read(8)
            if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
                # A half-written zip has no end-of-central-directory record yet.
                fh.seek(max(0, size - 65536 - 22))
                if b"PK\x05\x06" not in fh.read():
                    raise _file_error(
                        path, "cannot read (is it still being saved?)", kind="half_written"
                    )
                kind = "zip"
            elif head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
                kind = "ole"
            else:
                kind = "other"
    except OSError as exc:
        raise _file_error(path, f"cannot read file: {exc.strerror or exc}") from None
    if size > MAX_WORKBOOK_BYTES:
        raise _file_error(
            path, f"workbook is larger than {MAX_WORKBOOK_BYTES // 2**20} MiB; split it"
        )
    return kind


def _is_encrypted_ole(path: str) -> bool:
    """An encrypted OOXML workbook is an OLE file with an ``EncryptedPackage`` stream."""
    try:
        with open(path, "rb") as fh:
            data = fh.read(4 * 1024**2)
    except OSError:
        return False
    return "EncryptedPackage".encode("utf-16-le") in data


def _check_unpacked_size(path: str) -> None:
    """Refuse a workbook that unpacks to more than :data:`sheetxml.MAX_XML_BYTES` (a zip bomb
    in its shared strings would otherwise be unpacked whole by the reader)."""
    try:
        with zipfile.ZipFile(path) as zf:
            total = sum(info.file_size for info in zf.infolist())
    except ZIP_FAILURES:
        raise _file_error(
            path, "cannot read: the workbook is damaged (open and save it again)", "corrupt"
        ) from None
    if total > sheetxml.MAX_XML_BYTES:
        raise _file_error(
            path,
            f"the workbook unpacks to more than {sheetxml.MAX_XML_BYTES // 2**30} GiB; split it",
            "too_large",
        )


def _open_book(path: str) -> tuple[Any, str, list[Finding]]:
    """The calamine workbook, the sniffed kind, and warnings about the format."""
    import python_calamine

    kind = _sniff(path)
    notes: list[Finding] = []
    if kind == "zip":
        _check_unpacked_size(path)
    if kind == "ole":
        if _is_encrypted_ole(path):
            raise _file_error(
                path,
                "cannot read: the workbook is protected by a password; save a copy without "
                "one (File > Info > Protect Workbook > Encrypt with Password: empty)",
                kind="encrypted",
            )
        notes.append(
            fnd.warning(
                path,
                0,
                "an Excel 97-2003 workbook (.xls): error cells and formulas without a value "
                "cannot be checked; save it as .xlsx",
                kind="xls",
            )
        )
    elif kind == "other":
        raise _file_error(
            path,
            "cannot read: not a workbook (.xlsx, .xlsm, .ods), or a damaged one",
            kind="corrupt",
        )
    try:
        book = python_calamine.CalamineWorkbook.from_path(path)
    except BaseException as exc:
        if not _failure(exc):
            raise
        if kind == "ole":
            raise _file_error(
                path, "cannot read this Excel 97 workbook; save it as .xlsx", kind="xls"
            ) from None
        raise _file_error(
            path, "cannot read: the workbook is damaged (open and save it again)", kind="corrupt"
        ) from None
    return book, kind, notes


def _failure(exc: BaseException) -> bool:
    """Whether an exception from the calamine extension means a bad file: its own errors,
    OSError, ValueError, and a Rust panic (``PanicException``, a ``BaseException``); not an
    interrupt, an exit, a generator being closed or memory running out."""
    return not isinstance(exc, KeyboardInterrupt | SystemExit | GeneratorExit | MemoryError)


def _pick_sheet(book: Any, path: str, wanted: str | None) -> tuple[str, list[Finding]]:
    metas = list(book.sheets_metadata)
    names = [m.name for m in metas]
    notes: list[Finding] = []
    if wanted is not None:
        key = unicodedata.normalize("NFC", wanted).strip()
        match = next((n for n in names if unicodedata.normalize("NFC", n).strip() == key), None)
        if match is None:
            folded = key.casefold()
            match = next(
                (n for n in names if unicodedata.normalize("NFC", n).strip().casefold() == folded),
                None,
            )
        if match is None:
            listed = ", ".join(quote(n) for n in names)
            raise _file_error(
                path, f"no sheet {quote(wanted)} in the workbook; its sheets are {listed}", "sheet"
            )
        meta = metas[names.index(match)]
        if str(meta.visible).rsplit(".", 1)[-1].lower() != "visible":
            notes.append(
                fnd.warning(path, 0, f"sheet {quote(match)} is hidden; it is read", kind="hidden")
            )
        return match, notes
    for meta in metas:
        visible = str(meta.visible).rsplit(".", 1)[-1].lower() == "visible"
        worksheet = "work" in str(meta.typ).lower()
        if visible and worksheet:
            return meta.name, notes
    if not names:
        raise _file_error(path, "the workbook has no sheet", "sheet")
    return names[0], notes


def _workbook_grid(path: str, wanted: str | None, scan_fonts: bool = True) -> _Grid:
    book, kind, notes = _open_book(path)
    name, more = _pick_sheet(book, path, wanted)
    try:
        ws = book.get_sheet_by_name(name)
        start = ws.start
    except BaseException as exc:
        if not _failure(exc):
            raise
        raise _file_error(
            path, f"cannot read sheet {quote(name)}: the workbook is damaged", "corrupt"
        ) from None
    extras = Extras()
    if kind == "zip" and path.lower().endswith((".xlsx", ".xlsm")):
        try:
            extras = sheetxml.scan(path, name, scan_fonts)
        except sheetxml.SheetXmlError as exc:
            raise _file_error(path, str(exc), exc.kind) from None
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = []
    with contextlib.suppress(Exception):
        merged = [(tuple(a), tuple(b)) for a, b in (ws.merged_cell_ranges or [])]  # type: ignore[misc]
    col0 = 0 if start is None else int(start[1])

    def rows() -> Iterator[tuple[int, list[Any]]]:
        if start is None:
            return
        try:
            yield from enumerate(ws.iter_rows())
        except BaseException as exc:
            if not _failure(exc):
                raise
            raise _file_error(
                path, f"cannot read sheet {quote(name)}: the workbook is damaged", "corrupt"
            ) from None

    grid = _Grid(path, name, rows(), col0=col0, merged=merged, extras=extras)
    grid.findings.extend(notes + more)
    return grid


# --------------------------------------------------------------------------- CSV as a grid


def _csv_grid(path: str, opts: CsvOptions) -> _Grid:
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_WORKBOOK_BYTES + 1)
    except OSError as exc:
        raise _file_error(path, f"cannot read file: {exc.strerror or exc}") from None
    if len(data) > MAX_WORKBOOK_BYTES:
        raise _file_error(path, f"file is larger than {MAX_WORKBOOK_BYTES // 2**20} MiB; split it")
    encoding = opts.encoding
    if encoding == "utf-16" and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16-le"
    elif encoding == "utf-8" and data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode(encoding).lstrip("\ufeff")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise _Unreadable(
            fnd.error(
                path,
                line,
                f"bytes that are not valid {opts.encoding} (check [csv] encoding)",
                kind="encoding",
            )
        ) from None
    records: list[tuple[int, list[Any]]] = []
    lines: list[int] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=opts.delimiter)
    start = 1
    try:
        for index, record in enumerate(reader):
            records.append((index, list(record)))
            lines.append(start)
            start = reader.line_num + 1
    except csv.Error as exc:
        raise _Unreadable(
            fnd.error(path, start, f"malformed CSV: {clean(str(exc))}", kind="ragged")
        ) from None
    plain = all(line == i + 1 for i, line in enumerate(lines))
    return _Grid(path, "", iter(records), is_csv=True, lines=None if plain else lines)


# --------------------------------------------------------------------------- headers


@dataclass
class _Header:
    row: int
    names: dict[int, str]
    """Column -> header text (NFC, blanks collapsed), for the non-blank header cells."""


def _header_names(
    grid: _Grid,
    index: int,
    cells: list[Any],
    opts: CsvOptions,
    known: frozenset[str] = frozenset(),
) -> dict[int, str]:
    """Column -> header text of one row; ``known``: the headers a wide form lists."""
    mapping = {header_key(k): v for k, v in opts.columns}
    names: dict[int, str] = {}
    for i, value in enumerate(cells):
        col = grid.col0 + i
        text = header_key(value)
        if not text:
            merge = grid.merge_of(index, col)
            if merge and merge[0][0] < index and merge[0][1] == merge[1][1] == col:
                text = _head_text(grid, merge[0])
        if text and opts.legacy in legacy.ENCODINGS:
            font = grid.extras.font(index, col)
            converted = header_key(_convert(text, font, opts.legacy))
            # A header is converted when it reads as legacy text, or when only its converted
            # form is a column the data set knows ("Ghi chó" is "Ghi chú").
            if converted != text and (
                _legacy_match(text, font, opts.legacy)
                or (
                    (_canonical_of(converted, mapping) or converted in known)
                    and not (_canonical_of(text, mapping) or text in known)
                )
            ):
                text = converted
        if text:
            names[col] = text
    return names


def _head_text(grid: _Grid, at: tuple[int, int]) -> str:
    """The header text of a cell among the first rows ("" when blank or further down)."""
    cells = grid.head.get(at[0])
    if cells is None:
        return ""
    i = at[1] - grid.col0
    return header_key(cells[i]) if 0 <= i < len(cells) else ""


def _head(grid: _Grid, extra_rows: int = 0) -> list[tuple[int, list[Any]]]:
    """The first rows of the grid (kept for the header search and the period cell)."""
    head = list(itertools.islice(grid.rows, HEADER_SEARCH_ROWS + extra_rows))
    grid.head = dict(head)
    return head


def _canonical_of(name: str, mapping: dict[str, str]) -> str | None:
    canonical = mapping.get(name)
    if canonical is None and name.lower() in CANONICAL and name not in mapping:
        canonical = name.lower()
    return canonical


_WIDE_NAME = re.compile(r"([a-z0-9_.-]+)\.(value|numerator|denominator|note)")


def _legacy_match(text: str, font: str | None, wanted: str) -> bool:
    by_font = legacy.font_encoding(font)
    if by_font is not None:
        return by_font[0] == wanted and legacy.detect(text, font) == wanted
    return legacy.detect(text) == wanted


def _convert(text: str, font: str | None, encoding: str) -> str:
    by_font = legacy.font_encoding(font)
    upper = by_font is not None and by_font[0] == encoding and by_font[1]
    return legacy.convert(text, encoding, upper=upper)


# --------------------------------------------------------------------------- long tables


def read_workbook(path: str, opts: CsvOptions, sheet: str | None = None) -> SourceTable:
    """Read a long table (one row per observation) from a workbook. Never raises: a file that
    cannot be read is a :class:`SourceTable` with no rows and a finding that says why."""
    try:
        grid = _workbook_grid(path, sheet)
        head = _head(grid)
        header = _find_long_header(grid, head, opts)
        if header is None:
            wide = _implicit_wide(grid, head, opts)
            if wide is not None:
                return _read_wide_grid(grid, head, wide, opts)
            _no_header(grid, head, opts)
            return SourceTable(empty_frame(), _sorted(grid.findings), grid.sheet)
        return _read_long(grid, head, header, opts)
    except _Unreadable as exc:
        return SourceTable(empty_frame(), [exc.finding], "")


def _sorted(findings: list[Finding]) -> list[Finding]:
    """The findings in file order, at most :data:`MAX_CELL_FINDINGS` of each kind of cell
    finding (then one that counts the rest): a sheet of 5 000 ``#DIV/0!`` is one message."""
    out: list[Finding] = []
    seen: dict[tuple[str, Severity], int] = {}
    extra: dict[tuple[str, Severity], tuple[Finding, int]] = {}
    for f in fnd.sort_findings(findings):
        key = (f.kind, f.severity)
        n = seen.get(key, 0) + 1
        seen[key] = n
        if f.kind in _CELL_KINDS and n > MAX_CELL_FINDINGS:
            last, count = extra.get(key, (f, 0))
            extra[key] = (last, count + 1)
            continue
        out.append(f)
    for first_left_out, count in extra.values():
        out.append(
            Finding(
                first_left_out.path,
                first_left_out.line,
                first_left_out.severity,
                f"... and {count} more cells like this",
                kind=first_left_out.kind,
                place=first_left_out.place,
            )
        )
    return out


_CELL_KINDS = frozenset({"error_cell", "note_only"})


def _find_long_header(
    grid: _Grid, head: list[tuple[int, list[Any]]], opts: CsvOptions
) -> _Header | None:
    mapping = {header_key(k): v for k, v in opts.columns}
    found: _Header | None = None
    found_count = 0
    for index, cells in head:
        names = _header_names(grid, index, cells, opts)
        present = {_canonical_of(n, mapping) for n in names.values()} - {None}
        if not all(r in present for r in REQUIRED):
            if found is not None:
                break
            continue
        # A header over two rows (cells merged down over both): the lower row, when it
        # holds more of the columns, is the header.
        if found is not None and len(present) <= found_count:
            break
        found, found_count = _Header(index, names), len(present)
    return found


def _no_header(grid: _Grid, head: list[tuple[int, list[Any]]], opts: CsvOptions) -> None:
    """The error for a sheet without a header row, naming the closest row and a legacy hint."""
    mapping = {header_key(k): v for k, v in opts.columns}
    best: tuple[int, int, dict[int, str]] | None = None
    for index, cells in head:
        names = _header_names(grid, index, cells, opts)
        score = sum(1 for n in names.values() if _canonical_of(n, mapping) in REQUIRED)
        if names and (best is None or score > best[0]):
            best = (score, index, names)
    if best is None:
        grid.error(0, grid.col0, "the sheet is empty", kind="header")
        return
    _, index, names = best
    present = {_canonical_of(n, mapping) for n in names.values()}
    missing = [c for c in REQUIRED if c not in present]
    shown = ", ".join(quote(n) for n in list(names.values())[:8])
    hint = ""
    found = legacy.detect_many(names.values())
    if found and opts.legacy == "none":
        text, encoding = next(iter(found.items()))
        hint = (
            f"; the headers look typed in {legacy.describe(encoding)}: {quote(text)} reads as "
            f'{quote(legacy.convert(text, encoding))} (set [csv] legacy = "{encoding}")'
        )
    grid.error(
        index,
        min(names),
        "no header row with the required columns "
        + ", ".join(f"'{c}'" for c in missing)
        + f" in the first {HEADER_SEARCH_ROWS} rows; the closest, row {index + 1}, has {shown}"
        + hint,
        kind="header",
    )


def _layout(grid: _Grid, header: _Header, opts: CsvOptions) -> dict[str, int] | None:
    """Canonical column -> sheet column; header findings. None when the header is unusable."""
    mapping = {header_key(k): v for k, v in opts.columns}
    columns: dict[str, int] = {}
    ok = True
    for col, name in sorted(header.names.items()):
        canonical = _canonical_of(name, mapping)
        if canonical is None:
            grid.warning(
                header.row, col, f"column {quote(name)} is not used (ignored)", "ignored_column"
            )
            continue
        if canonical in columns:
            first = columns[canonical]
            grid.error(
                header.row,
                col,
                f"header {quote(name)} appears twice: columns {quote(header.names[first])} "
                f"({cell_ref(header.row, first)}) and {quote(name)} are both '{canonical}'",
                "header",
            )
            ok = False
            continue
        columns[canonical] = col
    ok = _merged_headers(grid, header, set(columns.values())) and ok
    present = set(columns)
    at = min(header.names)
    if "value" not in present and not {"numerator", "denominator"} <= present:
        grid.error(
            header.row, at, "needs a 'value' column or both 'numerator' and 'denominator'", "header"
        )
        ok = False
    elif ("numerator" in present) != ("denominator" in present):
        have = "numerator" if "numerator" in present else "denominator"
        other = "denominator" if have == "numerator" else "numerator"
        grid.error(header.row, at, f"has a '{have}' column but no '{other}' column", "header")
        ok = False
    return columns if ok else None


def _merged_headers(grid: _Grid, header: _Header, used: set[int]) -> bool:
    """Findings for header cells merged across columns; False when one heads a used column."""
    ok = True
    for (r0, c0), (r1, c1) in grid.merged:
        if not (r0 <= header.row <= r1) or c1 == c0:
            continue
        text = header.names.get(c0) if r0 == header.row else _head_text(grid, (r0, c0))
        if not text:
            continue
        span = f"{cell_ref(r0, c0)}:{cell_ref(r1, c1)}"
        message = (
            f"header cells {span} are merged: {quote(text)} heads column {col_letter(c0)} only; "
            "unmerge them and give each column its own header"
        )
        if c0 in used and r0 == header.row:
            grid.error(r0, c0, message, "merged_header")
            ok = False
        else:
            grid.warning(r0, c0, message, "merged_header")
    return ok


_NUMBERING = re.compile(r"\(?([0-9]{1,3}|[A-Za-z])\)?\.?")


def _is_numbering_row(cells: list[Any]) -> bool:
    """A row that only numbers the columns: ``1 2 3...``, ``(1) (2)...`` or ``A B C...``."""
    marks = []
    for value in cells:
        if _is_blank(value):
            continue
        text = _cell_text(value) or ""
        m = _NUMBERING.fullmatch(text.strip())
        if not m:
            return False
        mark = m.group(1)
        marks.append(int(mark) if mark.isdigit() else ord(mark.upper()) - 64)
    return len(marks) >= 3 and all(b == a + 1 for a, b in itertools.pairwise(marks))


@dataclass
class _Columns:
    """Column lists of the long rows being built."""

    data: dict[str, list[Any]] = field(default_factory=dict)

    def add(self, name: str, value: Any) -> None:
        self.data.setdefault(name, []).append(value)


def _data_rows(
    grid: _Grid, head: list[tuple[int, list[Any]]], header_row: int
) -> Iterator[tuple[int, list[Any]]]:
    rows = itertools.chain((r for r in head if r[0] > header_row), grid.rows)
    first = True
    for index, cells in rows:
        if first:
            first = False
            if _is_numbering_row(cells):
                continue
        yield index, cells


def _read_long(
    grid: _Grid, head: list[tuple[int, list[Any]]], header: _Header, opts: CsvOptions
) -> SourceTable:
    """The long rows of a sheet. Cells are picked row by row (the only per-row Python work)
    and typed column by column."""
    layout = _layout(grid, header, opts)
    if layout is None:
        return SourceTable(empty_frame(), _sorted(grid.findings), grid.sheet)
    names = [n for n in CANONICAL if n in layout]
    offsets = [layout[n] - grid.col0 for n in names]
    pick = _picker(offsets)
    lines: list[int] = []
    picked: list[tuple[Any, ...]] = []
    for index, cells in _data_rows(grid, head, header.row):
        lines.append(index + 1)
        picked.append(pick(cells))
    columns: list[tuple[Any, ...]] = list(zip(*picked, strict=True)) if picked else []
    del picked
    data: dict[str, pl.Series] = {"_line": pl.Series("_line", lines, dtype=pl.UInt32)}
    for i, name in enumerate(names):
        col = columns[i] if columns else ()
        if name in NUMBERS:
            data[name], data[f"_text_{name}"] = _number_column(name, col)
        else:
            data[name] = _text_column(name, col)
    n = len(lines)
    for name in TEXTS:
        data.setdefault(name, pl.Series(name, [None] * n, dtype=pl.String))
    for name in NUMBERS:
        data.setdefault(name, pl.Series(name, [None] * n, dtype=pl.Float64))
        data.setdefault(f"_text_{name}", pl.Series(f"_text_{name}", [None] * n, dtype=pl.String))
    frame = pl.DataFrame(data)
    frame = frame.filter(~pl.all_horizontal(pl.col(n).is_null() for n in names))
    bad = _bad_cells(grid, set(layout.values()))
    if bad:
        drop = {r + 1 for (r, _c) in bad if _row_has_bad_cell(grid, r, layout, bad)}
        frame = frame.filter(~pl.col("_line").is_in(sorted(drop)))
    # Rows below the last row with a figure that lack an agency or a period: a footer.
    figure = pl.any_horizontal(pl.col(c).is_not_null() for n in NUMBERS for c in (n, f"_text_{n}"))
    last = pl.col("_line").filter(figure).max()
    footer = (pl.col("_line") > last.fill_null(0)) & (
        pl.col("agency").is_null() | pl.col("period").is_null()
    )
    frame = frame.filter(~footer)
    first = col_letter(min(header.names))
    frame = frame.with_columns(
        _where=_where_expr(grid, first),
        _hidden=pl.col("_line").is_in(sorted(r + 1 for r in grid.extras.hidden_rows)),
        **{f"_where_{n}": _where_expr(grid, col_letter(layout[n])) for n in names},
    )
    frame = _finish(grid, frame, opts, layout)
    return SourceTable(frame, _sorted(grid.findings), grid.sheet)


def _picker(offsets: list[int]) -> Callable[[list[Any]], tuple[Any, ...]]:
    """A function that takes the cells at ``offsets`` of a row (None past its end)."""
    get = operator.itemgetter(*offsets)

    def pick(cells: list[Any]) -> tuple[Any, ...]:
        try:
            got = get(cells)
        except IndexError:  # a short row (calamine's rows all have the sheet's width)
            return tuple(cells[i] if i < len(cells) else None for i in offsets)
        return got if len(offsets) > 1 else (got,)

    return pick


def _where_expr(grid: _Grid, letter: str) -> pl.Expr:
    if grid.is_csv:
        return pl.lit(None, pl.String)
    return pl.concat_str(pl.lit(f"{grid.sheet}!{letter}"), pl.col("_line").cast(pl.String))


def _blank_to_null(series: pl.Series) -> pl.Series:
    return (
        series.to_frame()
        .select(pl.when(pl.col(series.name).str.strip_chars() != "").then(pl.col(series.name)))
        .to_series()
    )


def _text_column(name: str, col: Sequence[Any]) -> pl.Series:
    """A text column: strings as they are, numbers as ``101`` or ``1.5``, a date in the
    period column as its month or day (:func:`_period_dates`)."""
    if all(v.__class__ is str for v in col):
        return _blank_to_null(pl.Series(name, col, dtype=pl.String))
    dates = [(i, d) for i, v in enumerate(col) if (d := _as_date(v)) is not None]
    texts = [None if _is_blank(v) else _cell_text(v) for v in col]
    if name == "period" and dates:
        for i, text in _period_dates(dates):
            texts[i] = text
    return _blank_to_null(pl.Series(name, texts, dtype=pl.String))


def _number_column(name: str, col: Sequence[Any]) -> tuple[pl.Series, pl.Series]:
    """(numbers of the numeric cells, text of the other non-blank cells)."""
    if all(v.__class__ is float or v.__class__ is str for v in col):
        numbers = [v if v.__class__ is float else None for v in col]
        texts = [v if v.__class__ is str else None for v in col]
    else:
        pairs = [_number_cell(v) for v in col]
        numbers = [p[0] for p in pairs]
        texts = [p[1] for p in pairs]
    return (
        pl.Series(name, numbers, dtype=pl.Float64),
        _blank_to_null(pl.Series(f"_text_{name}", texts, dtype=pl.String)),
    )


def _number_cell(value: Any) -> tuple[float | None, str | None]:
    """(number, text) of a cell in a number column."""
    if _is_blank(value):
        return None, None
    if isinstance(value, float | int) and not isinstance(value, bool):
        return float(value), None
    return None, _cell_text(value)


def _bad_cells(grid: _Grid, columns: set[int]) -> dict[tuple[int, int], str]:
    """Error cells and formulas without a value in the columns read; -> the message."""
    out: dict[tuple[int, int], str] = {}
    for (r, c), code in grid.extras.errors.items():
        if c in columns:
            out[(r, c)] = f"the cell holds the error {code} (correct the formula)"
    for (r, c), formula in grid.extras.no_value.items():
        if c in columns and (r, c) not in out:
            out[(r, c)] = (
                f"the formula ={quote(formula)[1:-1]} has no saved value (open the workbook "
                "in a spreadsheet and save it, so that its formulas are calculated)"
            )
    return out


def _row_has_bad_cell(
    grid: _Grid, index: int, layout: dict[str, int], bad: dict[tuple[int, int], str]
) -> bool:
    """Report the bad cells of a row; True when the row must be left out."""
    drop = False
    for name, col in layout.items():
        message = bad.get((index, col))
        if message is None:
            continue
        if name == "note":
            grid.warning(index, col, f"column 'note': {message}", "error_cell")
        else:
            grid.error(index, col, f"column {quote(name)}: {message}", "error_cell")
            drop = True
    return drop


def _frame(out: _Columns, n: int, layout: dict[str, int] | Iterable[str]) -> pl.DataFrame:
    present = set(layout)
    schema = dict(FRAME_SCHEMA)
    for name in CANONICAL:
        if name in present:
            schema[f"_where_{name}"] = pl.String()
    data: dict[str, Any] = {}
    for name, dtype in schema.items():
        if name == "row":
            data[name] = pl.Series(name, range(n), dtype=pl.UInt32)
        else:
            values = out.data.get(name)
            data[name] = pl.Series(name, values if values is not None else [None] * n, dtype=dtype)
    hidden = out.data.get("_hidden")
    if hidden is not None:
        data["_hidden"] = pl.Series("_hidden", hidden, dtype=pl.Boolean)
    return pl.DataFrame(data)


def _period_dates(dates: list[tuple[int, date]]) -> list[tuple[int, str]]:
    """Date cells of a period column -> ``YYYY-MM``, or ``YYYY-MM-DD`` in a column of days
    (two date cells in one month on different days)."""
    days_by_month: dict[tuple[int, int], set[int]] = {}
    for _, d in dates:
        days_by_month.setdefault((d.year, d.month), set()).add(d.day)
    days = any(len(v) > 1 for v in days_by_month.values())
    return [(i, d.isoformat() if days else f"{d.year:04d}-{d.month:02d}") for i, d in dates]


def _fill_period_dates(out: _Columns, dates: list[tuple[int, date]]) -> None:
    if dates:
        periods = out.data["period"]
        for i, text in _period_dates(dates):
            periods[i] = text


def _finish(
    grid: _Grid, frame: pl.DataFrame, opts: CsvOptions, present: Iterable[str]
) -> pl.DataFrame:
    """Renumber the rows, NFC the text, legacy fonts, hidden rows; the final column order."""
    frame = frame.with_columns(
        pl.int_range(pl.len(), dtype=pl.UInt32).alias("row"),
        *[pl.col(c).str.normalize("NFC") for c in (*TEXTS, *(f"_text_{n}" for n in NUMBERS))],
    )
    frame = _legacy_columns(grid, frame, opts)
    if "_hidden" in frame.columns:
        hidden = frame.filter(pl.col("_hidden"))
        if hidden.height:
            lines = hidden.get_column("_line").to_list()
            shown = ", ".join(str(x) for x in lines[:10]) + (" ..." if len(lines) > 10 else "")
            first = hidden.row(0, named=True)
            row = int(first["_line"]) - 1
            grid.warning(
                row,
                _col_of(first["_where"]) if first["_where"] else 0,
                (
                    f"row {shown} is hidden; its figures are read"
                    if len(lines) == 1
                    else f"rows {shown} are hidden; their figures are read"
                ),
                "hidden",
            )
        frame = frame.drop("_hidden")
    wheres = [f"_where_{n}" for n in CANONICAL if f"_where_{n}" in frame.columns]
    return frame.select(*FRAME_SCHEMA, *wheres)


def _col_of(where: str) -> int:
    return parse_ref(where.rsplit("!", 1)[-1])[1]


def _legacy_columns(grid: _Grid, frame: pl.DataFrame, opts: CsvOptions) -> pl.DataFrame:
    """Warn about (or, with ``[csv] legacy``, convert) text typed in a legacy font.

    Ids (indicator, agency) are never converted: a warning shows what they would read as.
    """
    columns = [*TEXTS, *(f"_text_{n}" for n in NUMBERS)]
    use_fonts = bool(grid.extras.fonts or grid.extras.default_font)
    updates: dict[str, list[str | None]] = {}
    for name in columns:
        series = frame.get_column(name)
        if series.null_count() == series.len():
            continue
        wheres = (
            frame.get_column(f"_where_{name.removeprefix('_text_')}")
            if (f"_where_{name.removeprefix('_text_')}" in frame.columns)
            else None
        )
        # Only non-ASCII text can be legacy text; without fonts each distinct text is
        # tested once.
        candidates = series.str.contains(r"[^\x00-\x7F]").fill_null(False)
        if use_fonts and wheres is not None:
            index = candidates.arg_true().to_list()
            texts, places = series.to_list(), wheres.to_list()
            pairs = {
                i: (texts[i], grid.extras.font(*parse_ref(places[i].rsplit("!", 1)[-1])))
                for i in index
                if places[i]
            }
        else:
            distinct = series.filter(candidates).unique().to_list()
            hits = [t for t in distinct if legacy.detect(t) is not None]
            index = series.is_in(hits).fill_null(False).arg_true().to_list() if hits else []
            pairs = dict(
                zip(index, ((t, None) for t in series.gather(index).to_list()), strict=True)
            )
        found: dict[tuple[str, str | None], str] = {}
        for key in set(pairs.values()):
            encoding = legacy.detect(key[0], key[1])
            if encoding is not None:
                found[key] = encoding
        if not found:
            continue
        rows = [i for i, key in pairs.items() if key in found]
        is_id = name in ("indicator", "agency")
        convert = opts.legacy in legacy.ENCODINGS and not is_id
        converted = [i for i in rows if convert and found[pairs[i]] == opts.legacy]
        done = set(converted)
        if converted:
            values = series.to_list()
            for i in converted:
                text, font = pairs[i]
                values[i] = unicodedata.normalize("NFC", _convert(str(text), font, opts.legacy))
            updates[name] = values
        left = [i for i in rows if i not in done]
        if left:
            i = left[0]
            text, font = pairs[i]
            encoding = found[pairs[i]]
            shown = _convert(str(text), font, encoding)
            column = name.removeprefix("_text_")
            where = frame.get_column("_where")[i]
            line = int(frame.get_column("_line")[i]) - 1
            col = _col_of(where) if where else 0
            if wheres is not None and wheres[i]:
                col = _col_of(wheres[i])
            more = f" ({len(left)} cells)" if len(left) > 1 else ""
            if is_id:
                advice = "ids are not converted: correct them in the file"
            else:
                advice = f'set [csv] legacy = "{encoding}" to convert on load'
            grid.warning(
                line,
                col,
                f"column '{column}': {quote(text)} looks typed in {legacy.describe(encoding)} "
                f"and reads as {quote(shown)}{more}; {advice}",
                "legacy_font",
            )
    if updates:
        frame = frame.with_columns(
            pl.Series(name, values, dtype=pl.String) for name, values in updates.items()
        )
    return frame


# --------------------------------------------------------------------------- wide forms


@dataclass
class _WideSpec:
    """A wide form as read: from a ``[[sheet]]`` table, or recognised by its canonical names."""

    agency: str
    columns: tuple[SheetColumn, ...]
    period: str | None = None
    period_cell: str | None = None
    period_column: str | None = None
    """Header of a column holding each row's period (the forms ``kpitui template`` writes)."""


def read_wide(path: str, spec: SheetSpec, opts: CsvOptions) -> SourceTable:
    """Read a wide form (a workbook or a CSV file) as ``spec`` describes it. Never raises."""
    wide = _WideSpec(
        agency=header_key(spec.agency),
        columns=tuple(
            SheetColumn(header_key(c.header), c.indicator, c.figure) for c in spec.columns
        ),
        period=spec.period,
        period_cell=spec.period_cell,
    )
    extra = 0
    if spec.period_cell:
        with contextlib.suppress(ValueError):
            extra = max(0, parse_ref(spec.period_cell)[0] + 1 - HEADER_SEARCH_ROWS)
    try:
        if path.lower().endswith((".csv", ".txt", ".tsv")):
            grid = _csv_grid(path, opts)
        else:
            grid = _workbook_grid(path, spec.sheet)
        head = _head(grid, extra)
        return _read_wide_grid(grid, head, wide, opts)
    except _Unreadable as exc:
        return SourceTable(empty_frame(), [exc.finding], "")


def _implicit_wide(
    grid: _Grid, head: list[tuple[int, list[Any]]], opts: CsvOptions
) -> _WideSpec | None:
    """A header row of canonical wide names: ``agency``, ``period`` and ``<id>.<figure>``."""
    mapping = {header_key(k): v for k, v in opts.columns}
    for index, cells in head:
        names = _header_names(grid, index, cells, opts)
        agency = next((n for n in names.values() if _canonical_of(n, mapping) == "agency"), None)
        columns = []
        for name in names.values():
            m = _WIDE_NAME.fullmatch(name)
            if m:
                columns.append(SheetColumn(name, m.group(1), m.group(2)))
        if agency is not None and columns:
            period = next(
                (n for n in names.values() if _canonical_of(n, mapping) == "period"), None
            )
            return _WideSpec(agency=agency, columns=tuple(columns), period_column=period)
    return None


def _read_wide_grid(
    grid: _Grid, head: list[tuple[int, list[Any]]], wide: _WideSpec, opts: CsvOptions
) -> SourceTable:
    header = _find_wide_header(grid, head, wide, opts)
    if header is None:
        return SourceTable(empty_frame(), _sorted(grid.findings), grid.sheet)
    by_name: dict[str, int] = {}
    for col, name in sorted(header.names.items()):
        if name in by_name and _wanted(name, wide):
            grid.error(
                header.row,
                col,
                f"header {quote(name)} appears twice ({cell_ref(header.row, by_name[name])} "
                f"and {cell_ref(header.row, col)})",
                "header",
            )
        by_name.setdefault(name, col)
    ok = not any(f.is_error for f in grid.findings)
    missing = [c for c in wide.columns if c.header not in by_name]
    for c in missing:
        grid.error(
            header.row,
            min(header.names),
            f"header {quote(c.header)} ({c.indicator}.{c.figure}) is not in the header row "
            f"{header.row + 1}",
            "missing_column",
            indicator=c.indicator,
        )
    agency_col = by_name[wide.agency]
    period_col = by_name.get(wide.period_column) if wide.period_column else None
    if wide.period_column and period_col is None:  # pragma: no cover - found with the header
        ok = False
    used = {agency_col, *(by_name[c.header] for c in wide.columns if c.header in by_name)}
    if period_col is not None:
        used.add(period_col)
    ok = _merged_headers(grid, header, used) and ok and not missing
    period, period_where = _wide_period(grid, head, wide)
    if period is None and period_col is None and wide.period_cell is None:
        grid.error(
            header.row,
            min(header.names),
            "the header row has no 'period' column (each row's period)",
            "header",
        )
    if not ok or (period is None and period_col is None):
        return SourceTable(empty_frame(), _sorted(grid.findings), grid.sheet)
    columns = [(c, by_name[c.header]) for c in wide.columns]
    indicators = list(dict.fromkeys(c.indicator for c in wide.columns))
    bad = _bad_cells(grid, used)
    out = _Columns()
    first_col = min(header.names)
    period_dates: list[tuple[int, date]] = []
    n = 0
    for index, cells in _data_rows(grid, head, header.row):

        def cell(col: int, cells: list[Any] = cells) -> Any:
            i = col - grid.col0
            return cells[i] if 0 <= i < len(cells) else None

        agency_value = cell(agency_col)
        row_period: Any = period
        if period_col is not None:
            row_period = cell(period_col)
        for ind in indicators:
            figures = {c.figure: col for c, col in columns if c.indicator == ind}
            filled = [
                f
                for f in ("value", "numerator", "denominator")
                if f in figures and (not _is_blank(cell(figures[f])) or (index, figures[f]) in bad)
            ]
            if not filled:
                note_col = figures.get("note")
                if note_col is not None and not _is_blank(cell(note_col)):
                    grid.warning(
                        index,
                        note_col,
                        f"a note for {quote(ind)} without a figure is not read",
                        "note_only",
                        indicator=ind,
                    )
                continue
            if any((index, figures[f]) in bad for f in filled) or (index, agency_col) in bad:
                for f in filled:
                    if (index, figures[f]) in bad:
                        grid.error(
                            index,
                            figures[f],
                            f"{ind}.{f}: {bad[(index, figures[f])]}",
                            "error_cell",
                            indicator=ind,
                        )
                if (index, agency_col) in bad:
                    grid.error(
                        index,
                        agency_col,
                        f"column 'agency': {bad[(index, agency_col)]}",
                        "error_cell",
                    )
                continue
            out.add("indicator", ind)
            out.add("agency", None if _is_blank(agency_value) else _cell_text(agency_value))
            if (d := _as_date(row_period)) is not None and period_col is not None:
                period_dates.append((n, d))
                out.add("period", None)
            else:
                out.add("period", _cell_text(row_period) if not _is_blank(row_period) else None)
            note_col = figures.get("note")
            note = cell(note_col) if note_col is not None else None
            out.add("note", None if _is_blank(note) else _cell_text(note))
            for name in NUMBERS:
                number, text = (
                    _number_cell(cell(figures[name])) if name in figures else (None, None)
                )
                out.add(name, number)
                out.add(f"_text_{name}", text)
            out.add("_line", index + 1)
            out.add("_where", grid.where(index, first_col))
            out.add("_where_indicator", grid.where(header.row, figures[next(iter(filled))]))
            out.add("_where_agency", grid.where(index, agency_col))
            out.add(
                "_where_period",
                grid.where(index, period_col) if period_col is not None else period_where,
            )
            for figure in (*NUMBERS, "note"):
                out.add(
                    f"_where_{figure}",
                    grid.where(index, figures[figure]) if figure in figures else None,
                )
            out.add("_hidden", index in grid.extras.hidden_rows)
            n += 1
    present = ["indicator", "agency", "period", *NUMBERS, "note"]
    _fill_period_dates(out, period_dates)
    frame = _frame(out, n, present)
    frame = _finish(grid, frame, opts, present)
    return SourceTable(frame, _sorted(grid.findings), grid.sheet)


def _wanted(name: str, wide: _WideSpec) -> bool:
    return (
        name == wide.agency
        or name == wide.period_column
        or any(c.header == name for c in wide.columns)
    )


def _find_wide_header(
    grid: _Grid, head: list[tuple[int, list[Any]]], wide: _WideSpec, opts: CsvOptions
) -> _Header | None:
    """The row with the agency header and the most of the listed headers (the first such)."""
    best: tuple[int, _Header] | None = None
    listed = {c.header for c in wide.columns}
    known = frozenset({wide.agency, *listed})
    for index, cells in head:
        names = _header_names(grid, index, cells, opts, known)
        values = set(names.values())
        if wide.agency not in values:
            continue
        score = len(listed & values)
        if best is None or score > best[0]:
            best = (score, _Header(index, names))
    if best is None:
        hint = ""
        texts = [header_key(v) for _, cells in head for v in cells if isinstance(v, str)]
        found = legacy.detect_many(t for t in texts if t)
        if found and opts.legacy == "none":
            text, encoding = next(iter(found.items()))
            hint = (
                f"; the sheet's text looks typed in {legacy.describe(encoding)}: {quote(text)} "
                f'reads as {quote(legacy.convert(text, encoding))} (set [csv] legacy = "{encoding}")'
            )
        grid.error(
            0,
            grid.col0,
            f"no header {quote(wide.agency)} (the agency column) in the first "
            f"{HEADER_SEARCH_ROWS} rows" + hint,
            "header",
        )
        return None
    return best[1]


def _wide_period(
    grid: _Grid, head: list[tuple[int, list[Any]]], wide: _WideSpec
) -> tuple[str | None, str | None]:
    """(period text, its cell) of a wide form with a literal period or a period cell."""
    if wide.period is not None:
        return wide.period, None
    if wide.period_cell is None:
        return None, None
    try:
        row, col = parse_ref(wide.period_cell)
    except ValueError:
        grid.error(0, 0, f"period_cell {quote(wide.period_cell)} is not a cell", "period")
        return None, None
    rows = dict(head)
    cells = rows.get(row, [])
    i = col - grid.col0
    value = cells[i] if 0 <= i < len(cells) else None
    if _is_blank(value):
        grid.error(row, col, f"the period cell {wide.period_cell} is empty", "period")
        return None, None
    if (d := _as_date(value)) is not None:
        return f"{d.year:04d}-{d.month:02d}", grid.where(row, col)
    text = _cell_text(value)
    return (unicodedata.normalize("NFC", text.strip()) if text else None), grid.where(row, col)
