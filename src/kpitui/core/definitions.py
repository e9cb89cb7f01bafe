"""TOML definitions -> validated :class:`Definitions`, with findings that name file:line:col.

``tomllib`` gives values but no positions, so :class:`~kpitui.core.locator.Locator` scans the
source for table headers and ``key =`` lines to put each finding on the line a user has to
edit; the same scan refuses, before parsing, what would make the parser hang.

A file with any error is set aside as a whole (its findings say why); the files that remain
are merged. A conflict between files (a duplicate id, an unknown group or parent) sets the
later file aside, in the order the files were given (folders: by name).
"""

from __future__ import annotations

import graphlib
import math
import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

try:  # Python >= 3.11
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - the fallback for older interpreters
    import tomli as tomllib  # type: ignore[no-redef, import-not-found]

from kpitui.core import findings as fnd
from kpitui.core.findings import Finding
from kpitui.core.locator import Locator
from kpitui.core.model import (
    ALL_AGENCIES,
    DEFAULT_WARN,
    Agency,
    Aggregate,
    CsvOptions,
    Dashboard,
    Definitions,
    Direction,
    Group,
    Indicator,
    SheetColumn,
    SheetSpec,
    Target,
)
from kpitui.core.text import clean, has_controls, quote

INDICATOR_ID = re.compile(r"[a-z0-9_.-]+")
CANONICAL_COLUMNS = ("indicator", "agency", "period", "value", "numerator", "denominator", "note")
ENCODINGS = {
    "utf-8": "utf-8",
    "utf8": "utf-8",
    "utf-8-sig": "utf-8",
    "cp1258": "cp1258",
    "windows-1258": "cp1258",
    "utf-16": "utf-16",
    "utf16": "utf-16",
}
MAX_TOML_BYTES = 16 * 1024 * 1024


# --------------------------------------------------------------------------- one file


@dataclass
class FileDefinitions:
    """What one TOML file defines, before merging."""

    path: str
    dashboard: Dashboard | None = None
    dashboard_line: int = 0
    csv: CsvOptions | None = None
    csv_line: int = 0
    groups: list[Group] = field(default_factory=list)
    indicators: list[Indicator] = field(default_factory=list)
    agencies: list[Agency] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    locator: Locator | None = None
    warn_given: set[str] = field(default_factory=set)
    """Indicator ids that set their own ``warn`` (the others take the dashboard's)."""
    targets: list[Target] = field(default_factory=list)
    sheets: list[SheetSpec] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(f.is_error for f in self.findings)


class _Table:
    """Validation of one TOML table against a schema of key -> checker."""

    def __init__(
        self,
        out: FileDefinitions,
        loc: Locator,
        section: str,
        index: int,
        data: dict[str, Any],
        label: str,
    ) -> None:
        self.out, self.loc, self.section, self.index = out, loc, section, index
        self.data = data
        self.label = label

    def line_of(self, key: str | None = None) -> tuple[int, int]:
        if key is None:
            first, _ = self.loc.section(self.section, self.index)
            return first, 0
        return self.loc.key(self.section, self.index, key)

    def error(self, message: str, key: str | None = None) -> None:
        line, col = self.line_of(key)
        self.out.findings.append(fnd.error(self.out.path, line, message, col=col))

    def check_keys(self, allowed: Iterable[str]) -> None:
        allowed = set(allowed)
        for key in self.data:
            if key not in allowed:
                hint = _closest(key, allowed)
                extra = f" (did you mean '{hint}'?)" if hint else ""
                self.error(f"{self.label}: unknown key {quote(key)}{extra}", key)

    def text(self, key: str, required: bool = False) -> str | None:
        value = self.data.get(key)
        if value is None:
            if required:
                self.error(f"{self.label}: missing required key '{key}'")
            return None
        if not isinstance(value, str):
            self.error(f"{self.label}: '{key}' must be a string, not {_type_name(value)}", key)
            return None
        value = clean(unicodedata.normalize("NFC", value)).strip()
        if required and not value:
            self.error(f"{self.label}: '{key}' must not be empty", key)
            return None
        return value

    def ident(self, key: str = "id") -> str | None:
        """An id: required, and without control or bidi characters (ids are matched with the
        CSV files byte for byte, so a cleaned id would never match its rows)."""
        raw = self.data.get(key)
        value = self.text(key, required=True)
        if value is not None and isinstance(raw, str) and has_controls(raw.strip()):
            self.error(f"{self.label}: '{key}' must not contain control characters", key)
            return None
        return value

    def ref(self, key: str) -> str | None:
        """An optional id of another table (a parent, a successor): exact like an id, so
        without control characters; empty means none."""
        raw = self.data.get(key)
        value = self.text(key)
        if value and isinstance(raw, str) and has_controls(raw.strip()):
            self.error(f"{self.label}: '{key}' must not contain control characters", key)
            return None
        return value or None

    def number(
        self, key: str, check: Callable[[float], bool] | None = None, rule: str = ""
    ) -> float | None:
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.error(f"{self.label}: '{key}' must be a number, not {_type_name(value)}", key)
            return None
        number = float(value)
        if not math.isfinite(number):
            self.error(f"{self.label}: '{key}' must be a finite number", key)
            return None
        if check is not None and not check(number):
            self.error(f"{self.label}: '{key}' must be {rule}, not {value}", key)
            return None
        return number

    def choice(self, key: str, choices: Sequence[str]) -> str | None:
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            self.error(f"{self.label}: '{key}' must be a string, not {_type_name(value)}", key)
            return None
        if value not in choices:
            listed = ", ".join(f"'{c}'" for c in choices)
            self.error(f"{self.label}: '{key}' must be one of {listed}, not {quote(value)}", key)
            return None
        return value

    def day(self, key: str) -> date | None:
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, date) and not hasattr(value, "hour"):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                pass
        self.error(f"{self.label}: '{key}' must be a date like 2023-12-31, not {quote(value)}", key)
        return None


