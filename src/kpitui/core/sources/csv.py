"""CSV observation files (SPEC §2.2): the header, the fast typed scan and the careful read.

Line numbers: the header is line 1 and every record one line (polars counts a blank line as
an empty record), unless a quoted field spans lines; then :func:`record_lines` recounts with
the ``csv`` module, for files that have findings only.
"""

from __future__ import annotations

import csv
import io
import mmap
import unicodedata
from dataclasses import dataclass

import polars as pl

from kpitui.core import findings as fnd
from kpitui.core.definitions import CANONICAL_COLUMNS
from kpitui.core.findings import Finding
from kpitui.core.load.files import Content, ReadFailure
from kpitui.core.model import CsvOptions
from kpitui.core.sources.schema import (
    FAST_SCHEMA,
    MAX_FIELD_CHARS,
    NUMBERS,
    REQUIRED,
    Careful,
    Parsed,
    failed,
    number_exprs,
)
from kpitui.core.text import clean, quote

EXTRA = "_extra_field"
"""A column past the header's last one: only rows with too many fields fill it."""
HEADER_BYTES = 1 << 16
MAX_HEADER_BYTES = 1 << 20


@dataclass(frozen=True, slots=True)
class Layout:
    """How the columns of one file map to the canonical columns."""

    names: tuple[str, ...]
    """One polars column name per column of the file: canonical or ``_ignored_<n>``."""

    @property
    def present(self) -> frozenset[str]:
        return frozenset(n for n in self.names if not n.startswith("_ignored_"))


# --------------------------------------------------------------------------- decoding


def _decode_error(path: str, data: bytes, exc: UnicodeDecodeError, encoding: str) -> Finding:
    # Count lines and columns in the text before the bad bytes, not in bytes: a UTF-16 file
    # has two bytes a character (and a 0x0A byte inside other characters).
    before = data[: exc.start].decode(exc.encoding, errors="replace").lstrip("\ufeff")
    line = before.count("\n") + 1
    col = len(before) - (before.rfind("\n") + 1) + 1
    return fnd.error(
        path,
        line,
        f"bytes that are not valid {encoding} (check [csv] encoding)",
        col=col,
        kind="encoding",
    )


def _decode_all(path: str, data: bytes, opts: CsvOptions, partial: bool = False) -> str:
    encoding = opts.encoding
    if encoding == "utf-16":
        if not data.startswith((b"\xff\xfe", b"\xfe\xff")):
            encoding = "utf-16-le"
    elif data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        if partial:
            text = data[: exc.start].decode(encoding, errors="ignore")
        else:
            raise ReadFailure(_decode_error(path, data, exc, opts.encoding)) from None
    return text.lstrip("\ufeff")


def _looks_utf16(head: bytes) -> bool:
    sample = head[:512]
    return len(sample) >= 4 and sample.count(b"\x00") * 4 >= len(sample)


def _head(content: Content) -> bytes:
    """The first line of the file (bounded), with enough after it to be sure it ended."""
    head = content.head(HEADER_BYTES)
    if b"\n" not in head and b"\r" not in head and content.size > len(head):
        head = content.head(MAX_HEADER_BYTES)
        if b"\n" not in head and b"\r" not in head and content.size > len(head):
            raise ReadFailure(
                fnd.error(
                    content.path,
                    1,
                    f"the header line is longer than {MAX_HEADER_BYTES // 1024} KiB "
                    "(is this a CSV file?)",
                    kind="header",
                )
            )
    return head


def _header_text(path: str, head: bytes, opts: CsvOptions) -> str:
    """The decoded first line of a file."""
    if opts.encoding == "utf-16":
        text = _decode_all(path, head + b"\n\x00" if len(head) % 2 else head, opts, partial=True)
    else:
        if _looks_utf16(head):
            raise ReadFailure(
                fnd.error(
                    path,
                    1,
                    'the file holds NUL bytes: is it UTF-16? (set [csv] encoding = "utf-16")',
                    kind="encoding",
                )
            )
        if head.startswith(b"\xef\xbb\xbf"):
            head = head[3:]
        first = head.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n", 1)[0]
        try:
            text = first.decode(opts.encoding)
        except UnicodeDecodeError as exc:
            raise ReadFailure(_decode_error(path, first, exc, opts.encoding)) from None
    return text.splitlines()[0] if text.strip() else ""


