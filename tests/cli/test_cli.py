"""The command line end to end (SPEC §5): check, export, show, and their exit codes."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import polars as pl
import pytest

from kpitui import __version__, cli, report
from kpitui.core import export
from kpitui.core.load.loader import build_snapshot
from kpitui.palette import UNICODE

REPO = Path(__file__).resolve().parents[2]
BAD = "tests/data/bad"

SUMMARY_HEAD = "indicator,name,group,unit,period,value,target,direction,attainment,status"
BREAKDOWN_HEAD = (
    "agency,agency_name,parent,period,value,numerator,denominator,target,attainment,status"
)
PACE = "expected,on_track,projected,missing_reporters"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    """kpitui.cli.main(argv) -> (exit code, stdout, stderr); argparse exits count too."""
    try:
        code = cli.main(list(argv))
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def in_repo(monkeypatch):
    monkeypatch.chdir(REPO)


# --------------------------------------------------------------------------- check


ERROR_CASES = {
    # case: the finding(s) that must be printed, exactly; "@" is the folder of the case.
    "toml_syntax": ["@/defs.toml:9:20: error: invalid TOML: "],
    "unknown_key": [
        "@/defs.toml:11:1: error: indicator 'b': unknown key 'direciton'"
        " (did you mean 'direction'?)"
    ],
    "wrong_type": [
        "@/defs.toml:10:1: error: indicator 'b': 'target' must be a number, not a string"
    ],
    "bad_direction": [
        "@/defs.toml:11:1: error: indicator 'b': 'direction' must be one of"
        " 'higher', 'lower', not 'up'"
    ],
    "bad_aggregate": [
        "@/defs.toml:11:1: error: indicator 'b': 'aggregate' must be one of"
        " 'ratio', 'sum', 'mean', 'min', 'max', not 'median'"
    ],
    "duplicate_id": [
        "@/defs.toml:26: error: duplicate indicator id 'a'"
        " (first defined at tests/data/bad/duplicate_id/defs.toml:1)"
    ],
    "duplicate_id_two_files": [
        "@/more.toml:5: error: duplicate indicator id 'a'"
        " (first defined at tests/data/bad/duplicate_id_two_files/defs.toml:1)"
    ],
    "unknown_group": ["@/defs.toml:11:1: error: indicator 'b': unknown group 'nope'"],
    "unknown_parent": ["@/defs.toml:19:1: error: agency 'x': unknown parent 'q'"],
    "cyclic_parent": ["@/defs.toml:29:1: error: agency 'u': cyclic parent: 'u' -> 'v' -> 'u'"],
    "missing_column": [
        "@/obs.csv:1: error: missing required column 'period';"
        " the header has 'indicator', 'agency', 'value'"
    ],
    "ragged_row": ["@/obs.csv:6: error: row has 8 fields, the header has 7"],
    "bad_encoding": [
        "@/obs.csv:6:19: error: bytes that are not valid utf-8 (check [csv] encoding)"
    ],
    "bad_number": ["@/obs.csv:3: error: column 'numerator': cannot read '12a' as a number"],
    "non_finite": [
        "@/obs.csv:2: error: column 'value': 'inf' is not a finite number",
        "@/obs.csv:3: error: column 'value': 'nan' is not a finite number",
    ],
    "bad_period": [
        "@/obs.csv:3: error: column 'period': '2023-13' is not a period (accepted: 2024 or "
        "Năm 2024; 2024-H1 or 6 tháng đầu năm 2024; 2024-H2 or 6 tháng cuối năm 2024; "
        "2024-Q2, Quý II/2024, Quý 2/2024 or Q2/2024; 2024-YTD09, 9 tháng 2024 or lũy kế 9 "
        "tháng 2024; 2024-06, Tháng 6/2024, T6/2024 or 06/2024; 2024-06-30 or 30/06/2024)"
    ],
    "unknown_indicator": ["@/obs.csv:3: error: unknown indicator 'zz'"],
    "unknown_agency": ["@/obs.csv:3: error: unknown agency 'w'"],
    "duplicate_row": [
        "@/obs.csv:4: error: duplicate row for 'b' at 'x' '2023-01' (first on line 2)"
    ],
    "duplicate_row_two_files": [
        "@/obs-2.csv:3: error: duplicate row for 'b' at 'y' '2023-01' (first at @/obs-1.csv:5)"
    ],
    "multiline_note": ["@/obs.csv:5: error: column 'value': cannot read '12a' as a number"],
    # The reporting calendar (SPEC §9.4, §9.5) and the bounds of the TOML parser.
    "duplicate_target": [
        "@/defs.toml:31: error: duplicate target for 'b' at 'x'"
        " (first defined at tests/data/bad/duplicate_target/defs.toml:26)"
    ],
    "unknown_target": ["@/defs.toml:32:1: error: target for 'bb' at 'y': unknown indicator 'bb'"],
    "successor_without_until": [
        "@/defs.toml:25:1: error: agency 'y': 'successor' needs 'until',"
        " the day the agency was dissolved"
    ],
    "unknown_successor": ["@/defs.toml:26:1: error: agency 'y': unknown successor 'xx'"],
    "cyclic_successor": [
        "@/defs.toml:26:1: error: agency 'y': cyclic successor: 'y' -> 'z' -> 'y'"
    ],
    "successor_dissolved_first": [
        "@/defs.toml:26:1: error: agency 'y': successor 'z' was dissolved on 2024-12-31,"
        " before 'y' (2025-06-30)"
    ],
    "parent_dissolved": [
        "@/defs.toml:31:1: error: agency 'c': parent 'y' was dissolved on 2025-06-30;"
        " give 'c' a parent that still exists (or an 'until' of its own)"
    ],
    "key_bomb": [
        "@/defs.toml:25:16: error: not read: a key or table name with more than 8 dotted parts"
    ],
    "deep_nesting": [
        "@/defs.toml:25:24: error: not read: arrays or tables nested more than 16 deep"
    ],
    "typo_after_multiline": [
        "@/defs.toml:29:1: error: agency 'y': unknown key 'parnet' (did you mean 'parent'?)"
    ],
}

WARNING_CASES = {
    "num_gt_den": "@/obs.csv:2: warning: 'a' at 'x' 2023-01: numerator exceeds denominator",
    "den_zero": "@/obs.csv:3: warning: 'a' at 'y' 2023-01: denominator is 0",
    "total_mismatch": "@/obs.csv:4: warning: 'b' at 'p' 2023-01: reported total 13"
    " differs from its children's aggregate 12 (+8.3 %)",
    "ignored_column": "@/obs.csv:1: warning: column 'remark' is not used (ignored)",
}

DEFINITION_CASES = {
    "toml_syntax",
    "unknown_key",
    "wrong_type",
    "bad_direction",
    "bad_aggregate",
    "duplicate_id",
    "unknown_group",
    "unknown_parent",
    "cyclic_parent",
    "duplicate_target",
    "unknown_target",
    "successor_without_until",
    "unknown_successor",
    "cyclic_successor",
    "successor_dissolved_first",
    "parent_dissolved",
    "key_bomb",
    "deep_nesting",
    "typo_after_multiline",
}


def test_every_fixture_is_covered():
    cases = {p.name for p in (REPO / BAD).iterdir() if p.is_dir()}
    assert cases == set(ERROR_CASES) | set(WARNING_CASES)


@pytest.mark.parametrize("case", sorted(ERROR_CASES))
def test_check_reports_errors_with_their_location(in_repo, capsys, case):
    code, out, err = run(capsys, "check", f"{BAD}/{case}")
    assert code == 1
    assert err == ""
    lines = out.splitlines()
    wanted = [e.replace("@", f"{BAD}/{case}") for e in ERROR_CASES[case]]
    for expected in wanted:
        assert any(line.startswith(expected) for line in lines), (expected, out)
    summary = lines[-1]
    errors = sum(1 for line in lines if ": error: " in line)
    assert errors >= 1
    assert summary.endswith(f": {errors} error{'s' if errors != 1 else ''}, 0 warnings")
    if case not in DEFINITION_CASES:
        # A CSV problem: exactly the expected findings and the summary.
        assert lines[:-1] == wanted
        assert summary.startswith("2 indicators, 3 agencies, ")


@pytest.mark.parametrize("case", sorted(WARNING_CASES))
def test_check_with_warnings_only_exits_0(in_repo, capsys, case):
    code, out, _ = run(capsys, "check", f"{BAD}/{case}")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == WARNING_CASES[case].replace("@", f"{BAD}/{case}")
    assert len(lines) == 2
    assert lines[1].endswith(": 0 errors, 1 warning")


def test_check_of_a_definitions_file_set_aside_keeps_the_other_findings(in_repo, capsys):
    code, out, _ = run(capsys, "check", f"{BAD}/unknown_key")
    assert code == 1
    # The file is set aside as a whole: nothing is defined, the observations are unknown.
    assert f"{BAD}/unknown_key/defs.toml: error: no indicator is defined" in out
    assert f"{BAD}/unknown_key/obs.csv:2: error: unknown indicator 'a'" in out
    assert out.splitlines()[-1] == "0 indicators, 0 agencies, 0 observations: 6 errors, 0 warnings"


def test_check_summary_line_of_a_clean_data_set(dataset, capsys):
    folder = dataset(
        {
            "defs.toml": '[[indicator]]\nid = "a"\nname = "A"\n',
            "obs.csv": "indicator,agency,period,value\na,x,2023-01,1\n",
        }
    )
    code, out, _ = run(capsys, "check", str(folder))
    assert code == 0
    assert out == "1 indicator, 1 agency, 1 observation: 0 errors, 0 warnings\n"


def test_check_files_given_one_by_one(in_repo, capsys):
    code, out, _ = run(capsys, "check", f"{BAD}/bad_number/defs.toml", f"{BAD}/bad_number/obs.csv")
    assert code == 1
    assert out.splitlines()[0] == ERROR_CASES["bad_number"][0].replace("@", f"{BAD}/bad_number")


def test_check_of_something_that_is_not_data(tmp_path, capsys):
    other = tmp_path / "notes.txt"
    other.write_text("hello")
    code, out, _ = run(capsys, "check", str(other))
    assert code == 1
    assert f"{other}: error: not a data file (.toml, .csv, .parquet, .xlsx, .ods)" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["check", "--bogus", "data"], "unrecognized arguments: --bogus"),
        (["check", "no/such/folder"], "no such file or folder: no/such/folder"),
        (["export", "data", "--indicator", "nope", "-o", "-"], "unknown indicator 'nope'"),
        (["export", "data", "--agency", "nope", "-o", "-"], "unknown agency 'nope'"),
        (["export", "data", "--period", "2023-13", "-o", "-"], "not a period: '2023-13'"),
        (["export", "data", "--format", "docx", "-o", "-"], "invalid choice: 'docx'"),
        (["show", "data", "--indicator", "nope"], "unknown indicator 'nope'"),
        (["show", "data", "--period", "August"], "not a period: 'August'"),
        (["--bogus"], "unrecognized arguments: --bogus"),
    ],
)
def test_usage_errors_exit_2(in_repo, capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert out == ""
    assert message in err
    assert "usage:" in err
    assert "Traceback" not in err


def test_version_and_help(capsys):
    code, out, _ = run(capsys, "--version")
    assert (code, out) == (0, f"kpitui {__version__}\n")
    for argv in (["--help"], ["check", "--help"], ["export", "--help"], ["show", "-h"]):
        code, out, _ = run(capsys, *argv)
        assert code == 0
        assert out.startswith("usage: kpitui")
    _, out, _ = run(capsys, "export", "--help")
    assert "--indicator" in out and "--force" in out


def test_python_m_kpitui_check_data():
    proc = subprocess.run(
        [sys.executable, "-m", "kpitui", "check", "data"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert proc.stdout.splitlines()[-1].startswith(
        "21 indicators, 29 agencies, 1734 observations: 0 errors, "
    )
    assert proc.stdout.count("numerator exceeds denominator") == 8


# --------------------------------------------------------------------------- export

DEFS = """
[dashboard]
title = "CLI test"
lang = "en"
deadline = "2023-12-31"

