"""Attainment, status and change (SPEC §4.1–4.3) as polars expressions.

The expressions read columns ``value``, ``target``, ``direction`` and ``warn`` and are applied
to every view (summary, breakdown, agency view) the same way.
"""

from __future__ import annotations

import polars as pl

from kpitui.core.model import Direction, Status

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
