"""The document a director reads (SPEC §10): a table in the UI language, for xlsx, html and md.

Headings as on screen (in full where the screen abbreviates), status words, indicator, group
and agency names instead of ids, periods as the UI writes them, units beside values. Each
cell carries its text (html, md) and, for a number, the number and an Excel number format
(xlsx: numbers stay numbers; percentages are fractions with a ``0.00%`` format). The metadata
is localised the same way: labels, view name, status words in filters, local time with its
UTC offset.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from kpitui.core import numbers
from kpitui.core.export.hashing import file_metadata
from kpitui.core.export.table import ExportTable
from kpitui.core.i18n import status_word, t
from kpitui.core.periods import display
from kpitui.core.text import clean

# --------------------------------------------------------------------------- periods


@functools.lru_cache(maxsize=1024)
def period_label(period: str | None, lang: str) -> str:
    """A canonical period as the UI writes it (SPEC §9.1): vi ``Tháng 6/2024``, ``Quý 2/2024``;
    en ``Jun 2024``, ``Q2 2024``. Every export and ``kpitui show`` call this one function."""
    return display(period, lang) if period else ""


def day_label(day: date | str | None, lang: str) -> str:
    """A day (or its ISO text) as the UI writes it: vi ``30/06/2025``, en ``30 Jun 2025``."""
    if not day:
        return ""
    return period_label(day if isinstance(day, str) else day.isoformat(), lang)


def agency_label(name: str, until: date | str | None, lang: str) -> str:
    """An agency's name; a dissolved one says until when it existed (SPEC §9.5)."""
    return t("agency.until", lang, name=name, day=day_label(until, lang)) if until else name


def rank_label(rank: int | None, of: int | None) -> str:
    """A rank among siblings as rankings are read (SPEC §9.3): ``3/9``."""
    return f"{rank}/{of}" if rank is not None and of is not None else ""


def local_time(iso: str, lang: str) -> str:
    """``2023-09-14T08:05:03+07:00`` -> vi ``08:05:03 14/09/2023 (UTC+07:00)``,
    en ``2023-09-14 08:05:03 (UTC+07:00)``."""
    try:
        when = datetime.fromisoformat(iso)
    except ValueError:
        return clean(iso)
    offset = when.strftime("%z")
    zone = f" (UTC{offset[:3]}:{offset[3:]})" if offset else ""
    if lang == "vi":
        return f"{when:%H:%M:%S %d/%m/%Y}{zone}"
    return f"{when:%Y-%m-%d %H:%M:%S}{zone}"


# --------------------------------------------------------------------------- cells


@dataclass(frozen=True, slots=True)
class Cell:
    text: str
    """As shown, in the table's language."""
    number: float | None = None
    """xlsx: the number stored (a fraction for a percentage)."""
    num_format: str = ""
    """xlsx: its number format."""
    indent: int = 0
    """Levels below the first row (a breakdown's tree)."""


EMPTY = Cell("")
PERCENT = "0.00%"


def _unit_suffix(unit: str) -> str:
    """A unit as the literal tail of an Excel number format: `` "người"``."""
    unit = clean(unit).replace('"', "”").replace("\\", "/")
    return f' "{unit}"' if unit else ""


def _amount_format(x: float) -> str:
    return "#,##0" if float(x).is_integer() else "#,##0.00"


def value_cell(x: float | None, unit: str, lang: str) -> Cell:
    """A value in its unit: a % value is stored as a fraction (50.24 -> 0.5024, ``0.00%``)."""
    text = numbers.with_unit(x, unit, lang)
    if not text or x is None:
        return EMPTY
    if unit == "%":
        return Cell(text, x / 100, PERCENT)
    return Cell(text, x, _amount_format(x) + _unit_suffix(unit))


def attainment_cell(x: float | None, lang: str) -> Cell:
    text = numbers.attainment(x, lang)
    return Cell(text, x, PERCENT) if text and x is not None else EMPTY


