"""Pace, projection and missing reporters (SPEC §4.4), against independent computations."""

from __future__ import annotations

import csv
import io
from datetime import date
from fractions import Fraction

import polars as pl
import pytest

from kpitui import cli
from kpitui.core import views
from kpitui.core.load.loader import build_snapshot

HEADER = "indicator,agency,period,value,numerator,denominator,note\n"


def load(dataset, defs: str, rows: str):
    snap = build_snapshot([str(dataset({"defs.toml": defs, "obs.csv": HEADER + rows}))])
    assert snap.errors == 0, [f.format() for f in snap.findings]
    return snap


def headline(snap, ind: str, as_of: str | None = None) -> dict:
    frame = views.summary(snap, as_of=as_of).filter(pl.col("indicator") == ind)
    assert frame.height == 1
    return frame.row(0, named=True)


def least_squares_at(points: list[tuple[int, float]], x: int) -> float:
    """The least-squares line through ``points`` evaluated at ``x``, in exact fractions."""
    n = len(points)
    xs = [Fraction(p[0]) for p in points]
    ys = [Fraction(p[1]).limit_denominator(10**9) for p in points]
    mx, my = sum(xs) / n, sum(ys) / n
    slope = sum((a - mx) * (b - my) for a, b in zip(xs, ys, strict=True)) / sum(
        (a - mx) ** 2 for a in xs
    )
    return float(my + slope * (x - mx))


def days(a: date, b: date) -> int:
    return (b - a).days


def one(ident: str, target: float | None = None, **keys: object) -> str:
    lines = ["[[indicator]]", f'id = "{ident}"', f'name = "{ident}"']
    if target is not None:
        lines.append(f"target = {target}")
    for key, value in keys.items():
        lines.append(f"{key} = " + (f'"{value}"' if isinstance(value, str) else str(value)))
    return "\n".join(lines) + "\n\n"


DASHBOARD = '[dashboard]\ndeadline = "2023-12-31"\n\n'


# --------------------------------------------------------------------------- expected


def test_expected_without_baseline_anchors_on_the_first_period_with_a_value(dataset):
    snap = load(
        dataset,
        DASHBOARD + one("x", 100),
        "x,a,2023-01,10,,,\nx,a,2023-03,20,,,\nx,a,2023-06,40,,,\n",
    )
    row = headline(snap, "x")
    # Anchor (31 Jan, 10); t = 30 Jun; D = 31 Dec: 150 of 334 days gone.
    assert days(date(2023, 1, 31), date(2023, 6, 30)) == 150
    assert days(date(2023, 1, 31), date(2023, 12, 31)) == 334
    expected = 10 + 90 * 150 / 334
    assert row["expected"] == pytest.approx(expected, rel=1e-12)
    assert row["on_track"] is False  # 40 < 50.42
    assert row["deadline"] == date(2023, 12, 31)


def test_expected_with_baseline_anchors_on_1_january(dataset):
    snap = load(
        dataset,
        DASHBOARD + one("x", 100, baseline=5),
        "x,a,2023-03,40,,,\nx,a,2023-06,60,,,\n",
    )
    row = headline(snap, "x")
    # Anchor (1 Jan, 5); t = 30 Jun: 180 of 364 days.
    assert row["expected"] == pytest.approx(5 + 95 * 180 / 364, rel=1e-12)
    assert row["on_track"] is True  # 60 >= 51.98


def test_expected_is_the_anchor_value_at_the_anchor(dataset):
    snap = load(dataset, DASHBOARD + one("x", 100), "x,a,2023-04,30,,,\n")
    row = headline(snap, "x")
    assert row["expected"] == 30.0
    assert row["on_track"] is True
    assert row["projected"] is None  # one period only
    assert row["will_meet"] is None


@pytest.mark.parametrize(
    ("value", "on_track"), [(6, True), (6.04, True), (6.05, False), (7, False)]
)
def test_on_track_lower_is_better(dataset, value, on_track):
    # baseline 10, target 2, t = 30 Jun: expected = 10 - 8 * 180 / 364 = 6.04...
    snap = load(
        dataset,
        DASHBOARD + one("late", 2, direction="lower", baseline=10),
        f"late,a,2023-06,{value},,,\n",
    )
    row = headline(snap, "late")
    expected = 10 - 8 * 180 / 364
    assert row["expected"] == pytest.approx(expected, rel=1e-12)
    assert row["on_track"] is on_track


