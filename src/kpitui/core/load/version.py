"""A version of an observation file, and what it is under a set of definitions.

A :class:`Version` is content (what was read of a file at one stamp). Everything else is a
pure function of (content, definitions), memoised: how it reads (:class:`Parsed`, per
``[csv]`` options) and what it is worth (:class:`Evaluation`: sound or not, its findings, its
statistics and its rows). A change of definitions re-evaluates every version, the current
ones and the last good ones alike, from their content.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl

from kpitui.core import findings as fnd
from kpitui.core.cache import PartialCache
from kpitui.core.findings import Finding
from kpitui.core.load.files import Content
from kpitui.core.model import ALL_AGENCIES, Definitions
from kpitui.core.periods import canonical_map
from kpitui.core.rollup import Tree, agency_enum, finish, indicator_frame, partial, regroup
from kpitui.core.sources import parse
from kpitui.core.sources.checks import (
    NON_ASCII_DIGIT,
    Known,
    normalised,
    row_findings,
    warning_findings,
    warning_rows,
)
from kpitui.core.sources.schema import READ_FAILURES, ROW_SCHEMA, Careful, Locate, Parsed


@dataclass(frozen=True, eq=False)
class Context:
    """The definitions a load works with, and the keys that change when they do."""

    defs: Definitions
    known: Known
    tree: Tree | None
    indicators: pl.DataFrame
    spellings: dict[str, str] | None
    parse_key: tuple[object, ...]
    """What reading a file depends on (the ``[csv]`` options, the ``[[sheet]]`` tables)."""
    check_key: tuple[object, ...]
    """What judging its rows depends on (ids, the tree, scales, aggregates)."""

    @classmethod
    def of(cls, defs: Definitions) -> Context:
        known = Known.of(
            ((i.id, i.scale) for i in defs.indicators),
            [a.id for a in defs.agencies] if defs.agencies else None,
            {a.id: (a.until, a.successor) for a in defs.agencies if a.until is not None},
        )
        tree = Tree.build(defs.agencies) if defs.agencies else None
        check_key = (
            known.key,
            None if tree is None else tree.ids,
            None if tree is None else tuple(sorted(tree.parent.items(), key=str)),
            tuple((i.id, i.scale, i.aggregate) for i in defs.indicators),
        )
        return cls(
            defs,
            known,
            tree,
            indicator_frame(defs.indicators, known.indicators),
            known.agencies,
            (defs.csv, defs.sheets),
            check_key,
        )

    @property
    def key(self) -> tuple[object, ...]:
        return (self.parse_key, self.check_key)

    @functools.cached_property
    def agency_enum(self) -> pl.DataType | None:
        """The agency ids as an enum for the statistics pass (None: no [[agency]])."""
        return None if self.tree is None else agency_enum(self.tree.slots(self.spellings))


@dataclass(frozen=True, eq=False)
class Evaluation:
    """What one version is worth under one set of definitions."""

    findings: tuple[Finding, ...]
    sound: bool
    """No error: the version can be in effect."""
    partial: pl.DataFrame | None
    """Its statistics (``rollup.partial``, canonical periods), when sound."""
    rows: Callable[[], pl.LazyFrame] | None
    """Its rows (:data:`ROW_SCHEMA`, canonical ids and periods), when sound."""
    located: Callable[[], pl.LazyFrame] | None
    """Its rows with ``row``, to locate a few of them."""
    locate: Locate | None
    careful: bool = False
    """Judged by the careful read (the statistics pass saw something, or the source has no
    fast reader); a sound CSV or parquet file is judged by the statistics pass alone."""

    @property
    def first_problem(self) -> Finding | None:
        errors = [f for f in self.findings if f.is_error]
        return min(errors, key=Finding.sort_key) if errors else None


@dataclass(eq=False)
class Version:
    """One version of one observation file."""

    path: str
    kind: str
    content: Content
    _parsed: tuple[object, Parsed] | None = field(default=None, repr=False)
    _evaluated: tuple[object, Evaluation] | None = field(default=None, repr=False)

    @property
    def stamp(self) -> tuple[int, int, int]:
        return self.content.stamp

    @property
    def mtime_ns(self) -> int:
        return self.content.stamp[0]

    def parsed(self, ctx: Context) -> Parsed:
        if self._parsed is None or self._parsed[0] != ctx.parse_key:
            self._parsed = (
                ctx.parse_key,
                parse(self.content, self.kind, ctx.defs.csv, ctx.defs.sheets),
            )
        return self._parsed[1]

    def evaluate(self, ctx: Context, cache: PartialCache | None = None) -> Evaluation:
        if self._evaluated is None or self._evaluated[0] != ctx.key:
            self._evaluated = (ctx.key, _evaluate(self, ctx, cache))
        return self._evaluated[1]


# --------------------------------------------------------------------------- evaluating


def _canonical_periods(
    part: pl.DataFrame, ctx: Context
) -> tuple[pl.DataFrame, dict[str, str | None]]:
    """Periods of a partial in their canonical spelling (unreadable ones become null, a
    problem); groups that now coincide are merged."""
    periods = canonical_map(part.get_column("period").drop_nulls().unique().to_list())
    renames = {k: v for k, v in periods.items() if v != k}
    if not renames:
        return part, periods
    renamed = part.with_columns(
        pl.col("period").replace_strict(periods, default=None, return_dtype=pl.String)
    )
    return regroup(renamed, ctx.tree), periods


def file_problems(part: pl.DataFrame, ctx: Context) -> int:
    """Rows of one version that need the careful read: unknown ids, unreadable numbers or
    periods, duplicates within the file, rows of dissolved agencies after their end...
    (counted in the statistics, see ``rollup``)."""
    agg = finish(part, ctx.indicators, ctx.tree)
    problems = agg.problems
    if ctx.tree is not None:
        problems += ctx.tree.late_rows(agg.bits)
    if ctx.tree is None and agg.groups.height:
        # Without [[agency]] every id is accepted, but not an empty one, the reserved '*'
        # or one with non-ASCII digits.
        slots = agg.groups.get_column("slot").drop_nulls().unique()
        problems += int(
            slots.to_frame()
            .select(
                (
                    (pl.col("slot").str.strip_chars() == "")
                    | (pl.col("slot") == ALL_AGENCIES)
                    | pl.col("slot").str.contains(NON_ASCII_DIGIT)
                ).sum()
            )
            .item()
        )
    return problems


def _evaluate(version: Version, ctx: Context, cache: PartialCache | None) -> Evaluation:
    parsed = version.parsed(ctx)
    content = version.content
    findings: list[Finding] = list(parsed.header_findings)
    part: pl.DataFrame | None = None
    periods: dict[str, str | None] = {}
    problems = 1
    cacheable = cache is not None and content.data is None and parsed.fast is not None
    if parsed.fast is not None:
        try:
            part = cache.get(version.path, content.stamp, ctx.key) if cacheable else None  # type: ignore[union-attr]
            if part is None:
                part = partial(
                    parsed.fast(ctx.agency_enum), ctx.indicators, ctx.tree, ctx.spellings
                )
            part, periods = _canonical_periods(part, ctx)
            problems = file_problems(part, ctx)
        except READ_FAILURES:
            part = None
    if part is not None and not problems:
        if cacheable:
            cache.put(version.path, content.stamp, ctx.key, part)  # type: ignore[union-attr]
        fast = parsed.fast
        assert fast is not None
        rows = _rows(content, lambda: normalised(fast(), ctx.known, periods))
        located = parsed.located
        locate: Locate | None = None
        if int(part.get_column("n_warn").sum() or 0):
            # The careful read, filtered lazily: only the rows warned about are collected,
            # with the text they were written as.
            careful = parsed.careful()
            locate = careful.locate
            if careful.frame is not None:
                try:
                    warned = warning_rows(normalised(careful.frame, ctx.known, periods), ctx.known)
                    findings += warning_findings(version.path, warned.collect(), careful.locate)
                except READ_FAILURES:  # pragma: no cover - the same rows were just read
                    pass
        return Evaluation(
            tuple(findings),
            True,
            part,
            rows,
            None
            if located is None
            else lambda: normalised(located(), ctx.known, periods).select("row", *ROW_SCHEMA),
            locate,
        )
    return _careful(version, ctx, parsed, findings)


def _careful(version: Version, ctx: Context, parsed: Parsed, findings: list[Finding]) -> Evaluation:
    """The located read: every defect with its place; statistics from these rows if sound."""
    careful: Careful = parsed.careful()
    findings += careful.findings
    if careful.frame is None or any(f.is_error for f in careful.findings):
        return Evaluation(tuple(findings), False, None, None, None, careful.locate, True)
    frame = careful.frame
    try:
        findings += row_findings(
            version.path, frame, careful.locate, ctx.known, ctx.defs.csv, careful.numbers
        )
    except READ_FAILURES as exc:
        explain = careful.explain or (lambda e: fnd.error(version.path, 0, "cannot read file"))
        findings.append(explain(exc))
    if any(f.is_error for f in findings):
        return Evaluation(tuple(findings), False, None, None, None, careful.locate, True)
    # Sound after all (a false alarm of the fast pass, or a source read carefully only).
    try:
        periods = canonical_map(
            frame.select(pl.col("period").drop_nulls().unique())
            .collect()
            .get_column("period")
            .to_list()
        )
        located_frame = normalised(frame, ctx.known, periods)
        rows_frame = located_frame.select(list(ROW_SCHEMA))
        fast = rows_frame.with_columns(bad=pl.lit(False))
        part = partial(fast, ctx.indicators, ctx.tree, ctx.spellings)
    except READ_FAILURES as exc:  # pragma: no cover - the checks just read these rows
        findings.append(fnd.error(version.path, 0, f"cannot read file: {type(exc).__name__}"))
        return Evaluation(tuple(findings), False, None, None, None, careful.locate, True)
    return Evaluation(
        tuple(findings),
        True,
        part,
        _rows(version.content, lambda: rows_frame),
        lambda: located_frame.select("row", *ROW_SCHEMA),
        careful.locate,
        careful=True,
    )


def _rows(content: Content, read: Callable[[], pl.LazyFrame]) -> Callable[[], pl.LazyFrame]:
    """Rows of a version, always :data:`ROW_SCHEMA` whatever the source: collected once for
    a file held in memory; else re-read lazily from the private copy (or, in a one-shot
    command, the file)."""

    def make() -> pl.LazyFrame:
        return read().select([pl.col(c).cast(t) for c, t in ROW_SCHEMA.items()])

    if content.data is None:

        def scan() -> pl.LazyFrame:
            # The scan reads the private copy, which lives as long as ``content``: the
            # snapshot that holds these rows keeps the content (``Snapshot.keep``).
            return make()

        return scan
    kept: list[pl.DataFrame] = []

    def rows() -> pl.LazyFrame:
        if not kept:
            kept.append(make().collect())
        return kept[0].lazy()

    return rows


def version_of(path: str, content: Content) -> Version:
    from kpitui.core.load.files import observation_kind

    return Version(path, observation_kind(path) or "csv", content)


def exists(path: str) -> bool:
    return os.path.exists(path)