[[indicator]]
id = "dd"
name = "=HYPERLINK(\\"http://evil\\",\\"x\\")"
unit = "%"
target = 100

[[indicator]]
id = "cnt"
name = "+1+2"
unit = "người"

[[indicator]]
id = "late"
name = "@SUM(A1)"
unit = "%"
direction = "lower"
target = 2

[[agency]]
id = "p"
name = "Province"

[[agency]]
id = "d"
name = "-District"
parent = "p"

[[agency]]
id = "c1"
name = "Commune 1"
parent = "d"

[[agency]]
id = "c2"
name = "Commune 2"
parent = "d"

[[agency]]
id = "e"
name = "East"
parent = "p"
"""

ROWS = """\
indicator,agency,period,value,numerator,denominator,note
dd,c1,2023-07,,100,400,
dd,c2,2023-07,,100,100,
dd,e,2023-07,,50,500,
dd,c1,2023-08,,200,400,@note
dd,c2,2023-08,,90,100,
dd,e,2023-08,,100,500,
cnt,c1,2023-08,5,,,
cnt,e,2023-08,7.5,,,
late,e,2023-07,,3,100,
late,e,2023-08,,5,200,
"""


@pytest.fixture
def data(dataset):
    return dataset({"defs.toml": DEFS, "obs.csv": ROWS})


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_export_summary_csv_to_stdout(data, capsys):
    code, out, err = run(capsys, "export", str(data), "--format", "csv", "--output", "-")
    assert code == 0
    assert err == ""
    header = out.splitlines()[0]
    assert header.startswith(f"{SUMMARY_HEAD},{PACE},")
    rows = csv_rows(out)
    assert [r["indicator"] for r in rows] == ["dd", "cnt", "late"]
    dd, cnt, late = rows
    # Headline 2023-08: (200 + 90 + 100) / (400 + 100 + 500).
    assert float(dd["value"]) == 390 * 100 / 1000
    assert float(dd["attainment"]) == 390 * 100 / 1000 / 100
    assert (dd["period"], dd["target"], dd["direction"], dd["status"]) == (
        "2023-08",
        "100.0",
        "higher",
        "behind",
    )
    assert float(dd["change"]) == 390 * 100 / 1000 - 250 * 100 / 1000
    assert cnt["value"] == "12.5"
    assert (cnt["target"], cnt["attainment"], cnt["status"]) == ("", "", "no_target")
    assert (late["value"], late["direction"], late["status"]) == ("2.5", "lower", "near")
    assert float(late["change"]) == -0.5
    # Formulas are escaped, numbers are not.
    assert dd["name"] == '\'=HYPERLINK("http://evil","x")'
    assert cnt["name"] == "'+1+2"
    assert late["name"] == "'@SUM(A1)"


def test_export_summary_json_and_period(data, capsys):
    code, out, _ = run(capsys, "export", str(data), "-f", "json", "-o", "-", "--period", "2023-07")
    assert code == 0
    doc = json.loads(out)
    assert doc["columns"][:14] == (SUMMARY_HEAD + "," + PACE).split(",")
    rows = {r["indicator"]: r for r in doc["rows"]}
    assert rows["dd"]["period"] == "2023-07"
    assert rows["dd"]["value"] == 250 * 100 / 1000
    assert rows["cnt"]["period"] is None
    assert rows["cnt"]["value"] is None
    assert rows["cnt"]["status"] == "missing"
    assert rows["dd"]["name"] == '=HYPERLINK("http://evil","x")'  # json is not escaped
    assert doc["meta"]["as_of"] == "2023-07"
    assert doc["meta"]["view"] == "summary"


def test_export_breakdown_csv_in_tree_pre_order(data, capsys):
    code, out, _ = run(capsys, "export", str(data), "--indicator", "dd", "-o", "-")
    assert code == 0
    assert out.splitlines()[0].startswith(f"{BREAKDOWN_HEAD},{PACE},")
    rows = csv_rows(out)
    assert [r["agency"] for r in rows] == ["p", "d", "c1", "c2", "e"]
    assert [r["parent"] for r in rows] == ["", "p", "d", "d", "p"]
    assert [r["agency_name"] for r in rows] == [
        "Province",
        "'-District",
        "Commune 1",
        "Commune 2",
        "East",
    ]
    assert [float(r["value"]) for r in rows] == [39.0, 290 * 100 / 500, 50.0, 90.0, 20.0]
    assert [r["numerator"] for r in rows] == ["390.0", "290.0", "200.0", "90.0", "100.0"]
    assert rows[2]["note"] == "'@note"


def test_export_breakdown_of_an_agency_subtree(data, capsys):
    code, out, _ = run(capsys, "export", str(data), "--indicator", "dd", "--agency", "d", "-o", "-")
    assert code == 0
    rows = csv_rows(out)
    assert [r["agency"] for r in rows] == ["d", "c1", "c2"]


def test_export_breakdown_of_a_leaf_agency(data, capsys):
    code, out, _ = run(
        capsys, "export", str(data), "--indicator", "cnt", "--agency", "c1", "-o", "-"
    )
    assert code == 0
    rows = csv_rows(out)
    assert [(r["agency"], r["value"]) for r in rows] == [("c1", "5.0")]


def test_export_breakdown_with_several_roots_starts_with_all(dataset, capsys):
    folder = dataset(
        {
            "defs.toml": '[[indicator]]\nid = "x"\nname = "X"\nunit = "%"\n',
            "obs.csv": "indicator,agency,period,numerator,denominator\n"
            "x,b,2023-01,1,4\nx,a,2023-01,3,4\nx,a,2023-02,1,2\n",
        }
    )
    code, out, _ = run(capsys, "export", str(folder), "--indicator", "x", "-o", "-", "--lang", "en")
    assert code == 0
    rows = csv_rows(out)
    assert [(r["agency"], r["agency_name"], r["parent"]) for r in rows] == [
        ("*", "All", ""),
        ("a", "a", "*"),
        ("b", "b", "*"),
    ]
    assert [r["period"] for r in rows] == ["2023-02", "2023-02", "2023-02"]
    assert [r["value"] for r in rows] == ["50.0", "50.0", ""]
    code, out, _ = run(capsys, "export", str(folder), "--indicator", "x", "-o", "-", "--lang", "vi")
    assert csv_rows(out)[0]["agency_name"] == "Toàn bộ"
    code, out, _ = run(
        capsys, "export", str(folder), "--indicator", "x", "-o", "-", "--period", "2023-01"
    )
    assert [r["value"] for r in csv_rows(out)] == ["50.0", "75.0", "25.0"]


def test_export_agency_view(data, capsys):
    code, out, _ = run(capsys, "export", str(data), "--agency", "e", "-o", "-", "-f", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["columns"][:12] == ["agency", "agency_name", *SUMMARY_HEAD.split(",")]
    assert [(r["agency"], r["indicator"], r["value"]) for r in doc["rows"]] == [
        ("e", "dd", 20.0),
        ("e", "cnt", 7.5),
        ("e", "late", 2.5),
    ]


def test_export_markdown(data, capsys):
    code, out, _ = run(capsys, "export", str(data), "-f", "md", "-o", "-", "--lang", "vi")
    assert code == 0
    assert out.startswith("# CLI test\n")
    assert "- Bảng: Tổng hợp chỉ tiêu\n" in out
    assert "| Trạng thái | Chỉ tiêu | Kỳ | Giá trị | Mục tiêu | Mức đạt | Thay đổi |" in out
    assert '| chậm | =HYPERLINK("http://evil","x") | Tháng 8/2023 | 39% | 100% | 39% | +14 |' in out
    assert "| không có chỉ tiêu | +1+2 | Tháng 8/2023 | 12,5 người |" in out


def test_export_refuses_to_overwrite_without_force(data, tmp_path, capsys):
    target = tmp_path / "out.csv"
    target.write_text("keep me")
    code, _, err = run(capsys, "export", str(data), "--output", str(target))
    assert code == 1
    assert f"{target} already exists; use --force to replace it" in err
    assert target.read_text() == "keep me"
    code, _, err = run(capsys, "export", str(data), "--output", str(target), "--force")
    assert code == 0
    assert target.read_text().startswith(SUMMARY_HEAD)
    assert str(target) in err  # the path written is reported (on stderr when piped)


def test_export_default_name_in_the_current_folder(data, tmp_path, monkeypatch, capsys):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)

    class Frozen(datetime):
        @classmethod
        def now(cls, tz=None):
            return cls(2023, 9, 14, 8, 5, 3, tzinfo=tz)

    monkeypatch.setattr(export.table, "datetime", Frozen)
    monkeypatch.setattr(export.writing, "datetime", Frozen)
    for expected in (
        "kpitui-summary-20230914-080503.json",
        "kpitui-summary-20230914-080503-2.json",
    ):
        code, _, err = run(capsys, "export", str(data), "-f", "json")
        assert code == 0
        assert err.strip() == expected
    code, _, err = run(capsys, "export", str(data), "--indicator", "dd", "-f", "md")
    assert err.strip() == "kpitui-breakdown-20230914-080503.md"
    assert sorted(os.listdir(work)) == [
        "kpitui-breakdown-20230914-080503.md",
        "kpitui-summary-20230914-080503-2.json",
        "kpitui-summary-20230914-080503.json",
    ]
    doc = json.loads((work / "kpitui-summary-20230914-080503.json").read_text())
    assert doc["meta"]["generated_at"].startswith("2023-09-14T08:05:03")


def test_export_of_data_with_errors_writes_and_exits_1(in_repo, capsys):
    code, out, err = run(capsys, "export", f"{BAD}/bad_number", "-o", "-")
    assert code == 1
    assert out.startswith(SUMMARY_HEAD)
    assert "kpitui check" in err  # points at the details


# --------------------------------------------------------------------------- show


@pytest.fixture
def utf8(monkeypatch):
    for var in ("LC_ALL", "LC_CTYPE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "vi_VN.UTF-8")
    monkeypatch.setenv("TERM", "xterm-256color")


def test_show_prints_plain_text_when_piped(data, capsys, utf8):
    code, out, _ = run(capsys, "show", str(data), "--lang", "en")
    assert code == 0
    assert "\x1b" not in out
    lines = out.splitlines()
    assert lines[0] == "CLI test"
    assert lines[2].replace("± last year", "±_last_year").replace(
        "Last year", "Last_year"
    ).split() == [
        "St",
        "ID",
        "Indicator",
        "Value",
        "Target",
        "Att.",
        "Δ",
        *("Last_year", "±_last_year", "Shortfall"),
        "Period",
    ]
    assert lines[3].split()[:3] == ["✗", "behind", "dd"]
    # No August 2022 (no same period last year); 39% of 1,000 against 100%: 610 still to go.
    assert "39%" in lines[3] and lines[3].split()[-4:] == ["+14", "610", "Aug", "2023"]
    assert "· no target" in lines[4] and "12.5 người" in lines[4]
    assert lines[5].split()[:3] == ["~", "near", "late"]
    # Lower is better: 2.5% against 2% is 0.5 points too many.
    assert lines[5].split()[-7:] == ["2.5%", "2%", "80%", "-0.5", "0.5%", "Aug", "2023"]
    assert len(lines) == 6


def test_show_breakdown(data, capsys, utf8):
    code, out, _ = run(capsys, "show", str(data), "--indicator", "dd", "--lang", "vi")
    assert code == 0
    assert "\x1b" not in out
    lines = out.splitlines()
    assert lines[0] == '=HYPERLINK("http://evil","x")'  # a title is shown literally
    body = lines[3:]
    ids = ["p", "d", "c1", "c2", "e"]
    assert len(body) == len(ids)
    for line, ident in zip(body, ids, strict=True):
        assert f" {ident} " in line
    assert "Toàn bộ" not in out  # a single root: the province itself
    assert "Province" in body[0] and "39%" in body[0] and "390 / 1.000" in body[0]
    assert "  -District" in body[1] and "58%" in body[1]
    assert "    Commune 1" in body[2] and "200 / 400" in body[2] and "@note" in body[2]
    # Ranks among siblings (58% before 20%; 90% before 50%), shortfalls in accounts.
    assert body[0].split()[-1] == "610" and "/" not in body[0].split()[-2]
    assert body[1].split()[-2:] == ["1/2", "210"]
    assert body[4].split()[-2:] == ["2/2", "400"]
    assert body[2].split()[-3:] == ["2/2", "200", "@note"]
    assert body[3].split()[-2:] == ["1/2", "10"]


def test_show_units_beside_values_and_changes(dataset, capsys, utf8):
    folder = dataset(
        {
            "defs.toml": '[[indicator]]\nid = "d"\nname = "Ngày"\nunit = "ngày"\n'
            'aggregate = "mean"\ntarget = 5\ndirection = "lower"\n',
            "obs.csv": "indicator,agency,period,value\nd,x,2023-Q1,7.5\nd,x,2023-Q2,6.7\n",
        }
    )
    code, out, _ = run(capsys, "show", str(folder), "--lang", "vi")
    assert code == 0
    row = out.splitlines()[1]  # no title: the headings, then the row
    assert "6,7 ngày" in row and "5 ngày" in row and "-0,8 ngày" in row
    assert row.endswith("Quý 2/2023")


@pytest.mark.parametrize(
    ("environ", "argv"),
    [
        ({"LANG": "C"}, []),
        ({"LANG": "vi_VN.UTF-8", "TERM": "linux"}, []),
        ({"LANG": "vi_VN.UTF-8", "TERM": "vt100"}, []),
        ({"LANG": "vi_VN.UTF-8"}, ["--ascii"]),
    ],
)
def test_show_uses_ascii_glyphs_where_the_terminal_needs_them(
    data, capsys, monkeypatch, utf8, environ, argv
):
    for var, value in environ.items():
        monkeypatch.setenv(var, value)
    code, out, _ = run(capsys, "show", str(data), "--lang", "en", *argv)
    assert code == 0
    lines = out.splitlines()
    assert [line.split()[:2] for line in lines[3:]] == [["x", "behind"], ["-", "no"], ["~", "near"]]
    assert not any(glyph in out for glyph in UNICODE.status.values() if not glyph.isascii())


def test_show_breakdown_rows_of_many_agencies(dataset):
    # One depth lookup per table, not one per row (that was quadratic): 50,000 rows, each
    # indented by its depth below the first row's.
    snap = build_snapshot([str(dataset({"defs.toml": DEFS, "obs.csv": ROWS}))])
    n = 50_000
    frame = pl.DataFrame(
        {
            "agency": [f"x{i}" for i in range(n)],
            "depth": [2 + i % 3 for i in range(n)],
            "unit": ["người"] * n,
            "status": ["met"] * n,
            "value": [float(i) for i in range(n)],
            "numerator": [None] * n,
            "denominator": [None] * n,
            "attainment": [None] * n,
            "change": [None] * n,
            "note": [None] * n,
        }
    )
    _, rows, statuses = report.breakdown_rows(snap, frame, "vi")
    assert len(rows) == len(statuses) == n
    assert [r[2] for r in rows[:4]] == ["x0", "  x1", "    x2", "x3"]
    assert rows[-1][3] == "49.999 người"


def test_default_command_without_a_terminal_prints_the_summary(data, capsys):
    code, out, _ = run(capsys, str(data), "--lang", "en")
    assert code == 0
    assert "\x1b" not in out
    assert out.splitlines()[0] == "CLI test"


# --------------------------------------------------------------------------- exports to stdout

ESCAPES = {
    "csi": "\x1b[2J",  # erase the screen
    "osc52": "\x1b]52;c;cm0gLXJmIH4=\x07",  # write the clipboard
    "c1": "\x9b31m",  # a C1 CSI
    "rlo": "\u202egnp.exe",  # right-to-left override
}
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@pytest.mark.parametrize("fmt", ["csv", "json", "md", "html"])
def test_exports_to_stdout_never_carry_escapes(dataset, capsys, fmt):
    # Agency ids come from the CSV (no [[agency]]), with escapes in them; names in the TOML
    # and notes carry them too (TOML escapes).
    defs = '[[indicator]]\nid = "x"\nname = "X \\u001b[31m red \\u202e"\nunit = "%"\ntarget = 50\n'
    rows = "indicator,agency,period,numerator,denominator,note\n" + "".join(
        f'x,"a{kind}{seq}",2023-01,{i + 1},10,"{seq}note"\n'
        for i, (kind, seq) in enumerate(ESCAPES.items())
    )
    folder = dataset({"defs.toml": defs, "obs.csv": rows})
    for argv in ([], ["--indicator", "x"]):
        code, out, err = run(capsys, "export", str(folder), "-f", fmt, "-o", "-", *argv)
        assert not UNSAFE.search(out), (fmt, argv)
        assert not UNSAFE.search(err)
        if code == 0 and argv:
            # The ids are shown, cleaned (each escape or override replaced by U+FFFD).
            assert out.count("\ufffd") >= len(ESCAPES)
        else:
            # Otherwise such ids were refused as errors of the data, with a finding.
            assert code in (0, 1)


def test_svg_export_builds_no_table_and_hashes_nothing(data, tmp_path, monkeypatch, capsys):
    from kpitui.core.export import hashing

    def refuse(*args, **kwargs):
        raise AssertionError("an svg export must not build an export table")

    monkeypatch.setattr(export, "make_table", refuse)
    before = hashing.cache_info()
    out = tmp_path / "shot.svg"
    code, _, err = run(capsys, "export", str(data), "-f", "svg", "--size", "80x24", "-o", str(out))
    assert code == 0, err
    assert out.read_text(encoding="utf-8").lstrip().startswith("<svg")
    assert hashing.cache_info() == before


def test_show_under_lang_c_writes_ascii_only(tmp_path):
    """Python coerces LANG=C to a UTF-8 LC_CTYPE in its own environment (PEP 538): the
    locale the user set still decides, and names lose their accents rather than their
    letters on a terminal that shows ASCII only."""
    import subprocess

    env = {k: v for k, v in os.environ.items() if not k.startswith("LC_")}
    env["LANG"] = "C"
    done = subprocess.run(
        [sys.executable, "-m", "kpitui", "show"], env=env, capture_output=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.isascii(), [line for line in done.stdout.splitlines() if not line.isascii()][
        :3
    ]
    assert b"Chuyen doi so 2023 - tinh Ba Ria - Vung Tau" in done.stdout
    assert b"v dat" in done.stdout and b"x cham" in done.stdout
