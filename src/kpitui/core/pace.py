"""Pace to the deadline and year-end projection (SPEC §4.4).

A target is due by a deadline D; its target period starts at S = 1 January of D's year.
Every period stands at its end date; day counts are calendar days.

* expected value at the current period's end t: the straight line from the anchor
  (S, baseline) — or, without a baseline, the first period in [S, D] that has a value — to
  (D, target); before the anchor it is the anchor's value, after D the target.
* on track: value ≥ expected (≤ for lower-is-better).
* projection: the least-squares line through every (end date, value) in [S, t], at D; none
  with fewer than two periods.

Everything is computed from the per-period grid that ``views.table`` builds, with group-by
aggregations (sums for the least squares), never a Python loop over rows.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from kpitui.core.attainment import TOLERANCE
from kpitui.core.model import Definitions, Direction

DAYS_PER_MONTH = 365.25 / 12


def deadline_frame(defs: Definitions) -> pl.DataFrame:
    """indicator -> deadline D, start S, baseline."""
    rows = []
    for i in defs.indicators:
        d = i.deadline
        rows.append((i.id, d, date(d.year, 1, 1) if d else None, i.baseline))
    return pl.DataFrame(
        rows,
        schema={
            "indicator": pl.String,
            "deadline": pl.Date,
            "window_start": pl.Date,
            "baseline": pl.Float64,
        },
        orient="row",
    )


def _days(expr: pl.Expr) -> pl.Expr:
    return (expr - pl.col("window_start")).dt.total_days().cast(pl.Float64)


def grid_aggregations() -> list[pl.Expr]:
    """Aggregations over one (indicator, agency)'s periods; the grid has ``value``, ``end``,
    ``order``, ``cur_order``, ``start``, ``deadline``, ``window_start``, ``baseline`` (those
    of the agency's target, ``attainment.agency_targets``), ``reported`` and ``_pred``."""
    # A period is inside the target period when it starts by the deadline: a deadline of 15
    # December falls inside December, whose figures are then the latest of the period.
    in_window = (pl.col("end") >= pl.col("window_start")) & (pl.col("start") <= pl.col("deadline"))
    point = in_window & pl.col("value").is_not_null() & (pl.col("order") <= pl.col("cur_order"))
    x = _days(pl.col("end"))
    y = pl.col("value")
    # A row of the agency, or of a predecessor that has ended by the current period (its
    # history is the agency's, SPEC §9.5): ``_pred``, when the grid has it.
    present = pl.col("reported").fill_null(False) | pl.col("_pred").fill_null(False)
    reported_earlier = in_window & (pl.col("order") < pl.col("cur_order")) & present
    reported_now = (pl.col("order") == pl.col("cur_order")) & present
    return [
        pl.col("deadline").first(),
        pl.col("window_start").first(),
        pl.col("baseline").first(),
        pl.col("end").filter(pl.col("order") == pl.col("cur_order")).first().alias("cur_end"),
        pl.col("end").filter(point).first().alias("_first_end"),
        pl.col("value").filter(point).first().alias("_first_value"),
        point.sum().alias("_n"),
        x.filter(point).sum().alias("_sx"),
        y.filter(point).sum().alias("_sy"),
        (x * x).filter(point).sum().alias("_sxx"),
        (x * y).filter(point).sum().alias("_sxy"),
        (reported_earlier.any() & ~reported_now.any()).alias("_gone"),
    ]


def pace_columns() -> list[pl.Expr]:
    """expected, on_track, projected, will_meet, needed_per_month from the aggregations."""
    has_baseline = pl.col("baseline").is_not_null()
    t_a = pl.when(has_baseline).then(pl.col("window_start")).otherwise(pl.col("_first_end"))
    v_a = pl.when(has_baseline).then(pl.col("baseline")).otherwise(pl.col("_first_value"))
    t = pl.col("cur_end")
    span = (pl.col("deadline") - t_a).dt.total_days().cast(pl.Float64)
    gone = (t - t_a).dt.total_days().cast(pl.Float64)
    fraction = pl.min_horizontal(gone / span, pl.lit(1.0))
    expected = (
        pl.when(
            pl.col("deadline").is_null()
            | pl.col("target").is_null()
            | pl.col("value").is_null()
            | v_a.is_null()
            | t.is_null()
        )
        .then(None)
        .when(t <= t_a)
        .then(v_a)
        .when(span <= 0)
        .then(pl.col("target"))
        .otherwise(v_a + (pl.col("target") - v_a) * fraction)
    )
    n = pl.col("_n").cast(pl.Float64)
    denom = n * pl.col("_sxx") - pl.col("_sx") ** 2
    slope = (n * pl.col("_sxy") - pl.col("_sx") * pl.col("_sy")) / denom
    intercept = (pl.col("_sy") - slope * pl.col("_sx")) / n
    x_deadline = (pl.col("deadline") - pl.col("window_start")).dt.total_days().cast(pl.Float64)
    projected = (
        pl.when(
            (pl.col("_n") >= 2)
            & (denom.abs() > 1e-12)
            & pl.col("deadline").is_not_null()
            & pl.col("target").is_not_null()
            & pl.col("value").is_not_null()
        )
        .then(intercept + slope * x_deadline)
        .otherwise(None)
    )
    lower = pl.col("direction") == Direction.LOWER.value
    on_track = (
        pl.when(pl.col("expected").is_null())
        .then(None)
        .when(lower)
        .then(pl.col("value") <= pl.col("expected") + TOLERANCE)
        .otherwise(pl.col("value") >= pl.col("expected") - TOLERANCE)
    )
    p = pl.col("projected")
    tgt = pl.col("target")
    will_meet = (
        pl.when(p.is_null())
        .then(None)
        .when(lower)
        .then(p <= tgt + TOLERANCE)
        .otherwise(p >= tgt - TOLERANCE)
    )
    months_left = (pl.col("deadline") - t).dt.total_days().cast(pl.Float64) / DAYS_PER_MONTH
    needed = (
        pl.when(
            pl.col("value").is_null()
            | tgt.is_null()
            | pl.col("deadline").is_null()
            | (months_left <= 0)
        )
        .then(None)
        .otherwise((tgt - pl.col("value")) / months_left)
    )
    return [
        t_a.alias("anchor_end"),
        v_a.alias("anchor_value"),
        expected.alias("expected"),
        projected.alias("projected"),
        needed.alias("needed_per_month"),
        on_track.alias("on_track"),
        will_meet.alias("will_meet"),
    ]


def finish(rows: pl.LazyFrame) -> pl.LazyFrame:
    """Apply :func:`pace_columns` (two steps: on_track needs expected)."""
    exprs = pace_columns()
    first = [
        e
        for e in exprs
        if e.meta.output_name()
        in ("anchor_end", "anchor_value", "expected", "projected", "needed_per_month")
    ]
    second = [e for e in exprs if e.meta.output_name() in ("on_track", "will_meet")]
    return rows.with_columns(first).with_columns(second)


def expected_at(
    t: date,
    anchor_end: date | None,
    anchor_value: float | None,
    target: float | None,
    deadline: date | None,
) -> float | None:
    """The expected value at date ``t`` (one point of the expected path, for charts); the
    same rule as the ``expected`` column."""
    if anchor_end is None or anchor_value is None or target is None or deadline is None:
        return None
    if t <= anchor_end:
        return anchor_value
    span = (deadline - anchor_end).days
    if span <= 0:
        return target
    return anchor_value + (target - anchor_value) * min((t - anchor_end).days / span, 1.0)