def change_cell(x: float | None, unit: str, lang: str) -> Cell:
    """A signed change; a % indicator's in percentage points, shown bare as on screen."""
    text = numbers.change_with_unit(x, unit, lang)
    if not text or x is None:
        return EMPTY
    if unit == "%":
        return Cell(text, x, "+0.00;-0.00;0")
    fmt = "+#,##0;-#,##0;0" if float(x).is_integer() else "+#,##0.00;-#,##0.00;0"
    suffix = _unit_suffix(unit)
    return Cell(text, x, ";".join(part + suffix for part in fmt.split(";")[:2]) + ";0")


def count_cell(x: float | None, lang: str) -> Cell:
    if x is None:
        return EMPTY
    return Cell(numbers.number(x, lang), x, _amount_format(x))


def text_cell(value: Any, indent: int = 0) -> Cell:
    return Cell(clean("" if value is None else str(value)), indent=indent)


def pace_words(row: dict[str, Any], lang: str) -> str:
    parts = []
    if row.get("on_track") is True:
        parts.append(t("pace.on_track", lang))
    elif row.get("on_track") is False:
        parts.append(t("pace.off_track", lang))
    if row.get("will_meet") is False:
        parts.append(t("pace.will_miss", lang))
    return ", ".join(parts)


# --------------------------------------------------------------------------- columns

Row = dict[str, Any]
CellOf = Callable[[Row, "_Context"], Cell]


@dataclass(frozen=True)
class _Context:
    table: ExportTable
    lang: str
    top_depth: int

    def unit(self, row: Row) -> str:
        return self.table.units.get(row.get("indicator") or "", row.get("unit") or "")

    def shortfall_unit(self, row: Row) -> str:
        indicator = row.get("indicator") or ""
        return self.table.shortfall_units.get(indicator, self.unit(row))


@dataclass(frozen=True)
class Column:
    key: str
    heading: str
    """An i18n key."""
    cell: CellOf
    numeric: bool = False
    optional: bool = True
    """Left out when no row has anything to show in it."""
    medium: str = "all"
    """"all", or only on a "sheet" (xlsx) or a "page" (html, md)."""


def _name(row: Row, c: _Context) -> Cell:
    name = row.get("name_en") if c.lang == "en" and row.get("name_en") else row.get("name")
    return text_cell(name or row.get("indicator"))


def _agency(row: Row, c: _Context) -> Cell:
    depth = row.get("depth")
    indent = max(0, int(depth) - c.top_depth) if depth is not None else 0
    name = clean(str(row.get("agency_name") or row.get("agency") or ""))
    return text_cell(agency_label(name, row.get("until"), c.lang), indent)


def _group(row: Row, c: _Context) -> Cell:
    group = row.get("group")
    return text_cell(c.table.names.groups.get(group, group) if group else "")


def _status(row: Row, c: _Context) -> Cell:
    status = row.get("status")
    return Cell(status_word(status, c.lang)) if status else EMPTY


def _fraction(row: Row, c: _Context) -> Cell:
    return Cell(numbers.fraction(row.get("numerator"), row.get("denominator"), c.lang))


STATUS = Column("status", "head.status", _status, optional=False)
PERIOD = Column("period", "col.period", lambda r, c: Cell(period_label(r.get("period"), c.lang)))
VALUE = Column(
    "value",
    "col.value",
    lambda r, c: value_cell(r.get("value"), c.unit(r), c.lang),
    numeric=True,
    optional=False,
)
TARGET = Column(
    "target",
    "col.target",
    lambda r, c: value_cell(r.get("target"), c.unit(r), c.lang),
    numeric=True,
)
ATTAINMENT = Column(
    "attainment",
    "head.attainment",
    lambda r, c: attainment_cell(r.get("attainment"), c.lang),
    numeric=True,
)
CHANGE = Column(
    "change",
    "head.change",
    lambda r, c: change_cell(r.get("change"), c.unit(r), c.lang),
    numeric=True,
)
LAST_YEAR = Column(
    "last_year",
    "head.last_year",
    lambda r, c: value_cell(r.get("last_year"), c.unit(r), c.lang),
    numeric=True,
)
YOY = Column(
    "yoy_change",
    "head.yoy",
    lambda r, c: change_cell(r.get("yoy_change"), c.unit(r), c.lang),
    numeric=True,
)