def read_layout(path: str, opts: CsvOptions, head: bytes) -> tuple[Layout, list[Finding]]:
    """Map the header of a file to canonical columns. Raises :class:`ReadFailure` if unusable."""
    text = _header_text(path, head, opts)
    if not text.strip():
        raise ReadFailure(fnd.error(path, 1, "no header line (the file is empty)", kind="header"))
    fields = next(csv.reader([text], delimiter=opts.delimiter), [])
    names, findings = map_header(path, [unicodedata.normalize("NFC", f) for f in fields], opts)
    return Layout(tuple(names)), findings


def map_header(
    path: str, fields: list[str], opts: CsvOptions, place: str = ""
) -> tuple[list[str], list[Finding]]:
    """Canonical names of header fields (``[csv.columns]`` first, then the canonical names
    themselves, any case). Raises :class:`ReadFailure` when a required column is missing."""
    mapping = opts.column_map
    names: list[str] = []
    ignored: list[str] = []
    seen: dict[str, str] = {}
    line = 0 if place else 1
    for i, raw in enumerate(fields):
        header = raw.strip()
        canonical = mapping.get(header)
        if canonical is None and header.lower() in CANONICAL_COLUMNS and header not in mapping:
            canonical = header.lower()
        if canonical is None:
            names.append(f"_ignored_{i}")
            if header:
                ignored.append(header)
            continue
        if canonical in seen:
            raise ReadFailure(
                fnd.error(
                    path,
                    line,
                    f"columns {quote(seen[canonical])} and {quote(header)} are both '{canonical}'",
                    kind="header",
                    place=place,
                )
            )
        seen[canonical] = header
        names.append(canonical)
    present = set(seen)
    missing = [c for c in REQUIRED if c not in present]

    def fail(message: str) -> ReadFailure:
        return ReadFailure(fnd.error(path, line, message, kind="header", place=place))

    if missing:
        joined = opts.delimiter.join(fields)
        hint = ""
        if len(fields) == 1 and any(d in joined for d in ",;\t|" if d != opts.delimiter):
            hint = " (is [csv] delimiter right?)"
        raise fail(
            "missing required column "
            + ", ".join(f"'{c}'" for c in missing)
            + f"; the header has {', '.join(quote(f) for f in fields[:8])}{hint}"
        )
    if "value" not in present and not {"numerator", "denominator"} <= present:
        raise fail("needs a 'value' column or both 'numerator' and 'denominator'")
    if ("numerator" in present) != ("denominator" in present):
        have = "numerator" if "numerator" in present else "denominator"
        other = "denominator" if have == "numerator" else "numerator"
        raise fail(f"has a '{have}' column but no '{other}' column")
    findings = [
        fnd.warning(
            path,
            line,
            f"column {quote(name)} is not used (ignored)",
            kind="ignored_column",
            place=place,
        )
        for name in ignored
    ]
    return names, findings


# --------------------------------------------------------------------------- what polars reads


def _prepared(content: Content, opts: CsvOptions) -> str | bytes:
    """What polars reads: the bytes or the (absolute) file as they are when they are UTF-8
    with LF or CRLF line ends; else re-encoded as UTF-8 with LF line ends."""
    if opts.encoding == "utf-8":
        head = content.head(HEADER_BYTES)
        if not (b"\r" in head and b"\n" not in head):
            return content.source()
        data = content.read()
        if b"\n" in data:
            return content.source()
        # Old Mac line ends (CR only): one line for polars, so say what they are.
        return data.replace(b"\r", b"\n")
    text = unicodedata.normalize("NFC", _decode_all(content.path, content.read(), opts))
    if "\n" not in text and "\r" in text:
        text = text.replace("\r", "\n")
    return text.encode("utf-8")


def _odd_quotes(content: Content) -> bool:
    """Whether a file held in memory has an odd number of quote characters: an unterminated
    quoted field, which polars' typed readers have been seen to panic on; such a file is read
    carefully only. (A large file is not scanned for this: a panic is caught like any read
    failure, and its text never reaches the terminal, see ``kpitui.native_stderr``.)"""
    return content.data is not None and content.data.count(b'"') % 2 == 1


