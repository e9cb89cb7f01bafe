"""Snapshot: the immutable result of one load, and the Loader that builds it.

``files -> Loader.load() -> Snapshot -> views``. The CLI builds one snapshot with a loader
that streams the files from disk; the dashboard keeps one loader alive, which holds each
file's rows in memory, re-reads only files that changed, and keeps the last good version of a
file in effect while its new version has errors.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import polars as pl

from kpitui.core import findings as fnd
from kpitui.core import observations as obs
from kpitui.core.cache import PartialCache
from kpitui.core.definitions import FileDefinitions, merge, parse_file
from kpitui.core.findings import Finding
from kpitui.core.model import ALL_AGENCIES, Definitions
from kpitui.core.periods import period_table
from kpitui.core.rollup import (
    Aggregated,
    Tree,
    aggregate,
    combine,
    finish,
    indicator_frame,
    needs_derived,
    partial,
    rollup,
    tree_from_ids,
)
from kpitui.core.text import quote

DEFINITION_SUFFIXES = (".toml",)
OBSERVATION_SUFFIXES = (".csv",)


# --------------------------------------------------------------------------- files


@dataclass(frozen=True, slots=True)
class FileInfo:
    path: str
    kind: str
    """"definitions" or "observations"."""
    size: int
    mtime: float
    state: str = "ok"
    """"ok", "error" (set aside) or "stale" (has errors; its last good version is in effect)."""


def discover(paths: Sequence[str]) -> tuple[list[str], list[str], list[Finding]]:
    """The TOML and CSV files of the given folders and files, in a stable order."""
    tomls: list[str] = []
    csvs: list[str] = []
    problems: list[Finding] = []
    for given in paths:
        if os.path.isdir(given):
            try:
                names = sorted(os.listdir(given))
            except OSError as exc:
                problems.append(fnd.error(given, 0, f"cannot list folder: {exc.strerror or exc}"))
                continue
            before = len(tomls) + len(csvs)
            for name in names:
                full = os.path.join(given, name)
                if name.startswith(".") or not os.path.isfile(full):
                    continue
                lower = name.lower()
                if lower.endswith(DEFINITION_SUFFIXES):
                    tomls.append(full)
                elif lower.endswith(OBSERVATION_SUFFIXES):
                    csvs.append(full)
            if len(tomls) + len(csvs) == before:
                problems.append(fnd.error(given, 0, "no .toml or .csv file in this folder"))
        elif os.path.isfile(given):
            lower = given.lower()
            if lower.endswith(DEFINITION_SUFFIXES):
                tomls.append(given)
            elif lower.endswith(OBSERVATION_SUFFIXES):
                csvs.append(given)
            else:
                problems.append(fnd.error(given, 0, "not a .toml or .csv file"))
        else:
            problems.append(fnd.error(given, 0, "no such file or folder"))
    return _unique(tomls), _unique(csvs), problems


def _unique(items: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for item in items:
        key = os.path.realpath(item)
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


def _stamp(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size)


# --------------------------------------------------------------------------- the snapshot


@dataclass(frozen=True)
class Snapshot:
    """Everything the views need, computed once per load. Never mutated."""

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
    """The observation rows in effect (``observations.SCHEMA``), for leaves and notes."""
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


# --------------------------------------------------------------------------- loading


KEEP_IN_MEMORY_BYTES = 8 * 1024**2
"""Observation files up to this size are kept in memory by the dashboard, so a broken save
keeps every row of the last good version; larger files keep their last good aggregates."""


@dataclass
class _CsvEntry:
    """What the dashboard's loader remembers of one observation file."""

    stamp: tuple[int, int] | None
    findings: list[Finding] = field(default_factory=list)
    layout: obs.Layout | None = None
    frame: pl.DataFrame | None = None
    """Its rows, when kept in memory (small files, and files read on the careful path)."""
    partial: pl.DataFrame | None = None
    """Its statistics for the roll-up (``rollup.partial``), for the definitions ``key``."""
    key: object = None
    checked: bool = False
    """True when the careful path read it (its findings are complete)."""
    ok: bool = True


