"""Missing reporters (SPEC §4.4): agencies without children that reported an indicator in an
earlier period of its target period [S, D] but not in the current one.

Computed from the reporter bitmaps of the streaming pass (``rollup``): for every agency P
whose children are leaves, one bit per child and period. Missing = reported before (OR of
those bitmaps) and not now (AND NOT), counted with popcount. A period counts as inside the
target period when it starts on or before the deadline (a deadline of 15 December falls
inside December, whose data is then the current period's).
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from kpitui.core.model import Definitions
from kpitui.core.pace import deadline_frame
from kpitui.core.rollup import Tree

SCHEMA = {"indicator": pl.String, "agency": pl.String, "missing_reporters": pl.UInt32}


def in_window(
    lf: pl.LazyFrame, cur: pl.LazyFrame, periods: pl.LazyFrame, windows: pl.LazyFrame
) -> pl.LazyFrame:
    """Rows of periods in [S, D] up to each indicator's current period."""
    return (
        lf.join(cur, on="indicator")
        .join(periods, on="period")
        .join(windows, on="indicator")
        .filter(
            (pl.col("end") >= pl.col("window_start"))
            & (pl.col("start") <= pl.col("deadline"))
            & (pl.col("order") <= pl.col("cur_order"))
        )
    )


def missing_reporters(
    defs: Definitions,
    tree: Tree,
    values: pl.DataFrame,
    reporters: pl.DataFrame,
    periods: pl.DataFrame,
    current: pl.DataFrame,
    agencies: Sequence[str],
) -> pl.DataFrame:
    """(indicator, agency, missing_reporters) for the given agencies that have children:
    the missing reporters below each of them."""
    pairs = []
    own_leaves = []
    for a in agencies:
        if tree.is_leaf(a):
            continue
        for node in tree.subtree(a):
            if any(not tree.has_own_slot(c) for c in tree.children.get(node, ())):
                pairs.append((node, a))
            if node != a and tree.is_leaf(node) and tree.has_own_slot(node):
                own_leaves.append((node, a))
    windows = deadline_frame(defs).lazy()
    period_frame = periods.lazy().select("period", "order", "start", "end")
    cur = current.lazy().select("indicator", "cur_order")
    parts: list[pl.LazyFrame] = []
    if pairs and reporters.height:
        pair_frame = pl.DataFrame(pairs, schema=["holder", "agency"], orient="row")
        rep = in_window(reporters.lazy(), cur, period_frame, windows)
        before = pl.col("bits").filter(pl.col("order") < pl.col("cur_order")).bitwise_or()
        now = pl.col("bits").filter(pl.col("order") == pl.col("cur_order")).bitwise_or()
        parts.append(
            rep.group_by("indicator", "holder", "word")
            .agg(before.alias("before"), now.alias("now"))
            .with_columns(
                missing=(pl.col("before").fill_null(0) & ~pl.col("now").fill_null(0))
                .bitwise_count_ones()
                .cast(pl.UInt32)
            )
            .join(pair_frame.lazy(), on="holder")
            .select("indicator", "agency", "missing")
        )
    if own_leaves:
        leaf_frame = pl.DataFrame(own_leaves, schema=["leaf", "agency"], orient="row")
        present = (
            values.lazy()
            .filter(pl.col("reported"))
            .select("indicator", pl.col("agency").alias("leaf"), "period")
            .join(leaf_frame.lazy(), on="leaf")
        )
        rep = in_window(present, cur, period_frame, windows)
        parts.append(
            rep.group_by("indicator", "leaf", "agency")
            .agg(
                (
                    (pl.col("order") < pl.col("cur_order")).any()
                    & ~(pl.col("order") == pl.col("cur_order")).any()
                )
                .cast(pl.UInt32)
                .alias("missing")
            )
            .select("indicator", "agency", "missing")
        )
    if not parts:
        return pl.DataFrame(schema=SCHEMA)
    return (
        pl.concat(parts)
        .group_by("indicator", "agency")
        .agg(pl.col("missing").sum().cast(pl.UInt32).alias("missing_reporters"))
        .collect()
    )


def missing_reporter_list(
    defs: Definitions,
    tree: Tree,
    periods: pl.DataFrame,
    reporters: pl.DataFrame,
    current: pl.DataFrame,
) -> list[tuple[str, str]]:
    """(indicator, agency) of every missing reporter, decoded from the bitmaps."""
    rep = (
        in_window(
            reporters.lazy(),
            current.lazy().select("indicator", "cur_order"),
            periods.lazy().select("period", "order", "start", "end"),
            deadline_frame(defs).lazy(),
        )
        .group_by("indicator", "holder", "word")
        .agg(
            pl.col("bits")
            .filter(pl.col("order") < pl.col("cur_order"))
            .bitwise_or()
            .alias("before"),
            pl.col("bits").filter(pl.col("order") == pl.col("cur_order")).bitwise_or().alias("now"),
        )
        .with_columns(missing=pl.col("before").fill_null(0) & ~pl.col("now").fill_null(0))
        .filter(pl.col("missing") != 0)
        .sort("indicator", "holder", "word")
        .collect()
    )
    leaves_of: dict[str, list[str]] = {}
    rows = []
    for indicator, holder, word, bits in rep.select(
        "indicator", "holder", "word", "missing"
    ).iter_rows():
        leaves = leaves_of.get(holder)
        if leaves is None:
            leaves = [c for c in tree.children.get(holder, ()) if not tree.has_own_slot(c)]
            leaves_of[holder] = leaves
        for bit in range(64):
            if bits >> bit & 1 and word * 64 + bit < len(leaves):
                rows.append((indicator, leaves[word * 64 + bit]))
    return rows
