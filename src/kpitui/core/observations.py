"""Observation files (CSV, SPEC §2.2) -> polars frames with one canonical schema.

Two ways to read a file, one result:

* :func:`scan` is the fast path: a lazy polars scan with the numbers typed by the CSV reader
  itself (or, when the data set uses a thousands separator or trailing ``%``, cleaned with
  vectorised string expressions). It reports nothing; problems surface as counters in the
  roll-up (``rollup.aggregate``) or as a polars error.
* :func:`check_file` is the careful path, taken only when the fast path saw a problem: it reads
  the file, finds every defect with its line and returns the frame only if the file is sound.

Line numbers: the header is line 1 and every record one line (polars counts a blank line as
an empty record), unless a quoted field spans lines; then :func:`record_lines` recounts with
the ``csv`` module, for the files that have findings only.
"""

from __future__ import annotations

import csv
import io
import mmap
import os
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import polars as pl

from kpitui.core import findings as fnd
from kpitui.core.definitions import CANONICAL_COLUMNS
from kpitui.core.findings import Finding
from kpitui.core.model import CsvOptions
from kpitui.core.periods import parse_period
from kpitui.core.text import clean, quote

REQUIRED = ("indicator", "agency", "period")
NUMBERS = ("value", "numerator", "denominator")
MAX_FILE_BYTES = 2 * 1024**3
"""A larger observation file is refused (a clear message beats running out of memory)."""
MAX_FIELD_CHARS = 4096
MAX_FINDINGS_PER_KIND = 20
EXTRA = "_extra_field"
"""A column past the header's last one: only rows with too many fields fill it."""

SCHEMA: dict[str, pl.DataType] = {
    "file": pl.UInt32(),
    "row": pl.UInt32(),
    "indicator": pl.String(),
    "agency": pl.String(),
    "period": pl.String(),
    "value": pl.Float64(),
    "numerator": pl.Float64(),
    "denominator": pl.Float64(),
    "bad": pl.Boolean(),
    "note": pl.String(),
}
"""The canonical frame of observations. ``bad`` marks a number the fast path could not read."""


class ReadError(Exception):
    """A file that cannot be read at all; carries the finding that says why."""

    def __init__(self, finding: Finding) -> None:
        super().__init__(finding.format())
        self.finding = finding


POLARS_FAILURES = (pl.exceptions.PolarsError, pl.exceptions.PanicException, OSError)
READ_FAILURES = (pl.exceptions.PolarsError, pl.exceptions.PanicException, OSError, ReadError)
"""What reading a data file can raise. A Rust panic in polars (``PanicException``) derives
from ``BaseException``, not ``Exception``: seen on a lone ``"`` at the end of a file in a
typed number column. Every call that reads data files catches all of these."""


# --------------------------------------------------------------------------- the header


@dataclass(frozen=True, slots=True)
class Layout:
    """How the columns of one file map to the canonical columns."""

    names: tuple[str, ...]
    """One polars column name per column of the file: canonical or ``_ignored_<n>``."""
    ignored: tuple[str, ...]
    """Header names of the columns that are ignored."""

    @property
    def present(self) -> frozenset[str]:
        return frozenset(n for n in self.names if not n.startswith("_ignored_"))


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


def _header_text(path: str, head: bytes, opts: CsvOptions) -> str:
    """The decoded first line of a file."""
    if opts.encoding == "utf-16":
        text = _decode_all(path, head + b"\n\x00" if len(head) % 2 else head, opts, partial=True)
    else:
        if head.startswith(b"\xef\xbb\xbf"):
            head = head[3:]
        end = head.find(b"\n")
        first = head if end < 0 else head[:end]
        try:
            text = first.decode(opts.encoding)
        except UnicodeDecodeError as exc:
            raise ReadError(_decode_error(path, first, exc, opts.encoding)) from None
    return text.splitlines()[0] if text.strip() else ""