class Loader:
    """Builds snapshots of a data set; keep one alive to reload cheaply.

    ``in_memory=False`` (the CLI) streams every CSV from disk on each load.
    ``in_memory=True`` (the dashboard) keeps, per file, its roll-up statistics (and the rows of
    small files); a reload re-reads only files whose modification time or size changed and
    combines the statistics, so a change in one file of 12 M rows costs that file only. A
    file whose new version has errors keeps its last good version in effect ("stale").
    """

    def __init__(
        self,
        paths: Sequence[str],
        in_memory: bool = False,
        cache: PartialCache | None = None,
        keep_bytes: int = KEEP_IN_MEMORY_BYTES,
    ) -> None:
        self.paths = tuple(paths)
        self.in_memory = in_memory
        self.cache = cache or PartialCache(None)
        self.keep_bytes = keep_bytes
        self._tomls: dict[str, tuple[tuple[int, int] | None, FileDefinitions]] = {}
        self._good_tomls: dict[str, FileDefinitions] = {}
        self._csvs: dict[str, _CsvEntry] = {}
        self._good_csvs: dict[str, _CsvEntry] = {}

    # -- definitions

    def _definitions(
        self, paths: list[str]
    ) -> tuple[Definitions, list[Finding], set[str], list[str]]:
        parsed: list[FileDefinitions] = []
        stale: set[str] = set()
        for path in paths:
            stamp = _stamp(path)
            cached = self._tomls.get(path)
            if cached is None or cached[0] != stamp or stamp is None:
                cached = (stamp, parse_file(path))
                self._tomls[path] = cached
            parsed.append(cached[1])
        in_effect = []
        for f in parsed:
            if f.ok:
                in_effect.append(f)
            elif self.in_memory and f.path in self._good_tomls:
                good = self._good_tomls[f.path]
                in_effect.append(FileDefinitions(**{**good.__dict__, "findings": f.findings}))
                stale.add(f.path)
            else:
                in_effect.append(f)
        # A stale file carries its new findings but its old content: merge must accept it.
        merged = merge(
            [
                FileDefinitions(**{**f.__dict__, "findings": []}) if f.path in stale else f
                for f in in_effect
            ]
        )
        findings = list(merged.findings)
        for f in in_effect:
            if f.path in stale:
                findings.extend(f.findings)
        for f in parsed:
            if f.ok and f.path in merged.used:
                self._good_tomls[f.path] = f
        rejected = [f.path for f in parsed if f.path not in merged.used and f.path not in stale]
        return merged.definitions, findings, stale, rejected

    # -- observations

    def load(self) -> Snapshot:
        tomls, csvs, problems = discover(self.paths)
        defs, findings, stale_tomls, rejected_tomls = self._definitions(tomls)
        findings = problems + findings
        if not defs.indicators and (tomls or csvs):
            where = tomls[0] if tomls else (self.paths[0] if self.paths else ".")
            findings.append(
                fnd.error(
                    where,
                    0,
                    "no indicator is defined: add a .toml file with [[indicator]] tables",
                    kind="no_indicators",
                )
            )
        known = obs.KnownIds.of(
            (i.id for i in defs.indicators),
            [a.id for a in defs.agencies] if defs.agencies else None,
        )
        tree = Tree.build(defs.agencies) if defs.agencies else None
        indicators = indicator_frame(defs.indicators, known.indicators)
        spellings = known.agencies
        paths = dict(enumerate(csvs))
        ctx = _Context(defs, known, tree, indicators, spellings)

        if self.in_memory:
            agg, sources, csv_findings, states = self._memory_pass(csvs, ctx)
        else:
            sources, csv_findings, states = self._scan_frames(csvs, defs)
            agg = _try_aggregate(sources(False), indicators, tree, spellings)
        findings += csv_findings
        if agg is None:
            sources, careful_findings, careful_states, agg = self._careful(csvs, ctx)
            findings += careful_findings
            states.update(careful_states)
        if agg is None:  # pragma: no cover - the careful path leaves no problem behind
            findings.append(
                fnd.error(self.paths[0] if self.paths else ".", 0, "data left unresolved")
            )
            agg = Aggregated.empty()

        groups = agg.groups
        if tree is None:
            tree = tree_from_ids(
                groups.filter(pl.col("own")).get_column("slot").drop_nulls().unique().to_list()
            )
        values = rollup(agg, tree, indicators)
        mismatches = _mismatched_totals(values)
        if agg.warnings or mismatches.height:
            findings += _locate_warnings(sources(True), paths, defs, mismatches)
        period_frame, _ = period_table(groups.get_column("period").drop_nulls().unique().to_list())
        ind_periods = (
            groups.lazy()
            .filter(pl.col("ind").is_not_null())
            .select(pl.col("ind").alias("indicator"), "period")
            .unique()
            .join(period_frame.lazy(), on="period", how="inner")
            .sort("indicator", "order")
            .collect()
        )
        files = _file_infos(tomls, "definitions", stale_tomls, set(rejected_tomls))
        files += _file_infos(
            csvs,
            "observations",
            {p for p, s in states.items() if s == "stale"},
            {p for p, s in states.items() if s == "error"},
        )
        reporters = agg.bits.rename({"ind": "indicator", "slot": "holder"})
        findings += _quality_findings(
            defs, tree, ind_periods, period_frame, reporters, files, self.paths
        )
        return Snapshot(
            definitions=defs,
            tree=tree,
            indicators=indicators.filter(pl.col("indicator") == pl.col("ind")),
            values=values,
            periods=period_frame,
            indicator_periods=ind_periods,
            raw=sources(False),
            reporters=reporters,
            spellings=spellings or {},
            findings=tuple(fnd.sort_findings(findings)),
            files=tuple(files),
            observations=agg.rows,
            loaded_at=datetime.now(),
            paths=self.paths,
        )

    # -- the CLI: lazy scans

    def _scan_frames(
        self, csvs: list[str], defs: Definitions
    ) -> tuple[Callable[[bool], pl.LazyFrame], list[Finding], dict[str, str]]:
        """Lazy scans of the files (nothing is read yet): ``sources(locate)``."""
        found: list[tuple[int, str, obs.Layout]] = []
        findings: list[Finding] = []
        states: dict[str, str] = {}
        typed = obs.typed_numbers(defs.csv)
        for index, path in enumerate(csvs):
            try:
                layout, header_findings = obs.read_layout(path, defs.csv, obs.read_head(path))
                found.append((index, path, layout))
                findings += header_findings
            except obs.ReadError as exc:
                findings.append(exc.finding)
                states[path] = "error"

        def sources(locate: bool) -> pl.LazyFrame:
            return _concat(
                [obs.scan(p, i, defs.csv, lay, typed=typed, locate=locate) for i, p, lay in found]
            )

        return sources, findings, states

    # -- the dashboard: statistics per file

    def _memory_pass(
        self, csvs: list[str], ctx: _Context
    ) -> tuple[Aggregated | None, Callable[[bool], pl.LazyFrame], list[Finding], dict[str, str]]:
        findings: list[Finding] = []
        states: dict[str, str] = {}
        in_effect: list[tuple[int, str, _CsvEntry]] = []
        for index, path in enumerate(csvs):
            entry = self._entry(index, path, ctx)
            findings += entry.findings
            if entry.ok:
                in_effect.append((index, path, entry))
            elif path in self._good_csvs:
                states[path] = "stale"
                in_effect.append(
                    (index, path, self._refresh(index, path, self._good_csvs[path], ctx))
                )
            else:
                states[path] = "error"
        for gone in set(self._csvs) - set(csvs):
            self._csvs.pop(gone, None)
            self._good_csvs.pop(gone, None)
        agg = self._combine(in_effect, ctx)
        if agg is not None:
            for _, path, entry in in_effect:
                if states.get(path) != "stale":
                    self._good_csvs[path] = entry
        return agg, _entries_source(in_effect, ctx.defs), findings, states

    def _entry(self, index: int, path: str, ctx: _Context) -> _CsvEntry:
        """A file's entry, re-read if it changed, its statistics recomputed if needed."""
        stamp = _stamp(path)
        entry = self._csvs.get(path)
        if entry is None or entry.stamp != stamp or stamp is None:
            entry = self._read(index, path, ctx)
            self._csvs[path] = entry
        return self._refresh(index, path, entry, ctx)

    def _read(self, index: int, path: str, ctx: _Context) -> _CsvEntry:
        opts = ctx.defs.csv
        stamp = _stamp(path)
        try:
            layout, header_findings = obs.read_layout(path, opts, obs.read_head(path))
            entry = _CsvEntry(stamp, header_findings, layout)
            if stamp is not None and stamp[1] <= self.keep_bytes:
                entry.frame = obs.scan(
                    path, index, opts, layout, typed=obs.typed_numbers(opts)
                ).collect()
            return self._refresh(index, path, entry, ctx)
        except obs.READ_FAILURES:
            return self._checked(index, path, ctx)

    def _checked(self, index: int, path: str, ctx: _Context) -> _CsvEntry:
        check = obs.check_file(path, index, ctx.defs.csv, ctx.known)
        entry = _CsvEntry(
            _stamp(path), check.findings, frame=check.frame, checked=True, ok=check.ok
        )
        return self._refresh(index, path, entry, ctx) if check.ok else entry

    def _refresh(
        self, index: int, path: str, entry: _CsvEntry, ctx: _Context, derived: bool = False
    ) -> _CsvEntry:
        """Compute the file's statistics for the current definitions (once per change)."""
        key = (ctx.key, derived)
        if not entry.ok or (entry.partial is not None and entry.key == key):
            return entry
        cacheable = entry.frame is None and not entry.findings
        cached = self.cache.get(path, key) if cacheable else None
        if cached is None:
            cached = partial(
                self._rows(index, path, entry, ctx.defs),
                ctx.indicators,
                ctx.tree,
                ctx.spellings,
                derived=derived,
            )
            if cacheable:
                self.cache.put(path, key, cached)
        entry.partial = cached
        entry.key = key
        return entry

    @staticmethod
    def _rows(index: int, path: str, entry: _CsvEntry, defs: Definitions) -> pl.LazyFrame:
        if entry.frame is not None:
            return entry.frame.lazy()
        assert entry.layout is not None
        return obs.scan(
            path, index, defs.csv, entry.layout, typed=obs.typed_numbers(defs.csv), locate=False
        )

    def _combine(
        self, in_effect: list[tuple[int, str, _CsvEntry]], ctx: _Context
    ) -> Aggregated | None:
        """The aggregate of the files in effect, or None when the careful path is needed."""
        try:
            raw = combine([e.partial for _, _, e in in_effect if e.partial is not None], ctx.tree)
            if needs_derived(raw, ctx.indicators):
                for index, path, entry in in_effect:
                    self._refresh(index, path, entry, ctx, derived=True)
                raw = combine(
                    [e.partial for _, _, e in in_effect if e.partial is not None], ctx.tree
                )
            agg = finish(raw, ctx.indicators, ctx.tree)
        except obs.READ_FAILURES:
            return None
        return agg if _sound(agg) else None

    # -- the careful path (both)

    def _careful(
        self, csvs: list[str], ctx: _Context
    ) -> tuple[Callable[[bool], pl.LazyFrame], list[Finding], dict[str, str], Aggregated | None]:
        """Check every file line by line; set aside the files with errors."""
        findings: list[Finding] = []
        states: dict[str, str] = {}
        checks: list[obs.FileCheck] = []
        for index, path in enumerate(csvs):
            entry = self._csvs.get(path) if self.in_memory else None
            if entry is not None and entry.checked and entry.stamp == _stamp(path):
                checks.append(obs.FileCheck(path, entry.frame, entry.findings))
                continue
            check = obs.check_file(path, index, ctx.defs.csv, ctx.known)
            checks.append(check)
            if self.in_memory:
                self._csvs[path] = _CsvEntry(
                    _stamp(path), check.findings, frame=check.frame, checked=True, ok=check.ok
                )
        dup_findings, dup_files = _cross_file_duplicates(checks, ctx.defs)
        in_effect: list[tuple[int, str, _CsvEntry]] = []
        for index, check in enumerate(checks):
            findings += check.findings
            path = check.path
            if check.frame is not None and path not in dup_files:
                entry = self._csvs.get(path) if self.in_memory else None
                entry = entry or _CsvEntry(_stamp(path), frame=check.frame, checked=True)
                in_effect.append((index, path, entry))
            elif self.in_memory and path in self._good_csvs:
                states[path] = "stale"
                in_effect.append((index, path, self._good_csvs[path]))
            else:
                states[path] = "error"
        findings += dup_findings
        for index, path, entry in in_effect:
            self._refresh(index, path, entry, ctx)
        agg = self._combine(in_effect, ctx)
        if agg is not None and self.in_memory:
            for _, path, entry in in_effect:
                if states.get(path) != "stale":
                    self._good_csvs[path] = entry
        return _entries_source(in_effect, ctx.defs), findings, states, agg


