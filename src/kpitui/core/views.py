"""Views of a snapshot: summary, breakdown and agency view, all from one function.

:func:`table` computes, for a set of indicators × a set of agencies, the value in each
indicator's current period (as of a chosen period), the change since the previous period
that has a value, the same period last year, the history, each agency's target (SPEC §9.4),
attainment, status and shortfall — vectorised, one polars query. :func:`breakdown` adds the
rank among siblings (§9.3) and the order to call agencies in (§9.6). The TUI and every export
call these functions; nothing else computes figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import polars as pl

from kpitui.core import pace, reporters
from kpitui.core.attainment import (
    agency_targets,
    shortfall,
    shortfall_unit,
    with_attainment,
)
from kpitui.core.model import ALL_AGENCIES, Direction
from kpitui.core.periods import end_of, last_year
from kpitui.core.rollup import row_value
from kpitui.core.snapshot import Snapshot
from kpitui.core.text import clean_expr

TABLE_SCHEMA = {
    "indicator": pl.String,
    "agency": pl.String,
    "period": pl.String,
    "value": pl.Float64,
    "numerator": pl.Float64,
    "denominator": pl.Float64,
    "note": pl.String,
    "reported": pl.Boolean,
}


def _as_of_end(as_of: str | None) -> date | None:
    if as_of is None:
        return None
    return end_of(as_of)


def series(
    snap: Snapshot, indicators: Sequence[str], agencies: Sequence[str], notes: bool = True
) -> pl.DataFrame:
    """Every (indicator, agency, period) value of the given agencies, from wherever it lives:
    rolled-up values for agencies with children (and roots), file rows for the others."""
    tree = snap.tree
    own = [a for a in agencies if a == ALL_AGENCIES or tree.has_own_slot(a)]
    own_set = set(own)
    leaves = [a for a in agencies if a not in own_set]
    parts: list[pl.DataFrame] = []
    rolled = (
        snap.values.lazy()
        .filter(pl.col("indicator").is_in(list(indicators)) & pl.col("agency").is_in(own))
        .select("indicator", "agency", "period", "value", "numerator", "denominator", "reported")
    )
    # Notes of agencies with children exist only on their reported rows (rare): read the
    # files for those only, not for every roll-up.
    reporting = set()
    if notes and own:
        reporting = set(
            snap.values.lazy()
            .filter(
                pl.col("reported")
                & pl.col("agency").is_in(own)
                & pl.col("indicator").is_in(list(indicators))
            )
            .select("agency")
            .unique()
            .collect()
            .get_column("agency")
            .to_list()
        )
    wanted_raw = leaves + [a for a in own if a in reporting]
    raw = None
    if wanted_raw:
        # The rows in effect hold each agency in its defined spelling (see ``sources.checks``).
        params = snap.indicators.lazy().select("indicator", "scale")
        raw = (
            snap.raw.filter(
                pl.col("indicator").is_in(list(indicators)) & pl.col("agency").is_in(wanted_raw)
            )
            .select("indicator", "agency", "period", "value", "numerator", "denominator", "note")
            .join(params, on="indicator", how="inner")
            .with_columns(value=row_value(), note=clean_expr(pl.col("note")))
            .drop("scale")
        )
    if raw is None:
        parts.append(rolled.with_columns(note=pl.lit(None, pl.String)).collect())
    else:
        rolled_df, raw_df = pl.collect_all([rolled, raw])
        leaf_rows = raw_df.filter(pl.col("agency").is_in(leaves)).with_columns(
            reported=pl.lit(True)
        )
        own_notes = (
            raw_df.filter(~pl.col("agency").is_in(leaves))
            .unique(["indicator", "agency", "period"])
            .select("indicator", "agency", "period", "note")
        )
        parts.append(rolled_df.join(own_notes, on=["indicator", "agency", "period"], how="left"))
        parts.append(leaf_rows)
    out = pl.concat([p.select(TABLE_SCHEMA.keys()) for p in parts], how="vertical_relaxed")
    return out.cast(TABLE_SCHEMA)  # type: ignore[arg-type]


def table(
    snap: Snapshot,
    indicators: Sequence[str] | None,
    agencies: Sequence[str],
    as_of: str | None = None,
    notes: bool = True,
) -> pl.DataFrame:
    """One row per (indicator, agency), indicators in definition order, agencies as given.

    Columns: indicator, agency, period (the indicator's current period as of ``as_of``),
    value, numerator, denominator, note, reported, target (the agency's, SPEC §9.4),
    own_target (a ``[[target]]`` sets it), direction, warn, unit, attainment, status,
    previous_period, previous_value, change, last_year_period, last_year (the value then),
    yoy_change (value − last_year, §9.2), shortfall and shortfall_unit (§9.6), history (values of the
    indicator's periods up to the current one, oldest first), history_periods, deadline,
    window_start, baseline (the agency's) and the pace columns of ``core.pace``.
    """
    ind_ids = (
        snap.indicators.get_column("indicator").to_list()
        if indicators is None
        else list(indicators)
    )
    params = snap.indicators.filter(pl.col("indicator").is_in(ind_ids)).select(
        "indicator", "ind_order", "direction", "warn", "scale", "aggregate"
    )
    units = pl.DataFrame(
        {
            "indicator": [i.id for i in snap.definitions.indicators],
            "unit": [i.unit for i in snap.definitions.indicators],
        },
        schema={"indicator": pl.String, "unit": pl.String},
    )
    ag_frame = pl.DataFrame(
        {"agency": list(agencies), "agency_order": list(range(len(agencies)))},
        schema={"agency": pl.String, "agency_order": pl.UInt32},
    )
    cutoff = _as_of_end(as_of)
    ip = snap.indicator_periods.lazy().filter(pl.col("indicator").is_in(ind_ids))
    if cutoff is not None:
        ip = ip.filter(pl.col("end") <= cutoff)
    ip_df = ip.collect()
    current = ip_df.group_by("indicator").agg(
        pl.col("order").max().alias("cur_order"),
        pl.col("period").sort_by("order").last().alias("cur_period"),
    )
    a_year_ago = {p: last_year(p) for p in current.get_column("cur_period").to_list()}
    current_ly = current.with_columns(
        pl.col("cur_period")
        .replace_strict(a_year_ago, default=None, return_dtype=pl.String)
        .alias("last_year_period")
    )
    data = series(snap, ind_ids, agencies, notes=notes)
    targets = agency_targets(snap.definitions, snap.tree.headline, ind_ids, agencies)
    preds = reporters.predecessor_reports(
        snap.tree, snap.reporters, snap.periods, current, agencies
    )
    # Rows in (indicator, agency, period) order by construction: the joins keep the order
    # of their left side, so no sort of the whole grid is needed (SPEC §9, issue #10).
    grid = (
        params.sort("ind_order")
        .lazy()
        .join(ag_frame.lazy(), how="cross", maintain_order="left_right")
        .join(ip_df.lazy().sort("order"), on="indicator", how="left", maintain_order="left_right")
        .join(current_ly.lazy(), on="indicator", how="left", maintain_order="left")
        .filter(pl.col("order").is_null() | (pl.col("order") <= pl.col("cur_order")))
        .join(data.lazy(), on=["indicator", "agency", "period"], how="left", maintain_order="left")
        .join(targets.lazy(), on=["indicator", "agency"], how="left", maintain_order="left")
        .join(preds.lazy(), on=["indicator", "agency", "period"], how="left", maintain_order="left")
    )
    at_current = pl.col("order") == pl.col("cur_order")
    earlier = (pl.col("order") < pl.col("cur_order")) & pl.col("value").is_not_null()
    listed = pl.col("order").is_not_null()
    then = pl.col("period") == pl.col("last_year_period")
    rows = grid.group_by("indicator", "agency", maintain_order=True).agg(
        pl.col("ind_order").first(),
        pl.col("agency_order").first(),
        pl.col("cur_period").first().alias("period"),
        pl.col("value").filter(at_current).first(),
        pl.col("numerator").filter(at_current).first(),
        pl.col("denominator").filter(at_current).first(),
        pl.col("note").filter(at_current).first(),
        pl.col("reported").filter(at_current).first().fill_null(False),
        pl.col("period").filter(earlier).last().alias("previous_period"),
        pl.col("value").filter(earlier).last().alias("previous_value"),
        pl.col("last_year_period").first(),
        pl.col("value").filter(then).first().alias("last_year"),
        pl.col("value").filter(listed).alias("history"),
        pl.col("period").filter(listed).alias("history_periods"),
        pl.col("target").first(),
        pl.col("own_target").first(),
        pl.col("direction").first(),
        pl.col("warn").first(),
        pl.col("aggregate").first(),
        pl.col("scale").first(),
        *pace.grid_aggregations(),
    )
    scored = (
        rows.join(units.lazy(), on="indicator", how="left")
        .with_columns(
            change=pl.col("value") - pl.col("previous_value"),
            yoy_change=pl.col("value") - pl.col("last_year"),
        )
        .pipe(with_attainment)
        .with_columns(shortfall=shortfall(), shortfall_unit=shortfall_unit())
    )
    missing = reporters.missing_reporters(
        snap.definitions, snap.tree, snap.values, snap.reporters, snap.periods, current, agencies
    )
    leaf_frame = pl.DataFrame(
        {"agency": list(agencies), "_leaf": [snap.tree.is_leaf(a) for a in agencies]},
        schema={"agency": pl.String, "_leaf": pl.Boolean},
    )
    out = (
        pace.finish(scored)
        .join(missing.lazy(), on=["indicator", "agency"], how="left")
        .join(leaf_frame.lazy(), on="agency", how="left")
        .with_columns(
            # An agency without children: itself (0 or 1), and its predecessors that still
            # existed in the current period (a view of the past, SPEC §9.5).
            missing_reporters=pl.when(pl.col("_leaf"))
            .then(pl.col("_gone").cast(pl.UInt32) + pl.col("missing_reporters").fill_null(0))
            .otherwise(pl.col("missing_reporters").fill_null(0))
        )
        .with_columns(
            # Missing reporters need the target period [S, D], so a deadline; not a target
            # or a value (an agency that did not report has no value: that is the point).
            pl.when(pl.col("period").is_null() | pl.col("deadline").is_null())
            .then(None)
            .otherwise(pl.col("missing_reporters"))
            .alias("missing_reporters")
        )
        .drop(
            "_leaf",
            "_gone",
            "_first_end",
            "_first_value",
            "_n",
            "_sx",
            "_sy",
            "_sxx",
            "_sxy",
            "aggregate",
            "scale",
        )
        .sort("ind_order", "agency_order")
        .collect()
    )
    return out


def indicator_meta(snap: Snapshot) -> pl.DataFrame:
    """Names, group and texts of each defined indicator."""
    d = snap.definitions
    return pl.DataFrame(
        {
            "indicator": [i.id for i in d.indicators],
            "name": [i.name for i in d.indicators],
            "name_en": [i.name_en for i in d.indicators],
            "group": [i.group for i in d.indicators],
            "group_name": [d.group_name(i.group) if i.group else None for i in d.indicators],
            "owner": [i.owner for i in d.indicators],
        },
        schema={
            "indicator": pl.String,
            "name": pl.String,
            "name_en": pl.String,
            "group": pl.String,
            "group_name": pl.String,
            "owner": pl.String,
        },
    )


def summary(snap: Snapshot, as_of: str | None = None, agency: str | None = None) -> pl.DataFrame:
    """One row per indicator at the headline agency (or at ``agency``: the agency view)."""
    where = agency or snap.tree.headline
    rows = table(snap, None, [where], as_of=as_of, notes=agency is not None)
    return indicator_meta(snap).join(rows, on="indicator", how="inner").sort("ind_order")


def agencies_of(snap: Snapshot, parent: str | None = None, subtree: bool = False) -> list[str]:
    tree = snap.tree
    top = parent or tree.headline
    if subtree:
        return tree.subtree(top)
    return list(tree.children.get(top, ()))


def breakdown(
    snap: Snapshot,
    indicator: str,
    parent: str | None = None,
    as_of: str | None = None,
    subtree: bool = False,
    with_parent: bool = False,
    dissolved: bool | None = None,
) -> pl.DataFrame:
    """One row per agency: the children of ``parent`` (default: the headline agency), or with
    ``subtree`` the agency itself and everything below it, in pre-order.

    ``with_parent`` (children only) puts ``parent``'s own row first. ``dissolved`` (default:
    ``subtree``, the pre-order breakdown of ``show`` and ``export``) appends the dissolved
    agencies without a successor that have a value in the breakdown's period, below
    ``parent`` by their recorded parents (SPEC §9.5: their history stays in the exports).

    Columns: those of :func:`table`, then parent, depth, agency_name, kind, leaf; ``rank``
    and ``rank_of`` (SPEC §9.3, among the agency's siblings in today's tree that have a
    value, whether listed or not; null for the headline agency, dissolved agencies and
    agencies without a value); ``call_order`` (0 first: see :func:`call_order`; null for
    dissolved agencies); ``predecessors`` (how many dissolved agencies roll into the
    agency); ``until`` (the last day of a dissolved agency, else null).
    """
    tree = snap.tree
    top = parent or tree.headline
    listed = agencies_of(snap, parent, subtree)
    if with_parent and not subtree:
        listed = [top, *listed]
    extra = _unlisted_siblings(snap, listed)
    rows = table(snap, [indicator], listed + extra, as_of=as_of)
    shape = tree.frame().select("agency", "parent", "depth", "agency_name", "kind", "leaf")
    heirs = pl.DataFrame(
        {
            "agency": list(tree.predecessors),
            "predecessors": [len(v) for v in tree.predecessors.values()],
        },
        schema={"agency": pl.String, "predecessors": pl.UInt32},
    )
    frame = (
        rows.join(shape, on="agency", how="left")
        .with_columns(_ranks())
        .filter(pl.col("agency_order") < len(listed))
        .join(heirs, on="agency", how="left")
        .with_columns(
            pl.col("predecessors").fill_null(0),
            until=pl.lit(None, pl.Date),
        )
        .sort("agency_order")
    )
    frame = frame.with_columns(call_order=_call_order(frame))
    if dissolved is None:
        dissolved = subtree
    if dissolved:
        gone = _dissolved_rows(snap, indicator, top, as_of, len(listed), frame.schema)
        if gone is not None:
            frame = pl.concat([frame, gone], how="vertical_relaxed")
    return frame


def _unlisted_siblings(snap: Snapshot, listed: Sequence[str]) -> list[str]:
    """Siblings of listed agencies that are not listed themselves (their figures decide a
    rank: the top of a subtree, the parent row)."""
    tree = snap.tree
    seen = set(listed)
    out: list[str] = []
    for p in dict.fromkeys(tree.parent.get(a) for a in listed):
        if p is None:
            continue
        for kid in tree.children.get(p, ()):
            if kid not in seen:
                seen.add(kid)
                out.append(kid)
    return out


RANK_DIGITS = 9
"""Attainments and values are compared rounded to 9 decimals: two agencies whose figures
differ only by floating-point noise share a rank."""


def _ranks() -> list[pl.Expr]:
    """``rank``, ``rank_of`` among siblings (same parent) with a value (SPEC §9.3): best
    attainment first when every such sibling has a target, else the best value in the
    indicator's direction; ties share the better rank and the next rank is skipped."""
    has = pl.col("value").is_not_null()
    by_attainment = (pl.col("attainment").is_not_null() | ~has).all().over("parent")
    lower = pl.col("direction") == Direction.LOWER.value
    key = (
        pl.when(~has)
        .then(None)
        .when(by_attainment)
        .then(pl.col("attainment"))
        .when(lower)
        .then(-pl.col("value"))
        .otherwise(pl.col("value"))
        .round(RANK_DIGITS)
    )
    ranked = pl.col("parent").is_not_null() & has
    return [
        pl.when(ranked)
        .then(key.rank("min", descending=True).over("parent"))
        .cast(pl.UInt32)
        .alias("rank"),
        pl.when(ranked).then(has.sum().over("parent")).cast(pl.UInt32).alias("rank_of"),
    ]


def _call_order(frame: pl.DataFrame) -> pl.Series:
    """Each row's place in the order to call agencies in (SPEC §9.6): a parent first, then
    its children by shortfall, largest first, then those without one (in tree order),
    each followed by its own children the same way. Rows whose parent is not listed are
    ordered among themselves the same way."""
    agencies = frame.get_column("agency").to_list()
    parents = frame.get_column("parent").to_list()
    gaps = frame.get_column("shortfall").to_list()
    where = {a: i for i, a in enumerate(agencies)}
    kids: dict[int | None, list[int]] = {}
    for i, p in enumerate(parents):
        kids.setdefault(where.get(p) if p is not None else None, []).append(i)

    def key(i: int) -> tuple[int, float, int]:
        gap = gaps[i]
        return (0, -gap, i) if gap is not None and gap > 0 else (1, 0.0, i)

    place = [0] * len(agencies)
    n = 0
    stack = sorted(kids.get(None, []), key=key, reverse=True)
    while stack:
        i = stack.pop()
        place[i] = n
        n += 1
        stack.extend(sorted(kids.get(i, []), key=key, reverse=True))
    return pl.Series("call_order", place, dtype=pl.UInt32)


def call_order(frame: pl.DataFrame) -> pl.DataFrame:
    """A :func:`breakdown` in the order the TUI shows it (SPEC §9.6): the parent's own total
    first (``with_parent``), then its children by shortfall, largest first — who to call
    first is on top — then those without a shortfall in tree order; dissolved agencies last."""
    return frame.sort("call_order", "agency_order", nulls_last=True)


def _dissolved_rows(
    snap: Snapshot,
    indicator: str,
    top: str,
    as_of: str | None,
    offset: int,
    schema: pl.Schema,
) -> pl.DataFrame | None:
    """Rows of the dissolved agencies without a successor below ``top`` (by their recorded
    parents) that have a value in the period (which then ends on or before their last day)."""
    tree = snap.tree
    below = set(tree.subtree(top))
    chosen: list[str] = []
    depths: list[int] = []
    for gone in tree.until:
        if gone in tree.successor:
            continue
        hops, node, anchor = 0, gone, None
        seen = {gone}
        while True:
            node = tree.record_parent.get(node) if node in tree.until else None  # type: ignore[assignment]
            hops += 1
            if node is None or node in seen:
                break
            if node not in tree.until:
                anchor = node if node in tree.depth else None
                break
            seen.add(node)
        if (anchor is None and top == tree.headline) or (anchor is not None and anchor in below):
            chosen.append(gone)
            depths.append((tree.depth[anchor] if anchor is not None else 0) + hops)
    if not chosen:
        return None
    rows = table(snap, [indicator], chosen, as_of=as_of)
    info = pl.DataFrame(
        {
            "agency": chosen,
            "parent": [tree.record_parent.get(a) for a in chosen],
            "depth": depths,
            "agency_name": [tree.names.get(a, a) for a in chosen],
            "kind": [tree.kinds.get(a) for a in chosen],
            "until": [tree.until[a] for a in chosen],
        },
        schema={
            "agency": pl.String,
            "parent": pl.String,
            "depth": pl.UInt32,
            "agency_name": pl.String,
            "kind": pl.String,
            "until": pl.Date,
        },
    )
    ends = {p: end_of(p) for p in rows.get_column("period").drop_nulls().unique().to_list()}
    out = (
        rows.join(info, on="agency", how="left")
        .with_columns(
            pl.col("period").replace_strict(ends, default=None, return_dtype=pl.Date).alias("_end"),
            leaf=pl.lit(True),
            rank=pl.lit(None, pl.UInt32),
            rank_of=pl.lit(None, pl.UInt32),
            call_order=pl.lit(None, pl.UInt32),
            predecessors=pl.lit(0, pl.UInt32),
            agency_order=(pl.col("agency_order") + offset).cast(pl.UInt32),
        )
        .filter(pl.col("value").is_not_null() & (pl.col("_end") <= pl.col("until")))
        .drop("_end")
    )
    if not out.height:
        return None
    return out.select(list(schema)).cast(dict(schema))  # type: ignore[arg-type]


def predecessors(snap: Snapshot, agency: str) -> list[tuple[str, str, date]]:
    """(id, name, until) of the dissolved agencies whose history rolls into ``agency``
    (SPEC §9.5: its hidden children, chains of successors followed), the earliest ended
    first — what the details panel lists as the old units that make up a new one."""
    tree = snap.tree
    gone = tree.predecessors.get(agency, ())
    order = {a: i for i, a in enumerate(gone)}
    return [
        (a, tree.names.get(a, a), tree.until[a])
        for a in sorted(gone, key=lambda a: (tree.until[a], order[a]))
    ]