def read_layout(path: str, opts: CsvOptions, head: bytes) -> tuple[Layout, list[Finding]]:
    """Map the header of a file to canonical columns. Raises :class:`ReadError` if unusable."""
    text = _header_text(path, head, opts)
    if not text.strip():
        raise ReadError(fnd.error(path, 1, "no header line (the file is empty)", kind="header"))
    fields = next(csv.reader([text], delimiter=opts.delimiter), [])
    mapping = opts.column_map
    names: list[str] = []
    ignored: list[str] = []
    seen: dict[str, str] = {}
    findings: list[Finding] = []
    for i, raw in enumerate(fields):
        header = unicodedata.normalize("NFC", raw).strip()
        canonical = mapping.get(header)
        if canonical is None and header.lower() in CANONICAL_COLUMNS and header not in mapping:
            canonical = header.lower()
        if canonical is None:
            names.append(f"_ignored_{i}")
            if header:
                ignored.append(header)
            continue
        if canonical in seen:
            raise ReadError(
                fnd.error(
                    path,
                    1,
                    f"columns {quote(seen[canonical])} and {quote(header)} are both '{canonical}'",
                    kind="header",
                )
            )
        seen[canonical] = header
        names.append(canonical)
    present = set(seen)
    missing = [c for c in REQUIRED if c not in present]
    if missing:
        hint = ""
        if opts.delimiter not in text and any(d in text for d in ",;\t" if d != opts.delimiter):
            hint = " (is [csv] delimiter right?)"
        raise ReadError(
            fnd.error(
                path,
                1,
                "missing required column "
                + ", ".join(f"'{c}'" for c in missing)
                + f"; the header has {', '.join(quote(f) for f in fields[:8])}{hint}",
                kind="header",
            )
        )
    if "value" not in present and not {"numerator", "denominator"} <= present:
        raise ReadError(
            fnd.error(
                path,
                1,
                "needs a 'value' column or both 'numerator' and 'denominator'",
                kind="header",
            )
        )
    if ("numerator" in present) != ("denominator" in present):
        have = "numerator" if "numerator" in present else "denominator"
        other = "denominator" if have == "numerator" else "numerator"
        raise ReadError(
            fnd.error(path, 1, f"has a '{have}' column but no '{other}' column", kind="header")
        )
    for name in ignored:
        findings.append(
            fnd.warning(
                path, 1, f"column {quote(name)} is not used (ignored)", kind="ignored_column"
            )
        )
    return Layout(tuple(names), tuple(ignored)), findings


# --------------------------------------------------------------------------- reading


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
            raise ReadError(_decode_error(path, data, exc, opts.encoding)) from None
    return text.lstrip("\ufeff")


def read_head(path: str, size: int = 65536) -> bytes:
    try:
        with open(path, "rb") as fh:
            return fh.read(size)
    except OSError as exc:
        raise ReadError(fnd.error(path, 0, f"cannot read file: {exc.strerror or exc}")) from None


def _source(path: str, opts: CsvOptions) -> str | bytes:
    """What polars reads: the path itself (UTF-8), or the file re-encoded as UTF-8."""
    try:
        size = os.path.getsize(path)
    except OSError as exc:
        raise ReadError(fnd.error(path, 0, f"cannot read file: {exc.strerror or exc}")) from None
    if size > MAX_FILE_BYTES:
        raise ReadError(
            fnd.error(path, 0, f"file is larger than {MAX_FILE_BYTES // 2**30} GiB; split it")
        )
    if opts.encoding == "utf-8":
        return path
    with open(path, "rb") as fh:
        data = fh.read()
    text = unicodedata.normalize("NFC", _decode_all(path, data, opts))
    return text.encode("utf-8")


def typed_numbers(opts: CsvOptions) -> bool:
    """Whether the CSV reader can type the number columns itself (the fast path).

    Not with a decimal comma: the reader would also take ``309.104`` as 309.104, where a
    Vietnamese file means 309104; :func:`_number` refuses a "." that is not the thousands mark.
    """
    return not opts.thousands and opts.decimal == "."