@dataclass(frozen=True)
class _Context:
    """The definitions a load works with, and a key that changes when they do."""

    defs: Definitions
    known: obs.KnownIds
    tree: Tree | None
    indicators: pl.DataFrame
    spellings: dict[str, str] | None

    @property
    def key(self) -> object:
        return (
            self.defs.csv,
            None if self.tree is None else self.tree.ids,
            None if self.tree is None else tuple(sorted(self.tree.parent.items(), key=str)),
            tuple((i.id, i.scale, i.aggregate) for i in self.defs.indicators),
            tuple(sorted((self.spellings or {}).items())),
        )


def _sound(agg: Aggregated) -> bool:
    if agg.problems:
        return False
    _, invalid = period_table(agg.groups.get_column("period").drop_nulls().unique().to_list())
    return not invalid


def _entries_source(
    in_effect: list[tuple[int, str, _CsvEntry]], defs: Definitions
) -> Callable[[bool], pl.LazyFrame]:
    """Rows for the views: kept frames, else lazy scans of the files."""

    def sources(locate: bool) -> pl.LazyFrame:
        parts = []
        for index, path, entry in in_effect:
            if entry.frame is not None:
                parts.append(entry.frame.lazy().with_columns(file=pl.lit(index, pl.UInt32)))
            elif entry.layout is not None:
                parts.append(
                    obs.scan(
                        path,
                        index,
                        defs.csv,
                        entry.layout,
                        typed=obs.typed_numbers(defs.csv),
                        locate=locate,
                    )
                )
        return _concat(parts)

    return sources


