"""Data-quality findings beyond one file's own: rows repeated across files, reported totals
that disagree with their children, aggregates too large to compute, missing reporters and
files not updated for a long time."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

import polars as pl

from kpitui.core import findings as fnd
from kpitui.core.findings import Finding
from kpitui.core.model import ALL_AGENCIES, Definitions
from kpitui.core.reporters import missing_reporter_list
from kpitui.core.rollup import Tree
from kpitui.core.snapshot import FileInfo
from kpitui.core.sources.schema import MAX_FINDINGS_PER_KIND, READ_FAILURES
from kpitui.core.text import clean, quote

if TYPE_CHECKING:
    from kpitui.core.load.loader import _Candidate
    from kpitui.core.load.version import Context, Evaluation

TOTAL_TOLERANCE = 0.005
"""A reported total that differs from its children's aggregate by more than 0.5 % is a
warning (SPEC §3)."""
SECONDS_PER_DAY = 86400


def _where(evaluation: Evaluation, row: int) -> tuple[int, str]:
    if evaluation.locate is None:
        return row + 2, ""
    return evaluation.locate(row)


def _place(path: str, line: int, place: str) -> str:
    if place:
        return f"{clean(path)}:{clean(place)}" if not place.startswith("[") else clean(path) + place
    return f"{clean(path)}:{line}" if line else clean(path)


def duplicate_findings(
    loser: _Candidate, rivals: Sequence[_Candidate], ctx: Context
) -> list[Finding]:
    """The rows of ``loser`` that repeat rows of older versions: each at its line, with the
    place of the first one."""
    out: list[Finding] = []
    mine = loser.evaluation.located
    if mine is None:
        return [fnd.error(loser.state.path, 0, "repeats rows of another file", kind="duplicate")]
    keys = ["indicator", "agency", "period"]
    try:
        own = mine().select("row", *keys).collect()
        for rival in rivals:
            theirs = rival.evaluation.located
            if theirs is None:
                continue
            other = theirs().select(pl.col("row").alias("_first"), *keys).collect()
            both = own.join(other, on=keys, how="inner").sort("row")
            for row in both.head(MAX_FINDINGS_PER_KIND - len(out)).iter_rows(named=True):
                line, place = _where(loser.evaluation, row["row"])
                first_line, first_place = _where(rival.evaluation, row["_first"])
                out.append(
                    fnd.error(
                        loser.state.path,
                        line,
                        f"duplicate row for {quote(row['indicator'])} at {quote(row['agency'])} "
                        f"{quote(row['period'])} "
                        f"(first at {_place(rival.version.path, first_line, first_place)})",
                        kind="duplicate",
                        indicator=row["indicator"],
                        agency=row["agency"],
                        place=place,
                    )
                )
            if len(out) >= MAX_FINDINGS_PER_KIND:
                break
    except READ_FAILURES:
        pass
    if not out:
        out.append(fnd.error(loser.state.path, 0, "repeats rows of another file", kind="duplicate"))
    if not loser.is_current:
        out = [
            fnd.warning(
                f.path,
                f.line,
                f.message + " [its last good version is left out]",
                kind=f.kind,
                indicator=f.indicator,
                agency=f.agency,
                place=f.place,
            )
            for f in out
        ]
    return out


def non_finite(values: pl.DataFrame, where: str) -> tuple[pl.DataFrame, list[Finding]]:
    """Aggregates too large to compute (sums past the largest float) become missing, each
    with an error: a non-finite result is never shown as a figure or a status."""
    figures = ("value", "numerator", "denominator", "children_value")
    bad = values.filter(
        pl.any_horizontal(pl.col(c).is_not_null() & ~pl.col(c).is_finite() for c in figures)
    )
    if not bad.height:
        return values, []
    findings = [
        fnd.error(
            where,
            0,
            f"{quote(row['indicator'])} at "
            f"{'all agencies' if row['agency'] == ALL_AGENCIES else quote(row['agency'])} "
            f"{clean(row['period'] or '')}: "
            "the figures of its agencies add up to a number too large to compute",
            kind="overflow",
            indicator=row["indicator"],
            agency=row["agency"],
        )
        for row in bad.head(MAX_FINDINGS_PER_KIND).iter_rows(named=True)
    ]
    cleaned = values.with_columns(
        [pl.when(pl.col(c).is_finite()).then(pl.col(c)).otherwise(None).alias(c) for c in figures]
    )
    return cleaned, findings


def mismatched_totals(values: pl.DataFrame) -> pl.DataFrame:
    """Reported totals that differ from their children's aggregate by more than 0.5 %."""
    return values.filter(
        pl.col("reported")
        & pl.col("value").is_not_null()
        & pl.col("children_value").is_not_null()
        & (
            (pl.col("value") - pl.col("children_value")).abs()
            > TOTAL_TOLERANCE * pl.col("children_value").abs()
        )
    ).select("indicator", "agency", "period", "value", "children_value")


def locate_mismatches(
    mismatches: pl.DataFrame, versions: Sequence[tuple[str, Evaluation]], ctx: Context
) -> list[Finding]:
    """A warning at the line of each reported total that disagrees with its children."""
    out: list[Finding] = []
    keyed = mismatches.lazy().rename({"value": "_total"})
    for path, evaluation in versions:
        if evaluation.located is None:
            continue
        try:
            rows = (
                evaluation.located()
                .join(keyed, on=["indicator", "agency", "period"], how="inner")
                .sort("row")
                .collect()
            )
        except READ_FAILURES:
            continue
        for row in rows.iter_rows(named=True):
            child = row["children_value"]
            diff = (row["_total"] - child) / child * 100 if child else math.inf
            line, place = _where(evaluation, row["row"])
            out.append(
                fnd.warning(
                    path,
                    line,
                    f"{quote(row['indicator'])} at {quote(row['agency'])} {clean(row['period'])}: "
                    f"reported total {row['_total']:g} differs from its children's aggregate "
                    f"{child:g} ({diff:+.1f} %)",
                    kind="total_mismatch",
                    indicator=row["indicator"],
                    agency=row["agency"],
                    place=place,
                )
            )
    return out


def quality_findings(
    defs: Definitions,
    tree: Tree,
    ind_periods: pl.DataFrame,
    periods: pl.DataFrame,
    reporters: pl.DataFrame,
    files: list[FileInfo],
    given: Sequence[str],
    values: pl.DataFrame | None = None,
) -> list[Finding]:
    """Missing reporters in each indicator's current period (SPEC §4.4) and files older than
    ``[dashboard].stale_days``."""
    out: list[Finding] = []
    where = given[0] if given else "."
    if reporters.height and ind_periods.height:
        current = ind_periods.group_by("indicator").agg(pl.col("order").max().alias("cur_order"))
        names = dict(zip(periods["order"].to_list(), periods["period"].to_list(), strict=True))
        cur = dict(current.iter_rows())
        missing = missing_reporter_list(defs, tree, periods, reporters, current, values=values)
        for indicator, agency in missing:
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
            age = (now - info.mtime) / SECONDS_PER_DAY if info.mtime else 0.0
            if info.is_observations and age > limit:
                out.append(
                    fnd.warning(
                        info.path,
                        0,
                        f"not updated for {int(age)} days (stale_days = {limit})",
                        kind="stale_file",
                    )
                )
    return out