def typed_numbers(opts: CsvOptions) -> bool:
    """Whether the CSV reader can type the number columns itself (the fast path).

    Not with a decimal comma: the reader would also take ``309.104`` as 309.104, where a
    Vietnamese file means 309104; :func:`number_exprs` refuses a "." that is not the thousands
    mark.
    """
    return not opts.thousands and opts.decimal == "."


def _scan(
    source: str | bytes,
    opts: CsvOptions,
    layout: Layout,
    typed: bool,
    careful: bool,
    located: bool = False,
    agencies: pl.DataType | None = None,
) -> pl.LazyFrame:
    """The lazy frame of one file: fast (:data:`FAST_SCHEMA`, or with ``row`` when
    ``located``) or careful (located, every number with its text)."""
    dtypes: dict[str, pl.DataType] = {
        name: (pl.Float64() if typed and name in NUMBERS else pl.String()) for name in layout.names
    }
    if agencies is not None and not careful and not located:
        dtypes["agency"] = agencies
    # A row with more fields than the header: polars reports it only when every column is
    # read, and projection pushdown reads fewer, so the fast path would silently drop the
    # extra fields. One more column catches them and marks the row bad (-> the careful read,
    # which reads every column and reports the ragged row with its line).
    # missing_columns="insert": polars counts the columns on the first data row, so a
    # short first row (or the extra column) must not fail the whole file.
    if not careful:
        dtypes[EXTRA] = pl.String()
    lf = pl.scan_csv(
        source,
        has_header=False,
        skip_rows=1,
        separator=opts.delimiter,
        schema=dtypes,
        row_index_name="row" if careful or located else None,
        encoding="utf8",
        raise_if_empty=False,
        missing_columns="insert",
        glob=False,  # a file name is a name: "obs*.csv" must not read the other files
    )
    present = layout.present
    exprs: list[pl.Expr] = [pl.col("row")] if careful or located else []
    exprs += [pl.col(name) for name in REQUIRED]
    bad: list[pl.Expr] = []
    for name in NUMBERS:
        if name not in present:
            exprs.append(pl.lit(None, pl.Float64).alias(name))
        elif typed:
            exprs.append(pl.col(name))
        else:
            number, unreadable = number_exprs(pl.col(name), name, opts)
            exprs.append(number.alias(name))
            bad.append(unreadable)
            if careful:
                exprs.append(pl.col(name).alias(f"_text_{name}"))
                exprs.append(unreadable.fill_null(False).alias(f"_bad_{name}"))
    exprs.append(pl.col("note") if "note" in present else pl.lit(None, pl.String).alias("note"))
    if careful:
        blank = pl.all_horizontal(pl.col(n).is_null() for n in layout.names)
        return lf.filter(~blank).select(exprs)
    bad.append(pl.col(EXTRA).is_not_null())
    # A field too long to be a figure (the careful read says which, with its line).
    bad += [
        pl.col(n).str.len_bytes() > MAX_FIELD_CHARS
        for n in (*REQUIRED, "note")
        if n in present and not (n == "agency" and agencies is not None)  # a known id is short
    ]
    exprs.append(pl.any_horizontal(bad).fill_null(False).alias("bad"))
    if located:
        blank = pl.all_horizontal(pl.col(n).is_null() for n in layout.names)
        return lf.filter(~blank).select(exprs).select("row", *FAST_SCHEMA)
    # The streaming pass recognises blank lines itself (a filter here costs 30 %).
    return lf.select(exprs).select(list(FAST_SCHEMA))


# --------------------------------------------------------------------------- line numbers


def record_lines(content: Content, opts: CsvOptions) -> list[int] | None:
    """Line number of every record (after the header) when quoted fields span lines, else None.

    None means "record i is on line i + 2", the common case, decided without reading the
    whole file into Python when it has no quote character at all.
    """
    try:
        if content.data is not None:
            if b'"' not in content.data and b"\r" not in content.data.replace(b"\r\n", b""):
                return None
            data = content.data
        else:
            name = content.copy or content.path
            with open(name, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
                if mm.find(b'"') < 0:
                    return None
                data = mm[:]
    except (OSError, ValueError):
        data = b""
    try:
        text = _decode_all(content.path, data, opts)
    except ReadFailure:
        return None
    lines: list[int] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=opts.delimiter)
    try:
        next(reader, None)
        start = reader.line_num + 1
        for _ in reader:
            lines.append(start)
            start = reader.line_num + 1
    except csv.Error:
        pass
    if all(line == i + 2 for i, line in enumerate(lines)):
        return None
    return lines