def _try_aggregate(
    lf: pl.LazyFrame, indicators: pl.DataFrame, tree: Tree | None, spellings: dict[str, str] | None
) -> Aggregated | None:
    """The streaming pass, or None when the data needs the careful path."""
    try:
        agg = aggregate(lf, indicators, tree, spellings)
    except obs.READ_FAILURES:
        return None
    return agg if _sound(agg) else None


def _concat(frames: list[pl.LazyFrame]) -> pl.LazyFrame:
    if not frames:
        return pl.LazyFrame(schema=obs.SCHEMA)
    return pl.concat(frames, how="vertical")


def _cross_file_duplicates(
    checks: list[obs.FileCheck], defs: Definitions
) -> tuple[list[Finding], set[str]]:
    """A (indicator, agency, period) in two sound files: the later file is set aside."""
    frames = [
        c.frame.select("file", "row", "indicator", "agency", "period").with_columns(
            _check=pl.lit(i, pl.UInt32)
        )
        for i, c in enumerate(checks)
        if c.frame is not None
    ]
    if len(frames) < 2:
        return [], set()
    keys = pl.concat(frames).with_columns(
        _first_check=pl.col("_check")
        .first()
        .over("indicator", "agency", "period", order_by="_check"),
        _first_row=pl.col("row").first().over("indicator", "agency", "period", order_by="_check"),
    )
    dups = keys.filter(pl.col("_check") != pl.col("_first_check")).sort("_check", "row")
    findings: list[Finding] = []
    bad: set[str] = set()
    for (check_index,), group in dups.group_by("_check", maintain_order=True):
        path = checks[int(check_index)].path  # type: ignore[call-overload]
        bad.add(path)
        lines = obs.LineMap({int(check_index): path}, defs.csv)  # type: ignore[call-overload]
        for row in group.head(obs.MAX_FINDINGS_PER_KIND).iter_rows(named=True):
            first_path = checks[row["_first_check"]].path
            first_line = obs.LineMap({0: first_path}, defs.csv).line(0, row["_first_row"])
            findings.append(
                fnd.error(
                    path,
                    lines.line(int(check_index), row["row"]),  # type: ignore[call-overload]
                    f"duplicate row for {quote(row['indicator'])} at {quote(row['agency'])} "
                    f"{quote(row['period'])} (first at {first_path}:{first_line})",
                    kind="duplicate",
                    indicator=row["indicator"],
                    agency=row["agency"],
                )
            )
    return findings, bad


