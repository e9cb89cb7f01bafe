"""Bad input found by an adversarial run (issue "Hostile world, second round"): each shape
gets a finding that says what and where, never silent data loss, a wrong figure or a raw
engine message."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kpitui.core import views
from kpitui.core.load.loader import build_snapshot

DEFS = """\
[[indicator]]
id = "cnt"
name = "count"
[[indicator]]
id = "dd"
name = "rate"
unit = "%"
"""
HEADER = "indicator,agency,period,value,numerator,denominator\n"


def check(folder: Path, obs: str | bytes, defs: str = DEFS) -> tuple[list[str], object]:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "d.toml").write_text(defs, encoding="utf-8")
    (folder / "o.csv").write_bytes(obs if isinstance(obs, bytes) else obs.encode("utf-8"))
    snap = build_snapshot([str(folder)])
    return [f.format().replace(f"{folder}/", "") for f in snap.findings], snap


def test_old_mac_line_ends_are_read(tmp_path: Path) -> None:
    lines, snap = check(
        tmp_path, (HEADER + "cnt,a,2023-08,1,,\ncnt,b,2023-08,2,,\n").replace("\n", "\r")
    )
    assert lines == []
    assert snap.observations == 2  # type: ignore[attr-defined]


def test_a_stray_carriage_return_is_an_error_at_its_line(tmp_path: Path) -> None:
    lines, _ = check(tmp_path, HEADER + "cnt,a,2023-08,1,,\rcnt,b,2023-08,2,,\n")
    assert lines == [
        "o.csv:2: error: a carriage return (CR) alone in the middle of the file; "
        "lines end with LF or CRLF"
    ]


def test_non_ascii_digits_are_errors_not_another_period(tmp_path: Path) -> None:
    lines, snap = check(
        tmp_path, HEADER + "cnt,a,２０２３-０８,1,,\ncnt,a,2023-08,2,,\ncnt,b,2023-08,１２,,\n"
    )
    assert lines[0].startswith(
        "o.csv:2: error: column 'period': '２０２３-０８' is not a period (digits must be ASCII 0-9)"
    )
    assert lines[1] == (
        "o.csv:4: error: column 'value': cannot read '１２' as a number (digits must be ASCII 0-9)"
    )
    assert snap.periods.height == 0  # type: ignore[attr-defined]


def test_a_value_that_contradicts_its_ratio_is_a_warning(tmp_path: Path) -> None:
    lines, snap = check(tmp_path, HEADER + "dd,a,2023-08,99,1,100\n")
    assert lines == [
        "o.csv:2: warning: 'dd' at 'a' 2023-08: value 99 contradicts numerator / denominator "
        "1 / 100 (= 1); the value is used"
    ]
    frame = views.summary(snap, agency="a")  # type: ignore[arg-type]
    row = frame.filter(frame["indicator"] == "dd").row(0, named=True)
    assert row["value"] == 99


def test_a_ratio_too_large_to_compute_is_an_error_never_met(tmp_path: Path) -> None:
    lines, snap = check(tmp_path, HEADER + "dd,a,2023-08,,1e307,1e-320\n")
    assert lines == [
        "o.csv:2: error: numerator / denominator (1e+307 / 9.99989e-321) is too large to compute"
    ]
    assert snap.observations == 0  # type: ignore[attr-defined]


def test_sums_that_overflow_spoil_only_their_own_figure(tmp_path: Path) -> None:
    lines, snap = check(
        tmp_path, HEADER + "cnt,a,2023-08,1e308,,\ncnt,b,2023-08,1e308,,\ndd,a,2023-08,,1,2\n"
    )
    assert lines == [
        f"{tmp_path}: error: 'cnt' at all agencies 2023-08: the figures of its agencies "
        "add up to a number too large to compute"
    ]
    summary = {r["indicator"]: r for r in views.summary(snap).iter_rows(named=True)}  # type: ignore[arg-type]
    assert summary["cnt"]["value"] is None and summary["cnt"]["status"] == "missing"
    assert summary["dd"]["value"] == 50


def test_a_negative_denominator_is_an_error(tmp_path: Path) -> None:
    lines, _ = check(tmp_path, HEADER + "dd,a,2023-08,,1,-5\n")
    assert lines == ["o.csv:2: error: column 'denominator': -5 is negative (a count cannot be)"]


def test_an_integer_past_2_53_is_a_warning_with_what_was_read(tmp_path: Path) -> None:
    lines, _ = check(tmp_path, HEADER + "cnt,a,2023-08,9007199254740993,,\n")
    assert lines == [
        "o.csv:2: warning: 'cnt' at 'a' 2023-08: column 'value': '9007199254740993' is too "
        "large to be held exactly (read as 9007199254740992)"
    ]


def test_the_agency_id_star_is_reserved(tmp_path: Path) -> None:
    lines, _ = check(tmp_path, HEADER + "cnt,*,2023-08,1,,\n")
    assert lines == ["o.csv:2: error: agency id '*' is reserved for all agencies together"]


def test_two_files_joined_give_a_header_inside_the_data(tmp_path: Path) -> None:
    lines, _ = check(
        tmp_path, HEADER + "cnt,a,2023-08,1,,\n\ufeff" + HEADER + "cnt,b,2023-08,1,,\n"
    )
    assert lines == ["o.csv:3: error: a header line inside the data (were two files joined?)"]


def test_an_invisible_character_in_an_id_is_shown(tmp_path: Path) -> None:
    lines, _ = check(tmp_path, HEADER + "c\u200bnt,a,2023-08,1,,\n")
    assert lines == ["o.csv:2: error: unknown indicator 'c<U+200B>nt'"]


def test_a_header_longer_than_64_kib_is_read(tmp_path: Path) -> None:
    long = "x" * 70_000
    lines, snap = check(tmp_path, f"{long},{HEADER}skip,cnt,a,2023-08,1,,\n")
    assert lines == [f"o.csv:1: warning: column '{'x' * 59}…' is not used (ignored)"]
    assert snap.observations == 1  # type: ignore[attr-defined]


def test_utf16_without_a_bom_gets_a_hint(tmp_path: Path) -> None:
    lines, _ = check(tmp_path, (HEADER + "cnt,a,2023-08,1,,\n").encode("utf-16-le"))
    assert lines == [
        'o.csv:1: error: the file holds NUL bytes: is it UTF-16? (set [csv] encoding = "utf-16")'
    ]


def test_a_fifo_is_named_and_never_opened(tmp_path: Path) -> None:
    (tmp_path / "d.toml").write_text(DEFS, encoding="utf-8")
    os.mkfifo(tmp_path / "pipe.csv")
    snap = build_snapshot([str(tmp_path)])
    assert [f.format() for f in snap.findings] == [
        f"{tmp_path}/pipe.csv: warning: a FIFO (named pipe), not a data file: skipped"
    ]
    direct = build_snapshot([str(tmp_path / "pipe.csv")])
    assert next(f.format() for f in direct.findings) == (
        f"{tmp_path}/pipe.csv: error: a FIFO (named pipe), not a data file"
    )


def test_a_folder_named_like_a_url_is_read_locally(tmp_path: Path) -> None:
    folder = tmp_path / "http:" / "127.0.0.1:9"
    lines, snap = check(folder, HEADER + "cnt,a,2023-08,1,,\n")
    assert lines == []
    assert snap.observations == 1  # type: ignore[attr-defined]
    # And the command line, from the folder that makes the relative path look like a URL.
    done = subprocess.run(
        [sys.executable, "-m", "kpitui", "check", "http:/127.0.0.1:9"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "no_proxy": "", "http_proxy": "http://127.0.0.1:9"},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 observation" in done.stdout


@pytest.mark.parametrize(
    "body",
    [
        '2-,\t,1,,,"',  # the lone quote that made polars' float parser panic
        'cnt,a,2023-08,"1,,\n',
        'cnt,a,2023-08,1,,\n"',
    ],
)
def test_a_polars_panic_shape_prints_nothing_from_rust(tmp_path: Path, body: str) -> None:
    (tmp_path / "d.toml").write_text(DEFS, encoding="utf-8")
    (tmp_path / "o.csv").write_text(HEADER + body, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "kpitui", "check", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert done.stderr == ""  # no "thread ... panicked at crates/polars-io/..."
    assert "o.csv:" in done.stdout and "error:" in done.stdout