@pytest.mark.parametrize(("value", "on_track"), [(49, False), (51, True)])
def test_on_track_higher_is_better(dataset, value, on_track):
    # baseline 0, target 100, t = 30 Jun: expected = 100 * 180 / 364 = 49.45...
    snap = load(dataset, DASHBOARD + one("x", 100, baseline=0), f"x,a,2023-06,{value},,,\n")
    row = headline(snap, "x")
    assert row["expected"] == pytest.approx(100 * 180 / 364, rel=1e-12)
    assert row["on_track"] is on_track


def test_leap_year_day_counts(dataset):
    # 2024 has 366 days: 1 Jan -> 31 Dec is 365 days; 1 Jan -> 29 Feb is 59 days.
    snap = load(
        dataset,
        '[dashboard]\ndeadline = "2024-12-31"\n\n' + one("x", 365, baseline=0),
        "x,a,2024-01,31,,,\nx,a,2024-02,59,,,\n",
    )
    row = headline(snap, "x")
    assert row["period"] == "2024-02"
    assert row["expected"] == pytest.approx(59.0, rel=1e-12)
    assert row["on_track"] is True
    # Points (30, 31) and (59, 59): slope 28/29; at D (x = 365).
    assert row["projected"] == pytest.approx(least_squares_at([(30, 31), (59, 59)], 365), rel=1e-12)


def test_same_data_in_a_common_year_uses_other_day_counts(dataset):
    snap = load(
        dataset,
        DASHBOARD + one("x", 365, baseline=0),
        "x,a,2023-01,31,,,\nx,a,2023-02,59,,,\n",
    )
    row = headline(snap, "x")
    # 28 Feb 2023 is day 58 of 364.
    assert row["expected"] == pytest.approx(365 * 58 / 364, rel=1e-12)
    assert row["projected"] == pytest.approx(least_squares_at([(30, 31), (58, 59)], 364), rel=1e-12)


def test_deadline_of_the_indicator_overrides_the_dashboard(dataset):
    snap = load(
        dataset,
        DASHBOARD + one("x", 100, baseline=0, deadline="2023-06-30"),
        "x,a,2023-03,30,,,\n",
    )
    row = headline(snap, "x")
    assert row["deadline"] == date(2023, 6, 30)
    # t = 31 Mar: 89 of 180 days.
    assert row["expected"] == pytest.approx(100 * 89 / 180, rel=1e-12)


def test_after_the_deadline_expected_is_the_target(dataset):
    snap = load(
        dataset,
        DASHBOARD + one("x", 100, baseline=0, deadline="2023-03-31"),
        "x,a,2023-02,10,,,\nx,a,2023-05,90,,,\n",
    )
    assert headline(snap, "x")["expected"] == pytest.approx(100.0)


def test_pace_is_empty_without_deadline_or_target(dataset):
    snap = load(
        dataset,
        one("nodeadline", 100) + one("notarget"),
        "nodeadline,a,2023-01,10,,,\nnodeadline,a,2023-02,20,,,\n"
        "notarget,a,2023-01,10,,,\nnotarget,a,2023-02,20,,,\n",
    )
    for ind in ("nodeadline", "notarget"):
        row = headline(snap, ind)
        assert (row["expected"], row["on_track"], row["projected"]) == (None, None, None), ind


def test_pace_is_empty_without_a_value_in_the_current_period(dataset):
    snap = load(
        dataset,
        DASHBOARD
        + one("x", 100)
        + '[[agency]]\nid = "p"\nname = "P"\n\n[[agency]]\nid = "a"\nname = "A"\nparent = "p"\n',
        "x,a,2023-01,10,,,\nx,a,2023-02,20,,,\nx,a,2023-03,,1,0,\n",
    )
    row = headline(snap, "x")
    assert row["value"] is None
    assert (row["expected"], row["on_track"], row["projected"]) == (None, None, None)


# --------------------------------------------------------------------------- projection