def _mismatched_totals(values: pl.DataFrame) -> pl.DataFrame:
    """Reported totals that differ from their children's aggregate by more than 0.5 %."""
    return values.filter(
        pl.col("reported")
        & pl.col("value").is_not_null()
        & pl.col("children_value").is_not_null()
        & (
            (pl.col("value") - pl.col("children_value")).abs()
            > 0.005 * pl.col("children_value").abs()
        )
    ).select("indicator", "agency", "period", "value", "children_value")


def _locate_warnings(
    lf: pl.LazyFrame, paths: dict[int, str], defs: Definitions, mismatches: pl.DataFrame
) -> list[Finding]:
    """Find the lines of the warnings the fast pass counted, in one more pass."""
    lines = obs.LineMap(paths, defs.csv)
    keyed = mismatches.select("indicator", "agency", "period", pl.lit(True).alias("_mismatch"))
    rows = (
        lf.join(keyed.lazy(), on=["indicator", "agency", "period"], how="left")
        .filter(
            (pl.col("numerator") > pl.col("denominator"))
            | (pl.col("denominator") == 0)
            | pl.col("_mismatch").fill_null(False)
        )
        .select(
            "file", "row", "indicator", "agency", "period", "numerator", "denominator", "_mismatch"
        )
        .collect()
    )
    out = obs.warning_findings(paths, obs.warning_rows(rows.lazy()).collect(), lines)
    located = (
        rows.filter(pl.col("_mismatch").fill_null(False))
        .join(mismatches, on=["indicator", "agency", "period"])
        .sort("file", "row")
    )
    for row in located.iter_rows(named=True):
        path = paths.get(row["file"], "")
        child = row["children_value"]
        diff = (row["value"] - child) / child * 100 if child else float("inf")
        out.append(
            fnd.warning(
                path,
                lines.line(row["file"], row["row"]),
                f"{quote(row['indicator'])} at {quote(row['agency'])} {row['period']}: reported "
                f"total {row['value']:g} differs from its children's aggregate {child:g} "
                f"({diff:+.1f} %)",
                kind="total_mismatch",
                indicator=row["indicator"],
                agency=row["agency"],
            )
        )
    return out


