"""`kpitui show` and `kpitui export` on the README's example of the 2025 merger (SPEC §9):
same period last year, rank, shortfall, and the dissolved districts' history in exports."""

from __future__ import annotations

import csv
import io

import pytest

from kpitui import cli


def run(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        code = cli.main(list(argv))
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def folder(dataset, merger):
    return str(dataset(merger))


def test_show_breakdown_with_last_year_rank_and_shortfall(folder, capsys):
    code, out, _ = run(capsys, "show", folder, "--indicator", "dd_kich_hoat", "--lang", "vi")
    assert code == 0
    lines = out.splitlines()
    head = lines[2]
    for heading in ("Cùng kỳ", "± cùng kỳ", "Hạng", "Còn thiếu"):
        assert heading in head
    ids = ("tinh", "phuong_moi", "xa_son")
    body = {next(w for w in line.split() if w in ids): line for line in lines[3:]}
    assert list(body) == ["tinh", "phuong_moi", "xa_son"]
    # 840/1500 now, 400/1500 a year ago; 2nd of 2; 0.8 × 1500 − 840 = 360 accounts to go.
    assert body["phuong_moi"].split()[-6:] == ["70%", "+29,33", "26,67%", "+29,33", "2/2", "360"]
    assert body["xa_son"].split()[-3:] == ["+33,33", "1/2", "20"]
    assert body["tinh"].split()[-3:] == ["33,33%", "+30,83", "380"]


@pytest.mark.parametrize(
    "period", ["2024-09", "Tháng 9/2024", "T9/2024", "09/2024", "thang 9 2024"]
)
def test_export_of_last_year_lists_the_abolished_district(folder, capsys, period):
    code, out, _ = run(
        capsys,
        *("export", folder, "--indicator", "tk_vneid", "--period", period),
        *("--format", "csv", "--output", "-"),
    )
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["agency"], r["value"], r["until"]) for r in rows] == [
        ("tinh", "800.0", ""),
        ("phuong_moi", "400.0", ""),
        ("xa_son", "400.0", ""),
        ("huyen_bac", "400.0", "2025-06-30"),
    ]
    # Phường Mới and Xã Sơn tie at 400: both first (a sum with one agency target: by value).
    assert [(r["rank"], r["rank_of"]) for r in rows] == [("", ""), ("1", "2"), ("1", "2"), ("", "")]


def test_show_summary_compares_with_last_year(folder, capsys):
    code, out, _ = run(capsys, "show", folder, "--lang", "en")
    assert code == 0
    line = next(line for line in out.splitlines() if " tk_vneid " in line)
    # 1,540 accounts now, 800 in September 2024, 3,000 - 1,540 still to go.
    assert "1,540 tài khoản" in line and "800 tài khoản" in line
    assert "+740 tài khoản" in line and "1,460 tài khoản" in line


def test_check_names_the_row_after_the_end(dataset, merger, capsys):
    merger["obs.csv"] += "dd_kich_hoat,xa_dong,Quý 3/2025,,1,2\n"
    code, out, _ = run(capsys, "check", str(dataset(merger)))
    assert code == 1
    assert out.splitlines()[0].endswith(
        "obs.csv:17: error: agency 'xa_dong' was dissolved on 2025-06-30: "
        "no row for a later period (2025-Q3); report it under 'xa_son'"
    )


def test_a_dissolved_agency_on_the_command_line_names_its_successor(folder, capsys):
    code, _, err = run(capsys, "show", folder, "--agency", "xa_dong")
    assert code == 2
    assert err.splitlines()[-1].endswith(
        "error: agency 'xa_dong' was dissolved on 2025-06-30; its figures are now part of 'xa_son'"
    )
