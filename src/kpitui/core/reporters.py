"""Missing reporters (SPEC §4.4): agencies without children that reported an indicator in an
earlier period of its target period [S, D] but not in the current one.

Computed from the reporter bitmaps of the streaming pass (``rollup``): for every agency P
whose children are leaves, one bit per child and period. Missing = reported before (OR of
those bitmaps) and not now (AND NOT), counted with popcount. A period counts as inside the
target period when it starts on or before the deadline (a deadline of 15 December falls
inside December, whose data is then the current period's).

Dissolved agencies (SPEC §9.5) have bits in hidden slots (``rollup.HIDDEN``). One is a
missing reporter only while it exists: the current period ends on or before its ``until``.
Once it has ended, its earlier rows count as rows of its successor, so a new commune whose
old communes reported earlier in the year and that has not reported now is missing.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from kpitui.core.model import Definitions
from kpitui.core.pace import deadline_frame
from kpitui.core.rollup import HIDDEN, Tree

SCHEMA = {"indicator": pl.String, "agency": pl.String, "missing_reporters": pl.UInt32}
PRED_SCHEMA = {
    "indicator": pl.String,
    "agency": pl.String,
    "period": pl.String,
    "_pred": pl.Boolean,
}
ALL_BITS = (1 << 64) - 1


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


def masks(
    tree: Tree, periods: pl.DataFrame, current: pl.DataFrame, holders: Sequence[str] | None = None
) -> pl.LazyFrame:
    """(indicator, holder, word, alive, ended) of the hidden slots (of ``holders`` only, when
    given): the bits of the dissolved agencies that still existed at the end of the
    indicator's current period, and of those that had ended by then."""
    bits = tree.dissolved_bits.lazy()
    if holders is not None:
        bits = bits.filter(pl.col("slot").is_in(list(holders)))
    cur_end = (
        current.lazy()
        .select("indicator", "cur_order")
        .join(
            periods.lazy().select(pl.col("order").alias("cur_order"), pl.col("end").alias("_ce")),
            on="cur_order",
        )
        .select("indicator", "_ce")
    )
    ends = cur_end.select("_ce").unique()
    per_end = (
        bits.join(ends, how="cross")
        .group_by("_ce", pl.col("slot").alias("holder"), "word")
        .agg(
            pl.col("bit").filter(pl.col("until") >= pl.col("_ce")).bitwise_or().alias("alive"),
            pl.col("bit").filter(pl.col("until") < pl.col("_ce")).bitwise_or().alias("ended"),
        )
        .with_columns(pl.col("alive").fill_null(0), pl.col("ended").fill_null(0))
    )
    return cur_end.join(per_end, on="_ce").drop("_ce")


def _alive_bits(rep: pl.LazyFrame, mask: pl.LazyFrame) -> pl.LazyFrame:
    """Reporter bits with those of dissolved agencies that had ended taken out."""
    return (
        rep.join(
            mask.select("indicator", "holder", "word", "alive"),
            on=["indicator", "holder", "word"],
            how="left",
        )
        .with_columns(bits=pl.col("bits") & pl.col("alive").fill_null(pl.lit(ALL_BITS, pl.UInt64)))
        .drop("alive")
    )