def _type_name(value: object) -> str:
    return {
        bool: "a boolean",
        int: "an integer",
        float: "a float",
        str: "a string",
        list: "an array",
        dict: "a table",
    }.get(type(value), type(value).__name__)


def _closest(key: str, allowed: Iterable[str]) -> str | None:
    import difflib

    matches = difflib.get_close_matches(key, sorted(allowed), n=1, cutoff=0.75)
    return matches[0] if matches else None


DASHBOARD_KEYS = ("title", "lang", "warn", "deadline", "stale_days")
CSV_KEYS = ("delimiter", "decimal", "thousands", "encoding", "columns", "legacy")
GROUP_KEYS = ("id", "name")
INDICATOR_KEYS = (
    "id",
    "name",
    "name_en",
    "group",
    "unit",
    "target",
    "direction",
    "aggregate",
    "scale",
    "warn",
    "deadline",
    "baseline",
    "owner",
    "source",
    "description",
)
AGENCY_KEYS = ("id", "name", "parent", "kind", "until", "successor")
TARGET_KEYS = ("indicator", "agency", "target", "deadline")
TOP_KEYS = {
    "dashboard": dict,
    "csv": dict,
    "group": list,
    "indicator": list,
    "agency": list,
    "target": list,
    "sheet": list,  # [[sheet]]: wide forms (SPEC §8.2)
}


def parse_file(path: str, data: bytes | None = None) -> FileDefinitions:
    """Parse and validate one TOML file. Never raises: problems become findings."""
    out = FileDefinitions(path)
    try:
        if data is None:
            with open(path, "rb") as fh:
                data = fh.read(MAX_TOML_BYTES + 1)
    except OSError as exc:
        reason = clean(exc.strerror or str(exc))  # str(exc) can hold the file name
        out.findings.append(fnd.error(path, 0, f"cannot read file: {reason}"))
        return out
    if len(data) > MAX_TOML_BYTES:
        out.findings.append(
            fnd.error(path, 0, f"file is larger than {MAX_TOML_BYTES // 2**20} MiB")
        )
        return out
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        out.findings.append(
            fnd.error(path, line, "bytes that are not valid UTF-8 (TOML files are UTF-8)", col=col)
        )
        return out
    locator = Locator(text)
    if locator.excess is not None:
        line, col, message = locator.excess
        out.findings.append(fnd.error(path, line, f"not read: {message}", col=col))
        return out
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line, col, message = _toml_error_position(exc)
        out.findings.append(fnd.error(path, line, f"invalid TOML: {message}", col=col))
        return out
    except (RecursionError, ValueError) as exc:  # pathological nesting
        out.findings.append(fnd.error(path, 0, f"invalid TOML: {exc}"))
        return out
    out.locator = locator
    _validate_document(out, locator, doc)
    return out