def test_projection_is_least_squares_over_end_dates_at_the_deadline(dataset):
    snap = load(
        dataset,
        DASHBOARD + one("x", 100),
        # 2022-12 is before S = 1 Jan 2023: left out of the fit.
        "x,a,2022-12,90,,,\nx,a,2023-01,10,,,\nx,a,2023-03,20,,,\nx,a,2023-06,40,,,\n",
    )
    row = headline(snap, "x")
    # Days since 1 Jan: 31 Jan -> 30, 31 Mar -> 89, 30 Jun -> 180; D = 31 Dec -> 364.
    start = date(2023, 1, 1)
    points = [
        (days(start, date(2023, 1, 31)), 10),
        (days(start, date(2023, 3, 31)), 20),
        (days(start, date(2023, 6, 30)), 40),
    ]
    assert [p[0] for p in points] == [30, 89, 180]
    projected = least_squares_at(points, 364)
    assert row["projected"] == pytest.approx(projected, rel=1e-12)
    assert row["will_meet"] is (projected >= 100)
    # The anchor also ignores 2022-12: (31 Jan, 10).
    assert row["expected"] == pytest.approx(10 + 90 * 150 / 334, rel=1e-12)


def test_projection_attaining_the_target_will_meet(dataset):
    snap = load(
        dataset,
        DASHBOARD + one("x", 100),
        "x,a,2023-01,30,,,\nx,a,2023-02,40,,,\nx,a,2023-03,50,,,\n",
    )
    row = headline(snap, "x")
    expected = least_squares_at([(30, 30), (58, 40), (89, 50)], 364)
    assert expected > 100
    assert row["projected"] == pytest.approx(expected, rel=1e-12)
    assert row["will_meet"] is True


def test_projection_lower_is_better(dataset):
    snap = load(
        dataset,
        DASHBOARD + one("late", 2, direction="lower"),
        "late,a,2023-01,9,,,\nlate,a,2023-02,8,,,\nlate,a,2023-04,6,,,\n",
    )
    row = headline(snap, "late")
    projected = least_squares_at([(30, 9), (58, 8), (119, 6)], 364)
    assert row["projected"] == pytest.approx(projected, rel=1e-12)
    assert row["will_meet"] is (projected <= 2)


def test_projection_skips_periods_without_a_value_and_periods_after_as_of(dataset):
    snap = load(
        dataset,
        DASHBOARD + one("x", 100) + one("y", 1),
        "x,a,2023-01,10,,,\nx,a,2023-03,20,,,\nx,a,2023-06,40,,,\nx,a,2023-09,90,,,\n"
        "y,a,2023-02,1,,,\n",
    )
    row = headline(snap, "x", as_of="2023-07")
    assert row["period"] == "2023-06"
    assert row["projected"] == pytest.approx(
        least_squares_at([(30, 10), (89, 20), (180, 40)], 364), rel=1e-12
    )


def test_quarterly_periods_stand_at_their_end_dates(dataset):
    snap = load(
        dataset,
        DASHBOARD + one("x", 100),
        "x,a,2023-Q1,12,,,\nx,a,2023-Q2,30,,,\nx,a,2023-Q3,41,,,\n",
    )
    row = headline(snap, "x")
    start = date(2023, 1, 1)
    xs = [days(start, d) for d in (date(2023, 3, 31), date(2023, 6, 30), date(2023, 9, 30))]
    assert xs == [89, 180, 272]
    assert row["projected"] == pytest.approx(
        least_squares_at(list(zip(xs, [12, 30, 41], strict=True)), 364), rel=1e-12
    )
    # Anchor (31 Mar, 12), t = 30 Sep: 183 of 275 days.
    assert row["expected"] == pytest.approx(12 + 88 * 183 / 275, rel=1e-12)


def test_yearly_period_stands_at_31_december(dataset):
    snap = load(
        dataset,
        '[dashboard]\ndeadline = "2024-12-31"\n\n' + one("x", 100, baseline=0),
        "x,a,2024-Q2,50,,,\nx,a,2024,80,,,\n",
    )
    row = headline(snap, "x")
    assert row["period"] == "2024"
    assert row["expected"] == pytest.approx(100.0)
    # (181, 50) and (365, 80) in 2024 (30 Jun is day 181 of a leap year).
    assert row["projected"] == pytest.approx(80.0, rel=1e-12)


