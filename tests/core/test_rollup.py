"""Roll-up (SPEC §3) on tiny data sets whose figures are computed by hand."""

from __future__ import annotations

from fractions import Fraction

import polars as pl
import pytest

from kpitui.core import views
from kpitui.core.load.loader import build_snapshot
from kpitui.core.model import ALL_AGENCIES

# p (province) -> d1, d2 (districts) -> c1, c2 under d1; c3, c4 under d2.
TREE = """
[[agency]]
id = "p"
name = "Province"

[[agency]]
id = "d1"
name = "District 1"
parent = "p"

[[agency]]
id = "d2"
name = "District 2"
parent = "p"

[[agency]]
id = "c1"
name = "Commune 1"
parent = "d1"

[[agency]]
id = "c2"
name = "Commune 2"
parent = "d1"

[[agency]]
id = "c3"
name = "Commune 3"
parent = "d2"

[[agency]]
id = "c4"
name = "Commune 4"
parent = "d2"
"""

HEADER = "indicator,agency,period,value,numerator,denominator,note\n"


def indicator(ident: str, **keys: object) -> str:
    lines = ["[[indicator]]", f'id = "{ident}"', f'name = "Indicator {ident}"']
    for key, value in keys.items():
        lines.append(f"{key} = " + (f'"{value}"' if isinstance(value, str) else str(value)))
    return "\n".join(lines) + "\n\n"


def load(dataset, defs: str, rows: str, strict: bool = True):
    snap = build_snapshot([str(dataset({"defs.toml": defs, "obs.csv": HEADER + rows}))])
    if strict:
        assert snap.errors == 0, [f.format() for f in snap.findings]
    return snap


def values(snap, ind: str) -> dict[str, float | None]:
    frame = views.breakdown(snap, ind, subtree=True)
    return dict(zip(frame["agency"], frame["value"], strict=True))


def row(frame: pl.DataFrame, **where: str) -> dict:
    for key, value in where.items():
        frame = frame.filter(pl.col(key) == value)
    assert frame.height == 1, frame
    return frame.row(0, named=True)


# --------------------------------------------------------------------------- ratio


def test_ratio_is_ratio_of_sums_not_mean_of_percentages(dataset):
    snap = load(
        dataset,
        indicator("r", unit="%") + TREE,
        "r,c1,2023-01,,100,1000,\nr,c2,2023-01,,9,10,\n",
    )
    got = values(snap, "r")
    # 10 % of 1 000 and 90 % of 10: (100 + 9) / (1 000 + 10) = 10.79... %, never 50 %.
    expected = float(Fraction(100 * 109, 1010))
    assert got["d1"] == pytest.approx(expected, rel=1e-12)
    assert round(got["d1"], 1) == 10.8
    assert got["c1"] == pytest.approx(10.0)
    assert got["c2"] == pytest.approx(90.0)
    # The province has d1 only (d2 has no data): the same ratio, with its sums carried up.
    assert got["p"] == pytest.approx(expected, rel=1e-12)
    d1 = row(views.breakdown(snap, "r", subtree=True), agency="d1")
    assert (d1["numerator"], d1["denominator"]) == (109.0, 1010.0)
    assert d1["reported"] is False


def test_ratio_child_without_fraction_cannot_take_part(dataset):
    snap = load(
        dataset,
        indicator("r", unit="%") + TREE,
        # c2 reports only a value: it is left out of d1's ratio.
        "r,c1,2023-01,,30,120,\nr,c2,2023-01,90,,,\n",
    )
    got = values(snap, "r")
    assert got["c2"] == 90.0
    assert got["d1"] == pytest.approx(25.0)  # 100 * 30 / 120


def test_ratio_missing_when_no_child_can_take_part(dataset):
    snap = load(
        dataset,
        indicator("r", unit="%", target=50) + TREE,
        "r,c1,2023-01,40,,,\nr,c2,2023-01,60,,,\n",
    )
    got = values(snap, "r")
    assert got["d1"] is None
    assert got["p"] is None
    head = row(views.summary(snap), indicator="r")
    assert head["value"] is None
    assert head["status"] == "missing"


def test_ratio_scale_default_100_for_percent_and_explicit_scale(dataset):
    defs = indicator("pct", unit="%") + indicator("per_k", unit="‰", aggregate="ratio", scale=1000)
    defs += indicator("plain", aggregate="ratio") + TREE
    rows = "".join(
        f"{i},c1,2023-01,,1,8,\n{i},c2,2023-01,,3,8,\n" for i in ("pct", "per_k", "plain")
    )
    snap = load(dataset, defs, rows)
    assert values(snap, "pct")["d1"] == pytest.approx(25.0)  # 100 * 4 / 16
    assert values(snap, "per_k")["d1"] == pytest.approx(250.0)  # 1000 * 4 / 16
    assert values(snap, "plain")["d1"] == pytest.approx(0.25)  # 1 * 4 / 16
    # Leaves derive their own values with the same scale.
    assert values(snap, "pct")["c1"] == pytest.approx(12.5)
    assert values(snap, "per_k")["c2"] == pytest.approx(375.0)
    assert values(snap, "plain")["c2"] == pytest.approx(0.375)


