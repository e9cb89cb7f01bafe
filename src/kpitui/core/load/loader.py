"""The loader: the files of a data set -> a :class:`Snapshot`, for the CLI and the dashboard.

One model for every file and every size. For each file the loader knows its *current*
version (what is on disk now, read at a stamp) and, in the dashboard, its *last good* version
(the last one that was in effect). A load is then a pure function of the definitions and
those versions:

1. each observation file offers its current version if it is sound, else its last good one
   (re-judged under today's definitions), else nothing;
2. versions that repeat a row of another are resolved by age: the version modified earlier
   wins (by name when equal); the loser's file falls back to its last good version, or is
   left out;
3. the statistics of the versions chosen are combined and rolled up.

So the dashboard shows exactly what ``kpitui export`` computes on the same folder, except
that a file that is broken now keeps its last good version in effect (SPEC §7).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

import polars as pl

from kpitui.core import findings as fnd
from kpitui.core.cache import PartialCache
from kpitui.core.definitions import FileDefinitions, merge, parse_file
from kpitui.core.findings import Finding
from kpitui.core.load import quality
from kpitui.core.load.files import (
    KEEP_BYTES,
    Discovery,
    ReadFailure,
    Stamp,
    Store,
    capture,
    discover,
    observation_kind,
    stamp,
)
from kpitui.core.load.version import Context, Evaluation, Version, file_problems
from kpitui.core.model import Definitions
from kpitui.core.periods import period_table
from kpitui.core.rollup import Aggregated, _plan, combine, finish, rollup, tree_from_ids
from kpitui.core.snapshot import FileInfo, Snapshot
from kpitui.core.sources.schema import READ_FAILURES, ROW_SCHEMA


@dataclass(eq=False)
class FileState:
    """What the loader knows of one observation file."""

    path: str
    current: Version | None = None
    """The version on disk now (None: it could not be read)."""
    failure: Finding | None = None
    """Why the current version could not be read."""
    last_good: Version | None = None
    """The last version that was in effect (the dashboard only)."""


@dataclass(frozen=True, eq=False)
class _Candidate:
    state: FileState
    version: Version
    evaluation: Evaluation

    @property
    def is_current(self) -> bool:
        return self.version is self.state.current


@dataclass
class _Definitions:
    defs: Definitions
    findings: list[Finding]
    stale: set[str] = field(default_factory=set)
    rejected: set[str] = field(default_factory=set)


class Loader:
    """Builds snapshots of a data set; keep one alive to reload cheaply.

    ``in_memory=False`` (the CLI): every load reads the files afresh and keeps nothing.
    ``in_memory=True`` (the dashboard): each file's versions are kept, a reload reads only
    the files whose stamp changed, and a broken file keeps its last good version in effect.
    Files up to ``keep_bytes`` are held in memory, larger ones as private copies.
    """

    def __init__(
        self,
        paths: Sequence[str],
        in_memory: bool = False,
        cache: PartialCache | None = None,
        keep_bytes: int = KEEP_BYTES,
    ) -> None:
        self.paths = tuple(paths)
        self.live = in_memory
        self.cache = cache or PartialCache(None)
        self.keep_bytes = keep_bytes
        self.store: Store | None = None
        self._tomls: dict[str, tuple[Stamp | None, FileDefinitions]] = {}
        self._good_tomls: dict[str, FileDefinitions] = {}
        self._states: dict[str, FileState] = {}
        self._previous: Snapshot | None = None
        self._merged: tuple[tuple[object, ...], _Definitions, Context] | None = None
        """The last merge of the definitions and its context: reused while no TOML file
        changed (a reload of one CSV file does not rebuild the tree or the id tables)."""
        self._lock = threading.Lock()

    def close(self) -> None:
        """Remove the private copies (the dashboard calls it when it ends)."""
        if self.store is not None:
            self.store.close()
            self.store = None

    # -- the load

    def load(self) -> Snapshot:
        with self._lock:
            found = discover(self.paths)
            if self.live and self._previous is not None:
                gone = _unavailable(found)
                if gone:
                    return self._keep_previous(found, gone)
            definitions = self._definitions(list(found.definitions))
            if self.live and self._previous is not None and not found.definitions:
                return self._keep_previous(found, "no definitions file (.toml) is left")
            snapshot = self._load(found, definitions)
            if self.live:
                self._previous = snapshot
            return snapshot

    def _load(self, found: Discovery, definitions: _Definitions) -> Snapshot:
        defs = definitions.defs
        ctx = self._context(definitions)
        findings: list[Finding] = list(found.problems) + definitions.findings
        if not defs.indicators and (found.definitions or found.observations):
            where = found.definitions[0] if found.definitions else (self.paths or (".",))[0]
            broken = sorted({f.path for f in definitions.findings if f.is_error})
            why = (
                f"(fix {', '.join(broken)} first)"
                if broken
                else "add a .toml file with [[indicator]] tables"
            )
            findings.append(
                fnd.error(where, 0, f"no indicator is defined: {why}", kind="no_indicators")
            )
        states = self._read(found.observations)
        candidates: list[_Candidate] = []
        for state in states:
            if state.failure is not None:
                findings.append(state.failure)
            current = None
            if state.current is not None:
                current = state.current.evaluate(ctx, self.cache if self.live else None)
                findings += current.findings
                if current.sound:
                    candidates.append(_Candidate(state, state.current, current))
                    continue
            good = state.last_good
            if good is not None and good is not state.current:
                evaluation = good.evaluate(ctx, self.cache)
                if evaluation.sound:
                    candidates.append(_Candidate(state, good, evaluation))
        chosen, conflict_findings = _resolve(candidates, ctx)
        findings += conflict_findings
        agg = finish(
            combine(
                [c.evaluation.partial for c in chosen if c.evaluation.partial is not None], ctx.tree
            ),
            ctx.indicators,
            ctx.tree,
        )
        if self.live:
            for c in chosen:
                c.state.last_good = c.version
        snapshot = self._snapshot(found, definitions, ctx, states, chosen, agg, findings)
        return snapshot

    # -- reading files

    def _read(self, paths: Sequence[str]) -> list[FileState]:
        """The state of every observation file, its current version read if its stamp
        changed (the dashboard) or always (the CLI)."""
        if self.live and self.store is None:
            self.store = Store(self.cache.folder.parent if self.cache.folder else None)
        out = []
        for path in paths:
            state = self._states.get(path) if self.live else None
            if state is None:
                state = FileState(path)
            now = stamp(path)
            if state.current is not None and now is not None and state.current.stamp == now:
                out.append(state)
                continue
            try:
                content = capture(path, self.keep_bytes, self.store if self.live else None)
                state.current = Version(path, observation_kind(path) or "csv", content)
                state.failure = None
            except ReadFailure as exc:
                state.current = None
                state.failure = exc.finding
            out.append(state)
        if self.live:
            self._states = {s.path: s for s in out}
        return out

    # -- definitions

    def _context(self, definitions: _Definitions) -> Context:
        if self._merged is not None and self._merged[1] is definitions:
            return self._merged[2]
        ctx = Context.of(definitions.defs)
        if self._merged is not None:
            self._merged = (self._merged[0], definitions, ctx)
        return ctx

    def _definitions(self, paths: list[str]) -> _Definitions:
        parsed: list[FileDefinitions] = []
        stale: set[str] = set()
        for path in paths:
            cached = self._tomls.get(path)
            now = stamp(path)
            if cached is None or cached[0] != now or now is None:
                try:
                    content = capture(path, 1 << 30)
                    cached = (content.stamp, parse_file(path, content.data))
                except ReadFailure as exc:
                    failed = FileDefinitions(path)
                    failed.findings.append(exc.finding)
                    cached = (None, failed)
                self._tomls[path] = cached
            parsed.append(cached[1])
        for gone in set(self._tomls) - set(paths):
            del self._tomls[gone]
        key = tuple((f.path, id(f)) for f in parsed)
        if self.live and self._merged is not None and self._merged[0] == key:
            return self._merged[1]  # no definitions file changed: the same merge
        in_effect = []
        for f in parsed:
            if f.ok:
                in_effect.append(f)
            elif self.live and f.path in self._good_tomls:
                in_effect.append(replace(self._good_tomls[f.path], findings=f.findings))
                stale.add(f.path)
            else:
                in_effect.append(f)
        # A stale file carries its new findings but its old content: merge must accept it.
        merged = merge([replace(f, findings=[]) if f.path in stale else f for f in in_effect])
        findings = list(merged.findings)
        for f in in_effect:
            if f.path in stale:
                findings.extend(f.findings)
        if self.live:
            for f in parsed:
                if f.ok and f.path in merged.used:
                    self._good_tomls[f.path] = f
        rejected = {f.path for f in parsed if f.path not in merged.used and f.path not in stale}
        result = _Definitions(merged.definitions, findings, stale, rejected)
        if self.live:
            self._merged = (key, result, Context.of(result.defs))
        return result

    # -- the data set is not there

    def _keep_previous(self, found: Discovery, why: str) -> Snapshot:
        """The data set cannot be read at all: keep the last figures, and say why."""
        previous = self._previous
        assert previous is not None
        where = (self.paths or (".",))[0]
        problem = fnd.error(where, 0, f"{why}; the figures of {previous.loaded_at:%H:%M:%S} stay")
        kept = replace(
            previous,
            findings=tuple(fnd.sort_findings([problem, *found.problems])),
            unavailable=why,
            removed=(),
        )
        return kept

    # -- the snapshot

    def _snapshot(
        self,
        found: Discovery,
        definitions: _Definitions,
        ctx: Context,
        states: list[FileState],
        chosen: list[_Candidate],
        agg: Aggregated,
        findings: list[Finding],
    ) -> Snapshot:
        defs = ctx.defs
        tree = ctx.tree
        if tree is None:
            tree = tree_from_ids(
                agg.groups.filter(pl.col("own")).get_column("slot").drop_nulls().unique().to_list()
            )
        values = rollup(agg, tree, ctx.indicators)
        values, overflow = quality.non_finite(values, (self.paths or (".",))[0])
        findings += overflow
        mismatches = quality.mismatched_totals(values)
        if mismatches.height:
            findings += quality.locate_mismatches(
                mismatches, [(c.version.path, c.evaluation) for c in chosen], ctx
            )
        period_frame, _ = period_table(
            agg.groups.get_column("period").drop_nulls().unique().to_list()
        )
        ind_periods = (
            agg.groups.lazy()
            .filter(pl.col("ind").is_not_null())
            .select(pl.col("ind").alias("indicator"), "period")
            .unique()
            .join(period_frame.lazy(), on="period", how="inner")
            .sort("indicator", "order")
            .collect()
        )
        in_effect = {c.state.path: c for c in chosen}
        files = [_definition_info(p, definitions) for p in found.definitions] + [
            _observation_info(s, in_effect.get(s.path)) for s in states
        ]
        reporters = agg.bits.rename({"ind": "indicator", "slot": "holder"})
        findings += quality.quality_findings(
            defs, tree, ind_periods, period_frame, reporters, files, self.paths, values=values
        )
        files = _with_first_problems(files, findings)
        previous = self._previous
        removed: tuple[str, ...] = ()
        if previous is not None:
            now = {s.path for s in states}
            removed = tuple(
                f.path for f in previous.files if f.is_observations and f.path not in now
            )
        return Snapshot(
            definitions=defs,
            tree=tree,
            indicators=ctx.indicators.filter(pl.col("indicator") == pl.col("ind")),
            values=values,
            periods=period_frame,
            indicator_periods=ind_periods,
            raw=_rows(chosen),
            keep=tuple(c.version.content for c in chosen),
            reporters=reporters,
            spellings=ctx.spellings or {},
            findings=tuple(fnd.sort_findings(findings)),
            files=tuple(files),
            observations=agg.rows,
            loaded_at=datetime.now(),
            paths=self.paths,
            removed=removed,
        )


# --------------------------------------------------------------------------- helpers


def _unavailable(found: Discovery) -> str:
    if found.unavailable:
        return f"{', '.join(found.unavailable)}: not found (moved or deleted?)"
    return ""


def _rows(chosen: list[_Candidate]) -> pl.LazyFrame:
    parts = [c.evaluation.rows() for c in chosen if c.evaluation.rows is not None]
    if not parts:
        return pl.LazyFrame(schema=ROW_SCHEMA)
    return pl.concat(parts, how="vertical")


def _definition_info(path: str, definitions: _Definitions) -> FileInfo:
    now = stamp(path)
    state = (
        "stale" if path in definitions.stale else "error" if path in definitions.rejected else "ok"
    )
    return FileInfo(
        path,
        "definitions",
        now[1] if now else 0,
        now[0] / 1e9 if now else 0.0,
        state,
        mtime_ns=now[0] if now else 0,
    )


def _observation_info(state: FileState, chosen: _Candidate | None) -> FileInfo:
    version = state.current
    kind = version.kind if version is not None else observation_kind(state.path) or "csv"
    st = version.stamp if version is not None else stamp(state.path)
    if chosen is not None and chosen.is_current:
        status = "ok"
    elif chosen is not None:
        status = "stale"
    else:
        status = "error"
    return FileInfo(
        state.path,
        kind,
        st[1] if st else 0,
        st[0] / 1e9 if st else 0.0,
        status,
        mtime_ns=st[0] if st else 0,
    )


def _with_first_problems(files: list[FileInfo], findings: list[Finding]) -> list[FileInfo]:
    """Each file with the place of its first error (what the error line shows)."""
    first: dict[str, str] = {}
    for f in fnd.sort_findings(findings):
        if f.is_error and f.path not in first:
            first[f.path] = f.location()
    return [replace(info, line=first.get(info.path, "")) for info in files]


# --------------------------------------------------------------------------- conflicts


def _resolve(candidates: list[_Candidate], ctx: Context) -> tuple[list[_Candidate], list[Finding]]:
    """The versions in effect: candidates minus those that repeat rows of older ones (by
    modification time, then name); a loser falls back to its last good version, if that one
    is sound and repeats nothing, else it is left out."""
    chosen = {c.state.path: c for c in candidates}
    findings: list[Finding] = []
    reported: set[str] = set()
    while True:
        involved = _involved(list(chosen.values()), ctx)
        if not involved:
            return list(chosen.values()), findings
        order = sorted(chosen.values(), key=lambda c: (c.version.mtime_ns, c.state.path))
        accepted: list[_Candidate] = []
        rejected: list[tuple[_Candidate, list[_Candidate]]] = []
        occupied: list[pl.DataFrame] = []
        for c in order:
            part = c.evaluation.partial
            if c.state.path not in involved or part is None:
                accepted.append(c)
                continue
            if occupied and file_problems(combine([*occupied, part], ctx.tree), ctx):
                rivals = [
                    a
                    for a in accepted
                    if a.state.path in involved
                    and a.evaluation.partial is not None
                    and file_problems(combine([a.evaluation.partial, part], ctx.tree), ctx)
                ]
                rejected.append((c, rivals))
                continue
            accepted.append(c)
            occupied = [combine([*occupied, part], ctx.tree)]
        for c, rivals in rejected:
            if c.state.path not in reported:
                reported.add(c.state.path)
                findings += quality.duplicate_findings(c, rivals, ctx)
            good = c.state.last_good
            if c.is_current and good is not None and good is not c.version:
                evaluation = good.evaluate(ctx)
                if evaluation.sound:
                    chosen[c.state.path] = _Candidate(c.state, good, evaluation)
                    continue
            del chosen[c.state.path]


def _involved(candidates: list[_Candidate], ctx: Context) -> set[str]:
    """Files that share a group key with another file (a superset of the conflicting ones)."""
    keys, _, _, _ = _plan(ctx.tree)
    parts = [
        c.evaluation.partial.select(keys).with_columns(_file=pl.lit(i, pl.UInt32))
        for i, c in enumerate(candidates)
        if c.evaluation.partial is not None and c.evaluation.partial.height
    ]
    if len(parts) < 2:
        return set()
    shared = (
        pl.concat(parts)
        .with_columns(_n=pl.col("_file").n_unique().over(keys))
        .filter(pl.col("_n") > 1)
        .get_column("_file")
        .unique()
        .to_list()
    )
    if not shared:
        return set()
    # Sharing a group is not yet a conflict (two files can hold different leaves of one
    # parent): only when the combination has duplicates.
    combined = combine(
        [c.evaluation.partial for c in candidates if c.evaluation.partial is not None], ctx.tree
    )
    if not file_problems(combined, ctx):
        return set()
    return {candidates[i].state.path for i in shared}


def build_snapshot(paths: Sequence[str]) -> Snapshot:
    """Load a data set once (the CLI's way)."""
    return Loader(paths, in_memory=False).load()


class Preload:
    """A first load started in a thread: the dashboard starts it before importing Textual,
    so polars reads the files on one core while the interpreter imports the UI."""

    def __init__(
        self,
        paths: Sequence[str],
        cache: PartialCache | None = None,
        snapshot: Snapshot | None = None,
    ) -> None:
        self.loader = Loader(list(paths), in_memory=True, cache=cache)
        self._result: Snapshot | None = snapshot
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="kpitui-preload", daemon=True)
        if snapshot is None:
            self._thread.start()

    @classmethod
    def of(cls, snapshot: Snapshot) -> Preload:
        """A first load already done (``kpitui export --format svg`` draws the snapshot it
        has; the data set is not read twice)."""
        return cls(snapshot.paths, snapshot=snapshot)

    def _run(self) -> None:
        try:
            self._result = self.loader.load()
        except BaseException as exc:  # re-raised in the worker, which reports it
            self._error = exc

    def result(self) -> Snapshot:
        if self._thread.is_alive():
            self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._result is not None
        return self._result


__all__ = ["READ_FAILURES", "FileState", "Loader", "Preload", "build_snapshot"]