def _toml_error_position(exc: Exception) -> tuple[int, int, str]:
    message = str(exc)
    line = getattr(exc, "lineno", None)
    col = getattr(exc, "colno", None)
    m = re.search(r"\s*\(at line (\d+), column (\d+)\)", message)
    if m:
        line = line or int(m.group(1))
        col = col or int(m.group(2))
        message = message[: m.start()] + message[m.end() :]
    elif re.search(r"\(at end of document\)", message):
        message = message.replace(" (at end of document)", " at end of document")
    msg = getattr(exc, "msg", None)
    if isinstance(msg, str) and msg:
        message = msg
    return int(line or 0), int(col or 0), clean(message.strip()) or "syntax error"


def _validate_document(out: FileDefinitions, loc: Locator, doc: dict[str, Any]) -> None:
    for key, value in doc.items():
        expected = TOP_KEYS.get(key)
        line, col = loc.key("", 0, key)
        if expected is None:
            if not line:
                line = loc.section(key)[0]
            hint = _closest(key, TOP_KEYS)
            extra = f" (did you mean '{hint}'?)" if hint else ""
            out.findings.append(
                fnd.error(out.path, line, f"unknown table {quote(key)}{extra}", col=col)
            )
            continue
        if not isinstance(value, expected) or (
            expected is list and not all(isinstance(v, dict) for v in value)
        ):
            what = (
                "a table [" + key + "]"
                if expected is dict
                else "an array of tables [[" + key + "]]"
            )
            out.findings.append(
                fnd.error(out.path, line or loc.section(key)[0], f"'{key}' must be {what}", col=col)
            )
            continue
    if isinstance(doc.get("dashboard"), dict):
        _dashboard(out, _Table(out, loc, "dashboard", 0, doc["dashboard"], "[dashboard]"))
    if isinstance(doc.get("csv"), dict):
        _csv(out, loc, doc["csv"])
    for kind, handler in (
        ("group", _group),
        ("indicator", _indicator),
        ("agency", _agency),
        ("target", _target),
    ):
        tables = doc.get(kind)
        if isinstance(tables, list):
            for index, table in enumerate(tables):
                if isinstance(table, dict):
                    label = _label(kind, table, index)
                    handler(out, _Table(out, loc, kind, index, table, label))
    if isinstance(doc.get("sheet"), list):
        _sheets(out, loc, doc["sheet"])
    _legacy_names(out)


def _label(kind: str, table: dict[str, Any], index: int) -> str:
    ident = table.get("id")
    if isinstance(ident, str) and ident:
        return f"{kind} {quote(ident)}"
    return f"{kind} #{index + 1}"


def _dashboard(out: FileDefinitions, t: _Table) -> None:
    t.check_keys(DASHBOARD_KEYS)
    warn = t.number("warn", lambda w: 0 < w <= 1, "between 0 (excluded) and 1")
    stale = t.number("stale_days", lambda d: d >= 0 and d == int(d), "a whole number of days")
    out.dashboard = Dashboard(
        title=t.text("title") or "",
        lang=t.choice("lang", ("vi", "en")),
        warn=DEFAULT_WARN if warn is None else warn,
        deadline=t.day("deadline"),
        stale_days=None if stale is None else int(stale),
    )
    out.dashboard_line = t.line_of()[0]