def test_value_given_wins_over_numerator_and_denominator(dataset):
    snap = load(dataset, indicator("r", unit="%") + TREE, "r,c1,2023-01,50,1,4,\n")
    frame = views.breakdown(snap, "r", subtree=True)
    c1 = row(frame, agency="c1")
    assert c1["value"] == 50.0
    assert (c1["numerator"], c1["denominator"]) == (1.0, 4.0)
    # The parent's ratio uses the counts: 100 * 1 / 4.
    assert row(frame, agency="d1")["value"] == pytest.approx(25.0)


def test_default_aggregate_is_ratio_for_percent_and_sum_otherwise(dataset):
    snap = load(
        dataset,
        indicator("pct", unit="%") + indicator("cnt", unit="người") + TREE,
        "pct,c1,2023-01,,1,4,\npct,c2,2023-01,,3,4,\ncnt,c1,2023-01,5,,,\ncnt,c2,2023-01,7,,,\n",
    )
    assert values(snap, "pct")["d1"] == pytest.approx(50.0)  # not a sum of 25 + 75
    assert values(snap, "cnt")["d1"] == 12.0


# --------------------------------------------------------------------------- sum, mean, min, max


@pytest.mark.parametrize(
    ("aggregate", "d1", "d2", "p"),
    [
        # c1 = 4, c2 = 10, c3 = 1, c4 = missing.
        ("sum", 14.0, 1.0, 15.0),
        ("mean", 7.0, 1.0, 4.0),  # unweighted: mean(7, 1), not mean(4, 10, 1) = 5
        ("min", 4.0, 1.0, 1.0),
        ("max", 10.0, 1.0, 10.0),
    ],
)
def test_sum_mean_min_max_over_children_that_have_a_value(dataset, aggregate, d1, d2, p):
    snap = load(
        dataset,
        indicator("k", aggregate=aggregate) + TREE,
        "k,c1,2023-01,4,,,\nk,c2,2023-01,10,,,\nk,c3,2023-01,1,,,\n",
    )
    got = values(snap, "k")
    assert got["c4"] is None
    assert (got["d1"], got["d2"], got["p"]) == pytest.approx((d1, d2, p))


@pytest.mark.parametrize("aggregate", ["sum", "mean", "min", "max", "ratio"])
def test_agency_with_no_child_values_is_missing(dataset, aggregate):
    snap = load(dataset, indicator("k", aggregate=aggregate) + TREE, "k,c1,2023-01,,2,4,\n")
    got = values(snap, "k")
    assert got["d2"] is None
    assert got["c3"] is None and got["c4"] is None


def test_sum_indicator_reported_as_numerator_and_denominator(dataset):
    # Values are derived per row (scale 1 for a unit other than %) and then summed.
    snap = load(
        dataset,
        indicator("s", aggregate="sum") + TREE,
        "s,c1,2023-01,,1,2,\ns,c2,2023-01,,3,4,\ns,c3,2023-01,2,,,\ns,c4,2023-01,,1,8,\n",
    )
    got = values(snap, "s")
    assert got["c1"] == pytest.approx(0.5)
    assert got["d1"] == pytest.approx(0.5 + 0.75)
    assert got["d2"] == pytest.approx(2 + 0.125)
    assert got["p"] == pytest.approx(0.5 + 0.75 + 2 + 0.125)


@pytest.mark.parametrize(("aggregate", "expected"), [("mean", 0.625), ("min", 0.5), ("max", 0.75)])
def test_mean_min_max_of_derived_values(dataset, aggregate, expected):
    snap = load(
        dataset,
        indicator("s", aggregate=aggregate) + TREE,
        "s,c1,2023-01,,1,2,\ns,c2,2023-01,,3,4,\n",
    )
    assert values(snap, "s")["d1"] == pytest.approx(expected)


# --------------------------------------------------------------------------- reported totals


def test_reported_total_wins_over_children_and_warns_with_its_line(dataset):
    snap = load(
        dataset,
        indicator("s") + TREE,
        "s,c1,2023-01,5,,,\ns,c2,2023-01,7,,,\ns,d1,2023-01,20,,,\ns,c3,2023-01,3,,,\n",
    )
    got = values(snap, "s")
    assert got["d1"] == 20.0  # reported, not 5 + 7
    assert got["p"] == 23.0  # 20 + 3
    d1 = row(views.breakdown(snap, "s", subtree=True), agency="d1")
    assert d1["reported"] is True
    assert snap.errors == 0
    assert snap.warnings == 1
    (finding,) = snap.findings
    assert finding.severity == "warning"
    assert finding.location().endswith("obs.csv:4")
    assert "'s' at 'd1' 2023-01: reported total 20 differs from its children's aggregate 12" in (
        finding.message
    )