# --------------------------------------------------------------------------- missing reporters


TREE = """
[[agency]]
id = "p"
name = "P"

[[agency]]
id = "d1"
name = "D1"
parent = "p"

[[agency]]
id = "d2"
name = "D2"
parent = "p"

[[agency]]
id = "c1"
name = "C1"
parent = "d1"

[[agency]]
id = "c2"
name = "C2"
parent = "d1"

[[agency]]
id = "c3"
name = "C3"
parent = "d2"

[[agency]]
id = "c4"
name = "C4"
parent = "d2"

[[agency]]
id = "dept"
name = "A department"
parent = "p"
"""


def missing_by_agency(snap, ind: str) -> dict[str, int | None]:
    frame = views.breakdown(snap, ind, subtree=True)
    return dict(zip(frame["agency"], frame["missing_reporters"], strict=True))


MISSING_ROWS = (
    # 2022-12: c4 only (before S: does not count).
    "x,c4,2022-12,1,,,\n"
    # 2023-01: everyone but c4; 2023-02: c1 and c3 only (c2 and dept stop reporting).
    "x,c1,2023-01,1,,,\nx,c2,2023-01,1,,,\nx,c3,2023-01,1,,,\nx,dept,2023-01,1,,,\n"
    "x,c1,2023-02,2,,,\nx,c3,2023-02,2,,,\n"
    # y: everyone reports every month.
    "y,c1,2023-01,1,,,\ny,c2,2023-01,1,,,\ny,c1,2023-02,1,,,\ny,c2,2023-02,1,,,\n"
)


def test_missing_reporters_at_parents_and_root(dataset):
    snap = load(dataset, DASHBOARD + one("x", 10) + one("y", 10) + TREE, MISSING_ROWS)
    got = missing_by_agency(snap, "x")
    assert got["d1"] == 1  # c2
    assert got["d2"] == 0  # c4 reported only before S
    assert got["p"] == 2  # c2 and the department
    assert got["c2"] == 1 and got["dept"] == 1  # a leaf: itself
    assert got["c1"] == 0 and got["c3"] == 0 and got["c4"] == 0
    assert headline(snap, "x")["missing_reporters"] == 2
    assert headline(snap, "y")["missing_reporters"] == 0
    # As of 2023-01 nobody is missing yet.
    assert headline(snap, "x", as_of="2023-01")["missing_reporters"] == 0


def test_missing_reporters_among_several_roots(dataset):
    roots = '[[agency]]\nid = "a"\nname = "A"\n\n[[agency]]\nid = "b"\nname = "B"\n\n'
    roots += '[[agency]]\nid = "b1"\nname = "B1"\nparent = "b"\n\n'
    roots += '[[agency]]\nid = "b2"\nname = "B2"\nparent = "b"\n'
    snap = load(
        dataset,
        DASHBOARD + one("x", 10) + roots,
        "x,a,2023-01,1,,,\nx,b1,2023-01,1,,,\nx,b2,2023-01,1,,,\nx,b1,2023-02,1,,,\n",
    )
    got = missing_by_agency(snap, "x")
    assert got["a"] == 1  # a root without children: reported in 01, not in 02
    assert got["b"] == 1  # b2
    assert headline(snap, "x")["missing_reporters"] == 2


def test_missing_reporters_in_the_exported_summary(dataset, tmp_path, capsys):
    folder = dataset(
        {
            "defs.toml": DASHBOARD + one("x", 10) + one("y", 10) + TREE,
            "obs.csv": HEADER + MISSING_ROWS,
        }
    )
    out = tmp_path / "summary.csv"
    assert cli.main(["export", str(folder), "--format", "csv", "--output", str(out)]) == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [r["indicator"] for r in rows] == ["x", "y"]
    assert rows[0]["missing_reporters"] == "2"
    assert rows[1]["missing_reporters"] == "0"
    out2 = tmp_path / "x.csv"
    assert cli.main(["export", str(folder), "--indicator", "x", "--output", str(out2)]) == 0
    by_agency = {
        r["agency"]: r["missing_reporters"] for r in csv.DictReader(io.StringIO(out2.read_text()))
    }
    assert by_agency["p"] == "2" and by_agency["d1"] == "1" and by_agency["c2"] == "1"