def _number(name: str, opts: CsvOptions) -> tuple[pl.Expr, pl.Expr]:
    """(number, unreadable) expressions for a number column read as text."""
    text = pl.col(name).str.strip_chars()
    if name == "value":
        text = text.str.strip_suffix("%").str.strip_chars_end()
    plain = text
    grouping_ok: pl.Expr = pl.lit(True)
    if opts.thousands:
        sep = re.escape(opts.thousands)
        dec = re.escape(opts.decimal)
        grouping_ok = ~text.str.contains(sep) | text.str.contains(
            rf"^[+-]?\d{{1,3}}({sep}\d{{3}})+({dec}\d*)?$"
        )
        plain = plain.str.replace_all(opts.thousands, "", literal=True)
    if opts.decimal == ",":
        if opts.thousands != ".":
            grouping_ok = grouping_ok & ~text.str.contains(".", literal=True)
        plain = plain.str.replace(",", ".", literal=True)
    number = plain.cast(pl.Float64, strict=False)
    blank = text.is_null() | (text == "")
    unreadable = ~blank & (number.is_null() | ~grouping_ok)
    return pl.when(blank | unreadable).then(None).otherwise(number), unreadable


def scan(
    path: str,
    file_index: int,
    opts: CsvOptions,
    layout: Layout,
    typed: bool,
    keep_text: bool = False,
    locate: bool = True,
) -> pl.LazyFrame:
    """The lazy canonical frame of one file (see :data:`SCHEMA`).

    Without ``locate`` the ``file`` and ``row`` columns are left out: numbering rows costs
    the streaming pass time, and lines are only needed for findings.
    """
    try:
        source = _source(path, opts)
    except ReadError as exc:
        if keep_text:  # the careful path reports the finding itself
            raise
        return _unreadable(exc.finding, locate)
    dtypes: dict[str, pl.DataType] = {
        name: (pl.Float64() if typed and name in NUMBERS else pl.String()) for name in layout.names
    }
    # A row with more fields than the header: polars reports it only when every column is
    # read, and projection pushdown reads fewer, so the fast path would silently drop the
    # extra fields. One more column catches them and marks the row bad (-> the careful path,
    # which reads every column and reports the ragged row with its line).
    # missing_columns="insert": polars counts the columns on the first data row, so a
    # short first row (or the extra column) must not fail the whole file.
    ragged = not keep_text
    if ragged:
        dtypes[EXTRA] = pl.String()
    lf = pl.scan_csv(
        source,
        has_header=False,
        skip_rows=1,
        separator=opts.delimiter,
        schema=dtypes,
        row_index_name="row" if locate else None,
        decimal_comma=typed and opts.decimal == ",",
        encoding="utf8",
        raise_if_empty=False,
        missing_columns="insert",
        glob=False,  # a file name is a name: "obs*.csv" must not read the other files
    )
    present = layout.present
    exprs: list[pl.Expr] = (
        [pl.lit(file_index, pl.UInt32).alias("file"), pl.col("row")] if locate else []
    )
    for name in REQUIRED:
        exprs.append(pl.col(name))
    bad: list[pl.Expr] = []
    for name in NUMBERS:
        if name not in present:
            exprs.append(pl.lit(None, pl.Float64).alias(name))
        elif typed:
            exprs.append(pl.col(name))
        else:
            number, unreadable = _number(name, opts)
            exprs.append(number.alias(name))
            bad.append(unreadable)
            if keep_text:
                exprs.append(pl.col(name).alias(f"_text_{name}"))
                exprs.append(unreadable.fill_null(False).alias(f"_bad_{name}"))
    if ragged:
        bad.append(pl.col(EXTRA).is_not_null())
    exprs.append(
        pl.any_horizontal(bad).fill_null(False).alias("bad") if bad else pl.lit(False).alias("bad")
    )
    exprs.append(pl.col("note") if "note" in present else pl.lit(None, pl.String).alias("note"))
    if not locate:
        # The streaming pass recognises blank lines itself (a filter here costs 30 %).
        return lf.select(exprs)
    blank = pl.all_horizontal(pl.col(n).is_null() for n in layout.names)
    return lf.filter(~blank).select(exprs)


