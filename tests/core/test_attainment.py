"""Attainment, status and change (SPEC §4.1–4.3)."""

from __future__ import annotations

import polars as pl
import pytest

from kpitui.core import views
from kpitui.core.attainment import attainment, status, with_attainment
from kpitui.core.load.loader import build_snapshot

HEADER = "indicator,agency,period,value,numerator,denominator,note\n"


def scored(rows: list[tuple[float | None, float | None, str, float]]) -> list[tuple]:
    """(attainment, status) of (value, target, direction, warn) rows, through the expressions."""
    frame = pl.DataFrame(
        rows,
        schema={
            "value": pl.Float64,
            "target": pl.Float64,
            "direction": pl.String,
            "warn": pl.Float64,
        },
        orient="row",
    )
    out = with_attainment(frame.lazy()).collect()
    return list(zip(out["attainment"], out["status"], strict=True))


# --------------------------------------------------------------------------- §4.1


@pytest.mark.parametrize(
    ("value", "target", "expected"),
    [
        (40.0, 50.0, 0.8),
        (50.0, 50.0, 1.0),
        (0.0, 50.0, 0.0),
        (105.48, 100.0, 1.0548),  # not clamped
        (150.0, 100.0, 1.5),
        (10.5, 50.0, 0.21),
        # target <= 0: 1 when value >= target, else 0.
        (0.0, 0.0, 1.0),
        (3.0, 0.0, 1.0),
        (-1.0, 0.0, 0.0),
        (-3.0, -5.0, 1.0),
        (-6.0, -5.0, 0.0),
    ],
)
def test_attainment_higher(value, target, expected):
    ((att, _),) = scored([(value, target, "higher", 0.8)])
    assert att == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    ("value", "target", "expected"),
    [
        (4.0, 2.0, 0.5),  # target / value
        (2.0, 2.0, 1.0),
        (1.0, 2.0, 2.0),  # better than the target: not clamped
        (2.5, 2.0, 0.8),
        (0.0, 2.0, 1.0),  # value <= 0: 1
        (-1.0, 2.0, 1.0),
    ],
)
def test_attainment_lower(value, target, expected):
    ((att, _),) = scored([(value, target, "lower", 0.8)])
    assert att == pytest.approx(expected, rel=1e-12)


def test_attainment_needs_value_and_target():
    assert scored([(None, 50.0, "higher", 0.8)]) == [(None, "missing")]
    assert scored([(10.0, None, "higher", 0.8)]) == [(None, "no_target")]
    # Both missing: "missing" is reported first (documented in attainment.status).
    assert scored([(None, None, "lower", 0.8)]) == [(None, "missing")]


# --------------------------------------------------------------------------- §4.2


@pytest.mark.parametrize(
    ("value", "target", "direction", "warn", "expected"),
    [
        (50.0, 50.0, "higher", 0.8, "met"),
        (60.0, 50.0, "higher", 0.8, "met"),
        (49.9, 50.0, "higher", 0.8, "near"),
        (40.0, 50.0, "higher", 0.8, "near"),  # exactly warn -> near
        (39.9, 50.0, "higher", 0.8, "behind"),
        (40.0, 50.0, "higher", 0.9, "behind"),  # the indicator's own warn
        (45.0, 50.0, "higher", 0.9, "near"),
        (2.0, 2.0, "lower", 0.8, "met"),
        (2.5, 2.0, "lower", 0.8, "near"),  # 0.8
        (2.6, 2.0, "lower", 0.8, "behind"),
        (0.0, 2.0, "lower", 0.8, "met"),
    ],
)
def test_status(value, target, direction, warn, expected):
    ((_, got),) = scored([(value, target, direction, warn)])
    assert got == expected


def test_status_tolerance_at_exactly_the_target():
    # 0.1 + 0.2 = 0.30000000000000004 and 0.7 * 3 = 2.0999999999999996: floating noise at the
    # target counts as met; a real shortfall of 1e-6 does not.
    assert scored([(0.1 + 0.2, 0.3, "higher", 0.8)])[0][1] == "met"
    assert scored([(0.7 * 3, 2.1, "higher", 0.8)])[0][1] == "met"
    assert scored([(30 * (1 - 1e-10), 30.0, "higher", 0.8)])[0][1] == "met"
    assert scored([(30 * (1 - 1e-6), 30.0, "higher", 0.8)])[0][1] == "near"
    assert scored([(2.0 * (1 + 1e-10), 2.0, "lower", 0.8)])[0][1] == "met"
    assert scored([(2.0 * (1 + 1e-6), 2.0, "lower", 0.8)])[0][1] == "near"