def _quality_findings(
    defs: Definitions,
    tree: Tree,
    ind_periods: pl.DataFrame,
    periods: pl.DataFrame,
    reporters: pl.DataFrame,
    files: list[FileInfo],
    given: Sequence[str],
) -> list[Finding]:
    """Data-quality warnings beyond the files' own: missing reporters in each indicator's
    current period (SPEC §4.4) and files older than ``[dashboard].stale_days``."""
    from kpitui.core.pace import missing_reporter_list

    out: list[Finding] = []
    where = given[0] if given else "."
    if reporters.height and ind_periods.height:
        current = ind_periods.group_by("indicator").agg(pl.col("order").max().alias("cur_order"))
        names = dict(zip(periods["order"].to_list(), periods["period"].to_list(), strict=True))
        cur = dict(current.iter_rows())
        for indicator, agency in missing_reporter_list(defs, tree, periods, reporters, current):
            out.append(
                fnd.warning(
                    where,
                    0,
                    f"{quote(indicator)} at {quote(agency)}: no report for {names[cur[indicator]]} "
                    "(reported earlier in the target period)",
                    kind="missing_reporter",
                    indicator=indicator,
                    agency=agency,
                )
            )
    limit = defs.dashboard.stale_days
    if limit:
        now = datetime.now().timestamp()
        for info in files:
            age = (now - info.mtime) / 86400 if info.mtime else 0.0
            if info.kind == "observations" and age > limit:
                out.append(
                    fnd.warning(
                        info.path,
                        0,
                        f"not updated for {int(age)} days (stale_days = {limit})",
                        kind="stale_file",
                    )
                )
    return out


def _file_infos(paths: list[str], kind: str, stale: set[str], rejected: set[str]) -> list[FileInfo]:
    out = []
    for p in paths:
        try:
            st = os.stat(p)
            size, mtime = st.st_size, st.st_mtime
        except OSError:
            size, mtime = 0, 0.0
        state = "stale" if p in stale else "error" if p in rejected else "ok"
        out.append(FileInfo(p, kind, size, mtime, state))
    return out


class Preload:
    """A first load started in a thread: the dashboard starts it before importing Textual,
    so polars reads the files on one core while the interpreter imports the UI."""

    def __init__(self, paths: Sequence[str], cache: PartialCache | None = None) -> None:
        self.loader = Loader(list(paths), in_memory=True, cache=cache)
        self._result: Snapshot | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="kpitui-preload", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._result = self.loader.load()
        except BaseException as exc:  # re-raised in the worker, which reports it
            self._error = exc

    def result(self) -> Snapshot:
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._result is not None
        return self._result


def build_snapshot(paths: Sequence[str]) -> Snapshot:
    """Load a data set once, streaming from disk (the CLI's way)."""
    return Loader(paths, in_memory=False).load()