def _unreadable(finding: Finding, locate: bool) -> pl.LazyFrame:
    """The scan of a file that cannot be decoded: a frame that fails with a polars error when
    collected, as the fast path reports problems (the careful path then says why, with the line).
    Raising here instead would escape the callers, which build every scan before collecting."""
    fail = pl.col("_").str.to_integer(strict=True)  # the message is not a number
    exprs = [
        (fail.cast(dtype) if name in REQUIRED else pl.lit(None, dtype)).alias(name)
        for name, dtype in SCHEMA.items()
        if locate or name not in ("file", "row")
    ]
    return pl.LazyFrame({"_": [finding.format()]}).select(exprs)


# --------------------------------------------------------------------------- line numbers


def record_lines(path: str, opts: CsvOptions) -> list[int] | None:
    """Line number of every record (after the header) when quoted fields span lines, else None.

    None means "record i is on line i + 2", the common case, decided without reading the
    whole file into Python when it has no quote character at all.
    """
    try:
        with open(path, "rb") as fh:
            if os.fstat(fh.fileno()).st_size == 0:
                return None
            with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
                if mm.find(b'"') < 0:
                    return None
                data = mm[:]
    except (OSError, ValueError):
        return None
    try:
        text = _decode_all(path, data, opts)
    except ReadError:
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


class LineMap:
    """Row index -> line number, per file, computed on first use."""

    def __init__(self, paths: Mapping[int, str], opts: CsvOptions) -> None:
        self.paths = paths
        self.opts = opts
        self._cache: dict[int, list[int] | None] = {}

    def line(self, file_index: int, row: int) -> int:
        if file_index not in self._cache:
            self._cache[file_index] = record_lines(self.paths[file_index], self.opts)
        lines = self._cache[file_index]
        if lines is not None and 0 <= row < len(lines):
            return lines[row]
        return row + 2


def _structure_error(path: str, opts: CsvOptions, ncols: int, message: str) -> Finding:
    """Locate a structural defect polars reported (a ragged row, an open quote)."""
    try:
        with open(path, "rb") as fh:
            data = fh.read()
        text = _decode_all(path, data, opts)
    except (OSError, ReadError) as exc:
        if isinstance(exc, ReadError):
            return exc.finding
        return fnd.error(path, 0, f"cannot read file: {exc}")
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
        return fnd.error(path, line, f"malformed CSV: {clean(str(exc))}", kind="ragged")
    except RecursionError:  # pragma: no cover
        pass
    return fnd.error(
        path, 0, f"cannot parse as CSV: {clean(message.splitlines()[0])}", kind="ragged"
    )


# --------------------------------------------------------------------------- the careful path


@dataclass
class KnownIds:
    """The ids that observations may use; variants in other Unicode forms map to them."""

    indicators: dict[str, str]
    """Indicator ids are ASCII ([a-z0-9_.-]), so they have one spelling."""
    agencies: dict[str, str] | None
    """None when the data set defines no agencies (every id is accepted)."""

    @classmethod
    def of(cls, indicators: Iterable[str], agencies: Iterable[str] | None) -> KnownIds:
        return cls({i: i for i in indicators}, None if agencies is None else _variants(agencies))


