"""The reporting calendar in the views (SPEC §9.2–§9.4, §9.6): targets per agency, the same
period last year, rank among siblings, shortfall and the order to call agencies in — on a
small data set whose figures are computed by hand (fractions, calendar days)."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import polars as pl
import pytest

from kpitui.core import views
from kpitui.core.load.loader import build_snapshot
from kpitui.core.pace import DAYS_PER_MONTH

# p -> d1 (-> c1, c2), d2, d3, d4
DEFS = """
[dashboard]
deadline = "2024-12-31"

[[indicator]]
id = "rate"
name = "Rate"
unit = "%"
target = 50

[[indicator]]
id = "count"
name = "Count"
target = 1000
baseline = 100

[[indicator]]
id = "late"
name = "Late dossiers"
unit = "%"
direction = "lower"
target = 10

[[indicator]]
id = "avg"
name = "Average"
aggregate = "mean"
target = 8

[[indicator]]
id = "low"
name = "Lowest"
aggregate = "min"
target = 5

[[indicator]]
id = "free"
name = "No target, lower is better"
direction = "lower"

[[target]]
indicator = "count"
agency = "d1"
target = 600
deadline = "2024-06-30"

[[target]]
indicator = "rate"
agency = "d2"
target = 80

[[target]]
indicator = "avg"
agency = "p"
target = 7

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
id = "d3"
name = "District 3"
parent = "p"
[[agency]]
id = "d4"
name = "District 4"
parent = "p"
[[agency]]
id = "c1"
name = "Commune 1"
parent = "d1"
[[agency]]
id = "c2"
name = "Commune 2"
parent = "d1"
"""

ROWS = """\
indicator,agency,period,value,numerator,denominator
rate,c1,2024-03,,30,100
rate,c2,2024-03,,10,50
rate,d2,2024-03,,60,100
rate,d3,2024-03,,20,40
rate,d4,2024-03,,4,10
count,c1,2023-03,120,,
count,d2,2023-03,250,,
count,c1,2024-01,100,,
count,c2,2024-01,50,,
count,c1,2024-03,250,,
count,c2,2024-03,150,,
count,d2,2024-03,300,,
count,d3,2024-03,300,,
count,d4,2024-03,100,,
late,d2,2024-03,,15,100
late,d3,2024-03,,8,100
late,d4,2024-03,,10,100
avg,c1,2024-03,9,,
avg,d2,2024-03,6,,
avg,d3,2024-03,8,,
low,c1,2024-03,7,,
low,c2,2024-03,3,,
low,d2,2024-03,6,,
free,d2,2024-03,5,,
free,d3,2024-03,2,,
free,d4,2024-03,2,,
"""


@pytest.fixture
def snap(dataset):
    s = build_snapshot([str(dataset({"defs.toml": DEFS, "obs.csv": ROWS}))])
    assert s.errors == 0, [f.format() for f in s.findings]
    return s


def rows(frame: pl.DataFrame) -> dict[str, dict[str, object]]:
    return {r["agency"]: r for r in frame.iter_rows(named=True)}


def column(frame: pl.DataFrame, name: str) -> dict[str, object]:
    return dict(frame.select("agency", name).iter_rows())


def f(x: Fraction | int) -> float:
    return float(x)


# --------------------------------------------------------------------------- §9.4 targets


def test_a_sum_has_the_headline_target_and_the_agencies_own(snap):
    frame = views.breakdown(snap, "count", with_parent=True)
    assert column(frame, "target") == {"p": 1000, "d1": 600, "d2": None, "d3": None, "d4": None}
    assert column(frame, "own_target") == {
        "p": False,
        "d1": True,
        "d2": False,
        "d3": False,
        "d4": False,
    }
    # Not "behind the province's total": no target.
    assert column(frame, "status") == {
        "p": "met",  # 1100 / 1000
        "d1": "behind",  # 400 / 600
        "d2": "no_target",
        "d3": "no_target",
        "d4": "no_target",
    }
    assert column(frame, "attainment")["d1"] == pytest.approx(f(Fraction(400, 600)))
    assert column(frame, "attainment")["d2"] is None


def test_a_rate_applies_everywhere_unless_an_agency_has_its_own(snap):
    frame = views.breakdown(snap, "rate", subtree=True)
    assert column(frame, "target") == {
        "p": 50,
        "d1": 50,
        "c1": 50,
        "c2": 50,
        "d2": 80,
        "d3": 50,
        "d4": 50,
    }
    assert column(frame, "attainment")["d2"] == pytest.approx(f(Fraction(60, 80)))


def test_mean_everywhere_min_only_at_the_headline(snap):
    avg = views.breakdown(snap, "avg", with_parent=True)
    # A [[target]] at the headline agency overrides the indicator's own target there.
    assert column(avg, "target") == {"p": 7, "d1": 8, "d2": 8, "d3": 8, "d4": 8}
    assert column(avg, "value")["p"] == pytest.approx(f(Fraction(9 + 6 + 8, 3)))
    assert column(avg, "status")["p"] == "met"  # 23/3 >= 7
    low = views.breakdown(snap, "low", with_parent=True)
    assert column(low, "target") == {"p": 5, "d1": None, "d2": None, "d3": None, "d4": None}
    assert column(low, "value") == {"p": 3, "d1": 3, "d2": 6, "d3": None, "d4": None}
    assert column(low, "status")["d1"] == "no_target"


def test_pace_uses_the_agencys_target_and_deadline(snap):
    frame = rows(views.breakdown(snap, "count", with_parent=True))
    d1 = frame["d1"]
    # District 1: 600 by 30 June 2024; no baseline (the indicator's is the province's):
    # the anchor is its first value of the year, 150 at 31 January.
    assert d1["deadline"] == date(2024, 6, 30) and d1["baseline"] is None
    jan31_mar31 = (date(2024, 3, 31) - date(2024, 1, 31)).days  # 60 (a leap February)
    jan31_jun30 = (date(2024, 6, 30) - date(2024, 1, 31)).days  # 151
    assert (jan31_mar31, jan31_jun30) == (60, 151)
    expected = 150 + Fraction(600 - 150) * Fraction(jan31_mar31, jan31_jun30)
    assert d1["anchor_end"] == date(2024, 1, 31) and d1["anchor_value"] == 150
    assert d1["expected"] == pytest.approx(f(expected))
    assert d1["on_track"] is True  # 400 >= 328.8
    months_left = (date(2024, 6, 30) - date(2024, 3, 31)).days / DAYS_PER_MONTH
    assert d1["needed_per_month"] == pytest.approx((600 - 400) / months_left)
    # The least-squares line through (30, 150) and (90, 400), days from 1 January, at 181.
    projected = 150 + Fraction(400 - 150, 90 - 30) * (181 - 30)
    assert d1["projected"] == pytest.approx(f(projected))
    assert d1["will_meet"] is True
    # The province: its baseline 100 at 1 January, 1000 by 31 December.
    p = frame["p"]
    assert p["baseline"] == 100 and p["deadline"] == date(2024, 12, 31)
    assert p["expected"] == pytest.approx(f(100 + Fraction(900 * 90, 365)))
    # No target, no pace.
    assert frame["d2"]["expected"] is None and frame["d2"]["needed_per_month"] is None


def test_the_summary_uses_the_headline_agencys_target(snap):
    summary = dict(views.summary(snap).select("indicator", "target").iter_rows())
    assert summary["count"] == 1000 and summary["avg"] == 7
    agency = dict(views.summary(snap, agency="d2").select("indicator", "target").iter_rows())
    assert agency["rate"] == 80 and agency["count"] is None


# --------------------------------------------------------------------------- §9.2 last year


def test_same_period_last_year(snap):
    frame = views.breakdown(snap, "count", with_parent=True)
    assert column(frame, "last_year_period")["p"] == "2023-03"
    # 2023-03: Commune 1's 120 is District 1's; the province is 120 + 250.
    assert column(frame, "last_year") == {"p": 370, "d1": 120, "d2": 250, "d3": None, "d4": None}
    assert column(frame, "yoy_change") == {"p": 730, "d1": 280, "d2": 50, "d3": None, "d4": None}
    assert column(frame, "value") == {"p": 1100, "d1": 400, "d2": 300, "d3": 300, "d4": 100}


YOY_DEFS = """
[[indicator]]
id = "ytd"
name = "Year to date"
[[indicator]]
id = "day"
name = "On a day"
[[indicator]]
id = "half"
name = "Half years, quarters and months"
[[agency]]
id = "p"
name = "P"
"""
YOY_ROWS = """\
indicator,agency,period,value
ytd,p,lũy kế 9 tháng 2023,10
ytd,p,9 tháng đầu năm 2024,25
ytd,p,2024-YTD06,15
day,p,28/02/2023,4
day,p,29/02/2024,7
half,p,6 tháng đầu năm 2023,100
half,p,2023-06,30
half,p,2024-H1,130
half,p,Quý 2/2024,70
half,p,Tháng 6/2024,20
"""


def test_last_year_of_cumulative_leap_day_and_half_year_periods(dataset):
    snap = build_snapshot([str(dataset({"defs.toml": YOY_DEFS, "obs.csv": YOY_ROWS}))])
    assert snap.errors == 0, [f.format() for f in snap.findings]
    summary = {r["indicator"]: r for r in views.summary(snap).iter_rows(named=True)}
    assert (summary["ytd"]["period"], summary["ytd"]["last_year_period"]) == (
        "2024-YTD09",
        "2023-YTD09",
    )
    assert (summary["ytd"]["last_year"], summary["ytd"]["yoy_change"]) == (10, 15)
    # 29 February 2024 stands against 28 February 2023.
    assert summary["day"]["last_year_period"] == "2023-02-28"
    assert summary["day"]["yoy_change"] == 3
    # The month is the latest reading of June (a half year < a quarter < a month).
    assert summary["half"]["period"] == "2024-06"
    assert (summary["half"]["last_year"], summary["half"]["yoy_change"]) == (30, -10)
    # Without a value a year before, no change.
    earlier = {
        r["indicator"]: r for r in views.summary(snap, as_of="2024-YTD06").iter_rows(named=True)
    }
    assert earlier["ytd"]["period"] == "2024-YTD06"
    assert earlier["ytd"]["last_year"] is None and earlier["ytd"]["yoy_change"] is None


# --------------------------------------------------------------------------- §9.3 rank


def test_rank_by_attainment(snap):
    frame = views.breakdown(snap, "rate")
    # Attainments: d1 (40/150)/50, d2 60/80, d3 50/50, d4 40/50.
    assert column(frame, "rank") == {"d1": 4, "d2": 3, "d3": 1, "d4": 2}
    assert set(column(frame, "rank_of").values()) == {4}


def test_ties_share_the_better_rank_and_skip_the_next(snap):
    # A sum with a target at District 1 only: ranked by value, 400, 300, 300, 100.
    frame = views.breakdown(snap, "count")
    assert column(frame, "rank") == {"d1": 1, "d2": 2, "d3": 2, "d4": 4}
    # Lower is better, no target: 2, 2, 5; District 1 has no value and no rank.
    free = views.breakdown(snap, "free")
    assert column(free, "rank") == {"d1": None, "d2": 3, "d3": 1, "d4": 1}
    assert column(free, "rank_of") == {"d1": None, "d2": 3, "d3": 3, "d4": 3}


def test_lower_is_better_ranks_by_attainment(snap):
    frame = views.breakdown(snap, "late")
    # 10/8, 10/10, 10/15.
    assert column(frame, "rank") == {"d1": None, "d2": 3, "d3": 1, "d4": 2}


def test_rank_among_siblings_listed_or_not(snap):
    sub = views.breakdown(snap, "rate", parent="d2", subtree=True)
    assert (sub.row(0, named=True)["rank"], sub.row(0, named=True)["rank_of"]) == (3, 4)
    whole = rows(views.breakdown(snap, "rate", subtree=True))
    assert whole["p"]["rank"] is None  # the headline agency has no siblings
    # Communes among themselves: 30/100 and 10/50 against 50%.
    assert (whole["c1"]["rank"], whole["c2"]["rank"], whole["c1"]["rank_of"]) == (1, 2, 2)
    assert whole["d3"]["rank"] == 1


# --------------------------------------------------------------------------- §9.6 shortfall


def test_shortfall_in_counts_values_and_lower(snap):
    rate = views.breakdown(snap, "rate", subtree=True)
    # target × denominator / 100 − numerator: accounts still to go.
    assert column(rate, "shortfall") == {
        "p": 50 * 300 / 100 - 124,
        "d1": 50 * 150 / 100 - 40,
        "c1": 50 - 30,
        "c2": 25 - 10,
        "d2": 80 - 60,
        "d3": 0,
        "d4": 5 - 4,
    }
    assert set(column(rate, "shortfall_unit").values()) == {""}
    count = views.breakdown(snap, "count", with_parent=True)
    assert column(count, "shortfall") == {"p": 0, "d1": 200, "d2": None, "d3": None, "d4": None}
    late = views.breakdown(snap, "late")
    # Lower is better: value − target, in percentage points.
    assert column(late, "shortfall") == {"d1": None, "d2": pytest.approx(5), "d3": 0, "d4": 0}
    assert set(column(late, "shortfall_unit").values()) == {"%"}
    avg = views.breakdown(snap, "avg", with_parent=True)
    assert column(avg, "shortfall") == {"p": 0, "d1": 0, "d2": 2, "d3": 0, "d4": None}


def test_shortfall_needs_counts_for_a_ratio(dataset):
    defs = '[[indicator]]\nid = "r"\nname = "r"\nunit = "%"\ntarget = 50\n'
    snap = build_snapshot(
        [
            str(
                dataset(
                    {
                        "defs.toml": defs,
                        "obs.csv": "indicator,agency,period,value\nr,x,2024-01,20\n",
                    }
                )
            )
        ]
    )
    row = views.summary(snap).row(0, named=True)
    assert row["status"] == "behind" and row["shortfall"] is None


# --------------------------------------------------------------------------- §9.6 call order


def test_call_order_parent_first_then_largest_shortfall(snap):
    frame = views.breakdown(snap, "rate", with_parent=True)
    ordered = views.call_order(frame)
    # Shortfalls: d1 35, d2 20, d4 1; d3 has met.
    assert ordered.get_column("agency").to_list() == ["p", "d1", "d2", "d4", "d3"]
    assert column(frame, "call_order") == {"p": 0, "d1": 1, "d2": 2, "d4": 3, "d3": 4}
    # Without the parent's row: the children alone, the same way.
    children = views.call_order(views.breakdown(snap, "rate"))
    assert children.get_column("agency").to_list() == ["d1", "d2", "d4", "d3"]


def test_call_order_of_a_subtree_keeps_children_below_their_parent(snap):
    frame = views.breakdown(snap, "rate", subtree=True)
    assert frame.get_column("agency").to_list() == ["p", "d1", "c1", "c2", "d2", "d3", "d4"]
    ordered = views.call_order(frame).get_column("agency").to_list()
    assert ordered == ["p", "d1", "c1", "c2", "d2", "d4", "d3"]


def test_without_a_shortfall_in_tree_order(snap):
    # Count: only District 1 has a target (shortfall 200); the others keep tree order.
    ordered = views.call_order(views.breakdown(snap, "count", with_parent=True))
    assert ordered.get_column("agency").to_list() == ["p", "d1", "d2", "d3", "d4"]