class LineLocator:
    """Row index -> line number of one file version, computed on first use."""

    def __init__(self, content: Content, opts: CsvOptions) -> None:
        self.content = content
        self.opts = opts
        self._lines: list[int] | None = None
        self._done = False

    def __call__(self, row: int, column: str | None = None) -> tuple[int, str]:
        if not self._done:
            self._lines = record_lines(self.content, self.opts)
            self._done = True
        lines = self._lines
        if lines is not None and 0 <= row < len(lines):
            return lines[row], ""
        return row + 2, ""


def _structure_error(content: Content, opts: CsvOptions, ncols: int, message: str) -> Finding:
    """Locate a structural defect polars reported (a ragged row, an open quote)."""
    path = content.path
    try:
        text = _decode_all(path, content.read(), opts)
    except ReadFailure as exc:
        return exc.finding
    except OSError as exc:
        return fnd.error(path, 0, f"cannot read file: {exc.strerror or exc}")
    lone = _lone_cr_line(text)
    if lone:
        return fnd.error(
            path,
            lone,
            "a carriage return (CR) alone in the middle of the file; lines end with LF or CRLF",
            kind="ragged",
        )
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=opts.delimiter, strict=True)
    line = 1
    try:
        next(reader, None)
        line = reader.line_num + 1
        for record in reader:
            if record and len(record) > ncols:
                return fnd.error(
                    path,
                    line,
                    f"row has {len(record)} fields, the header has {ncols}",
                    kind="ragged",
                )
            line = reader.line_num + 1
    except csv.Error as exc:
        return fnd.error(path, line, f"malformed CSV: {_csv_message(exc)}", kind="ragged")
    except RecursionError:  # pragma: no cover
        pass
    # What polars said is an engine's message, not the user's: it goes to the log only.
    return fnd.error(
        path, 0, "cannot read as CSV: the structure of its lines is damaged", kind="ragged"
    )


def _lone_cr_line(text: str) -> int:
    """The line (counted by LF) holding a CR that is not part of a CRLF, outside quotes; 0
    when there is none or the file has no LF at all (old Mac files are read as such)."""
    if "\r" not in text or "\n" not in text:
        return 0
    quoted = False
    line = 1
    for i, ch in enumerate(text):
        if ch == '"':
            quoted = not quoted
        elif ch == "\n":
            line += 1
        elif ch == "\r" and not quoted and text[i + 1 : i + 2] != "\n":
            return line
    return 0


def _csv_message(exc: csv.Error) -> str:
    text = str(exc)
    if "unexpected end of data" in text:
        return "a quoted field is not closed (unexpected end of data)"
    return clean(text)


# --------------------------------------------------------------------------- one file


def _check_utf8(content: Content) -> None:
    data = content.read()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ReadFailure(_decode_error(content.path, data, exc, "utf-8")) from None


def parse(content: Content, opts: CsvOptions) -> Parsed:
    """A CSV file version: its header now, its rows when asked."""
    try:
        layout, header_findings = read_layout(content.path, opts, _head(content))
        source = _prepared(content, opts)
    except ReadFailure as exc:
        return failed(content, "csv", exc.finding)
    typed = typed_numbers(opts)
    risky = _odd_quotes(content)

    def fast(agencies: pl.DataType | None = None) -> pl.LazyFrame:
        return _scan(source, opts, layout, typed, careful=False, agencies=agencies)

    def located() -> pl.LazyFrame:
        return _scan(source, opts, layout, typed, careful=False, located=True)

    def explain(exc: BaseException) -> Finding:
        return _structure_error(content, opts, len(layout.names), str(exc))

    def careful() -> Careful:
        locate = LineLocator(content, opts)
        present = frozenset(layout.present & set(NUMBERS))
        if opts.encoding == "utf-8":
            _check_utf8(content)
        if risky:
            return Careful(None, (explain(ValueError("")),), locate, present)
        frame = _scan(source, opts, layout, False, careful=True)
        return Careful(frame, (), locate, present, explain)

    return Parsed(
        content.path,
        "csv",
        tuple(header_findings),
        None if risky else fast,
        careful,
        None if risky else located,
    )