def _csv(out: FileDefinitions, loc: Locator, data: dict[str, Any]) -> None:
    t = _Table(out, loc, "csv", 0, data, "[csv]")
    t.check_keys(CSV_KEYS)
    delimiter = t.choice("delimiter", (",", ";", "\t", "|"))
    decimal = t.choice("decimal", (".", ","))
    thousands = t.choice("thousands", ("", ".", ",", " "))
    encoding_raw = t.text("encoding")
    encoding = "utf-8"
    if encoding_raw is not None:
        norm = ENCODINGS.get(encoding_raw.lower())
        if norm is None:
            t.error(
                "[csv]: 'encoding' must be one of 'utf-8', 'cp1258', 'utf-16', "
                f"not {quote(encoding_raw)}",
                "encoding",
            )
        else:
            encoding = norm
    if thousands and thousands == (decimal or "."):
        t.error("[csv]: 'thousands' must differ from 'decimal'", "thousands")
    if delimiter and delimiter == (decimal or "."):
        t.error("[csv]: 'delimiter' must differ from 'decimal'", "delimiter")
    columns: list[tuple[str, str]] = []
    raw_columns = data.get("columns")
    if raw_columns is not None:
        if not isinstance(raw_columns, dict):
            t.error("[csv]: 'columns' must be a table of header name = canonical name", "columns")
        else:
            ct = _Table(out, loc, "csv.columns", 0, raw_columns, "[csv.columns]")
            seen: dict[str, str] = {}
            for header, canonical in raw_columns.items():
                if not isinstance(canonical, str) or canonical not in CANONICAL_COLUMNS:
                    listed = ", ".join(CANONICAL_COLUMNS)
                    ct.error(
                        f"[csv.columns]: {quote(header)} must map to one of {listed}, "
                        f"not {quote(canonical)}",
                        header,
                    )
                    continue
                if canonical in seen:
                    ct.error(
                        f"[csv.columns]: {quote(header)} and {quote(seen[canonical])} "
                        f"both map to '{canonical}'",
                        header,
                    )
                    continue
                seen[canonical] = header
                columns.append((unicodedata.normalize("NFC", header).strip(), canonical))
    out.csv = CsvOptions(
        delimiter=delimiter or ",",
        decimal=decimal or ".",
        thousands=thousands or "",
        encoding=encoding,
        columns=tuple(columns),
        legacy=_csv_legacy(t),
    )
    out.csv_line = t.line_of()[0]


def _group(out: FileDefinitions, t: _Table) -> None:
    t.check_keys(GROUP_KEYS)
    ident = t.ident()
    name = t.text("name", required=True)
    if ident and name:
        out.groups.append(Group(ident, name, out.path, t.line_of()[0]))


def _indicator(out: FileDefinitions, t: _Table) -> None:
    t.check_keys(INDICATOR_KEYS)
    ident = t.ident()
    if ident and not INDICATOR_ID.fullmatch(ident):
        t.error(f"indicator {quote(ident)}: id must use only a-z, 0-9, '_', '.', '-'", "id")
        ident = None
    name = t.text("name", required=True)
    unit = t.text("unit") or ""
    direction = t.choice("direction", [d.value for d in Direction])
    aggregate = t.choice("aggregate", [a.value for a in Aggregate])
    scale = t.number("scale", lambda s: s > 0, "greater than 0")
    warn = t.number("warn", lambda w: 0 < w <= 1, "between 0 (excluded) and 1")
    ind = Indicator(
        id=ident or "",
        name=name or "",
        name_en=t.text("name_en"),
        group=t.text("group"),
        unit=unit,
        target=t.number("target"),
        direction=Direction(direction) if direction else Direction.HIGHER,
        aggregate=Aggregate(aggregate)
        if aggregate
        else (Aggregate.RATIO if unit == "%" else Aggregate.SUM),
        scale=scale if scale is not None else (100.0 if unit == "%" else 1.0),
        warn=warn if warn is not None else DEFAULT_WARN,
        deadline=t.day("deadline"),
        baseline=t.number("baseline"),
        owner=t.text("owner"),
        source=t.text("source"),
        description=t.text("description"),
        path=out.path,
        line=t.line_of()[0],
    )
    if ident and name:
        out.indicators.append(ind)
        if warn is not None:
            out.warn_given.add(ident)


def _agency(out: FileDefinitions, t: _Table) -> None:
    t.check_keys(AGENCY_KEYS)
    ident = t.ident()
    if ident == ALL_AGENCIES:
        t.error(f"agency id '{ALL_AGENCIES}' is reserved for all agencies together", "id")
        ident = None
    name = t.text("name", required=True)
    parent = t.ref("parent")
    until, successor = _ending(t)
    if ident and name:
        out.agencies.append(
            Agency(
                ident,
                name,
                parent,
                t.text("kind"),
                out.path,
                t.line_of()[0],
                until=until,
                successor=successor,
            )
        )


