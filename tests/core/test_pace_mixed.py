"""SPEC §4.4 on a hierarchy with missing reporters and mixed period lengths (a quarter, then
months), through `kpitui export`, against an independent computation in fractions."""

from __future__ import annotations

import csv
import io
from datetime import date
from fractions import Fraction

from kpitui import cli

DEFS = """
[dashboard]
deadline = "2024-12-31"

[[indicator]]
id = "online"
name = "Online dossiers"
unit = "%"
target = 60

[[agency]]
id = "prov"
name = "Province"
[[agency]]
id = "d1"
name = "District 1"
parent = "prov"
[[agency]]
id = "d2"
name = "District 2"
parent = "prov"
[[agency]]
id = "c1"
name = "Commune 1"
parent = "d1"
[[agency]]
id = "c2"
name = "Commune 2"
parent = "d1"
"""

# 2024 is a leap year. Q1 stands at 31 March, then May and June (no April row at all).
# c2 reports in Q1 and May but not in June: a missing reporter in June.
ROWS = """indicator,agency,period,value,numerator,denominator,note
online,c1,2024-Q1,,10,100,
online,c2,2024-Q1,,30,100,
online,d2,2024-Q1,,20,200,
online,c1,2024-05,,30,100,
online,c2,2024-05,,40,100,
online,d2,2024-05,,50,200,
online,c1,2024-06,,45,100,
online,d2,2024-06,,90,200,
"""

START, DEADLINE = date(2024, 1, 1), date(2024, 12, 31)
ENDS = {"2024-Q1": date(2024, 3, 31), "2024-05": date(2024, 5, 31), "2024-06": date(2024, 6, 30)}


def ratio(*pairs: tuple[int, int]) -> Fraction:
    return Fraction(100 * sum(n for n, _ in pairs), sum(d for _, d in pairs))


# Province value per period: ratio of sums over every reporting leaf/district.
PROVINCE = {
    "2024-Q1": ratio((10, 100), (30, 100), (20, 200)),
    "2024-05": ratio((30, 100), (40, 100), (50, 200)),
    "2024-06": ratio((45, 100), (90, 200)),
}


def x(period: str) -> int:
    return (ENDS[period] - START).days


def expected_now() -> Fraction:
    # No baseline: the anchor is the first period in [S, D] with a value (Q1, at 31 March).
    t_a, v_a = x("2024-Q1"), PROVINCE["2024-Q1"]
    span = (DEADLINE - START).days - t_a
    return v_a + (60 - v_a) * Fraction(x("2024-06") - t_a, span)


def projected() -> Fraction:
    pts = [(x(p), v) for p, v in PROVINCE.items()]
    n = len(pts)
    mx = Fraction(sum(a for a, _ in pts), n)
    my = sum(b for _, b in pts) / n
    slope = sum((a - mx) * (b - my) for a, b in pts) / sum((a - mx) ** 2 for a, _ in pts)
    return my + slope * ((DEADLINE - START).days - mx)


def _export(dataset, capsys, *extra: str) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    folder = dataset({"defs.toml": DEFS, "obs.csv": ROWS})
    code = cli.main(["export", str(folder), "--format", "csv", "--output", "-", *extra])
    out = capsys.readouterr().out
    assert code == 0, out
    return list(csv.DictReader(io.StringIO(out)))


def test_summary_pace_figures(dataset, capsys) -> None:  # type: ignore[no-untyped-def]
    (row,) = _export(dataset, capsys)
    assert row["period"] == "2024-06"
    assert abs(float(row["value"]) - float(PROVINCE["2024-06"])) < 1e-9
    assert abs(float(row["expected"]) - float(expected_now())) < 1e-9
    assert row["on_track"] == str(PROVINCE["2024-06"] >= expected_now()).lower()
    assert abs(float(row["projected"]) - float(projected())) < 1e-9
    # c2 reported in Q1 and May, not in June.
    assert row["missing_reporters"] == "1"


def test_breakdown_pace_per_agency(dataset, capsys) -> None:  # type: ignore[no-untyped-def]
    rows = {r["agency"]: r for r in _export(dataset, capsys, "--indicator", "online")}
    assert [*rows] == ["prov", "d1", "c1", "c2", "d2"]  # pre-order
    assert rows["d1"]["missing_reporters"] == "1"
    assert rows["c2"]["missing_reporters"] == "1" and rows["c2"]["value"] == ""
    assert rows["c1"]["missing_reporters"] == "0"
    assert rows["d2"]["missing_reporters"] == "0"
    # District 1 in June is commune 1 alone: 45 / 100.
    assert abs(float(rows["d1"]["value"]) - 45.0) < 1e-9
    # Its projection: least squares over its own values at Q1, May, June.
    d1 = {
        "2024-Q1": ratio((10, 100), (30, 100)),
        "2024-05": ratio((30, 100), (40, 100)),
        "2024-06": Fraction(45),
    }
    pts = [(x(p), v) for p, v in d1.items()]
    mx = Fraction(sum(a for a, _ in pts), 3)
    my = sum(b for _, b in pts) / 3
    slope = sum((a - mx) * (b - my) for a, b in pts) / sum((a - mx) ** 2 for a, _ in pts)
    want = my + slope * ((DEADLINE - START).days - mx)
    assert abs(float(rows["d1"]["projected"]) - float(want)) < 1e-9