def predecessor_reports(
    tree: Tree,
    reporters: pl.DataFrame,
    periods: pl.DataFrame,
    current: pl.DataFrame,
    agencies: Sequence[str],
) -> pl.DataFrame:
    """(indicator, agency, period, _pred) for the given agencies that have predecessors: the
    periods in which a predecessor that has ended by the indicator's current period
    reported (those rows are the agency's history, SPEC §9.5)."""
    holders = {HIDDEN + a: a for a in dict.fromkeys(agencies) if a in tree.predecessors}
    if not holders or not reporters.height:
        return pl.DataFrame(schema=PRED_SCHEMA)
    mask = masks(tree, periods, current, list(holders))
    owners = pl.DataFrame(
        {"holder": list(holders), "agency": list(holders.values())},
        schema={"holder": pl.String, "agency": pl.String},
    )
    return (
        reporters.lazy()
        .filter(pl.col("holder").is_in(list(holders)))
        .join(mask, on=["indicator", "holder", "word"])
        .filter((pl.col("bits") & pl.col("ended")) != 0)
        .join(owners.lazy(), on="holder")
        .select("indicator", "agency", "period", pl.lit(True).alias("_pred"))
        .unique()
        .collect()
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
    """(indicator, agency, missing_reporters) for the given agencies: the missing reporters
    below each agency that has children, and the predecessors still in existence that are
    missing for an agency without children (it adds its own absence, ``views.table``)."""
    pairs: list[tuple[str, str]] = []
    own_leaves: list[tuple[str, str]] = []
    for a in dict.fromkeys(agencies):
        if tree.is_leaf(a):
            if a in tree.predecessors:
                pairs.append((HIDDEN + a, a))
            continue
        for node in tree.subtree(a):
            if any(not tree.has_own_slot(c) for c in tree.children.get(node, ())):
                pairs.append((node, a))
            if node in tree.predecessors:
                pairs.append((HIDDEN + node, a))
            if node != a and tree.is_leaf(node) and tree.has_own_slot(node):
                own_leaves.append((node, a))
    windows = deadline_frame(defs).lazy()
    period_frame = periods.lazy().select("period", "order", "start", "end")
    cur = current.lazy().select("indicator", "cur_order")
    parts: list[pl.LazyFrame] = []
    if pairs and reporters.height:
        pair_frame = pl.DataFrame(pairs, schema=["holder", "agency"], orient="row")
        rep = in_window(reporters.lazy(), cur, period_frame, windows)
        rep = rep.join(pair_frame.select("holder").unique().lazy(), on="holder")
        hidden = [h for h, _ in pairs if h.startswith(HIDDEN)]
        if hidden:
            rep = _alive_bits(rep, masks(tree, periods, current, hidden))
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
        present = _present(
            tree, values, reporters, periods, current, [leaf for leaf, _ in own_leaves]
        )
        rep = in_window(present.join(leaf_frame.lazy(), on="leaf"), cur, period_frame, windows)
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


def _present(
    tree: Tree,
    values: pl.DataFrame,
    reporters: pl.DataFrame,
    periods: pl.DataFrame,
    current: pl.DataFrame,
    leaves: Sequence[str],
) -> pl.LazyFrame:
    """(indicator, leaf, period) in which an agency with its own slot but no children in
    today's tree reported: its own rows, and those of its predecessors that have ended."""
    own = (
        values.lazy()
        .filter(pl.col("reported") & pl.col("agency").is_in(list(leaves)))
        .select("indicator", pl.col("agency").alias("leaf"), "period")
    )
    pred = predecessor_reports(tree, reporters, periods, current, leaves)
    if not pred.height:
        return own
    return pl.concat(
        [own, pred.lazy().select("indicator", pl.col("agency").alias("leaf"), "period")]
    ).unique()


def missing_reporter_list(
    defs: Definitions,
    tree: Tree,
    periods: pl.DataFrame,
    reporters: pl.DataFrame,
    current: pl.DataFrame,
    values: pl.DataFrame | None = None,
) -> list[tuple[str, str]]:
    """(indicator, agency) of every missing reporter, decoded from the bitmaps; with
    ``values``, also the agencies without children whose predecessors have ended (they hold
    their own slot, outside the bitmaps)."""
    cur = current.lazy().select("indicator", "cur_order")
    period_frame = periods.lazy().select("period", "order", "start", "end")
    windows = deadline_frame(defs).lazy()
    rep = in_window(reporters.lazy(), cur, period_frame, windows)
    if tree.dissolved_bits.height:
        rep = _alive_bits(rep, masks(tree, periods, current))
    decoded = (
        rep.group_by("indicator", "holder", "word")
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
    rows = []
    for indicator, holder, word, bits in decoded.select(
        "indicator", "holder", "word", "missing"
    ).iter_rows():
        leaves = tree.slot_leaves(holder)
        for bit in range(64):
            if bits >> bit & 1 and word * 64 + bit < len(leaves):
                rows.append((indicator, leaves[word * 64 + bit]))
    heirs = [a for a in tree.predecessors if tree.is_leaf(a)]
    if values is not None and heirs:
        present = _present(tree, values, reporters, periods, current, heirs)
        gone = (
            in_window(present, cur, period_frame, windows)
            .group_by("indicator", "leaf")
            .agg(
                (
                    (pl.col("order") < pl.col("cur_order")).any()
                    & ~(pl.col("order") == pl.col("cur_order")).any()
                ).alias("gone")
            )
            .filter(pl.col("gone"))
            .sort("indicator", "leaf")
            .collect()
        )
        rows += list(gone.select("indicator", "leaf").iter_rows())
    return rows