def test_expressions_read_named_columns():
    frame = pl.DataFrame(
        {"v": [30.0], "target": [40.0], "direction": ["higher"], "warn": [0.8]}
    ).with_columns(att=attainment("v"))
    out = frame.with_columns(st=status("v", "att"))
    assert out["att"][0] == pytest.approx(0.75)
    assert out["st"][0] == "behind"


# --------------------------------------------------------------------------- through a data set


def load(dataset, defs: str, rows: str):
    snap = build_snapshot([str(dataset({"defs.toml": defs, "obs.csv": HEADER + rows}))])
    assert snap.errors == 0, [f.format() for f in snap.findings]
    return snap


def by_indicator(frame: pl.DataFrame) -> dict[str, dict]:
    return {r["indicator"]: r for r in frame.iter_rows(named=True)}


def test_warn_per_indicator_overrides_dashboard_warn(dataset):
    defs = """
    [dashboard]
    warn = 0.5

    [[indicator]]
    id = "dash"
    name = "Takes the dashboard's warn"
    target = 100

    [[indicator]]
    id = "own"
    name = "Has its own warn"
    target = 100
    warn = 0.95

    [[indicator]]
    id = "dash_behind"
    name = "Below the dashboard's warn"
    target = 100
    """
    snap = load(
        dataset, defs, "dash,a,2023-01,60,,,\nown,a,2023-01,90,,,\ndash_behind,a,2023-01,49,,,\n"
    )
    rows = by_indicator(views.summary(snap))
    assert rows["dash"]["warn"] == 0.5
    assert rows["dash"]["status"] == "near"  # 0.6 >= 0.5
    assert rows["own"]["warn"] == 0.95
    assert rows["own"]["status"] == "behind"  # 0.9 < 0.95
    assert rows["dash_behind"]["status"] == "behind"


def test_default_warn_is_0_8(dataset):
    defs = """
    [[indicator]]
    id = "a"
    name = "A"
    target = 10

    [[indicator]]
    id = "b"
    name = "B"
    target = 10
    """
    snap = load(dataset, defs, "a,x,2023-01,8,,,\nb,x,2023-01,7.9,,,\n")
    rows = by_indicator(views.summary(snap))
    assert rows["a"]["status"] == "near"
    assert rows["b"]["status"] == "behind"


def test_no_target_and_missing_in_a_data_set(dataset):
    defs = """
    [[indicator]]
    id = "nt"
    name = "No target"

    [[indicator]]
    id = "gone"
    name = "No value in the current period"
    target = 10

    [[agency]]
    id = "p"
    name = "P"

    [[agency]]
    id = "a"
    name = "A"
    parent = "p"
    """
    # 'gone' has a value in 2023-01; its only 2023-02 row has a denominator of 0 (no value,
    # a warning): 2023-02 is its current period, with no value.
    snap = load(
        dataset,
        defs,
        "nt,a,2023-01,5,,,\ngone,a,2023-01,9,,,\ngone,a,2023-02,,1,0,\n",
    )
    rows = by_indicator(views.summary(snap))
    assert rows["nt"]["status"] == "no_target"
    assert rows["nt"]["value"] == 5.0
    assert rows["nt"]["attainment"] is None
    assert rows["gone"]["period"] == "2023-02"
    assert rows["gone"]["value"] is None
    assert rows["gone"]["status"] == "missing"
    assert rows["gone"]["attainment"] is None


# --------------------------------------------------------------------------- §4.3 and periods


FLAT = """
[[indicator]]
id = "x"
name = "X"
target = 100

[[indicator]]
id = "y"
name = "Y"
target = 100
"""


def test_change_is_against_the_previous_period_that_has_a_value(dataset):
    # Agency a reports 01 and 03; b reports 02: for a, 2023-02 is a gap to skip.
    snap = load(
        dataset,
        FLAT,
        "x,a,2023-01,10,,,\nx,b,2023-02,50,,,\nx,a,2023-03,25,,,\nx,b,2023-03,55,,,\n",
    )
    frame = views.breakdown(snap, "x")
    a = frame.filter(pl.col("agency") == "a").row(0, named=True)
    assert a["period"] == "2023-03"
    assert a["previous_period"] == "2023-01"
    assert a["previous_value"] == 10.0
    assert a["change"] == 15.0
    assert a["history"] == [10.0, None, 25.0]
    b = frame.filter(pl.col("agency") == "b").row(0, named=True)
    assert (b["previous_period"], b["change"]) == ("2023-02", 5.0)
    # The headline (several roots -> all): 01 = 10, 02 = 50, 03 = 80.
    head = by_indicator(views.summary(snap))["x"]
    assert (head["value"], head["previous_period"], head["change"]) == (80.0, "2023-02", 30.0)