def _shortfall(row: Row, c: _Context) -> Cell:
    """In counts (accounts still to activate) for a ratio indicator, else in its unit."""
    unit = c.shortfall_unit(row)
    x = row.get("shortfall")
    return count_cell(x, c.lang) if not unit else value_cell(x, unit, c.lang)


SHORTFALL = Column("shortfall", "head.shortfall", _shortfall, numeric=True)
MISSING = Column(
    "missing_reporters",
    "head.missing",
    lambda r, c: count_cell(r.get("missing_reporters") or None, c.lang),
    numeric=True,
)
SUMMARY = [
    STATUS,
    Column("name", "col.indicator", _name, optional=False),
    Column("group", "col.group", _group),
    PERIOD,
    VALUE,
    TARGET,
    ATTAINMENT,
    CHANGE,
    LAST_YEAR,
    YOY,
    SHORTFALL,
    Column("pace", "head.pace", lambda r, c: Cell(pace_words(r, c.lang))),
    MISSING,
    Column("owner", "col.owner", lambda r, c: text_cell(r.get("owner"))),
]
BREAKDOWN = [
    STATUS,
    Column("agency_name", "col.agency", _agency, optional=False),
    PERIOD,
    VALUE,
    Column("fraction", "col.fraction", _fraction, numeric=True, medium="page"),
    Column(
        "numerator",
        "head.numerator",
        lambda r, c: count_cell(r.get("numerator"), c.lang),
        numeric=True,
        medium="sheet",
    ),
    Column(
        "denominator",
        "head.denominator",
        lambda r, c: count_cell(r.get("denominator"), c.lang),
        numeric=True,
        medium="sheet",
    ),
    TARGET,
    ATTAINMENT,
    CHANGE,
    LAST_YEAR,
    YOY,
    Column(
        "rank",
        "head.rank",
        lambda r, c: Cell(rank_label(r.get("rank"), r.get("rank_of"))),
        numeric=True,
    ),
    SHORTFALL,
    MISSING,
    Column("note", "col.note", lambda r, c: text_cell(r.get("note"))),
]


# --------------------------------------------------------------------------- the document

VIEW_NAMES = {"summary": "view.summary", "breakdown": "view.breakdown", "agency": "view.agency"}
FILE_HEADINGS = ("file.path", "file.sha256", "file.size", "file.modified", "file.state")
FILE_STATES = {"ok": "file.ok", "error": "file.error", "stale": "file.stale"}


def view_name(view: str, lang: str) -> str:
    return t(VIEW_NAMES[view], lang) if view in VIEW_NAMES else clean(view)


@dataclass(frozen=True)
class Document:
    lang: str
    title: str
    view_name: str
    meta: list[tuple[str, str]]
    """(label, value) lines, localised."""
    columns: list[Column]
    headings: list[str]
    rows: list[list[Cell]]
    statuses: list[str]
    files: list[dict[str, Any]]
    """The input files with their SHA-256 (``hashing.file_metadata``)."""

    def file_rows(self) -> Iterator[list[str]]:
        """Localised cells of the files table: path, SHA-256, size, modified, state."""
        for f in self.files:
            state = FILE_STATES.get(f.get("state") or "")
            yield [
                clean(f["path"]),
                f["sha256"] or t("file.changed", self.lang),
                numbers.number(f["size"], self.lang),
                local_time(f["modified"], self.lang) if f.get("modified") else "",
                t(state, self.lang) if state else clean(str(f.get("state") or "")),
            ]

    @property
    def file_headings(self) -> list[str]:
        return [t(k, self.lang) for k in FILE_HEADINGS]


