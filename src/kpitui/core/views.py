"""Views of a snapshot: summary, breakdown and agency view, all from one function.

:func:`table` computes, for a set of indicators × a set of agencies, the value in each
indicator's current period (as of a chosen period), the change since the previous period
that has a value, the history, attainment and status — vectorised, one polars query.
The TUI and every export call these functions; nothing else computes figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import polars as pl

from kpitui.core import pace, reporters
from kpitui.core.attainment import with_attainment
from kpitui.core.model import ALL_AGENCIES
from kpitui.core.periods import end_of
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
    value, numerator, denominator, note, reported, target, direction, warn, unit,
    attainment, status, previous_period, previous_value, change, history (values of the
    indicator's periods up to the current one, oldest first), history_periods, and the pace
    columns of ``core.pace``.
    """
    ind_ids = (
        snap.indicators.get_column("indicator").to_list()
        if indicators is None
        else list(indicators)
    )
    params = snap.indicators.filter(pl.col("indicator").is_in(ind_ids)).select(
        "indicator", "ind_order", "target", "direction", "warn", "scale", "aggregate"
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
    data = series(snap, ind_ids, agencies, notes=notes)
    grid = (
        params.lazy()
        .join(ag_frame.lazy(), how="cross")
        .join(ip_df.lazy(), on="indicator", how="left")
        .join(current.lazy(), on="indicator", how="left")
        .filter(pl.col("order").is_null() | (pl.col("order") <= pl.col("cur_order")))
        .join(data.lazy(), on=["indicator", "agency", "period"], how="left")
        .join(pace.deadline_frame(snap.definitions).lazy(), on="indicator", how="left")
        .sort("ind_order", "agency_order", "order")
    )
    at_current = pl.col("order") == pl.col("cur_order")
    earlier = (pl.col("order") < pl.col("cur_order")) & pl.col("value").is_not_null()
    listed = pl.col("order").is_not_null()
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
        pl.col("value").filter(listed).alias("history"),
        pl.col("period").filter(listed).alias("history_periods"),
        pl.col("target").first(),
        pl.col("direction").first(),
        pl.col("warn").first(),
        *pace.grid_aggregations(),
    )
    scored = (
        rows.join(units.lazy(), on="indicator", how="left")
        .with_columns(change=pl.col("value") - pl.col("previous_value"))
        .pipe(with_attainment)
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
            missing_reporters=pl.when(pl.col("_leaf"))
            .then(pl.col("_gone").cast(pl.UInt32))
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
        .drop("_leaf", "_gone", "_first_end", "_first_value", "_n", "_sx", "_sy", "_sxx", "_sxy")
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
) -> pl.DataFrame:
    """One row per agency: the children of ``parent`` (default: the headline agency), or with
    ``subtree`` the agency itself and everything below it, in pre-order."""
    agencies = agencies_of(snap, parent, subtree)
    rows = table(snap, [indicator], agencies, as_of=as_of)
    tree = snap.tree.frame().select("agency", "parent", "depth", "agency_name", "kind", "leaf")
    return rows.join(tree, on="agency", how="left").sort("agency_order")
