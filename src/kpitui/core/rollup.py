"""The roll-up of SPEC §3 as polars expressions.

Observations can be national-scale (tens of millions of rows), so the work is split in two:

1. :func:`aggregate` — one streaming pass over all rows. A row of an agency that has children,
   or of a root, is kept as that agency's *own* row; rows of the other agencies (leaves) are
   folded into partial statistics per parent (count, sum, min, max, Σnumerator, Σdenominator).
   The same pass counts every problem (unknown ids, unreadable numbers, duplicates...) so that
   sound data needs no second pass. Duplicates are found without hashing 12 M keys: each leaf
   has a bit in its parent's bitmap, and a group whose rows outnumber its set bits repeats one.
2. :func:`rollup` — on that small table, bottom-up over the depth of the tree: an agency's own
   row wins, else the aggregate of its children that have a value.

Rows of leaves are never materialised here; views read them from the raw frame on demand.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import polars as pl

from kpitui.core.model import ALL_AGENCIES, Agency, Aggregate, Indicator

KEYS = ["indicator", "agency", "period"]


# --------------------------------------------------------------------------- the tree


@dataclass(frozen=True)
class Tree:
    """The agency hierarchy, with a virtual root above several roots."""

    ids: tuple[str, ...]
    """Pre-order (children in definition order); the headline agency first."""
    parent: dict[str, str | None]
    children: dict[str, tuple[str, ...]]
    depth: dict[str, int]
    names: dict[str, str]
    kinds: dict[str, str | None]
    headline: str
    defined: bool
    """False when the data set defines no agencies (they come from the observations)."""
    _slots: pl.DataFrame = field(repr=False, compare=False, default_factory=pl.DataFrame)

    @classmethod
    def build(cls, agencies: Sequence[Agency], defined: bool = True) -> Tree:
        order = [a.id for a in agencies]
        parent: dict[str, str | None] = {a.id: a.parent for a in agencies}
        roots = [a for a in order if not parent[a]]
        names = {a.id: a.name for a in agencies}
        kinds = {a.id: a.kind for a in agencies}
        if len(roots) != 1:
            for r in roots:
                parent[r] = ALL_AGENCIES
            parent[ALL_AGENCIES] = None
            names[ALL_AGENCIES] = ""
            kinds[ALL_AGENCIES] = None
            headline = ALL_AGENCIES
            order = [ALL_AGENCIES, *order]
        else:
            headline = roots[0]
        children: dict[str, list[str]] = {a: [] for a in order}
        for a in order:
            p = parent[a]
            if p is not None:
                children[p].append(a)
        pre: list[str] = []
        depth: dict[str, int] = {}
        stack = [(headline, 0)]
        while stack:
            node, d = stack.pop()
            pre.append(node)
            depth[node] = d
            stack.extend((c, d + 1) for c in reversed(children[node]))
        tree = cls(
            ids=tuple(pre),
            parent=parent,
            children={k: tuple(v) for k, v in children.items()},
            depth=depth,
            names=names,
            kinds=kinds,
            headline=headline,
            defined=defined,
        )
        object.__setattr__(tree, "_slots", tree._slot_frame())
        return tree

    def is_leaf(self, agency: str) -> bool:
        return not self.children.get(agency)

    def has_own_slot(self, agency: str) -> bool:
        """Whether the rows of an agency are kept as its own (not folded into its parent)."""
        return not self.is_leaf(agency) or self.parent.get(agency) in (None, ALL_AGENCIES)

    def subtree(self, agency: str) -> list[str]:
        out: list[str] = []
        stack = [agency]
        while stack:
            node = stack.pop()
            out.append(node)
            stack.extend(reversed(self.children.get(node, ())))
        return out

    def path(self, agency: str) -> list[str]:
        """From the headline agency down to ``agency``."""
        out = []
        node: str | None = agency
        while node is not None:
            out.append(node)
            node = self.parent.get(node)
        return out[::-1]

    def _slot_frame(self) -> pl.DataFrame:
        """agency -> (slot, own, word, bit) for the streaming pass of :func:`aggregate`."""
        rows: list[tuple[str, str, bool, int, int]] = []
        for node in self.ids:
            if node == ALL_AGENCIES:
                continue
            if self.has_own_slot(node):
                rows.append((node, node, True, 0, 0))
        for p, kids in self.children.items():
            rank = 0
            for kid in kids:
                if not self.has_own_slot(kid):
                    rows.append((kid, p, False, rank // 64, 1 << (rank % 64)))
                    rank += 1
        frame = pl.DataFrame(
            rows,
            schema={
                "agency": pl.String,
                "slot": pl.String,
                "own": pl.Boolean,
                "word": pl.UInt32,
                "bit": pl.UInt64,
            },
            orient="row",
        )
        return frame

    def slots(self, spellings: dict[str, str] | None = None) -> pl.DataFrame:
        """The slot frame, with a row for every other spelling of an id (written -> defined)."""
        if not spellings:
            return self._slots
        extra = pl.DataFrame(
            [(k, v) for k, v in spellings.items() if k != v],
            schema={"agency": pl.String, "_defined": pl.String},
            orient="row",
        )
        aliases = extra.join(self._slots.rename({"agency": "_defined"}), on="_defined").drop(
            "_defined"
        )
        return pl.concat([self._slots, aliases])

    def frame(self) -> pl.DataFrame:
        """agency, parent, depth, name, kind, leaf, order — one row per agency in pre-order."""
        return pl.DataFrame(
            {
                "agency": list(self.ids),
                "parent": [self.parent.get(a) for a in self.ids],
                "depth": [self.depth[a] for a in self.ids],
                "agency_name": [self.names.get(a, a) for a in self.ids],
                "kind": [self.kinds.get(a) for a in self.ids],
                "leaf": [self.is_leaf(a) for a in self.ids],
                "tree_order": list(range(len(self.ids))),
            },
            schema={
                "agency": pl.String,
                "parent": pl.String,
                "depth": pl.UInt32,
                "agency_name": pl.String,
                "kind": pl.String,
                "leaf": pl.Boolean,
                "tree_order": pl.UInt32,
            },
        )


def tree_from_ids(ids: Iterable[str]) -> Tree:
    """The flat tree of a data set without ``[[agency]]``: every id a root, named by itself."""
    return Tree.build([Agency(a, a) for a in sorted(set(ids))], defined=False)


# --------------------------------------------------------------------------- indicators


def indicator_frame(
    indicators: Sequence[Indicator], spellings: dict[str, str] | None = None
) -> pl.DataFrame:
    """One row per indicator id as written in files (``spellings``: written -> defined id)
    with the roll-up parameters of the defined indicator."""
    by_id = {i.id: (n, i) for n, i in enumerate(indicators)}
    spellings = spellings or {i.id: i.id for i in indicators}
    rows = []
    for written, ident in spellings.items():
        n, i = by_id[ident]
        rows.append(
            (written, i.id, n, i.scale, i.aggregate.value, i.target, i.direction.value, i.warn)
        )
    return pl.DataFrame(
        rows,
        schema={
            "indicator": pl.String,
            "ind": pl.String,
            "ind_order": pl.UInt32,
            "scale": pl.Float64,
            "aggregate": pl.String,
            "target": pl.Float64,
            "direction": pl.String,
            "warn": pl.Float64,
        },
        orient="row",
    )


def row_value(scale: pl.Expr | None = None) -> pl.Expr:
    """The value of one observation: ``value``, else scale × numerator / denominator."""
    scale = pl.col("scale") if scale is None else scale
    derived = (
        pl.when(pl.col("denominator") != 0)
        .then(pl.col("numerator") * scale / pl.col("denominator"))
        .otherwise(None)
    )
    return pl.coalesce(pl.col("value"), derived)


# --------------------------------------------------------------------------- the pass


@dataclass(frozen=True)
class Aggregated:
    """The result of the streaming pass: partial statistics and problem counters."""

    groups: pl.DataFrame
    """indicator (as written), ind (defined id or null), period, slot, own, word, n, bits, stats, counters."""

    def counters(self) -> dict[str, int]:
        g = self.groups
        if not g.height:
            return {}
        dup = g.filter(
            (pl.col("own") & (pl.col("n") > 1))
            | (~pl.col("own") & (pl.col("bits").bitwise_count_ones().cast(pl.UInt32) != pl.col("n")))
        ).height
        sums = g.select(
            pl.col("n").sum().alias("rows"),
            pl.col("n_bad").sum(),
            pl.col("n_nonfinite").sum(),
            pl.col("n_novalue").sum(),
            pl.col("n_long").sum(),
            pl.col("n_warn").sum(),
            pl.col("ind").is_null().sum().alias("n_unknown_indicator"),
            pl.col("slot").is_null().sum().alias("n_unknown_agency"),
            pl.col("period").is_null().sum().alias("n_no_period"),
        ).row(0, named=True)
        out = {k: int(v or 0) for k, v in sums.items()}
        out["n_duplicate"] = dup
        return out


def aggregate(
    lf: pl.LazyFrame,
    indicators: pl.DataFrame,
    slots: pl.DataFrame | None,
    streaming: bool = True,
) -> Aggregated:
    """One pass over every observation row (see the module docstring)."""
    lf = lf.join(indicators.lazy().select("indicator", "ind", "scale"), on="indicator", how="left")
    if slots is not None:
        lf = lf.join(slots.lazy(), on="agency", how="left")
    else:
        lf = lf.with_columns(
            slot=pl.col("agency"),
            own=pl.lit(True),
            word=pl.lit(0, pl.UInt32),
            bit=pl.lit(0, pl.UInt64),
        )
    value = row_value()
    pair = pl.col("numerator").is_not_null() & pl.col("denominator").is_not_null()
    finite = pl.all_horizontal(
        pl.col(c).is_finite().fill_null(True) for c in ("value", "numerator", "denominator")
    )
    long = pl.any_horizontal(
        pl.col(c).str.len_bytes() > 4096 for c in ("indicator", "agency", "period")
    ).fill_null(False)
    grouped = lf.group_by("indicator", "ind", "period", "slot", "own", "word").agg(
        n=pl.len().cast(pl.UInt32),
        bits=pl.col("bit").bitwise_or(),
        n_val=value.count().cast(pl.UInt32),
        s_val=value.sum(),
        mn=value.min(),
        mx=value.max(),
        n_ratio=pair.sum().cast(pl.UInt32),
        s_num=pl.when(pair).then(pl.col("numerator")).sum(),
        s_den=pl.when(pair).then(pl.col("denominator")).sum(),
        n_bad=pl.col("bad").sum().cast(pl.UInt32),
        n_nonfinite=(~finite).sum().cast(pl.UInt32),
        n_novalue=(
            pl.col("value").is_null()
            & (pl.col("numerator").is_null() | pl.col("denominator").is_null())
            | (pl.col("numerator").is_null() != pl.col("denominator").is_null())
        )
        .sum()
        .cast(pl.UInt32),
        n_long=long.sum().cast(pl.UInt32),
        n_warn=(
            (pl.col("numerator") > pl.col("denominator")) | (pl.col("denominator") == 0)
        )
        .sum()
        .cast(pl.UInt32),
        file=pl.col("file").first(),
        row=pl.col("row").first(),
    )
    groups = grouped.collect(engine="streaming" if streaming else "in-memory")
    return Aggregated(groups)


# --------------------------------------------------------------------------- the roll-up


_STATS = ["n_val", "s_val", "mn", "mx", "n_ratio", "s_num", "s_den"]

VALUES_SCHEMA = {
    "indicator": pl.String,
    "agency": pl.String,
    "period": pl.String,
    "value": pl.Float64,
    "numerator": pl.Float64,
    "denominator": pl.Float64,
    "reported": pl.Boolean,
    "children_value": pl.Float64,
    "file": pl.UInt32,
    "row": pl.UInt32,
}


def _finalize(stats: pl.LazyFrame, params: pl.LazyFrame) -> pl.LazyFrame:
    """Children statistics -> the aggregate value of their parent, by the indicator's rule."""
    agg = pl.col("aggregate")
    has_ratio = (pl.col("n_ratio") > 0) & (pl.col("s_den") != 0)
    has_val = pl.col("n_val") > 0
    value = (
        pl.when(agg == Aggregate.RATIO.value)
        .then(pl.when(has_ratio).then(pl.col("s_num") * pl.col("scale") / pl.col("s_den")))
        .when(agg == Aggregate.SUM.value)
        .then(pl.when(has_val).then(pl.col("s_val")))
        .when(agg == Aggregate.MEAN.value)
        .then(pl.when(has_val).then(pl.col("s_val") / pl.col("n_val")))
        .when(agg == Aggregate.MIN.value)
        .then(pl.col("mn"))
        .otherwise(pl.col("mx"))
    )
    ratio = (agg == Aggregate.RATIO.value) & (pl.col("n_ratio") > 0)
    return stats.join(params, left_on="indicator", right_on="ind", how="inner").select(
        "indicator",
        "agency",
        "period",
        value.alias("children_value"),
        pl.when(ratio).then(pl.col("s_num")).alias("c_num"),
        pl.when(ratio).then(pl.col("s_den")).alias("c_den"),
    )