def _filters(table: ExportTable, lang: str) -> str:
    """Status and group filters in words: ``gần đạt, Nhóm: Chính quyền số``."""
    meta = table.meta
    parts: list[str] = []

    def status(value: str) -> str:
        return t("bar.at_risk", lang) if value == "at_risk" else status_word(value, lang)

    def group(value: str) -> str:
        return f"{t('col.group', lang)}: {table.names.groups.get(value, value)}"

    if meta.get("status_filter"):
        parts.append(status(str(meta["status_filter"])))
    if meta.get("group_filter"):
        parts.append(group(str(meta["group_filter"])))
    for part in str(meta.get("filters") or "").split(","):
        part = part.strip()
        if part.startswith("group="):
            parts.append(group(part.removeprefix("group=")))
        elif part:
            parts.append(status(part))
    return ", ".join(parts)


def _sort(table: ExportTable, lang: str) -> str:
    """``sort = "status desc"`` or ``sort = "status", descending = True`` in words."""
    sort = str(table.meta.get("sort") or "")
    key, _, order = sort.partition(" ")
    if not key:
        return ""
    word = t(f"sort.{key}", lang)
    word = clean(key) if word == f"sort.{key}" else word
    if order == "desc" or table.meta.get("descending"):
        word += f" ({t('meta.descending', lang)})"
    return word


def metadata_lines(table: ExportTable) -> list[tuple[str, str]]:
    lang, meta, names = table.lang, table.meta, table.names
    lines: list[tuple[str, str]] = []

    def add(key: str, value: str) -> None:
        if value:
            lines.append((t(key, lang), clean(value)))

    add("meta.title", str(meta.get("title") or table.title))
    add("meta.view", view_name(table.view, lang))
    indicator = meta.get("indicator")
    if indicator:
        add("meta.indicator", names.indicators.get(indicator, indicator))
    agency = meta.get("agency")
    if agency:
        add("meta.agency", names.agencies.get(agency, agency))
    add("meta.as_of", period_label(meta.get("as_of"), lang))
    if names.periods:
        first, last = (period_label(p, lang) for p in names.periods)
        add("meta.data_period", first if first == last else f"{first} – {last}")
    add("meta.filters", _filters(table, lang))
    add("meta.search", str(meta.get("search") or ""))
    add("meta.sort", _sort(table, lang))
    if meta.get("generated_at"):
        add("meta.generated_at", local_time(str(meta["generated_at"]), lang))
    add("meta.version", str(meta.get("kpitui_version") or ""))
    return lines


def title_of(table: ExportTable) -> str:
    """The heading: as on screen when the dashboard gives it, else the data set's title (with
    the agency), or the indicator's name for a breakdown."""
    meta, names = table.meta, table.names
    if meta.get("heading"):
        return clean(str(meta["heading"]))
    title = table.title or "kpitui"
    if table.view == "breakdown" and meta.get("indicator"):
        title = names.indicators.get(meta["indicator"], meta["indicator"])
    agency = meta.get("agency")
    if agency and table.view == "agency":
        title = f"{title} — {names.agencies.get(agency, agency)}"
    return clean(title)


def build(table: ExportTable, medium: str) -> Document:
    """The document of ``table`` for a ``medium``: "sheet" (xlsx) or "page" (html, md)."""
    lang = table.lang
    spec = BREAKDOWN if table.view == "breakdown" else SUMMARY
    spec = [c for c in spec if c.medium in ("all", medium)]
    top = table.frame.get_column("depth").min() if "depth" in table.columns else None
    context = _Context(table, lang, int(top) if isinstance(top, int | float) else 0)
    rows: list[list[Cell]] = []
    statuses: list[str] = []
    for row in table.frame.iter_rows(named=True):
        rows.append([c.cell(row, context) for c in spec])
        statuses.append(str(row.get("status") or ""))
    keep = [i for i, c in enumerate(spec) if not c.optional or any(r[i].text for r in rows)]
    columns = [spec[i] for i in keep]
    title = title_of(table)
    heading = t("meta.title", lang)
    return Document(
        lang=lang,
        title=title,
        view_name=view_name(table.view, lang),
        meta=[(k, v) for k, v in metadata_lines(table) if (k, v) != (heading, title)],
        columns=columns,
        headings=[t(c.heading, lang) for c in columns],
        rows=[[r[i] for i in keep] for r in rows],
        statuses=statuses,
        files=file_metadata(table.files),
    )