def _ending(t: _Table) -> tuple[date | None, str | None]:
    """``until`` and ``successor`` of an agency (SPEC §9.5); a successor needs an end."""
    until = t.day("until")
    successor = t.ref("successor")
    if successor and "until" not in t.data:
        t.error(
            f"{t.label}: 'successor' needs 'until', the day the agency was dissolved", "successor"
        )
    return until, successor


def _target(out: FileDefinitions, t: _Table) -> None:
    """A ``[[target]]``: the target of one indicator at one agency (SPEC §9.4)."""
    names = [t.data.get(k) for k in ("indicator", "agency")]
    if all(isinstance(n, str) and n for n in names):
        t.label = f"target for {quote(names[0])} at {quote(names[1])}"
    t.check_keys(TARGET_KEYS)
    indicator = t.ident("indicator")
    agency = t.ident("agency")
    if agency == ALL_AGENCIES:
        t.error(
            f"{t.label}: agency '{ALL_AGENCIES}' is reserved for all agencies together", "agency"
        )
        agency = None
    target = t.number("target")
    if "target" not in t.data:
        t.error(f"{t.label}: missing required key 'target'")
    deadline = t.day("deadline")
    if indicator and agency and target is not None:
        out.targets.append(Target(indicator, agency, target, deadline, out.path, t.line_of()[0]))


def _csv_legacy(t: _Table) -> str:
    """``[csv] legacy``: the legacy font encoding converted on load (SPEC §8.3)."""
    return t.choice("legacy", LEGACY_CHOICES) or "none"


LEGACY_CHOICES = ("none", "tcvn3", "vni")
SHEET_KEYS = ("files", "sheet", "agency", "period", "period_cell", "columns")
CELL_REF = re.compile(r"([A-Z]{1,3})([1-9][0-9]{0,6})")


def _sheets(out: FileDefinitions, loc: Locator, tables: list[Any]) -> None:
    """The ``[[sheet]]`` tables of a file (SPEC §8.2)."""
    base = os.path.dirname(out.path) or "."
    for index, data in enumerate(tables):
        if not isinstance(data, dict):
            continue
        files = data.get("files")
        label = (
            f"sheet {quote(files)}" if isinstance(files, str) and files else f"sheet #{index + 1}"
        )
        t = _Table(out, loc, "sheet", index, data, label)
        before = len(out.findings)
        t.check_keys(SHEET_KEYS)
        pattern = t.text("files", required=True)
        if pattern and (os.path.isabs(pattern) or ".." in pattern.replace("\\", "/").split("/")):
            t.error(f"{label}: 'files' must be a pattern inside the folder of this file", "files")
        agency = t.text("agency", required=True)
        sheet = t.text("sheet")
        period = t.text("period")
        cell = t.text("period_cell")
        if (period is None) == (cell is None):
            t.error(f"{label}: give either 'period' or 'period_cell'")
        if period is not None and not _is_period(period):
            t.error(f"{label}: 'period' {quote(period)} is not a period", "period")
        if cell is not None:
            cell = cell.upper()
            if not CELL_REF.fullmatch(cell):
                t.error(
                    f"{label}: 'period_cell' must be a cell like C3, not {quote(cell)}",
                    "period_cell",
                )
        columns = _sheet_columns(out, loc, index, label, data.get("columns"), t)
        if len(out.findings) == before and pattern and agency:
            out.sheets.append(
                SheetSpec(
                    files=pattern,
                    agency=agency,
                    sheet=sheet or None,
                    period=period,
                    period_cell=cell,
                    columns=columns,
                    base=base,
                    path=out.path,
                    line=t.line_of()[0],
                )
            )


def _legacy_names(out: FileDefinitions) -> None:
    """A warning for each name that reads as TCVN3 or VNI text (copied from an old workbook):
    the TOML is the user's own file, so it is shown converted, not converted (SPEC §8.3)."""
    from kpitui.core import legacy

    named: list[tuple[str, str, str, int]] = [
        *(("group", g.id, g.name, g.line) for g in out.groups),
        *(("indicator", i.id, i.name, i.line) for i in out.indicators),
        *(("agency", a.id, a.name, a.line) for a in out.agencies),
    ]
    for kind, ident, name, line in named:
        encoding = legacy.detect(name)
        if encoding is not None:
            out.findings.append(
                fnd.warning(
                    out.path,
                    line,
                    f"{kind} {quote(ident)}: name {quote(name)} looks typed in "
                    f"{legacy.describe(encoding)} and reads as "
                    f"{quote(legacy.convert(name, encoding))}",
                    kind="legacy_font",
                )
            )


