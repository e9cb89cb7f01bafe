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
from datetime import date

import polars as pl

from kpitui.core.model import ALL_AGENCIES, Agency, Aggregate, Indicator
from kpitui.core.periods import end_of

# --------------------------------------------------------------------------- the tree

HIDDEN = "\x1f"
"""Prefix of the slots that hold the rows of dissolved agencies (SPEC §9.5): ``HIDDEN + id``.
Agency ids never hold control characters, so no agency is named like one of these slots."""


@dataclass(frozen=True)
class Tree:
    """The agency hierarchy of today, with a virtual root above several roots, and the
    dissolved agencies (SPEC §9.5) kept out of it.

    A dissolved agency whose chain of successors ends at an agency of today's tree is a
    *hidden child* of that agency: its rows are folded into a slot of their own under it
    (``HIDDEN + successor``), so the roll-up adds them into the successor in the periods they
    cover. Everything that lists agencies (``ids``, ``children``, ``subtree``, ``frame``) sees
    today's tree only; the slots see the hidden children too. A dissolved agency without such
    a successor has a slot of its own (``HIDDEN + id``) that nothing rolls up.
    """

    ids: tuple[str, ...]
    """Pre-order (children in definition order); the headline agency first."""
    parent: dict[str, str | None]
    children: dict[str, tuple[str, ...]]
    depth: dict[str, int]
    names: dict[str, str]
    """Every defined agency, dissolved ones too."""
    kinds: dict[str, str | None]
    headline: str
    defined: bool
    """False when the data set defines no agencies (they come from the observations)."""
    until: dict[str, date] = field(default_factory=dict)
    """Dissolved agency -> the last day it existed. Dissolved agencies are not in the tree."""
    successor: dict[str, str] = field(default_factory=dict)
    """Dissolved agency -> the agency of today's tree its history rolls into (the end of its
    chain of successors); absent when the chain ends at an agency without successor."""
    predecessors: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Agency of today's tree -> the dissolved agencies whose history rolls into it (its
    hidden children), in definition order."""
    record_parent: dict[str, str | None] = field(default_factory=dict)
    """Dissolved agency -> its ``parent`` as defined, kept for the record only."""
    _slots: pl.DataFrame = field(repr=False, compare=False, default_factory=pl.DataFrame)

    @classmethod
    def build(cls, agencies: Sequence[Agency], defined: bool = True) -> Tree:
        living = [a for a in agencies if a.until is None]
        alive = {a.id for a in living}
        by_id = {a.id: a for a in agencies}
        until = {a.id: a.until for a in agencies if a.until is not None}
        successor: dict[str, str] = {}
        predecessors: dict[str, list[str]] = {}
        for ag in agencies:
            if ag.until is None:
                continue
            seen = {ag.id}
            nxt = ag.successor
            while nxt is not None and nxt in by_id and nxt not in alive and nxt not in seen:
                seen.add(nxt)
                nxt = by_id[nxt].successor
            if nxt is not None and nxt in alive:
                successor[ag.id] = nxt
                predecessors.setdefault(nxt, []).append(ag.id)
        order = [a.id for a in living]
        # A parent that is not in today's tree (dissolved: an error in the definitions)
        # cannot hold an agency: it becomes a root rather than vanish.
        parent: dict[str, str | None] = {
            a.id: a.parent if a.parent and a.parent in alive else None for a in living
        }
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
            until=until,
            successor=successor,
            predecessors={k: tuple(v) for k, v in predecessors.items()},
            record_parent={a: by_id[a].parent or None for a in until},
        )
        object.__setattr__(tree, "_slots", tree._slot_frame())
        return tree

    def is_leaf(self, agency: str) -> bool:
        """Without children in today's tree (hidden children do not count)."""
        return not self.children.get(agency)

    def has_own_slot(self, agency: str) -> bool:
        """Whether the rows of an agency are kept as its own (not folded into its parent):
        agencies with children (hidden ones too) and roots; never a dissolved agency."""
        if agency in self.until:
            return False
        return (
            not self.is_leaf(agency)
            or agency in self.predecessors
            or self.parent.get(agency) in (None, ALL_AGENCIES)
        )

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

    def slot_leaves(self, slot: str) -> tuple[str, ...]:
        """The agencies folded into a leaf slot, bit 0 first (see :meth:`_slot_frame`)."""
        return self._leaves.get(slot, ())  # type: ignore[attr-defined, no-any-return]

    def holder_of(self, slot: str) -> str | None:
        """The agency of today's tree a hidden slot rolls into; None for any other slot."""
        if not slot.startswith(HIDDEN):
            return None
        agency = slot[len(HIDDEN) :]
        return agency if agency in self.predecessors else None

    def _slot_frame(self) -> pl.DataFrame:
        """agency -> (slot_idx, word, bit) for the streaming pass of :func:`aggregate`.

        A slot is where a row's statistics go: the agency itself (own rows of non-leaves and
        roots) or its parent (leaves, folded). Slots are numbered so the pass groups by an
        integer; leaf ``k`` of a parent has bit ``k % 64`` of word ``k // 64``. Dissolved
        agencies are folded into ``HIDDEN + successor`` (or ``HIDDEN + id`` without one).
        """
        agencies: list[str] = []
        slot_idx: list[int] = []
        words: list[int] = []
        bits: list[int] = []
        names: list[str] = []
        owns: list[bool] = []
        leaves_of: dict[str, tuple[str, ...]] = {}

        def slot(name: str, own: bool) -> int:
            names.append(name)
            owns.append(own)
            return len(names) - 1

        def fold(holder: str, leaves: Sequence[str]) -> None:
            index = slot(holder, False)
            leaves_of[holder] = tuple(leaves)
            for rank, kid in enumerate(leaves):
                agencies.append(kid)
                slot_idx.append(index)
                words.append(rank // 64)
                bits.append(1 << (rank % 64))

        for node in self.ids:
            if node != ALL_AGENCIES and self.has_own_slot(node):
                agencies.append(node)
                slot_idx.append(slot(node, True))
                words.append(0)
                bits.append(0)
        for p, kids in self.children.items():
            leaves = [k for k in kids if not self.has_own_slot(k)]
            if leaves:
                fold(p, leaves)
        for heir, gone in self.predecessors.items():
            fold(HIDDEN + heir, gone)
        for gone_id in self.until:
            if gone_id not in self.successor:
                fold(HIDDEN + gone_id, [gone_id])
        object.__setattr__(self, "_leaves", leaves_of)
        object.__setattr__(
            self,
            "_lookup",
            pl.DataFrame(
                {"slot_idx": list(range(len(names))), "slot": names, "own": owns},
                schema={"slot_idx": pl.UInt32, "slot": pl.String, "own": pl.Boolean},
            ),
        )
        object.__setattr__(self, "_ended", self._ended_frame(leaves_of))
        return pl.DataFrame(
            {"agency": agencies, "slot_idx": slot_idx, "word": words, "bit": bits},
            schema={
                "agency": pl.String,
                "slot_idx": pl.UInt32,
                "word": pl.UInt32,
                "bit": pl.UInt64,
            },
        )

    def _ended_frame(self, leaves_of: dict[str, tuple[str, ...]]) -> pl.DataFrame:
        """(slot, word, bit, until, agency) of every dissolved agency's place in the bitmaps."""
        rows = [
            (holder, rank // 64, 1 << (rank % 64), self.until[kid], kid)
            for holder, kids in leaves_of.items()
            if holder.startswith(HIDDEN)
            for rank, kid in enumerate(kids)
        ]
        return pl.DataFrame(
            rows,
            schema={
                "slot": pl.String,
                "word": pl.UInt32,
                "bit": pl.UInt64,
                "until": pl.Date,
                "agency": pl.String,
            },
            orient="row",
        )

    @property
    def dissolved_bits(self) -> pl.DataFrame:
        """(slot, word, bit, until, agency): where each dissolved agency reports in the
        bitmaps of the streaming pass, and its last day."""
        return self._ended  # type: ignore[attr-defined, no-any-return]

    def late_rows(self, bits: pl.DataFrame) -> int:
        """Groups of rows of dissolved agencies for periods that end after the agency did
        (SPEC §9.5: an error), from the reporter bitmaps of the streaming pass (``bits`` of
        :class:`Aggregated`): the fast pass counts them as problems, so a file holding such
        a row is never judged sound without its careful read."""
        ended = self.dissolved_bits
        if not ended.height or not bits.height:
            return 0
        periods = bits.get_column("period").drop_nulls().unique().to_list()
        ends = pl.DataFrame(
            {"period": periods, "_end": [end_of(p) for p in periods]},
            schema={"period": pl.String, "_end": pl.Date},
        )
        late = (
            bits.lazy()
            .join(ended.lazy(), on=["slot", "word"])
            .join(ends.lazy(), on="period")
            .filter(((pl.col("bits") & pl.col("bit")) != 0) & (pl.col("_end") > pl.col("until")))
            .select(pl.len())
            .collect()
            .item()
        )
        return int(late)

    @property
    def words(self) -> int:
        """Bitmap words needed for the widest parent (its number of leaf children / 64)."""
        if not self._slots.height:
            return 0
        return int(self._slots.get_column("word").max() or 0) + 1  # type: ignore[arg-type]

    @property
    def slot_lookup(self) -> pl.DataFrame:
        """slot_idx -> (slot, own)."""
        return self._lookup  # type: ignore[attr-defined, no-any-return]

    def slots(self, spellings: dict[str, str] | None = None) -> pl.DataFrame:
        """The slot frame, with a row for every other spelling of an id (written -> defined)."""
        extra = [(k, v) for k, v in (spellings or {}).items() if k != v]
        if not extra:
            return self._slots
        alias = pl.DataFrame(
            extra, schema={"agency": pl.String, "_defined": pl.String}, orient="row"
        )
        aliases = alias.join(self._slots.rename({"agency": "_defined"}), on="_defined").drop(
            "_defined"
        )
        return pl.concat([self._slots, aliases])

    @property
    def hidden_holders(self) -> pl.DataFrame:
        """(slot, agency): the hidden slot of each agency that has predecessors."""
        heirs = list(self.predecessors)
        return pl.DataFrame(
            {"slot": [HIDDEN + a for a in heirs], "agency": heirs},
            schema={"slot": pl.String, "agency": pl.String},
        )

    def frame(self) -> pl.DataFrame:
        """agency, parent, depth, name, kind, leaf, order — one row per agency of today's
        tree, in pre-order."""
        cached = self.__dict__.get("_frame")
        if cached is not None:
            return cached  # type: ignore[no-any-return]
        frame = pl.DataFrame(
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
        object.__setattr__(self, "_frame", frame)
        return frame


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


EXACT = 2.0**53
"""Integers from here on cannot all be held exactly by a 64-bit float (a warning)."""
CONTRADICTION = 0.005
"""A row's value that differs from scale × numerator / denominator by more than 0.5 %."""
MAX_RATIO = 1e300
"""numerator / denominator beyond this may overflow once scaled: the careful read decides."""

MAX_BITMAP_COLUMNS = 4
"""Up to 4 x 64 leaf children per parent, the bitmaps are columns; wider trees group by word."""

GROUP_SCHEMA = {
    "indicator": pl.String,
    "ind": pl.String,
    "period": pl.String,
    "slot": pl.String,
    "own": pl.Boolean,
    "n": pl.UInt32,
    "n_val": pl.UInt32,
    "s_val": pl.Float64,
    "mn": pl.Float64,
    "mx": pl.Float64,
    "n_ratio": pl.UInt32,
    "s_num": pl.Float64,
    "s_den": pl.Float64,
}


@dataclass(frozen=True)
class Aggregated:
    """The result of the streaming pass."""

    groups: pl.DataFrame
    """One row per (indicator as written, period, slot): see :data:`GROUP_SCHEMA`."""
    bits: pl.DataFrame
    """(ind, period, slot, word, bits) of the leaf groups: which children reported."""
    problems: int
    """Rows or groups that need the careful path (unknown ids, unreadable numbers, ...)."""
    warnings: int
    """Rows whose numerator exceeds the denominator or whose denominator is 0."""

    @classmethod
    def empty(cls) -> Aggregated:
        return cls(
            pl.DataFrame(schema=GROUP_SCHEMA),
            pl.DataFrame(
                schema={
                    "ind": pl.String,
                    "period": pl.String,
                    "slot": pl.String,
                    "word": pl.UInt32,
                    "bits": pl.UInt64,
                }
            ),
            0,
            0,
        )

    @property
    def rows(self) -> int:
        return int(self.groups.get_column("n").sum() or 0) if self.groups.height else 0


def _plan(tree: Tree | None) -> tuple[list[str], list[pl.Expr], int, bool]:
    """Group keys, bitmap aggregations, bitmap words and whether the tree is wide."""
    words = tree.words if tree is not None else 0
    wide = words > MAX_BITMAP_COLUMNS
    if tree is None:
        return ["indicator", "period", "agency"], [], words, wide
    keys = ["indicator", "period", "slot_idx", *(["word"] if wide else [])]
    if wide:
        return keys, [pl.col("bit").bitwise_or().alias("b0")], words, wide
    bits = [
        pl.when(pl.col("word") == w).then(pl.col("bit")).otherwise(0).bitwise_or().alias(f"b{w}")
        for w in range(max(words, 1))
    ]
    return keys, bits, words, wide


def partial(
    lf: pl.LazyFrame,
    indicators: pl.DataFrame,
    tree: Tree | None,
    spellings: dict[str, str] | None = None,
    streaming: bool = True,
) -> pl.DataFrame:
    """The streaming pass over some rows: statistics per group, in one pass.

    Partials of several files combine (:func:`combine`) into the partial of all of them:
    every statistic is a count, sum, min, max or bitwise OR. Besides the raw sums it counts
    every problem (``n_bad``, ``n_half``, ``n_none``, ``n_neg``, ``n_over``; unknown ids
    show as null keys) and every row worth a warning (``n_warn``), so that sound data needs no
    second pass.
    """
    keys, bit_aggs, _, _ = _plan(tree)
    if tree is not None:
        lf = _with_slots(lf, tree.slots(spellings))
    num, den, val = pl.col("numerator"), pl.col("denominator"), pl.col("value")
    # The scale is constant per indicator (and groups are per indicator): the row values
    # derived from numerator/denominator are summed as Σ(n/d) and scaled after the pass,
    # so the pass needs no join with the indicators. Per-row terms are computed once, as
    # columns, and then only counted, summed or compared by the aggregations.
    ratio = num / den
    finite = num.is_finite() & den.is_finite()
    big = pl.any_horizontal(pl.col(n).abs() >= EXACT for n in ("value", "numerator", "denominator"))
    # Rows worth a warning, or that may be (a value beside its own numerator/denominator is
    # compared with them, with the scale, when the warnings are located).
    warn = ((num > den) & finite) | (den == 0) | big | (val.is_not_null() & num.is_not_null())
    lf = lf.with_columns(
        _r=pl.when(val.is_null() & (den != 0)).then(ratio),
        _half=(num.is_null() ^ den.is_null()),
        _none=(val.is_null() & num.is_null()),
        _neg=(den < 0).fill_null(False),
        _inf=pl.any_horizontal(
            ~pl.col(n).is_finite() for n in ("value", "numerator", "denominator")
        ).fill_null(False),
        _over=((den != 0) & (~ratio.is_finite() | (ratio.abs() > MAX_RATIO))).fill_null(False),
        _warn=warn.fill_null(False),
    )
    r = pl.col("_r")
    aggs = [
        pl.len().cast(pl.UInt32).alias("n"),
        *bit_aggs,
        val.count().cast(pl.UInt32).alias("v_n"),
        num.count().cast(pl.UInt32).alias("n_ratio"),
        num.sum().alias("s_num"),
        den.sum().alias("s_den"),
        pl.col("_half").sum().cast(pl.UInt32).alias("n_half"),
        pl.col("_none").sum().cast(pl.UInt32).alias("n_none"),
        pl.col("agency").null_count().cast(pl.UInt32).alias("n_no_agency"),
        pl.col("bad").sum().cast(pl.UInt32).alias("n_bad"),
        pl.col("_neg").sum().cast(pl.UInt32).alias("n_neg"),
        pl.col("_inf").sum().cast(pl.UInt32).alias("n_inf"),
        pl.col("_over").sum().cast(pl.UInt32).alias("n_over"),
        pl.col("_warn").sum().cast(pl.UInt32).alias("n_warn"),
        val.sum().alias("_s_v"),
        val.min().alias("_mn_v"),
        val.max().alias("_mx_v"),
        r.sum().alias("_s_r"),
        r.min().alias("_mn_r"),
        r.max().alias("_mx_r"),
        r.count().cast(pl.UInt32).alias("_n_r"),
    ]
    raw = lf.group_by(keys).agg(aggs).collect(engine="streaming" if streaming else "in-memory")
    return _scaled(raw, indicators)


def agency_enum(slots: pl.DataFrame) -> pl.Enum:
    """The agency ids (every spelling) as an enum whose codes index the slot frame's rows."""
    return pl.Enum(slots.get_column("agency").to_list())


def _with_slots(lf: pl.LazyFrame, slots: pl.DataFrame) -> pl.LazyFrame:
    """Each row's slot, word and bit: by index when the agency column is the slot frame's
    :func:`agency_enum` (no string is hashed), else by a join on the agency id."""
    dtype = lf.collect_schema().get("agency")
    if isinstance(dtype, pl.Enum) and dtype.categories.to_list() == slots["agency"].to_list():
        code = pl.col("agency").to_physical()
        return lf.with_columns(
            [pl.lit(slots.get_column(c)).gather(code).alias(c) for c in ("slot_idx", "word", "bit")]
        )
    return lf.with_columns(pl.col("agency").cast(pl.String)).join(
        slots.lazy(), on="agency", how="left"
    )


def _scaled(raw: pl.DataFrame, indicators: pl.DataFrame) -> pl.DataFrame:
    """Row values of the groups: ``value`` where given, else scale × numerator/denominator
    (s_val, mn, mx, n_val), from the pass's separate sums (the scale is positive)."""
    scale = indicators.select("indicator", "scale").unique("indicator")
    s = pl.col("scale").fill_null(1.0)
    return (
        raw.join(scale, on="indicator", how="left")
        .with_columns(
            s_val=pl.when((pl.col("v_n") + pl.col("_n_r")) > 0).then(
                pl.col("_s_v").fill_null(0.0) + s * pl.col("_s_r").fill_null(0.0)
            ),
            mn=pl.min_horizontal(pl.col("_mn_v"), s * pl.col("_mn_r")),
            mx=pl.max_horizontal(pl.col("_mx_v"), s * pl.col("_mx_r")),
            n_val=(pl.col("v_n") + pl.col("_n_r")).cast(pl.UInt32),
        )
        .drop("scale", "_s_v", "_mn_v", "_mx_v", "_s_r", "_mn_r", "_mx_r", "_n_r")
    )


def combine(parts: Sequence[pl.DataFrame], tree: Tree | None) -> pl.DataFrame:
    """The partial of several partials (of disjoint sets of rows)."""
    keys, _, _, _ = _plan(tree)
    parts = [p for p in parts if p.height]
    if len(parts) == 1:
        return parts[0]
    if not parts:
        return pl.DataFrame()
    frame = pl.concat(parts, how="vertical_relaxed")
    return frame.group_by(keys).agg(_merge_stats(frame.columns, keys))


def regroup(part: pl.DataFrame, tree: Tree | None) -> pl.DataFrame:
    """Merge the groups of a partial whose keys now coincide (e.g. two spellings of one
    period renamed to one canonical period)."""
    keys, _, _, _ = _plan(tree)
    return part.group_by(keys).agg(_merge_stats(part.columns, keys))


def _merge_stats(columns: Sequence[str], keys: Sequence[str]) -> list[pl.Expr]:
    aggs = []
    for name in columns:
        if name in keys:
            continue
        if name.startswith("b") and name[1:].isdigit():
            aggs.append(pl.col(name).bitwise_or())
        elif name == "mn":
            aggs.append(pl.col(name).min())
        elif name == "mx":
            aggs.append(pl.col(name).max())
        else:
            aggs.append(pl.col(name).sum())
    return aggs


def finish(raw: pl.DataFrame, indicators: pl.DataFrame, tree: Tree | None) -> Aggregated:
    """Normalise a (combined) partial into the :class:`Aggregated` the roll-up reads."""
    _, _, words, wide = _plan(tree)
    if not raw.height:
        return Aggregated.empty()
    return _normalise(raw, indicators, tree, words, wide)


def aggregate(
    lf: pl.LazyFrame,
    indicators: pl.DataFrame,
    tree: Tree | None,
    spellings: dict[str, str] | None = None,
    streaming: bool = True,
) -> Aggregated:
    """One pass over every observation row (see the module docstring). ``tree`` is None
    when the data set defines no agencies."""
    return finish(partial(lf, indicators, tree, spellings, streaming=streaming), indicators, tree)


def _normalise(
    raw: pl.DataFrame, indicators: pl.DataFrame, tree: Tree | None, words: int, wide: bool
) -> Aggregated:
    """Name the slots, count problems and warnings, split the bitmaps off."""
    ids = indicators.select("indicator", "ind")
    raw = raw.drop("scale", "aggregate", strict=False)
    if tree is not None:
        frame = raw.join(ids, on="indicator", how="left").join(
            tree.slot_lookup, on="slot_idx", how="left"
        )
    else:
        frame = raw.join(ids, on="indicator", how="left").with_columns(
            slot=pl.col("agency"), own=pl.lit(True)
        )
    blank = (
        pl.col("indicator").is_null()
        & pl.col("period").is_null()
        & pl.col("slot").is_null()
        & (pl.col("n_no_agency") == pl.col("n"))
        & (pl.col("n_none") == pl.col("n"))
        & (pl.col("n_half") == 0)
        & (pl.col("n_bad") == 0)
    )
    frame = frame.filter(~blank)
    bit_cols = [c for c in frame.columns if c.startswith("b") and c[1:].isdigit()]
    if bit_cols:
        popcount = pl.sum_horizontal(pl.col(c).fill_null(0).bitwise_count_ones() for c in bit_cols)
    else:
        popcount = pl.lit(0)
    problem = (
        pl.col("ind").is_null()
        | pl.col("slot").is_null()
        | pl.col("period").is_null()
        | (pl.col("n_bad") > 0)
        | (pl.col("n_half") > 0)
        | (pl.col("n_none") > 0)
        | (pl.col("n_neg") > 0)
        | (pl.col("n_over") > 0)
        | (pl.col("n_inf") > 0)
    )
    per_group = frame.select(
        problem.sum().alias("problems"),
        pl.col("n_warn").sum().alias("warnings"),
    ).row(0)
    problems = int(per_group[0] or 0)
    # Duplicates: an own slot holds one row; a parent's leaf group one row per set bit.
    if bit_cols and wide:
        dup = (
            frame.filter(pl.col("slot").is_not_null() & ~pl.col("own"))
            .group_by("indicator", "period", "slot_idx", "word")
            .agg(pl.col("n").sum(), pl.col("b0").first())
        )
        dups = dup.filter(pl.col("b0").bitwise_count_ones() != pl.col("n")).height
        own_dups = frame.filter(pl.col("own") & (pl.col("n") > 1)).height
        problems += dups + own_dups
    else:
        problems += frame.filter(
            pl.col("own").fill_null(False) & (pl.col("n") > 1)
            | (~pl.col("own").fill_null(True) & (popcount != pl.col("n")))
        ).height
    leaf = frame.filter(pl.col("ind").is_not_null() & pl.col("slot").is_not_null() & ~pl.col("own"))
    if wide:
        bits = leaf.select("ind", "period", "slot", "word", pl.col("b0").alias("bits"))
    elif bit_cols:
        bits = (
            leaf.select("ind", "period", "slot", *bit_cols)
            .unpivot(
                index=["ind", "period", "slot"],
                on=bit_cols,
                variable_name="word",
                value_name="bits",
            )
            .with_columns(pl.col("word").str.slice(1).cast(pl.UInt32))
            .filter(pl.col("bits").is_not_null() & (pl.col("bits") != 0))
        )
    else:
        bits = Aggregated.empty().bits
    groups = (
        frame.group_by("indicator", "ind", "period", "slot", "own").agg(
            pl.col("n").sum(), *_combined_stats()
        )
        if wide
        else frame
    )
    return Aggregated(
        groups.select([pl.col(c).cast(t) for c, t in GROUP_SCHEMA.items()]),
        bits.select(
            pl.col("ind").cast(pl.String),
            pl.col("period").cast(pl.String),
            pl.col("slot").cast(pl.String),
            pl.col("word").cast(pl.UInt32),
            pl.col("bits").cast(pl.UInt64),
        ),
        problems,
        int(per_group[1] or 0),
    )


# --------------------------------------------------------------------------- the roll-up


_STATS = ["n_val", "s_val", "mn", "mx", "n_ratio", "s_num", "s_den"]


def _combined_stats() -> list[pl.Expr]:
    """Children's statistics of disjoint rows, combined: counts and sums add, min/max."""
    return [
        pl.col("n_val").sum(),
        pl.col("s_val").sum(),
        pl.col("mn").min(),
        pl.col("mx").max(),
        pl.col("n_ratio").sum(),
        pl.col("s_num").sum(),
        pl.col("s_den").sum(),
    ]


VALUES_SCHEMA = {
    "indicator": pl.String,
    "agency": pl.String,
    "period": pl.String,
    "value": pl.Float64,
    "numerator": pl.Float64,
    "denominator": pl.Float64,
    "reported": pl.Boolean,
    "children_value": pl.Float64,
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


def _value_stats() -> list[pl.Expr]:
    """One figure (``value``, ``numerator``, ``denominator``) as the statistics of one child."""
    return [
        pl.col("value").is_not_null().cast(pl.UInt32).alias("n_val"),
        pl.col("value").alias("s_val"),
        pl.col("value").alias("mn"),
        pl.col("value").alias("mx"),
        (pl.col("numerator").is_not_null() & pl.col("denominator").is_not_null())
        .cast(pl.UInt32)
        .alias("n_ratio"),
        pl.col("numerator").alias("s_num"),
        pl.col("denominator").alias("s_den"),
    ]


_KEYS = ["indicator", "agency", "period"]


def rollup(agg: Aggregated, tree: Tree, indicators: pl.DataFrame) -> pl.DataFrame:
    """Values of every agency that has its own slot (non-leaves, roots, agencies with hidden
    children), all periods.

    Columns: see :data:`VALUES_SCHEMA`. ``children_value`` is the aggregate of the children
    of today's tree (kept beside a reported total for the data-quality check).

    Hidden children (dissolved agencies, SPEC §9.5) are children like the others, with one
    difference: in a period where a hidden child has a value, the agency's own row is not a
    total that includes it (the two were separate units then) — the agency's value is the
    aggregate of its own figure and its hidden children's rows.
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
        pl.lit(True).alias("_own"),
    )
    leaf = (
        g.filter(~pl.col("own"))
        .group_by(pl.col("ind").alias("indicator"), pl.col("slot").alias("agency"), "period")
        .agg(*_combined_stats())
    )
    agencies = tree.frame().lazy().select("agency", "parent", "depth")
    own_d = own.join(agencies, on="agency", how="inner")
    leaf_d = leaf.join(agencies, on="agency", how="inner")
    hidden_d = (
        leaf.rename({"agency": "slot"})
        .join(tree.hidden_holders.lazy(), on="slot", how="inner")
        .drop("slot")
        .join(agencies, on="agency", how="inner")
    )
    own_frame, leaf_frame, hidden_frame = pl.collect_all([own_d, leaf_d, hidden_d])
    max_depth = max(tree.depth.values(), default=0)
    resolved: list[pl.DataFrame] = []
    previous: pl.DataFrame | None = None
    for depth in range(max_depth, -1, -1):
        parts = [
            leaf_frame.lazy()
            .filter(pl.col("depth") == depth)
            .select("indicator", "agency", "period", *_STATS)
        ]
        if previous is not None and previous.height:
            parts.append(
                previous.lazy()
                .join(agencies.select("agency", pl.col("parent").alias("_p")), on="agency")
                .filter(pl.col("_p").is_not_null())
                .select("indicator", pl.col("_p").alias("agency"), "period", *_value_stats())
            )
        stats = (
            pl.concat(parts, how="vertical_relaxed")
            .group_by("indicator", "agency", "period")
            .agg(*_combined_stats())
        )
        mine = own_frame.lazy().filter(pl.col("depth") == depth).drop("depth", "parent")
        hidden = hidden_frame.filter(pl.col("depth") == depth)
        if hidden.height:
            level = _level_with_hidden(mine, stats, hidden.lazy(), params)
        else:
            level = _level(mine, stats, params)
        resolved.append(level)
        previous = level
    if not resolved:
        return pl.DataFrame(schema=VALUES_SCHEMA)
    out = pl.concat(resolved, how="vertical_relaxed")
    return out.select([pl.col(c).cast(t) for c, t in VALUES_SCHEMA.items()])


def _level(mine: pl.LazyFrame, stats: pl.LazyFrame, params: pl.LazyFrame) -> pl.DataFrame:
    """The agencies of one depth: an own row wins, else the aggregate of the children."""
    computed = _finalize(stats, params)
    return (
        mine.join(computed, on=_KEYS, how="full", coalesce=True)
        .select(
            *_KEYS,
            pl.col("_own").fill_null(False).alias("reported"),
            pl.when(pl.col("_own"))
            .then(pl.col("value"))
            .otherwise(pl.col("children_value"))
            .alias("value"),
            pl.when(pl.col("_own"))
            .then(pl.col("numerator"))
            .otherwise(pl.col("c_num"))
            .alias("numerator"),
            pl.when(pl.col("_own"))
            .then(pl.col("denominator"))
            .otherwise(pl.col("c_den"))
            .alias("denominator"),
            "children_value",
        )
        .collect()
    )


def _level_with_hidden(
    mine: pl.LazyFrame, stats: pl.LazyFrame, hidden: pl.LazyFrame, params: pl.LazyFrame
) -> pl.DataFrame:
    """:func:`_level` for a depth where some agency has hidden children with rows: in their
    periods, the agency's figure (its own row, else its children's aggregate) and theirs are
    aggregated together."""
    hid = hidden.select(*_KEYS, *_STATS)

    def together(*frames: pl.LazyFrame) -> pl.LazyFrame:
        return pl.concat(frames, how="vertical_relaxed").group_by(_KEYS).agg(*_combined_stats())

    def named(frame: pl.LazyFrame, prefix: str) -> pl.LazyFrame:
        return _finalize(frame, params).rename(
            {
                "children_value": f"{prefix}_value",
                "c_num": f"{prefix}_num",
                "c_den": f"{prefix}_den",
            }
        )

    computed = _finalize(stats, params)
    everyone = named(together(stats, hid), "a")
    with_own = named(together(mine.select(*_KEYS, *_value_stats()), hid), "o")
    flags = hid.select(*_KEYS).unique().with_columns(_hid=pl.lit(True))
    own = pl.col("_own").fill_null(False)
    both = own & pl.col("_hid").fill_null(False)

    def pick(figure: str, prefix: str) -> pl.Expr:
        return (
            pl.when(both)
            .then(pl.col(f"o_{prefix}"))
            .when(own)
            .then(pl.col(figure))
            .otherwise(pl.col(f"a_{prefix}"))
            .alias(figure)
        )

    return (
        mine.join(computed, on=_KEYS, how="full", coalesce=True)
        .join(everyone, on=_KEYS, how="full", coalesce=True)
        .join(with_own, on=_KEYS, how="left")
        .join(flags, on=_KEYS, how="left")
        .select(
            *_KEYS,
            own.alias("reported"),
            pick("value", "value"),
            pick("numerator", "num"),
            pick("denominator", "den"),
            # Beside a reported total (checked against it, ``load.quality``): the aggregate
            # of the children of today's tree — with the hidden ones when the total has them
            # added, so that the comparison stays like for like.
            pl.when(both & pl.col("children_value").is_not_null())
            .then(pl.col("a_value"))
            .when(own)
            .then(pl.col("children_value"))
            .otherwise(pl.col("a_value"))
            .alias("children_value"),
        )
        .collect()
    )