def _variants(ids: Iterable[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for ident in ids:
        out[ident] = ident
        for form in ("NFD", "NFC"):
            out.setdefault(unicodedata.normalize(form, ident), ident)
    return out


@dataclass
class FileCheck:
    """The result of :func:`check_file`: the frame when the file is sound, and the findings."""

    path: str
    frame: pl.DataFrame | None
    findings: list[Finding] = field(default_factory=list)
    rows: int = 0

    @property
    def ok(self) -> bool:
        return self.frame is not None


def _limited(path: str, kind: str, items: list[Finding], total: int) -> list[Finding]:
    if total > len(items):
        last = items[-1]
        items = [
            *items,
            Finding(
                path,
                last.line,
                last.severity,
                f"... and {total - len(items)} more rows like this",
                kind=kind,
            ),
        ]
    return items


def check_file(path: str, file_index: int, opts: CsvOptions, known: KnownIds) -> FileCheck:
    """Read one file carefully; every defect becomes a finding with its line."""
    out = FileCheck(path, None)
    try:
        head = read_head(path)
        layout, header_findings = read_layout(path, opts, head)
        out.findings.extend(header_findings)
        if opts.encoding == "utf-8":
            _check_utf8(path)
        lf = scan(path, file_index, opts, layout, typed=False, keep_text=True)
        try:
            frame = lf.collect()
        except POLARS_FAILURES as exc:
            out.findings.append(_structure_error(path, opts, len(layout.names), str(exc)))
            return out
    except ReadError as exc:
        out.findings.append(exc.finding)
        return out
    out.rows = frame.height
    if known.agencies is not None:
        # One spelling per agency (e.g. NFD as typed on macOS -> the defined NFC id), so that a
        # row repeated in two Unicode forms is found as a duplicate, here and across files.
        frame = frame.with_columns(pl.col("agency").replace(known.agencies))
    lines = LineMap({file_index: path}, opts)
    out.findings.extend(_row_findings(path, file_index, frame, layout, opts, known, lines))
    out.findings.extend(
        warning_findings({file_index: path}, warning_rows(frame.lazy()).collect(), lines)
    )
    if not any(f.is_error for f in out.findings):
        out.frame = frame.select(SCHEMA.keys())
    return out


def _check_utf8(path: str) -> None:
    with open(path, "rb") as fh:
        data = fh.read()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ReadError(_decode_error(path, data, exc, "utf-8")) from None


def _row_findings(
    path: str,
    file_index: int,
    frame: pl.DataFrame,
    layout: Layout,
    opts: CsvOptions,
    known: KnownIds,
    lines: LineMap,
) -> list[Finding]:
    """Every row-level defect of a file read in careful mode, first problem of a row only.

    The conditions are vectorised; messages are written in Python for the few rows shown
    (at most :data:`MAX_FINDINGS_PER_KIND` per kind, then a count).
    """
    periods = frame.get_column("period").drop_nulls().unique().to_list()
    bad_periods = [p for p in periods if parse_period(p) is None]
    keys = ["indicator", "agency", "period"]
    checks: list[tuple[str, pl.Expr]] = [
        (f"missing:{name}", pl.col(name).is_null() | (pl.col(name).str.strip_chars() == ""))
        for name in REQUIRED
    ]
    checks.append(
        (
            "too_long",
            pl.any_horizontal(
                pl.col(n).str.len_chars() > MAX_FIELD_CHARS for n in (*REQUIRED, "note")
            ),
        )
    )
    for name in NUMBERS:
        if name in layout.present:
            checks.append((f"bad_number:{name}", pl.col(f"_bad_{name}")))
    for name in NUMBERS:
        if name in layout.present:
            checks.append(
                (f"non_finite:{name}", pl.col(name).is_not_null() & ~pl.col(name).is_finite())
            )
    checks += [
        ("half_pair", pl.col("numerator").is_null() != pl.col("denominator").is_null()),
        (
            "no_value",
            pl.col("value").is_null()
            & (pl.col("numerator").is_null() | pl.col("denominator").is_null()),
        ),
        ("bad_period", pl.col("period").is_in(bad_periods)),
        ("unknown_indicator", ~pl.col("indicator").is_in(list(known.indicators))),
    ]
    if known.agencies is not None:
        checks.append(("unknown_agency", ~pl.col("agency").is_in(list(known.agencies))))
    checks.append(("duplicate", pl.int_range(pl.len()).over(keys) > 0))
    kind: pl.Expr = pl.lit(None, pl.String)
    for name, cond in reversed(checks):
        kind = pl.when(cond.fill_null(False)).then(pl.lit(name)).otherwise(kind)
    flagged = (
        frame.with_columns(_kind=kind, _first=pl.col("row").min().over(keys))
        .filter(pl.col("_kind").is_not_null())
        .sort("row")
    )
    out: list[Finding] = []
    for (name,), group in flagged.group_by("_kind", maintain_order=True):
        kind_name = str(name).split(":")[0]
        items = [
            fnd.error(
                path,
                lines.line(file_index, row["row"]),
                _row_message(str(name), row, opts, lines, file_index),
                kind=kind_name,
                indicator=row["indicator"],
                agency=row["agency"],
            )
            for row in group.head(MAX_FINDINGS_PER_KIND).iter_rows(named=True)
        ]
        out.extend(_limited(path, kind_name, items, group.height))
    return out


def _row_message(
    kind: str, row: dict[str, object], opts: CsvOptions, lines: LineMap, file_index: int
) -> str:
    name, _, column = kind.partition(":")
    if name == "missing":
        return f"column '{column}' is empty"
    if name == "too_long":
        return f"a field is longer than {MAX_FIELD_CHARS} characters"
    if name == "bad_number":
        text = str(row.get(f"_text_{column}") or "")
        return f"column '{column}': cannot read {quote(text)} as a number{_number_hint(text, opts)}"
    if name == "non_finite":
        return f"column '{column}': {quote(row.get(f'_text_{column}') or row[column])} is not a finite number"
    if name == "half_pair":
        if row["numerator"] is None:
            return "denominator without numerator"
        return "numerator without denominator"
    if name == "no_value":
        return "row has neither a value nor a numerator and denominator"
    if name == "bad_period":
        return (
            f"column 'period': {quote(row['period'])} is not a period "
            "(YYYY, YYYY-Qn, YYYY-MM or YYYY-MM-DD)"
        )
    if name == "unknown_indicator":
        return f"unknown indicator {quote(row['indicator'])}"
    if name == "unknown_agency":
        return f"unknown agency {quote(row['agency'])}"
    first = lines.line(file_index, int(row["_first"]))  # type: ignore[call-overload]
    return (
        f"duplicate row for {quote(row['indicator'])} at {quote(row['agency'])} "
        f"{quote(row['period'])} (first on line {first})"
    )


def _number_hint(text: str, opts: CsvOptions) -> str:
    stripped = text.strip().removesuffix("%").strip()
    if opts.decimal == "." and re.fullmatch(r"[+-]?\d+,\d+", stripped):
        return ' (the decimal mark is "."; for 69,88 set [csv] decimal = ",")'
    if opts.decimal == "," and not opts.thousands and re.fullmatch(r"[+-]?\d+\.\d+", stripped):
        return ' (the decimal mark is ","; for 69.88 set [csv] decimal = ".")'
    if opts.thousands and opts.thousands in stripped:
        return f" (digits must be grouped by 3 around the thousands separator '{opts.thousands}')"
    return ""


def warning_rows(lf: pl.LazyFrame) -> pl.LazyFrame:
    """Rows whose numerator exceeds the denominator, or whose denominator is 0."""
    finite = pl.col("numerator").is_finite() & pl.col("denominator").is_finite()
    return lf.filter(
        ((pl.col("numerator") > pl.col("denominator")) & finite) | (pl.col("denominator") == 0)
    ).select("file", "row", "indicator", "agency", "period", "numerator", "denominator")


def warning_findings(paths: Mapping[int, str], rows: pl.DataFrame, lines: LineMap) -> list[Finding]:
    """Warnings for the rows :func:`warning_rows` selected."""
    out: list[Finding] = []
    for (file_index, kind), group in rows.with_columns(
        kind=pl.when(pl.col("denominator") == 0)
        .then(pl.lit("den_zero"))
        .otherwise(pl.lit("num_gt_den"))
    ).group_by("file", "kind", maintain_order=True):
        path = paths[int(file_index)]  # type: ignore[call-overload]
        items = []
        what = "denominator is 0" if kind == "den_zero" else "numerator exceeds denominator"
        for row, ind, ag, period in (
            group.sort("row")
            .head(MAX_FINDINGS_PER_KIND)
            .select("row", "indicator", "agency", "period")
            .iter_rows()
        ):
            items.append(
                fnd.warning(
                    path,
                    lines.line(int(file_index), row),  # type: ignore[arg-type]
                    f"{quote(ind)} at {quote(ag)} {clean(period or '')}: {what}",
                    kind=str(kind),
                    indicator=ind,
                    agency=ag,
                )
            )
        out.extend(_limited(path, str(kind), items, group.height))
    return out