def _is_period(text: str) -> bool:
    from kpitui.core import periods

    return periods.canonical(text) is not None


def _sheet_columns(
    out: FileDefinitions, loc: Locator, index: int, label: str, raw: Any, t: _Table
) -> tuple[SheetColumn, ...]:
    """``[sheet.columns]``: header -> "<indicator id>.<figure>"."""
    from kpitui.core.model import FIGURES

    if raw is None:
        t.error(f"{label}: missing required table [sheet.columns]")
        return ()
    if not isinstance(raw, dict) or not raw:
        t.error(
            f"{label}: 'columns' must be a table of header = \"<indicator>.<figure>\"", "columns"
        )
        return ()
    ct = _Table(out, loc, "sheet.columns", index, raw, f"[sheet.columns] of {label}")
    columns: list[SheetColumn] = []
    seen: dict[str, str] = {}
    for header, target in raw.items():
        indicator, dot, figure = target.rpartition(".") if isinstance(target, str) else ("", "", "")
        if not dot or figure not in FIGURES or not INDICATOR_ID.fullmatch(indicator):
            ct.error(
                f'{ct.label}: {quote(header)} must map to "<indicator id>.<figure>" with a '
                f"figure of {', '.join(FIGURES)}, not {quote(target)}",
                header,
            )
            continue
        if target in seen:
            ct.error(
                f"{ct.label}: {quote(header)} and {quote(seen[target])} both map to {quote(target)}",
                header,
            )
            continue
        seen[target] = header
        columns.append(SheetColumn(_header_key(header), indicator, figure))
    for indicator in {c.indicator for c in columns}:
        figures = {c.figure for c in columns if c.indicator == indicator}
        if ("numerator" in figures) != ("denominator" in figures):
            have = "numerator" if "numerator" in figures else "denominator"
            other = "denominator" if have == "numerator" else "numerator"
            ct.error(f"{ct.label}: {quote(indicator)} has a {have} column but no {other} column")
        elif figures == {"note"}:
            ct.error(f"{ct.label}: {quote(indicator)} has a note column but no figure")
    return tuple(columns)


def _header_key(header: str) -> str:
    """A header as the readers compare it: NFC, blanks collapsed (a cell may wrap its text)."""
    return " ".join(unicodedata.normalize("NFC", header).split())


def _known_sheets(
    files: Sequence[FileDefinitions], indicators: set[str], findings: list[Finding]
) -> tuple[SheetSpec, ...]:
    """The ``[[sheet]]`` tables whose columns name known indicators; the others are errors."""
    kept: list[SheetSpec] = []
    for f in files:
        for spec in f.sheets:
            unknown = sorted({c.indicator for c in spec.columns} - indicators)
            for ident in unknown:
                header = next(c.header for c in spec.columns if c.indicator == ident)
                line, col = (0, 0)
                if f.locator is not None:
                    # The [sheet.columns] that follows this [[sheet]] header.
                    index = sum(
                        1
                        for name, _, first, _ in f.locator.sections
                        if name == "sheet.columns" and first < spec.line
                    )
                    line, col = f.locator.key("sheet.columns", index, header)
                findings.append(
                    fnd.error(
                        f.path,
                        line or spec.line,
                        f"sheet {quote(spec.files)}: unknown indicator {quote(ident)}",
                        col=col,
                    )
                )
            if not unknown:
                kept.append(spec)
    return tuple(kept)


# --------------------------------------------------------------------------- merging


@dataclass
class Merged:
    definitions: Definitions
    findings: list[Finding]
    used: list[str]
    """Paths of the files whose definitions are in effect."""


