"""The domain: indicators, agencies, groups and the options of a data set (SPEC §2.1).

Frozen dataclasses and enums only; loading and validation live in ``definitions.py``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date


class Direction(enum.StrEnum):
    HIGHER = "higher"
    LOWER = "lower"


class Aggregate(enum.StrEnum):
    RATIO = "ratio"
    SUM = "sum"
    MEAN = "mean"
    MIN = "min"
    MAX = "max"


class Status(enum.StrEnum):
    """SPEC §4.2. The order is the order of urgency used when sorting by status."""

    BEHIND = "behind"
    NEAR = "near"
    MET = "met"
    MISSING = "missing"
    NO_TARGET = "no_target"

    @property
    def glyph(self) -> str:
        return _GLYPHS[self]


_GLYPHS = {
    Status.MET: "✓",
    Status.NEAR: "~",
    Status.BEHIND: "✗",
    Status.MISSING: "?",
    Status.NO_TARGET: "·",
}

DEFAULT_WARN = 0.8
ALL_AGENCIES = "*"
"""Id of the virtual agency above several roots (shown as "All" / "Toàn bộ")."""


@dataclass(frozen=True, slots=True)
class Dashboard:
    title: str = ""
    lang: str | None = None
    warn: float = DEFAULT_WARN
    deadline: date | None = None
    stale_days: int | None = None
    """Files not modified for longer than this many days are reported (data quality)."""


@dataclass(frozen=True, slots=True)
class CsvOptions:
    delimiter: str = ","
    decimal: str = "."
    thousands: str = ""
    encoding: str = "utf-8"
    columns: tuple[tuple[str, str], ...] = ()
    """Header name in the files -> canonical column name."""
    legacy: str = "none"
    """Legacy font encoding of the text in the files, converted on load: "none", "tcvn3" or
    "vni" (SPEC §8.3)."""

    @property
    def column_map(self) -> dict[str, str]:
        return dict(self.columns)


@dataclass(frozen=True, slots=True)
class Group:
    id: str
    name: str
    path: str = ""
    line: int = 0


@dataclass(frozen=True, slots=True)
class Indicator:
    id: str
    name: str
    name_en: str | None = None
    group: str | None = None
    unit: str = ""
    target: float | None = None
    direction: Direction = Direction.HIGHER
    aggregate: Aggregate = Aggregate.SUM
    scale: float = 1.0
    warn: float = DEFAULT_WARN
    deadline: date | None = None
    baseline: float | None = None
    owner: str | None = None
    source: str | None = None
    description: str | None = None
    path: str = ""
    line: int = 0

    def display_name(self, lang: str) -> str:
        return self.name_en if lang == "en" and self.name_en else self.name


@dataclass(frozen=True, slots=True)
class Agency:
    id: str
    name: str
    parent: str | None = None
    kind: str | None = None
    path: str = ""
    line: int = 0
    until: date | None = None
    """The agency was dissolved at the end of this day (SPEC §9.5); None: it still exists."""
    successor: str | None = None
    """The agency its history rolls into after ``until`` (successors chain)."""


FIGURES = ("value", "numerator", "denominator", "note")
"""What a column of a wide form holds for its indicator (SPEC §8.2)."""


@dataclass(frozen=True, slots=True)
class SheetColumn:
    """One column of a wide form: its header, and the indicator figure it holds."""

    header: str
    indicator: str
    figure: str
    """One of :data:`FIGURES`."""


@dataclass(frozen=True, slots=True)
class SheetSpec:
    """A ``[[sheet]]`` table: how to read wide forms, one row per agency (SPEC §8.2)."""

    files: str
    """Glob of the files, relative to :attr:`base`."""
    agency: str
    """Header of the agency id column."""
    sheet: str | None = None
    """Sheet name; None = the first (visible) sheet."""
    period: str | None = None
    """The period of every row, literally..."""
    period_cell: str | None = None
    """...or the cell that holds it (``C3``), upper case."""
    columns: tuple[SheetColumn, ...] = ()
    base: str = ""
    """The folder of the TOML file that defines the table."""
    path: str = ""
    line: int = 0


@dataclass(frozen=True, slots=True)
class Definitions:
    """Everything the TOML files of a data set define, validated and merged."""

    dashboard: Dashboard = field(default_factory=Dashboard)
    csv: CsvOptions = field(default_factory=CsvOptions)
    groups: tuple[Group, ...] = ()
    indicators: tuple[Indicator, ...] = ()
    agencies: tuple[Agency, ...] = ()
    targets: tuple[Target, ...] = ()
    """Targets of one indicator at one agency (SPEC §9.4), in definition order."""
    sheets: tuple[SheetSpec, ...] = ()
    """The ``[[sheet]]`` tables: how wide forms are read."""

    def indicator(self, indicator_id: str) -> Indicator | None:
        for ind in self.indicators:
            if ind.id == indicator_id:
                return ind
        return None

    def group_name(self, group_id: str | None) -> str:
        for g in self.groups:
            if g.id == group_id:
                return g.name
        return group_id or ""


@dataclass(frozen=True, slots=True)
class Target:
    """The target of one indicator at one agency (SPEC §9.4, a ``[[target]]`` table)."""

    indicator: str
    agency: str
    target: float
    deadline: date | None = None
    """None: the indicator's deadline (its own, else the dashboard's)."""
    path: str = ""
    line: int = 0
