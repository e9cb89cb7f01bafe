"""Attainment, status and change (SPEC §4.1–4.3), the target of each agency (§9.4) and the
shortfall (§9.6), as polars expressions and frames.

The expressions read columns ``value``, ``target``, ``direction`` and ``warn`` and are applied
to every view (summary, breakdown, agency view) the same way.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from kpitui.core.model import Aggregate, Definitions, Direction, Status

TOLERANCE = 1e-9


def attainment(value: str = "value") -> pl.Expr:
    """value / target (higher is better) or target / value (lower is better), not clamped."""
    v = pl.col(value)
    t = pl.col("target")
    higher = pl.when(t > 0).then(v / t).otherwise((v >= t).cast(pl.Float64))
    lower = pl.when(v > 0).then(t / v).otherwise(pl.lit(1.0))
    return (
        pl.when(v.is_null() | t.is_null())
        .then(None)
        .when(pl.col("direction") == Direction.LOWER.value)
        .then(lower)
        .otherwise(higher)
    )


def status(value: str = "value", att: str = "attainment") -> pl.Expr:
    """SPEC §4.2. A missing value is reported before a missing target (it is what to act on)."""
    a = pl.col(att)
    return (
        pl.when(pl.col(value).is_null())
        .then(pl.lit(Status.MISSING.value))
        .when(pl.col("target").is_null())
        .then(pl.lit(Status.NO_TARGET.value))
        .when(a >= 1 - TOLERANCE)
        .then(pl.lit(Status.MET.value))
        .when(a >= pl.col("warn") - TOLERANCE)
        .then(pl.lit(Status.NEAR.value))
        .otherwise(pl.lit(Status.BEHIND.value))
    )


def with_attainment(lf: pl.LazyFrame) -> pl.LazyFrame:
    return lf.with_columns(attainment=attainment()).with_columns(status=status())


# --------------------------------------------------------------------------- targets per agency

TARGET_SCHEMA = {
    "indicator": pl.String,
    "agency": pl.String,
    "target": pl.Float64,
    "own_target": pl.Boolean,
    "deadline": pl.Date,
    "window_start": pl.Date,
    "baseline": pl.Float64,
}


def agency_targets(
    defs: Definitions, headline: str, indicators: Sequence[str], agencies: Sequence[str]
) -> pl.DataFrame:
    """The target of each indicator at each agency (SPEC §9.4), with what pace needs.

    * A ``[[target]]`` of the indicator at the agency sets its target, and its deadline when
      it gives one (``own_target``).
    * Else the indicator's own ``target`` is the target of the headline agency, and of every
      agency when the indicator's aggregate is ``ratio`` or ``mean`` (a rate applies
      everywhere); for ``sum``, ``min`` and ``max`` the agency has no target.
    * The deadline is the ``[[target]]``'s, else the indicator's; the target period starts
      on 1 January of the deadline's year.
    * The indicator's ``baseline`` is a figure of the headline agency: it anchors the pace
      wherever the indicator's own target applies, not at an agency with a ``[[target]]``
      of its own (that one starts from its first value).

    Columns: :data:`TARGET_SCHEMA`; one row per (indicator, agency), vectorised.
    """
    wanted = set(indicators)
    inds = pl.DataFrame(
        [
            (i.id, i.target, i.aggregate.value, i.deadline, i.baseline)
            for i in defs.indicators
            if i.id in wanted
        ],
        schema={
            "indicator": pl.String,
            "_target": pl.Float64,
            "_aggregate": pl.String,
            "_deadline": pl.Date,
            "_baseline": pl.Float64,
        },
        orient="row",
    )
    own = pl.DataFrame(
        [(t.indicator, t.agency, t.target, t.deadline) for t in defs.targets],
        schema={
            "indicator": pl.String,
            "agency": pl.String,
            "_own": pl.Float64,
            "_own_deadline": pl.Date,
        },
        orient="row",
    )
    ags = pl.DataFrame({"agency": list(dict.fromkeys(agencies))}, schema={"agency": pl.String})
    everywhere = pl.col("_aggregate").is_in([Aggregate.RATIO.value, Aggregate.MEAN.value])
    headline_here = pl.col("agency") == headline
    has_own = pl.col("_own").is_not_null()
    deadline = pl.when(has_own).then(pl.coalesce("_own_deadline", "_deadline"))
    return (
        inds.lazy()
        .join(ags.lazy(), how="cross")
        .join(own.lazy(), on=["indicator", "agency"], how="left")
        .select(
            "indicator",
            "agency",
            pl.when(has_own)
            .then(pl.col("_own"))
            .when(headline_here | everywhere)
            .then(pl.col("_target"))
            .alias("target"),
            has_own.alias("own_target"),
            deadline.otherwise(pl.col("_deadline")).alias("deadline"),
            pl.when(has_own & ~headline_here)
            .then(None)
            .otherwise(pl.col("_baseline"))
            .alias("baseline"),
        )
        .with_columns(window_start=pl.date(pl.col("deadline").dt.year(), 1, 1))
        .select(list(TARGET_SCHEMA))
        .collect()
        .cast(TARGET_SCHEMA)  # type: ignore[arg-type]
    )


# --------------------------------------------------------------------------- shortfall


def shortfall() -> pl.Expr:
    """What is missing to reach the target (SPEC §9.6), in the indicator's own counts:

    * ``lower`` is better: max(0, value − target), in value units;
    * ``ratio``: max(0, target × denominator / scale − numerator) — e-ID accounts still to
      activate; missing without a numerator and denominator (no counts to speak in);
    * otherwise: max(0, target − value).

    0 when the status is ``met`` (no rounding noise); missing without a target or a value.
    Reads ``value``, ``numerator``, ``denominator``, ``target``, ``direction``, ``aggregate``,
    ``scale`` and ``status``.
    """
    v, t = pl.col("value"), pl.col("target")
    zero = pl.lit(0.0)
    counts = pl.col("numerator").is_not_null() & pl.col("denominator").is_not_null()
    return (
        pl.when(v.is_null() | t.is_null())
        .then(None)
        .when(pl.col("status") == Status.MET.value)
        .then(zero)
        .when(pl.col("direction") == Direction.LOWER.value)
        .then(pl.max_horizontal(zero, v - t))
        .when(pl.col("aggregate") == Aggregate.RATIO.value)
        .then(
            pl.when(counts).then(
                pl.max_horizontal(
                    zero, t * pl.col("denominator") / pl.col("scale") - pl.col("numerator")
                )
            )
        )
        .otherwise(pl.max_horizontal(zero, t - v))
        .cast(pl.Float64)
    )


def shortfall_unit() -> pl.Expr:
    """The unit :func:`shortfall` is counted in: "" (counts) for a ``ratio`` indicator where
    higher is better, else the indicator's ``unit``."""
    counts = (pl.col("aggregate") == Aggregate.RATIO.value) & (
        pl.col("direction") != Direction.LOWER.value
    )
    return pl.when(counts).then(pl.lit("")).otherwise(pl.col("unit").fill_null(""))
