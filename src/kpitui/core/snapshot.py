"""Snapshot: the immutable result of one load, and the Loader that builds it.

``files -> Loader.load() -> Snapshot -> views``. The CLI builds one snapshot with a loader
that streams the files from disk; the dashboard keeps one loader alive, which holds each
file's rows in memory, re-reads only files that changed, and keeps the last good version of a
file in effect while its new version has errors.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import polars as pl

from kpitui.core import findings as fnd
from kpitui.core import observations as obs
from kpitui.core.definitions import FileDefinitions, merge, parse_file
from kpitui.core.findings import Finding
from kpitui.core.model import ALL_AGENCIES, Definitions
from kpitui.core.periods import period_table
from kpitui.core.rollup import Aggregated, Tree, aggregate, indicator_frame, rollup, tree_from_ids
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
            for name in names:
                full = os.path.join(given, name)
                if name.startswith(".") or not os.path.isfile(full):
                    continue
                lower = name.lower()
                if lower.endswith(DEFINITION_SUFFIXES):
                    tomls.append(full)
                elif lower.endswith(OBSERVATION_SUFFIXES):
                    csvs.append(full)
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


@dataclass
class _CsvEntry:
    stamp: tuple[int, int] | None
    frame: pl.DataFrame | None
    findings: list[Finding] = field(default_factory=list)
    checked: bool = False
    """True when the frame came from the careful path (its findings are complete)."""


class Loader:
    """Builds snapshots of a data set; keep one alive to reload cheaply.

    ``in_memory=False`` (the CLI) streams every CSV from disk on each load.
    ``in_memory=True`` (the dashboard) keeps each file's rows; a reload re-reads only files
    whose modification time or size changed, and a file whose new version has errors keeps
    its last good version in effect (reported with state "stale").
    """

    def __init__(self, paths: Sequence[str], in_memory: bool = False) -> None:
        self.paths = tuple(paths)
        self.in_memory = in_memory
        self._tomls: dict[str, tuple[tuple[int, int] | None, FileDefinitions]] = {}
        self._good_tomls: dict[str, FileDefinitions] = {}
        self._csvs: dict[str, _CsvEntry] = {}
        self._good_csvs: dict[str, pl.DataFrame] = {}

    # -- definitions

    def _definitions(self, paths: list[str]) -> tuple[Definitions, list[Finding], set[str], list[str]]:
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

    def _fast_frame(self, index: int, path: str, defs: Definitions, known: obs.KnownIds) -> _CsvEntry:
        """Read one file into memory on the fast path; the careful path if that fails."""
        stamp = _stamp(path)
        try:
            layout, header_findings = obs.read_layout(path, defs.csv, obs.read_head(path))
            lf = obs.scan(path, index, defs.csv, layout, typed=obs.typed_numbers(defs.csv))
            return _CsvEntry(stamp, lf.collect(), header_findings)
        except (obs.ReadError, pl.exceptions.PolarsError, OSError):
            check = obs.check_file(path, index, defs.csv, known)
            return _CsvEntry(stamp, check.frame, check.findings, checked=True)

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

        if self.in_memory:
            sources, csv_findings, states = self._memory_frames(csvs, defs, known)
        else:
            sources, csv_findings, states = self._scan_frames(csvs, defs)
        findings += csv_findings
        agg = _try_aggregate(sources(False), indicators, tree, spellings)
        if agg is None:
            sources, careful_findings, careful_states = self._careful(csvs, defs, known)
            findings += careful_findings
            states.update(careful_states)
            agg = _try_aggregate(sources(False), indicators, tree, spellings)
        if agg is None:  # pragma: no cover - the careful path leaves no problem behind
            findings.append(fnd.error(self.paths[0] if self.paths else ".", 0, "data left unresolved"))
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
        snapshot = Snapshot(
            definitions=defs,
            tree=tree,
            indicators=indicators.filter(pl.col("indicator") == pl.col("ind")),
            values=values,
            periods=period_frame,
            indicator_periods=ind_periods,
            raw=sources(False),
            reporters=agg.bits.rename({"ind": "indicator", "slot": "holder"}),
            spellings=spellings or {},
            findings=tuple(fnd.sort_findings(findings)),
            files=tuple(files),
            observations=agg.rows,
            loaded_at=datetime.now(),
            paths=self.paths,
        )
        self._remember_good(snapshot)
        return snapshot

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

    def _memory_frames(
        self, csvs: list[str], defs: Definitions, known: obs.KnownIds
    ) -> tuple[Callable[[bool], pl.LazyFrame], list[Finding], dict[str, str]]:
        frames: list[pl.DataFrame] = []
        findings: list[Finding] = []
        states: dict[str, str] = {}
        for index, path in enumerate(csvs):
            stamp = _stamp(path)
            entry = self._csvs.get(path)
            if entry is None or entry.stamp != stamp or stamp is None:
                entry = self._fast_frame(index, path, defs, known)
                self._csvs[path] = entry
            findings += entry.findings
            frame = self._in_effect(path, entry, states)
            if frame is not None:
                frames.append(frame.with_columns(file=pl.lit(index, pl.UInt32)))
        for gone in set(self._csvs) - set(csvs):
            self._csvs.pop(gone, None)
            self._good_csvs.pop(gone, None)
        return _frames_source(frames), findings, states

    def _in_effect(self, path: str, entry: _CsvEntry, states: dict[str, str]) -> pl.DataFrame | None:
        if entry.frame is not None:
            return entry.frame
        if path in self._good_csvs:
            states[path] = "stale"
            return self._good_csvs[path]
        states[path] = "error"
        return None

    def _careful(
        self, csvs: list[str], defs: Definitions, known: obs.KnownIds
    ) -> tuple[Callable[[bool], pl.LazyFrame], list[Finding], dict[str, str]]:
        """Check every file line by line; set aside the files with errors."""
        findings: list[Finding] = []
        states: dict[str, str] = {}
        frames: list[pl.DataFrame] = []
        checks = []
        for index, path in enumerate(csvs):
            entry = self._csvs.get(path) if self.in_memory else None
            if entry is not None and entry.checked and entry.stamp == _stamp(path):
                check = obs.FileCheck(path, entry.frame, entry.findings)
            else:
                check = obs.check_file(path, index, defs.csv, known)
                if self.in_memory:
                    self._csvs[path] = _CsvEntry(_stamp(path), check.frame, check.findings, checked=True)
            checks.append(check)
        dup_findings, dup_files = _cross_file_duplicates(checks, defs)
        for index, check in enumerate(checks):
            findings += check.findings
            frame = check.frame if check.path not in dup_files else None
            if frame is None:
                frame = self._in_effect(check.path, _CsvEntry(None, None), states) if self.in_memory else None
                if not self.in_memory:
                    states[check.path] = "error"
            if frame is not None:
                frames.append(frame.with_columns(file=pl.lit(index, pl.UInt32)))
        findings += dup_findings
        return _frames_source(frames), findings, states

    def _remember_good(self, snapshot: Snapshot) -> None:
        """Keep the frames of the files in effect as their last good versions."""
        if not self.in_memory:
            return
        for info in snapshot.files:
            entry = self._csvs.get(info.path)
            if info.kind == "observations" and info.state == "ok" and entry and entry.frame is not None:
                self._good_csvs[info.path] = entry.frame


def _try_aggregate(
    lf: pl.LazyFrame, indicators: pl.DataFrame, tree: Tree | None, spellings: dict[str, str] | None
) -> Aggregated | None:
    """The streaming pass, or None when the data needs the careful path."""
    try:
        agg = aggregate(lf, indicators, tree, spellings)
    except (pl.exceptions.PolarsError, OSError, obs.ReadError):
        return None
    if agg.problems:
        return None
    _, invalid = period_table(agg.groups.get_column("period").drop_nulls().unique().to_list())
    return None if invalid else agg


def _frames_source(frames: list[pl.DataFrame]) -> Callable[[bool], pl.LazyFrame]:
    """In-memory frames carry file and row always; ``locate`` changes nothing."""
    lf = _concat([f.lazy() for f in frames])
    return lambda locate: lf


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
        _first_check=pl.col("_check").first().over("indicator", "agency", "period", order_by="_check"),
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
        .select("file", "row", "indicator", "agency", "period", "numerator", "denominator", "_mismatch")
        .collect()
    )
    out = obs.warning_findings(paths, obs.warning_rows(rows.lazy()).collect(), lines)
    located = rows.filter(pl.col("_mismatch").fill_null(False)).join(
        mismatches, on=["indicator", "agency", "period"]
    ).sort("file", "row")
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


def build_snapshot(paths: Sequence[str]) -> Snapshot:
    """Load a data set once, streaming from disk (the CLI's way)."""
    return Loader(paths, in_memory=False).load()
