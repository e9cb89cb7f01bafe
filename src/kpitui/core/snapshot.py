"""Snapshot: the immutable result of one load, which every view reads.

``files -> core.load.Loader -> Snapshot -> core.views``. A snapshot holds the rolled-up
statistics and, for the rows of agencies without children, the rows of the file versions in
effect: in memory, or a private copy taken when the file was read — never the files on disk,
which may have changed since.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import polars as pl

from kpitui.core import findings as fnd
from kpitui.core.findings import Finding
from kpitui.core.model import ALL_AGENCIES, Definitions
from kpitui.core.rollup import Tree


@dataclass(frozen=True, slots=True)
class FileInfo:
    path: str
    kind: str
    """"definitions", "csv", "parquet", "workbook"..."""
    size: int
    mtime: float
    state: str = "ok"
    """"ok"; "stale" (its current version is broken or repeats rows of another file; its
    last good version is in effect); "error" (broken and never good: left out)."""
    line: str = ""
    """Where its first problem is (``path:line`` or ``path:Sheet!D14``), when it has one."""
    mtime_ns: int = 0
    """The modification time of the version read, exactly (``mtime`` is for people)."""

    @property
    def is_observations(self) -> bool:
        return self.kind != "definitions"


@dataclass(frozen=True)
class Snapshot:
    """Everything the views need, computed once per load. Never mutated, and nothing it
    returns changes when files change afterwards."""

    definitions: Definitions
    tree: Tree
    indicators: pl.DataFrame
    """indicator parameters, one row per defined indicator (see ``rollup.indicator_frame``)."""
    values: pl.DataFrame
    """Rolled-up values of the agencies that have children, and of roots (``rollup.VALUES_SCHEMA``)."""
    periods: pl.DataFrame
    """Every valid period that has data, ordered (``periods.period_table``)."""
    indicator_periods: pl.DataFrame
    """(indicator, period): the periods in which an indicator has any row."""
    raw: pl.LazyFrame
    """The observation rows in effect (``sources.schema.ROW_SCHEMA``), for leaves and notes."""
    reporters: pl.DataFrame
    """(indicator, period, holder, word, bits): which leaf children of ``holder`` reported
    (one bit each, see ``rollup.Tree``); used for missing reporters (SPEC §4.4)."""
    spellings: dict[str, str]
    """Agency ids as written in files -> defined id (other Unicode forms)."""
    findings: tuple[Finding, ...]
    files: tuple[FileInfo, ...]
    observations: int
    loaded_at: datetime
    paths: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    """Observation files that were in the previous snapshot and are gone now."""
    keep: tuple[object, ...] = ()
    """The contents of the file versions in effect: ``raw`` may read their private copies,
    which live as long as the contents do."""
    unavailable: str = ""
    """When set, the data set could not be read at all (its folder vanished, no definitions
    are left); the figures are those of the last load that could, and this says why."""

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.is_error)

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if not f.is_error)

    @property
    def agency_count(self) -> int:
        return sum(1 for a in self.tree.ids if a != ALL_AGENCIES)

    def summary_line(self) -> str:
        return (
            f"{fnd.plural(len(self.definitions.indicators), 'indicator')}, "
            f"{fnd.plural(self.agency_count, 'agency').replace('agencys', 'agencies')}, "
            f"{fnd.plural(self.observations, 'observation')}: "
            f"{fnd.plural(self.errors, 'error')}, {fnd.plural(self.warnings, 'warning')}"
        )

    def period_list(self) -> list[str]:
        return self.periods.get_column("period").to_list()

    def broken_files(self) -> list[FileInfo]:
        """Files whose current version is not in effect, first problem first."""
        return [f for f in self.files if f.state in ("stale", "error")]