def rollup(agg: Aggregated, tree: Tree, indicators: pl.DataFrame) -> pl.DataFrame:
    """Values of every agency that has its own slot (non-leaves and roots), all periods.

    Columns: see :data:`VALUES_SCHEMA`. ``children_value`` is the aggregate of the children
    (kept beside a reported total for the data-quality check).
    """
    params = indicators.lazy().select("ind", "scale", "aggregate").unique("ind")
    g = agg.groups.lazy().filter(
        pl.col("ind").is_not_null() & pl.col("slot").is_not_null() & pl.col("period").is_not_null()
    )
    own = g.filter(pl.col("own")).select(
        pl.col("ind").alias("indicator"),
        pl.col("slot").alias("agency"),
        "period",
        pl.when(pl.col("n_val") > 0).then(pl.col("s_val")).alias("value"),
        pl.when(pl.col("n_ratio") > 0).then(pl.col("s_num")).alias("numerator"),
        pl.when(pl.col("n_ratio") > 0).then(pl.col("s_den")).alias("denominator"),
        "file",
        "row",
    )
    leaf = (
        g.filter(~pl.col("own"))
        .group_by(pl.col("ind").alias("indicator"), pl.col("slot").alias("agency"), "period")
        .agg(
            pl.col("n_val").sum(),
            pl.col("s_val").sum(),
            pl.col("mn").min(),
            pl.col("mx").max(),
            pl.col("n_ratio").sum(),
            pl.col("s_num").sum(),
            pl.col("s_den").sum(),
        )
    )
    agencies = tree.frame().lazy().select("agency", "parent", "depth")
    own_d = own.join(agencies, on="agency", how="inner")
    leaf_d = leaf.join(agencies, on="agency", how="inner")
    own_frame, leaf_frame = pl.collect_all([own_d, leaf_d])
    max_depth = max(tree.depth.values(), default=0)
    resolved: list[pl.DataFrame] = []
    previous: pl.DataFrame | None = None
    for depth in range(max_depth, -1, -1):
        parts = [leaf_frame.lazy().filter(pl.col("depth") == depth).select("indicator", "agency", "period", *_STATS)]
        if previous is not None and previous.height:
            parts.append(
                previous.lazy()
                .join(agencies.select("agency", pl.col("parent").alias("_p")), on="agency")
                .filter(pl.col("_p").is_not_null())
                .select(
                    "indicator",
                    pl.col("_p").alias("agency"),
                    "period",
                    pl.col("value").is_not_null().cast(pl.UInt32).alias("n_val"),
                    pl.col("value").alias("s_val"),
                    pl.col("value").alias("mn"),
                    pl.col("value").alias("mx"),
                    (pl.col("numerator").is_not_null() & pl.col("denominator").is_not_null())
                    .cast(pl.UInt32)
                    .alias("n_ratio"),
                    pl.col("numerator").alias("s_num"),
                    pl.col("denominator").alias("s_den"),
                )
            )
        stats = (
            pl.concat(parts, how="vertical_relaxed")
            .group_by("indicator", "agency", "period")
            .agg(
                pl.col("n_val").sum(),
                pl.col("s_val").sum(),
                pl.col("mn").min(),
                pl.col("mx").max(),
                pl.col("n_ratio").sum(),
                pl.col("s_num").sum(),
                pl.col("s_den").sum(),
            )
        )
        computed = _finalize(stats, params)
        mine = own_frame.lazy().filter(pl.col("depth") == depth).drop("depth", "parent")
        level = (
            mine.join(computed, on=["indicator", "agency", "period"], how="full", coalesce=True)
            .select(
                "indicator",
                "agency",
                "period",
                pl.col("file").is_not_null().alias("reported"),
                pl.when(pl.col("file").is_not_null()).then(pl.col("value")).otherwise(pl.col("children_value")).alias("value"),
                pl.when(pl.col("file").is_not_null()).then(pl.col("numerator")).otherwise(pl.col("c_num")).alias("numerator"),
                pl.when(pl.col("file").is_not_null()).then(pl.col("denominator")).otherwise(pl.col("c_den")).alias("denominator"),
                "children_value",
                "file",
                "row",
            )
            .collect()
        )
        resolved.append(level)
        previous = level
    if not resolved:
        return pl.DataFrame(schema=VALUES_SCHEMA)
    out = pl.concat(resolved, how="vertical_relaxed")
    return out.select([pl.col(c).cast(t) for c, t in VALUES_SCHEMA.items()])