def merge(files: Sequence[FileDefinitions]) -> Merged:
    """Merge the files that parsed cleanly; a file that conflicts with an earlier one is set aside."""
    candidates = [f for f in files if f.ok]
    findings: list[Finding] = []
    for f in files:
        findings.extend(f.findings)
    while True:
        conflict = _conflicts(candidates)
        if not conflict:
            break
        bad_path, new_findings = conflict
        findings.extend(new_findings)
        candidates = [f for f in candidates if f.path != bad_path]
    dashboard = next((f.dashboard for f in candidates if f.dashboard), None) or Dashboard()
    csv = next((f.csv for f in candidates if f.csv), None) or CsvOptions()
    indicators = []
    for f in candidates:
        for ind in f.indicators:
            ind = replace(
                ind,
                warn=ind.warn if ind.id in f.warn_given else dashboard.warn,
                deadline=ind.deadline or dashboard.deadline,
            )
            indicators.append(ind)
    definitions = Definitions(
        dashboard=dashboard,
        csv=csv,
        groups=tuple(g for f in candidates for g in f.groups),
        indicators=tuple(indicators),
        agencies=tuple(a for f in candidates for a in f.agencies),
        targets=tuple(t for f in candidates for t in f.targets),
        sheets=_known_sheets(candidates, {i.id for i in indicators}, findings),
    )
    return Merged(definitions, findings, [f.path for f in candidates])


def _conflicts(files: Sequence[FileDefinitions]) -> tuple[str, list[Finding]] | None:
    """The first file (in order) that conflicts with the ones before it, or with the whole
    set, and why."""
    for check in (_duplicates, _references, _cycles, _endings):
        found = check(files)
        if found:
            return found
    return None


def _at(place: tuple[str, int]) -> str:
    """``path:line`` for a message; the path is cleaned like data (a file name can hold an
    escape sequence)."""
    return f"{clean(place[0])}:{place[1]}"


def _duplicates(files: Sequence[FileDefinitions]) -> tuple[str, list[Finding]] | None:
    """A second [dashboard] or [csv], an id defined twice, or two targets of one indicator
    at one agency."""
    seen: dict[tuple[str, ...], tuple[str, int]] = {}
    dashboard_at: tuple[str, int] | None = None
    csv_at: tuple[str, int] | None = None
    for f in files:
        problems: list[Finding] = []
        if f.dashboard is not None:
            if dashboard_at:
                message = f"a second [dashboard] (the first is at {_at(dashboard_at)})"
                problems.append(fnd.error(f.path, f.dashboard_line, message))
            dashboard_at = dashboard_at or (f.path, f.dashboard_line)
        if f.csv is not None:
            if csv_at:
                message = f"a second [csv] (the first is at {_at(csv_at)})"
                problems.append(fnd.error(f.path, f.csv_line, message))
            csv_at = csv_at or (f.path, f.csv_line)
        entries: list[tuple[tuple[str, ...], str, int]] = (
            [(("group", g.id), f"group id {quote(g.id)}", g.line) for g in f.groups]
            + [(("indicator", i.id), f"indicator id {quote(i.id)}", i.line) for i in f.indicators]
            + [(("agency", a.id), f"agency id {quote(a.id)}", a.line) for a in f.agencies]
            + [
                (
                    ("target", t.indicator, t.agency),
                    f"target for {quote(t.indicator)} at {quote(t.agency)}",
                    t.line,
                )
                for t in f.targets
            ]
        )
        for key, what, line in entries:
            first = seen.get(key)
            if first:
                message = f"duplicate {what} (first defined at {_at(first)})"
                problems.append(fnd.error(f.path, line, message))
            else:
                seen[key] = (f.path, line)
        if problems:
            return f.path, problems
    return None


def _references(files: Sequence[FileDefinitions]) -> tuple[str, list[Finding]] | None:
    """Ids that name a group, parent, successor, indicator or agency that no file defines.
    A target's agency is checked only when the data set defines agencies (else they are the
    ids of the observations, known only when those are read)."""
    groups = {g.id for f in files for g in f.groups}
    indicators = {i.id for f in files for i in f.indicators}
    agencies = {a.id for f in files for a in f.agencies}
    for f in files:
        problems: list[Finding] = []
        for ind in f.indicators:
            if ind.group and ind.group not in groups:
                message = f"indicator {quote(ind.id)}: unknown group {quote(ind.group)}"
                problems.append(_at_key(f, "indicator", ind.line, "group", message))
        for ag in f.agencies:
            for key, ref in (("parent", ag.parent), ("successor", ag.successor)):
                if ref and ref not in agencies:
                    message = f"agency {quote(ag.id)}: unknown {key} {quote(ref)}"
                    problems.append(_at_key(f, "agency", ag.line, key, message))
        for t in f.targets:
            label = f"target for {quote(t.indicator)} at {quote(t.agency)}"
            if t.indicator not in indicators:
                message = f"{label}: unknown indicator {quote(t.indicator)}"
                problems.append(_at_key(f, "target", t.line, "indicator", message))
            if agencies and t.agency not in agencies:
                message = f"{label}: unknown agency {quote(t.agency)}"
                problems.append(_at_key(f, "target", t.line, "agency", message))
        if problems:
            return f.path, problems
    return None


