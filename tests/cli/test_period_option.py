"""``--period`` in every spelling of SPEC §9.1 selects the same data as its canonical form."""

from __future__ import annotations

import json

import pytest

from kpitui import cli

DEFS = """\
[[indicator]]
id = "m"
name = "Monthly"

[[indicator]]
id = "q"
name = "Quarterly"

[[indicator]]
id = "h"
name = "Half-yearly"

[[indicator]]
id = "y"
name = "Year to date"

[[indicator]]
id = "n"
name = "Yearly"

[[indicator]]
id = "d"
name = "Daily"
"""

# One kind of period per indicator; each value says which period it belongs to.
ROWS = """\
indicator,agency,period,value
m,p,2024-05,5
m,p,2024-06,6
m,p,2024-07,7
q,p,2024-Q1,10
q,p,2024-Q2,20
q,p,2024-Q3,30
h,p,2024-H1,100
h,p,2024-H2,200
y,p,2024-YTD06,60
y,p,2024-YTD09,90
y,p,2024-YTD12,120
n,p,2023,1
n,p,2024,2
d,p,2024-06-29,29
d,p,2024-06-30,30
"""


def run(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        code = cli.main(list(argv))
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def data(dataset):
    return dataset({"defs.toml": DEFS, "obs.csv": ROWS})


@pytest.mark.parametrize(
    ("spelling", "indicator", "period", "value"),
    [
        ("2024-06", "m", "2024-06", 6),
        ("Tháng 6/2024", "m", "2024-06", 6),
        ("T6/2024", "m", "2024-06", 6),
        ("06/2024", "m", "2024-06", 6),
        ("6/2024", "m", "2024-06", 6),
        ("thang 6-2024", "m", "2024-06", 6),
        ("2024-Q2", "q", "2024-Q2", 20),
        ("Quý II/2024", "q", "2024-Q2", 20),
        ("Quý 2/2024", "q", "2024-Q2", 20),
        ("Q2/2024", "q", "2024-Q2", 20),
        ("Q2-2024", "q", "2024-Q2", 20),
        ("2024-H1", "h", "2024-H1", 100),
        ("6 tháng đầu năm 2024", "h", "2024-H1", 100),
        ("2024-H2", "h", "2024-H2", 200),
        ("6 tháng cuối năm 2024", "h", "2024-H2", 200),
        ("2024-YTD09", "y", "2024-YTD09", 90),
        ("9 tháng 2024", "y", "2024-YTD09", 90),
        ("9 tháng đầu năm 2024", "y", "2024-YTD09", 90),
        ("lũy kế 9 tháng 2024", "y", "2024-YTD09", 90),
        ("LUỸ KẾ 9 THÁNG 2024", "y", "2024-YTD09", 90),
        ("2023", "n", "2023", 1),
        ("Năm 2023", "n", "2023", 1),
        ("2024-06-30", "d", "2024-06-30", 30),
        ("30/06/2024", "d", "2024-06-30", 30),
    ],
)
def test_period_in_any_spelling(data, capsys, spelling, indicator, period, value):
    code, out, err = run(capsys, "export", str(data), "-f", "json", "-o", "-", "--period", spelling)
    assert (code, err) == (0, "")
    doc = json.loads(out)
    assert doc["meta"]["as_of"] == period  # stored canonically, as the data are
    rows = {r["indicator"]: r for r in doc["rows"]}
    assert (rows[indicator]["period"], rows[indicator]["value"]) == (period, value)


def test_show_accepts_a_spelling_too(data, capsys):
    code, out, err = run(capsys, "show", str(data), "--indicator", "q", "--period", "Quý I/2024")
    assert (code, err) == (0, "")
    assert out.splitlines()[-1].split()[-1] == "10"  # Q1's value, not the current Q3's 30


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("２０２４-０６", "'２０２４-０６'"),  # full-width digits are not read as 2024-06
        ("Tháng 13/2024", "'Tháng 13/2024'"),
        ("", "''"),
        ("2024-06\x1b]0;owned\x07", "'2024-06\ufffd]0;owned\ufffd'"),
    ],
)
def test_unreadable_period_is_a_usage_error_listing_the_forms(data, capsys, given, shown):
    code, out, err = run(capsys, "export", str(data), "-o", "-", "--period", given)
    assert code == 2
    assert out == ""
    assert f"not a period: {shown} (accepted: 2024 or Năm 2024; " in err
    assert "Quý II/2024" in err and "lũy kế 9 tháng 2024" in err and "30/06/2024" in err
    assert "\x1b" not in err and "\x07" not in err