@pytest.mark.parametrize(
    ("total", "warns"), [("12.05", False), ("11.95", False), ("12.07", True), ("11.9", True)]
)
def test_reported_total_mismatch_threshold_is_half_a_percent(dataset, total, warns):
    snap = load(
        dataset,
        indicator("s") + TREE,
        f"s,c1,2023-01,5,,,\ns,c2,2023-01,7,,,\ns,d1,2023-01,{total},,,\n",
    )
    assert values(snap, "s")["d1"] == float(total)
    assert snap.errors == 0
    assert snap.warnings == (1 if warns else 0)


def test_reported_ratio_total_carries_its_counts_up(dataset):
    # d1 reports a total (with counts) that differs from its children; p takes d1's counts.
    snap = load(
        dataset,
        indicator("r", unit="%") + TREE,
        "r,c1,2023-01,,1,10,\nr,d1,2023-01,,30,100,\nr,c3,2023-01,,10,50,\nr,c4,2023-01,,20,50,\n",
    )
    got = values(snap, "r")
    assert got["d1"] == pytest.approx(30.0)
    assert got["d2"] == pytest.approx(30.0)  # 100 * 30 / 100
    assert got["p"] == pytest.approx(100 * (30 + 30) / (100 + 100))
    assert snap.warnings == 1  # d1: 30 % against its child's 10 %


def test_three_levels_one_district_reported_one_rolled_up(dataset):
    snap = load(
        dataset,
        indicator("s", unit="hồ sơ") + indicator("r", unit="%") + TREE,
        # d1 reports its own total; d2 is rolled up from c3 and c4.
        "s,d1,2023-01,100,,,\ns,c3,2023-01,30,,,\ns,c4,2023-01,12,,,\n"
        "r,d1,2023-01,,40,200,\nr,c3,2023-01,,10,20,\nr,c4,2023-01,,5,80,\n",
    )
    s = values(snap, "s")
    assert (s["d1"], s["d2"], s["p"]) == (100.0, 42.0, 142.0)
    r = values(snap, "r")
    assert r["d1"] == pytest.approx(20.0)
    assert r["d2"] == pytest.approx(15.0)  # 100 * 15 / 100
    assert r["p"] == pytest.approx(100 * 55 / 300)
    head = row(views.summary(snap), indicator="r")
    assert head["agency"] == "p"
    assert head["value"] == pytest.approx(100 * 55 / 300)
    assert (head["numerator"], head["denominator"]) == (55.0, 300.0)


def test_reported_root_total_is_the_headline(dataset):
    snap = load(
        dataset,
        indicator("s") + TREE,
        "s,p,2023-01,1000,,,\ns,c1,2023-01,5,,,\n",
    )
    assert row(views.summary(snap), indicator="s")["value"] == 1000.0


# --------------------------------------------------------------------------- roots


SEVERAL_ROOTS = """
[[agency]]
id = "north"
name = "North"

[[agency]]
id = "south"
name = "South"

[[agency]]
id = "n1"
name = "North 1"
parent = "north"

[[agency]]
id = "n2"
name = "North 2"
parent = "north"
"""


def test_several_roots_headline_is_the_aggregate_over_roots(dataset):
    snap = load(
        dataset,
        indicator("r", unit="%") + indicator("s") + SEVERAL_ROOTS,
        "r,n1,2023-01,,1,4,\nr,n2,2023-01,,1,6,\nr,south,2023-01,,8,10,\n"
        "s,n1,2023-01,1,,,\ns,n2,2023-01,2,,,\ns,south,2023-01,10,,,\n",
    )
    assert snap.tree.headline == ALL_AGENCIES
    summary = views.summary(snap)
    r = row(summary, indicator="r")
    assert r["agency"] == ALL_AGENCIES
    assert r["value"] == pytest.approx(100 * 10 / 20)  # (1 + 1 + 8) / (4 + 6 + 10)
    assert row(summary, indicator="s")["value"] == 13.0
    top = views.breakdown(snap, "r")
    assert top["agency"].to_list() == ["north", "south"]
    assert row(top, agency="north")["value"] == pytest.approx(20.0)


def test_no_agencies_defined_agencies_come_from_the_data_as_roots(dataset):
    snap = load(
        dataset,
        indicator("r", unit="%") + indicator("s"),
        "r,zeta,2023-01,,1,4,\nr,alpha,2023-01,,3,4,\ns,zeta,2023-01,2,,,\ns,alpha,2023-01,5,,,\n",
    )
    assert snap.tree.headline == ALL_AGENCIES
    assert snap.agency_count == 2
    assert snap.tree.names["alpha"] == "alpha"
    summary = views.summary(snap)
    assert row(summary, indicator="r")["value"] == pytest.approx(50.0)
    assert row(summary, indicator="s")["value"] == 7.0
    frame = views.breakdown(snap, "s")
    assert sorted(frame["agency"].to_list()) == ["alpha", "zeta"]
    assert row(frame, agency="zeta")["value"] == 2.0
    assert "2 agencies" in snap.summary_line()


def test_single_root_is_the_headline(dataset):
    snap = load(dataset, indicator("s") + TREE, "s,c1,2023-01,5,,,\n")
    assert snap.tree.headline == "p"
    assert snap.tree.ids == ("p", "d1", "c1", "c2", "d2", "c3", "c4")
    assert row(views.summary(snap), indicator="s")["value"] == 5.0