def test_no_change_without_an_earlier_value(dataset):
    snap = load(dataset, FLAT, "x,a,2023-01,10,,,\n")
    head = by_indicator(views.summary(snap))["x"]
    assert head["change"] is None
    assert head["previous_period"] is None


def test_current_period_is_the_latest_with_any_row_per_indicator(dataset):
    snap = load(
        dataset,
        FLAT,
        "x,a,2023-01,10,,,\nx,a,2023-02,20,,,\nx,b,2023-03,7,,,\ny,a,2023-01,1,,,\ny,a,2023-02,2,,,\n",
    )
    rows = by_indicator(views.summary(snap))
    assert rows["x"]["period"] == "2023-03"
    assert rows["y"]["period"] == "2023-02"
    # For agency a, x's current period is 2023-03 although a has no row in it: missing.
    a = views.breakdown(snap, "x").filter(pl.col("agency") == "a").row(0, named=True)
    assert a["period"] == "2023-03"
    assert a["value"] is None
    assert a["status"] == "missing"
    assert (a["previous_period"], a["previous_value"]) == ("2023-02", 20.0)


def test_quarterly_periods(dataset):
    snap = load(dataset, FLAT, "x,a,2023-Q1,10,,,\nx,a,2023-Q2,30,,,\nx,a,2022-Q4,5,,,\n")
    head = by_indicator(views.summary(snap))["x"]
    assert head["period"] == "2023-Q2"
    assert (head["previous_period"], head["change"]) == ("2023-Q1", 20.0)
    assert head["history_periods"] == ["2022-Q4", "2023-Q1", "2023-Q2"]


def test_mixed_periods_order_by_end_date(dataset):
    # 2023-Q1 ends 31 Mar, 2023-04 ends 30 Apr; 2023-Q2 and 2023-06 both end 30 Jun (the
    # narrower, later-starting period is the more recent one); the year 2023 ends 31 Dec, after
    # all of them, and 2023-12-31 (a day) after the year.
    snap = load(
        dataset,
        FLAT,
        "x,a,2023-04,2,,,\nx,a,2023-Q1,1,,,\nx,a,2023-06,4,,,\nx,a,2023-Q2,3,,,\n"
        "y,a,2023-12-31,3,,,\ny,a,2023,2,,,\ny,a,2023-11,1,,,\n",
    )
    rows = by_indicator(views.summary(snap))
    assert rows["x"]["history_periods"] == ["2023-Q1", "2023-04", "2023-Q2", "2023-06"]
    assert rows["x"]["period"] == "2023-06"
    assert rows["x"]["value"] == 4.0
    assert rows["y"]["history_periods"] == ["2023-11", "2023", "2023-12-31"]
    assert rows["y"]["period"] == "2023-12-31"


def test_as_of_picks_each_indicators_latest_period_ending_on_or_before(dataset):
    snap = load(
        dataset,
        FLAT
        + """
[[indicator]]
id = "later"
name = "Starts after the as-of period"
target = 1
""",
        "x,a,2023-05,5,,,\nx,a,2023-07,7,,,\n"
        "y,a,2023-Q1,1,,,\ny,a,2023-Q2,2,,,\ny,a,2023-Q3,3,,,\n"
        "later,a,2023-09,1,,,\n",
    )
    rows = by_indicator(views.summary(snap, as_of="2023-06"))
    assert (rows["x"]["period"], rows["x"]["value"]) == ("2023-05", 5.0)
    assert (rows["y"]["period"], rows["y"]["value"]) == ("2023-Q2", 2.0)  # ends 30 June
    assert (rows["y"]["previous_period"], rows["y"]["change"]) == ("2023-Q1", 1.0)
    assert rows["later"]["period"] is None
    assert rows["later"]["status"] == "missing"
    # Without as_of: the latest periods.
    rows = by_indicator(views.summary(snap))
    assert (rows["x"]["period"], rows["y"]["period"]) == ("2023-07", "2023-Q3")
    # A day as the cut-off.
    rows = by_indicator(views.summary(snap, as_of="2023-06-29"))
    assert rows["y"]["period"] == "2023-Q1"
    sub = views.breakdown(snap, "x", parent="a", as_of="2023-05", subtree=True)
    assert sub["period"].to_list() == ["2023-05"]