def _at_key(f: FileDefinitions, kind: str, table_line: int, key: str, message: str) -> Finding:
    """An error at ``key`` of the table of ``f`` that starts at ``table_line``."""
    line, col = _key_position(f, kind, table_line, key)
    return fnd.error(f.path, line, message, col=col)


def _cycles(files: Sequence[FileDefinitions]) -> tuple[str, list[Finding]] | None:
    """An agency that is its own ancestor, or its own successor."""
    agencies = [a for f in files for a in f.agencies]
    for key in ("parent", "successor"):
        cycle = _find_cycle(agencies, key)
        if cycle:
            agency = cycle[0]
            owner = next(f for f in files if f.path == agency.path)
            chain = " -> ".join(quote(a.id) for a in [*cycle, agency])
            message = f"agency {quote(agency.id)}: cyclic {key}: {chain}"
            return agency.path, [_at_key(owner, "agency", agency.line, key, message)]
    return None


def _find_cycle(agencies: Sequence[Agency], key: str) -> list[Agency] | None:
    """Agencies on a cycle of ``key`` links (``parent`` or ``successor``), starting from the
    first one defined and following the links; None without a cycle."""
    by_id = {a.id: a for a in agencies}
    links: dict[str, str] = {}
    for a in agencies:
        target = getattr(a, key)
        if target in by_id:
            links[a.id] = target
    try:
        graphlib.TopologicalSorter({a: (b,) for a, b in links.items()}).prepare()
    except graphlib.CycleError as exc:
        on_cycle = set(exc.args[1])
        start = next(a.id for a in agencies if a.id in on_cycle)
        ids = [start]
        while (nxt := links[ids[-1]]) != start:
            ids.append(nxt)
        return [by_id[i] for i in ids]
    return None


def _endings(files: Sequence[FileDefinitions]) -> tuple[str, list[Finding]] | None:
    """Dissolved agencies (SPEC §9.5) that cannot be followed: a successor dissolved before
    the agency it takes over, or an agency still in place under a dissolved parent (it would
    be in no tree: neither today's nor a root)."""
    by_id = {a.id: a for f in files for a in f.agencies}
    for f in files:
        problems: list[Finding] = []
        for ag in f.agencies:
            nxt = by_id.get(ag.successor) if ag.successor else None
            if nxt and nxt.until and ag.until and nxt.until < ag.until:
                message = (
                    f"agency {quote(ag.id)}: successor {quote(nxt.id)} was dissolved on"
                    f" {nxt.until}, before {quote(ag.id)} ({ag.until})"
                )
                problems.append(_at_key(f, "agency", ag.line, "successor", message))
            parent = by_id.get(ag.parent) if ag.parent else None
            if ag.until is None and parent and parent.until:
                message = (
                    f"agency {quote(ag.id)}: parent {quote(parent.id)} was dissolved on"
                    f" {parent.until}; give {quote(ag.id)} a parent that still exists"
                    " (or an 'until' of its own)"
                )
                problems.append(_at_key(f, "agency", ag.line, "parent", message))
        if problems:
            return f.path, problems
    return None


def _key_position(f: FileDefinitions, kind: str, table_line: int, key: str) -> tuple[int, int]:
    """Line and column of ``key`` in the table of ``f`` that starts at ``table_line``."""
    if f.locator is not None:
        for name, index, first, _last in f.locator.sections:
            if name == kind and first == table_line:
                line, col = f.locator.key(name, index, key)
                return (line, col) if line else (table_line, 0)
    return table_line, 0


def load_definitions(paths: Sequence[str]) -> Merged:
    """Parse and merge TOML files, in the order given."""
    return merge([parse_file(p) for p in paths])
