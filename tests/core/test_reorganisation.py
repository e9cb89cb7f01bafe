"""Merged and dissolved agencies (SPEC §9.5), on the README's example of the 2025 merger and
on small data sets computed by hand with fractions."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import polars as pl
import pytest

from kpitui.core import reporters, views
from kpitui.core.load.loader import build_snapshot
from kpitui.core.load.version import Context, file_problems
from kpitui.core.model import Agency, Definitions, Indicator
from kpitui.core.rollup import HIDDEN, Tree, partial
from kpitui.core.sources.schema import ROW_SCHEMA


def pct(num: int, den: int) -> float:
    return float(Fraction(100 * num, den))


def by_agency(frame: pl.DataFrame) -> dict[str, dict[str, object]]:
    return {r["agency"]: r for r in frame.iter_rows(named=True)}


# --------------------------------------------------------------------------- the tree


def test_dissolved_agencies_are_not_in_todays_tree(merged):
    tree = merged.tree
    assert tree.ids == ("tinh", "phuong_moi", "xa_son")
    assert tree.headline == "tinh"  # the abolished districts are not roots
    assert tree.children["tinh"] == ("phuong_moi", "xa_son")
    assert tree.is_leaf("phuong_moi") and tree.is_leaf("xa_son")
    # Xã Cũ went to Xã Đông, which went to Xã Sơn: the chain ends in today's tree.
    assert tree.successor == {
        "xa_an": "phuong_moi",
        "xa_binh": "phuong_moi",
        "xa_cu": "xa_son",
        "xa_dong": "xa_son",
    }
    assert "huyen_bac" not in tree.successor and tree.until["huyen_bac"] == date(2025, 6, 30)
    assert merged.agency_count == 3


def test_predecessors_name_the_old_units(merged):
    assert views.predecessors(merged, "phuong_moi") == [
        ("xa_an", "Xã An", date(2025, 6, 30)),
        ("xa_binh", "Xã Bình", date(2025, 6, 30)),
    ]
    # The earliest ended first.
    assert views.predecessors(merged, "xa_son") == [
        ("xa_cu", "Xã Cũ", date(2024, 12, 31)),
        ("xa_dong", "Xã Đông", date(2025, 6, 30)),
    ]
    assert views.predecessors(merged, "tinh") == []


# --------------------------------------------------------------------------- like for like


def test_history_rolls_into_todays_units(merged):
    frame = by_agency(views.breakdown(merged, "dd_kich_hoat", with_parent=True))
    # September 2024: Phường Mới = Xã An + Xã Bình; Xã Sơn = itself + Xã Đông + Xã Cũ.
    assert frame["phuong_moi"]["last_year"] == pytest.approx(pct(300 + 100, 1000 + 500))
    assert frame["xa_son"]["last_year"] == pytest.approx(pct(200 + 150 + 50, 400 + 300 + 200))
    assert frame["tinh"]["last_year"] == pytest.approx(pct(800, 2400))
    assert frame["phuong_moi"]["value"] == pytest.approx(pct(840, 1500))
    assert frame["xa_son"]["value"] == pytest.approx(pct(700, 900))
    assert frame["tinh"]["value"] == pytest.approx(pct(1540, 2400))
    for agency in ("tinh", "phuong_moi", "xa_son"):
        row = frame[agency]
        assert row["last_year_period"] == "2024-09"
        assert row["yoy_change"] == pytest.approx(row["value"] - row["last_year"])
    assert frame["phuong_moi"]["history"] == pytest.approx([pct(400, 1500), pct(840, 1500)])
    assert frame["phuong_moi"]["predecessors"] == 2 and frame["tinh"]["predecessors"] == 0


def test_sums_roll_up_and_abolished_districts_add_nothing(merged):
    frame = by_agency(views.breakdown(merged, "tk_vneid", subtree=True))
    assert [frame[a]["last_year"] for a in ("tinh", "phuong_moi", "xa_son")] == [800, 400, 400]
    assert [frame[a]["yoy_change"] for a in ("tinh", "phuong_moi", "xa_son")] == [740, 440, 300]
    # Targets: the province's own, Phường Mới's [[target]], none at Xã Sơn (a sum).
    assert [frame[a]["target"] for a in ("tinh", "phuong_moi", "xa_son")] == [3000, 1500, None]
    assert frame["xa_son"]["status"] == "no_target"
    assert [frame[a]["shortfall"] for a in ("tinh", "phuong_moi", "xa_son")] == [1460, 660, None]


def test_the_current_breakdown_lists_no_dissolved_agency(merged):
    frame = views.breakdown(merged, "tk_vneid", subtree=True)
    assert frame.get_column("agency").to_list() == ["tinh", "phuong_moi", "xa_son"]
    assert frame.get_column("until").null_count() == frame.height


def test_an_abolished_district_stays_in_the_exports_of_its_time(merged):
    frame = views.breakdown(merged, "tk_vneid", as_of="2024-09", subtree=True)
    assert frame.get_column("agency").to_list() == ["tinh", "phuong_moi", "xa_son", "huyen_bac"]
    district = frame.row(3, named=True)
    assert (district["value"], district["parent"], district["depth"]) == (400, "tinh", 1)
    assert district["until"] == date(2025, 6, 30)
    assert district["rank"] is None and district["call_order"] is None
    # Not in the dashboard's breakdown, nor in the province's figure (800, not 1200).
    children = views.breakdown(merged, "tk_vneid", as_of="2024-09")
    assert "huyen_bac" not in children.get_column("agency").to_list()
    assert frame.row(0, named=True)["value"] == 800
    # Below a subtree it does not belong to: left out.
    sub = views.breakdown(merged, "tk_vneid", parent="xa_son", as_of="2024-09", subtree=True)
    assert sub.get_column("agency").to_list() == ["xa_son"]


def test_a_successor_that_also_reports_adds_its_own_part(dataset, merger):
    files = merger
    # Xã Sơn's own 2024 row counts beside its predecessors' rows (it is not a total of
    # them); alone in 2025. Without predecessors in a period, its own row is its value.
    files["obs.csv"] += "tk_vneid,xa_son,2023-09,90,,\n"
    snap = build_snapshot([str(dataset(files))])
    assert snap.errors == 0
    frame = views.breakdown(snap, "tk_vneid", as_of="2024-09", subtree=True)
    xa_son = by_agency(frame)["xa_son"]
    assert xa_son["value"] == 200 + 150 + 50
    assert xa_son["last_year"] == 90
    assert xa_son["reported"] is True
    # No total-mismatch warning: the own row is one part, not a total.
    assert snap.warnings == 0


def test_mean_and_min_take_every_part(dataset):
    defs = """
    [[indicator]]
    id = "m"
    name = "mean"
    aggregate = "mean"
    [[indicator]]
    id = "lo"
    name = "min"
    aggregate = "min"
    [[agency]]
    id = "p"
    name = "P"
    [[agency]]
    id = "old1"
    name = "Old 1"
    parent = "p"
    until = "2024-12-31"
    successor = "new"
    [[agency]]
    id = "old2"
    name = "Old 2"
    parent = "p"
    until = "2024-12-31"
    successor = "new"
    [[agency]]
    id = "new"
    name = "New"
    parent = "p"
    [[agency]]
    id = "other"
    name = "Other"
    parent = "p"
    """
    rows = """\
    indicator,agency,period,value
    m,old1,2024-06,1
    m,old2,2024-06,2
    m,new,2024-06,6
    m,other,2024-06,10
    lo,old1,2024-06,4
    lo,new,2024-06,3
    """
    snap = build_snapshot([str(dataset({"defs.toml": defs, "obs.csv": rows}))])
    assert snap.errors == 0
    mean = by_agency(views.breakdown(snap, "m", subtree=True))
    assert mean["new"]["value"] == pytest.approx(float(Fraction(1 + 2 + 6, 3)))
    # The province: the mean of its children of today (New and Other), not of the old ones.
    assert mean["p"]["value"] == pytest.approx(float((Fraction(9, 3) + 10) / 2))
    assert by_agency(views.breakdown(snap, "lo", subtree=True))["new"]["value"] == 3


# --------------------------------------------------------------------------- rows after the end


def test_a_row_after_the_end_is_an_error_at_its_line(dataset, merger):
    files = merger
    files["obs.csv"] += "tk_vneid,xa_an,2025-07,5,,\n"
    snap = build_snapshot([str(dataset(files))])
    errors = [f for f in snap.findings if f.is_error]
    assert len(errors) == 1
    assert errors[0].line == 17 and errors[0].kind == "dissolved"
    assert errors[0].message == (
        "agency 'xa_an' was dissolved on 2025-06-30: no row for a later period (2025-07); "
        "report it under 'phuong_moi'"
    )
    # The file is set aside: none of its rows count.
    assert snap.observations == 0


def test_a_row_after_the_end_without_successor(dataset, merger):
    files = merger
    files["obs.csv"] += "tk_vneid,huyen_bac,Quý 3/2025,5,,\n"
    snap = build_snapshot([str(dataset(files))])
    (error,) = [f for f in snap.findings if f.is_error]
    assert error.message == (
        "agency 'huyen_bac' was dissolved on 2025-06-30: no row for a later period (2025-Q3)"
    )


@pytest.mark.parametrize(
    ("period", "late"),
    [
        ("2025-06", False),
        ("2025-06-30", False),
        ("2025-H1", False),
        ("2025-Q2", False),
        ("2025-07-01", True),
        ("2025-Q3", True),
        ("2025", True),  # a year ends on 31 December
        ("2025-YTD07", True),
    ],
)
def test_the_fast_pass_notices_a_row_after_the_end(period: str, late: bool):
    """The statistics pass alone judges a file: a late row must make it unsound there too,
    or a file would be in effect without its careful read."""
    defs = Definitions(
        indicators=(Indicator("n", "n"),),
        agencies=(
            Agency("p", "P"),
            Agency("new", "New", "p"),
            Agency("old", "Old", "p", until=date(2025, 6, 30), successor="new"),
            Agency("gone", "Gone", "p", until=date(2025, 6, 30)),
        ),
    )
    ctx = Context.of(defs)
    for agency in ("old", "gone"):
        rows = pl.DataFrame(
            {
                "indicator": ["n", "n"],
                "agency": ["new", agency],
                "period": ["2025-06", period],
                "value": [1.0, 2.0],
                "numerator": [None, None],
                "denominator": [None, None],
                "note": [None, None],
            },
            schema=ROW_SCHEMA,
        ).with_columns(bad=pl.lit(False))
        part = partial(rows.lazy(), ctx.indicators, ctx.tree, ctx.spellings)
        assert (file_problems(part, ctx) > 0) is late, (agency, period)


def test_hidden_slots_cannot_be_named_by_an_agency():
    tree = Tree.build(
        [
            Agency("p", "P"),
            Agency("new", "New", "p"),
            Agency("old", "Old", "p", until=date(2025, 6, 30), successor="new"),
        ]
    )
    lookup = dict(tree.slot_lookup.select("slot", "own").iter_rows())
    assert lookup[HIDDEN + "new"] is False and HIDDEN + "new" not in tree.ids
    assert tree.has_own_slot("new")  # its rows are its own part, beside its hidden child's
    assert not tree.has_own_slot("old")
    assert tree.slot_leaves(HIDDEN + "new") == ("old",)
    assert tree.holder_of(HIDDEN + "new") == "new" and tree.holder_of("p") is None


# --------------------------------------------------------------------------- missing reporters

REPORTERS_DEFS = """
[dashboard]
deadline = "2025-12-31"
[[indicator]]
id = "n"
name = "n"
[[agency]]
id = "p"
name = "P"
[[agency]]
id = "a"
name = "A (dissolved at the end of March)"
parent = "p"
until = "2025-03-31"
successor = "new"
[[agency]]
id = "b"
name = "B (dissolved at the end of March)"
parent = "p"
until = "2025-03-31"
successor = "new"
[[agency]]
id = "new"
name = "New"
parent = "p"
[[agency]]
id = "keep"
name = "Keep"
parent = "p"
"""


def missing(snap, as_of=None) -> dict[str, int | None]:
    frame = views.breakdown(snap, "n", with_parent=True, as_of=as_of)
    return dict(frame.select("agency", "missing_reporters").iter_rows())


def test_a_dissolved_agency_is_not_missing_after_its_end(dataset):
    rows = """\
    indicator,agency,period,value
    n,a,2025-02,1
    n,b,2025-02,1
    n,keep,2025-02,1
    n,new,2025-05,1
    n,keep,2025-05,1
    """
    snap = build_snapshot([str(dataset({"defs.toml": REPORTERS_DEFS, "obs.csv": rows}))])
    assert snap.errors == 0
    # A and B reported in February, not in May: they no longer exist, nobody is missing.
    assert missing(snap) == {"p": 0, "new": 0, "keep": 0}
    assert not [f for f in snap.findings if f.kind == "missing_reporter"]


def test_a_new_unit_whose_old_units_reported_is_missing(dataset):
    rows = """\
    indicator,agency,period,value
    n,a,2025-02,1
    n,b,2025-02,1
    n,keep,2025-02,1
    n,keep,2025-05,1
    """
    snap = build_snapshot([str(dataset({"defs.toml": REPORTERS_DEFS, "obs.csv": rows}))])
    # New's history (its old units) reported in February; New has not reported in May.
    assert missing(snap) == {"p": 1, "new": 1, "keep": 0}


def test_before_the_merger_the_old_units_are_reporters(dataset):
    rows = """\
    indicator,agency,period,value
    n,a,2025-01,1
    n,b,2025-01,1
    n,keep,2025-01,1
    n,b,2025-03,1
    n,keep,2025-03,1
    """
    snap = build_snapshot([str(dataset({"defs.toml": REPORTERS_DEFS, "obs.csv": rows}))])
    # As of March, A still exists and has not reported: one missing reporter, below New.
    assert missing(snap, as_of="2025-03") == {"p": 1, "new": 1, "keep": 0}
    frame = by_agency(views.breakdown(snap, "n", with_parent=True, as_of="2025-03"))
    assert frame["new"]["value"] == 1  # B alone in March
    warned = [f.agency for f in snap.findings if f.kind == "missing_reporter"]
    assert warned == ["a"]


def test_the_list_of_missing_reporters_names_the_new_unit(dataset):
    rows = """\
    indicator,agency,period,value
    n,a,2025-02,1
    n,b,2025-02,1
    n,keep,2025-02,1
    n,keep,2025-05,1
    """
    snap = build_snapshot([str(dataset({"defs.toml": REPORTERS_DEFS, "obs.csv": rows}))])
    current = snap.indicator_periods.group_by("indicator").agg(
        pl.col("order").max().alias("cur_order")
    )
    args = (snap.definitions, snap.tree, snap.periods, snap.reporters, current)
    # The bitmaps alone: A and B have ended, nobody is named.
    assert reporters.missing_reporter_list(*args) == []
    # With the values (New has a slot of its own, outside the bitmaps): New is.
    assert reporters.missing_reporter_list(*args, values=snap.values) == [("n", "new")]


MERGED_PROVINCES = """
[[indicator]]
id = "n"
name = "n"
[[agency]]
id = "p"
name = "Province P, which took over Q"
[[agency]]
id = "q"
name = "Province Q"
until = "2025-06-30"
successor = "p"
[[agency]]
id = "c1"
name = "Commune 1"
parent = "p"
[[agency]]
id = "c2"
name = "Commune 2"
parent = "p"
"""


@pytest.mark.parametrize("own_total", [True, False])
def test_a_successor_with_children_adds_its_predecessor(dataset, own_total: bool):
    rows = "indicator,agency,period,value\nn,c1,2024-09,10\nn,c2,2024-09,20\nn,q,2024-09,5\n"
    if own_total:
        rows += "n,p,2024-09,30\n"  # P's reported total of its own communes
    snap = build_snapshot([str(dataset({"defs.toml": MERGED_PROVINCES, "obs.csv": rows}))])
    assert snap.errors == 0
    # Q is not a root (one root, no "All"); P in September 2024 is P's territory then + Q.
    assert snap.tree.headline == "p"
    assert views.summary(snap).row(0, named=True)["value"] == 35
    # P's total is compared with its own communes only: no mismatch warning.
    assert snap.warnings == 0


def test_a_chain_that_ends_without_a_successor_leaves_everyone_without(dataset):
    defs = """
    [[indicator]]
    id = "n"
    name = "n"
    [[agency]]
    id = "p"
    name = "P"
    [[agency]]
    id = "a"
    name = "A"
    parent = "p"
    until = "2024-06-30"
    successor = "b"
    [[agency]]
    id = "b"
    name = "B"
    parent = "p"
    until = "2025-06-30"
    """
    rows = "indicator,agency,period,value\nn,a,2024-03,1\nn,b,2024-03,2\n"
    snap = build_snapshot([str(dataset({"defs.toml": defs, "obs.csv": rows}))])
    assert snap.errors == 0
    assert snap.tree.ids == ("p",) and snap.tree.successor == {}
    frame = views.breakdown(snap, "n", subtree=True)
    # Both in the export of their time, each with its own rows; nothing in the province.
    assert frame.select("agency", "value").rows() == [("p", None), ("a", 1), ("b", 2)]


def test_a_successors_total_that_disagrees_with_its_children_is_still_flagged(dataset):
    rows = "indicator,agency,period,value\nn,c1,2024-09,10\nn,c2,2024-09,20\nn,q,2024-09,5\n"
    rows += "n,p,2024-09,28\n"  # 28 reported for communes that add up to 30
    snap = build_snapshot([str(dataset({"defs.toml": MERGED_PROVINCES, "obs.csv": rows}))])
    (warning,) = [f for f in snap.findings if not f.is_error]
    assert (warning.kind, warning.line) == ("total_mismatch", 5)
    # The figures compared are like for like: both with Q's 5 added.
    assert "reported total 33 differs from its children's aggregate 35" in warning.message
