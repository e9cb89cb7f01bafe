"""Exports (SPEC §5.2): columns, machine-readable numbers, formula escaping, clean text,
file hashes only where shown, safe writes and file names."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import unicodedata
from datetime import datetime
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from kpitui import cli
from kpitui.core import export, formats, views
from kpitui.core.export import hashing
from kpitui.core.load.loader import build_snapshot

SUMMARY_HEAD = [
    *("indicator", "name", "group", "unit", "period"),
    *("value", "target", "direction", "attainment", "status"),
]
BREAKDOWN_HEAD = [
    *("agency", "agency_name", "parent", "period", "value"),
    *("numerator", "denominator", "target", "attainment", "status"),
]
PACE = ["expected", "on_track", "projected", "missing_reporters"]
SUMMARY_ALL = [
    *SUMMARY_HEAD,
    *PACE,
    *("numerator", "denominator", "previous_period", "change", "will_meet", "name_en", "owner"),
    *("last_year", "yoy_change", "shortfall"),  # SPEC §9.2, §9.6
]
BREAKDOWN_ALL = [
    *BREAKDOWN_HEAD,
    *PACE,
    *("indicator", "depth", "previous_period", "change", "note"),
    *("last_year", "yoy_change", "rank", "rank_of", "shortfall", "until"),  # SPEC §9.2-9.6
]

DEFS = """
[dashboard]
title = "Export | test"
deadline = "2023-12-31"

[[group]]
id = "g"
name = "=Group"

[[indicator]]
id = "dd"
name = "=HYPERLINK(\\"http://x\\",\\"click\\")"
group = "g"
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
name = "-Province"

[[agency]]
id = "a"
name = "\\tTabbed"
parent = "p"

[[agency]]
id = "b"
name = "Plain B"
parent = "p"
"""

ROWS = """\
indicator,agency,period,value,numerator,denominator,note
dd,a,2023-07,,100000,300000,
dd,b,2023-07,,100000,315198,
dd,a,2023-08,,150000,300000,=1+1
dd,b,2023-08,,159104,315198,-minus
cnt,a,2023-08,7999,,,
late,a,2023-07,,3,100,
late,a,2023-08,,5,200,
"""


@pytest.fixture
def snap(dataset):
    s = build_snapshot([str(dataset({"defs.toml": DEFS, "obs.csv": ROWS}))])
    assert s.errors == 0, [f.format() for f in s.findings]
    return s


def summary_table(snap, lang="en"):
    return export.make_table(snap, "summary", views.summary(snap), lang)


def breakdown_table(snap, ind="dd", lang="en"):
    frame = views.breakdown(snap, ind, subtree=True)
    return export.make_table(snap, "breakdown", frame, lang, indicator=ind)


def read_csv(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


def test_summary_columns_in_spec_order(snap):
    table = summary_table(snap)
    assert table.columns == SUMMARY_ALL
    data = export.render_csv(table)
    assert data.decode().splitlines()[0].split(",") == SUMMARY_ALL
    assert [r["indicator"] for r in read_csv(data)] == ["dd", "cnt", "late"]
    agency = export.make_table(snap, "agency", views.summary(snap, agency="a"), "en")
    assert agency.columns == ["agency", "agency_name", *SUMMARY_ALL]


def test_breakdown_columns_in_spec_order_and_pre_order_rows(snap):
    table = breakdown_table(snap)
    assert table.columns == BREAKDOWN_ALL
    rows = read_csv(export.render_csv(table))
    assert [r["agency"] for r in rows] == ["p", "a", "b"]
    assert [r["parent"] for r in rows] == ["", "p", "p"]


def test_csv_numbers_are_full_precision_with_a_dot(snap):
    rows = {r["indicator"]: r for r in read_csv(export.render_csv(summary_table(snap)))}
    dd = rows["dd"]
    value = 309104 * 100 / 615198
    assert float(dd["value"]) == value  # exactly: full precision
    assert len(dd["value"]) > 12
    assert float(dd["attainment"]) == value / 100
    assert (dd["numerator"], dd["denominator"]) == ("309104.0", "615198.0")
    assert "," not in dd["value"]
    assert dd["period"] == "2023-08"
    assert dd["status"] == "behind"
    assert dd["on_track"] in ("true", "false")
    assert dd["missing_reporters"] == "0"
    assert float(dd["change"]) == value - 200000 * 100 / 615198
    cnt = rows["cnt"]
    assert cnt["value"] == "7999.0"
    assert (cnt["target"], cnt["attainment"], cnt["expected"], cnt["on_track"]) == ("", "", "", "")
    assert cnt["status"] == "no_target"
    late = rows["late"]
    assert float(late["value"]) == 2.5
    assert float(late["change"]) == -0.5  # a negative number is not escaped
    assert float(late["attainment"]) == 0.8


def test_csv_escapes_formula_text_but_not_numbers(snap):
    rows = {r["indicator"]: r for r in read_csv(export.render_csv(summary_table(snap)))}
    assert rows["dd"]["name"] == '\'=HYPERLINK("http://x","click")'
    assert rows["cnt"]["name"] == "'+1+2"
    assert rows["late"]["name"] == "'@SUM(A1)"
    rows = read_csv(export.render_csv(breakdown_table(snap)))
    # The tab of "\tTabbed" became a space on load and was stripped: nothing to escape.
    assert [r["agency_name"] for r in rows] == ["'-Province", "Tabbed", "Plain B"]
    notes = {r["agency"]: r["note"] for r in rows}
    assert notes == {"p": "", "a": "'=1+1", "b": "'-minus"}


def test_csv_escapes_formula_like_text_then_cleans_it():
    table = export.ExportTable(
        "summary",
        pl.DataFrame(
            {
                "name": ["\tx", "x\t", "-1", "ok", " =1+1", "\r@x", "a\nb"],
                "n": [-1.0, 2.0, None, 0.0, float("inf"), float("nan"), 3.5],
            }
        ),
        "",
        "en",
    )
    rows = read_csv(export.render_csv(table))
    # Escaped as written (a leading tab or CR, or blanks before = + - @), then one line.
    assert [r["name"] for r in rows] == ["' x", "x ", "'-1", "ok", "' =1+1", "' @x", "a b"]
    assert [r["n"] for r in rows] == ["-1.0", "2.0", "", "0.0", "", "", "3.5"]


def test_json_numbers_and_nulls(snap):
    doc = json.loads(export.render_json(summary_table(snap)))
    assert doc["columns"][:14] == SUMMARY_HEAD + PACE
    rows = {r["indicator"]: r for r in doc["rows"]}
    assert rows["dd"]["value"] == 309104 * 100 / 615198
    assert rows["cnt"]["target"] is None
    assert rows["cnt"]["on_track"] is None
    assert isinstance(rows["dd"]["on_track"], bool)
    assert rows["dd"]["missing_reporters"] == 0
    # JSON is data, not a spreadsheet: text is not escaped.
    assert rows["cnt"]["name"] == "+1+2"
    assert doc["meta"]["view"] == "summary"
    assert doc["meta"]["data_period"] == "2023-07 – 2023-08"
    assert [Path(f["path"]).name for f in doc["meta"]["files"]] == ["defs.toml", "obs.csv"]


def test_json_non_finite_numbers_are_null():
    table = export.ExportTable(
        "summary", pl.DataFrame({"x": [float("inf"), float("nan"), 1.5]}), "", "en"
    )
    doc = json.loads(export.render_json(table))
    assert [r["x"] for r in doc["rows"]] == [None, None, 1.5]


def test_markdown_is_formatted_and_escaped(snap):
    text = export.render_md(summary_table(snap, lang="vi")).decode("utf-8")
    assert text.startswith("# Export \\| test\n")
    assert "| Trạng thái | Chỉ tiêu | Nhóm | Kỳ | Giá trị | Mục tiêu | Mức đạt | Thay đổi |" in text
    # Words, group names, periods and units as on screen; vi numbers for people.
    assert (
        '| chậm | =HYPERLINK("http://x","click") | =Group | Tháng 8/2023 | 50,24% | 100% |' in text
    )
    assert "| không có chỉ tiêu | +1+2 |  | Tháng 8/2023 | 7.999 người |" in text
    assert "| gần đạt | @SUM(A1) |  | Tháng 8/2023 | 2,5% | 2% | 80% | -0,5 |" in text
    en = export.render_md(summary_table(snap, lang="en")).decode("utf-8")
    assert "| Status | Indicator | Group | Period | Value | Target | Attainment | Change |" in en
    assert '| behind | =HYPERLINK("http://x","click") | =Group | Aug 2023 | 50.24% | 100% |' in en
    assert "| no target | +1+2 |  | Aug 2023 | 7,999 người |" in en


def test_markdown_breakdown_indents_the_tree(snap):
    text = export.render_md(breakdown_table(snap, lang="vi")).decode("utf-8")
    assert "| Trạng thái | Đơn vị | Kỳ | Giá trị | Tử số / mẫu số | Mục tiêu |" in text
    assert "| chậm | -Province | Tháng 8/2023 | 50,24% | 309.104 / 615.198 | 100% |" in text
    assert "| chậm | \u00a0\u00a0Tabbed | Tháng 8/2023 | 50% | 150.000 / 300.000 |" in text


def test_render_unknown_format(snap):
    with pytest.raises(export.ExportError, match="unknown format"):
        export.render(summary_table(snap), "docx")


# --------------------------------------------------------------------------- writing


def test_write_refuses_an_existing_file_and_replaces_it_with_force(tmp_path):
    target = tmp_path / "out.csv"
    target.write_bytes(b"old")
    with pytest.raises(export.ExportError, match="already exists; use --force"):
        export.write(b"new", "csv", "summary", output=str(target))
    assert target.read_bytes() == b"old"
    assert export.write(b"new", "csv", "summary", output=str(target), force=True) == str(target)
    assert target.read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]  # no temp file left


def test_write_bytes_is_atomic_and_refuses_a_taken_name(tmp_path):
    target = tmp_path / "a.json"
    assert export.write_bytes(b"{}", target) == target
    assert target.read_bytes() == b"{}"
    assert oct(target.stat().st_mode & 0o777) == oct(export.FILE_MODE)
    with pytest.raises(export.ExportError):
        export.write_bytes(b"[]", target)
    assert target.read_bytes() == b"{}"
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]


def test_write_to_a_folder_or_a_missing_folder_fails(tmp_path):
    with pytest.raises(export.ExportError, match="is a folder"):
        export.write(b"x", "csv", "summary", output=str(tmp_path))
    with pytest.raises(export.ExportError):
        export.write(b"x", "csv", "summary", output=str(tmp_path / "no" / "such.csv"))


def test_default_name_and_numbered_suffix(tmp_path, monkeypatch):
    name = export.default_name("summary", "csv", datetime(2023, 9, 14, 8, 5, 3))
    assert name == "kpitui-summary-20230914-080503.csv"
    monkeypatch.setattr(
        export.writing, "default_name", lambda view, fmt, when=None: f"kpitui-{view}-X.{fmt}"
    )
    paths = [
        export.write(str(i).encode(), "md", "breakdown", folder=str(tmp_path)) for i in range(3)
    ]
    assert [Path(p).name for p in paths] == [
        "kpitui-breakdown-X.md",
        "kpitui-breakdown-X-2.md",
        "kpitui-breakdown-X-3.md",
    ]
    assert [Path(p).read_text() for p in paths] == ["0", "1", "2"]


def test_default_name_uses_the_current_time(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    before = datetime.now().replace(microsecond=0)
    path = export.write(b"x", "json", "summary")
    after = datetime.now()
    m = re.fullmatch(r"kpitui-summary-(\d{8}-\d{6})\.json", os.path.basename(path))
    assert m
    assert before <= datetime.strptime(m.group(1), "%Y%m%d-%H%M%S") <= after


def test_write_to_stdout():
    buf = io.BytesIO()
    assert export.write(b"a,b\n", "csv", "summary", output="-", stdout=buf) == "-"
    assert buf.getvalue() == b"a,b\n"
    with pytest.raises(export.ExportError, match="text format"):
        export.write(b"x", "xlsx", "summary", output="-", stdout=buf)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\x.csv", "x.csv"),
        (".hidden.csv", "hidden.csv"),
        ("..", "kpitui-export"),
        ("", "kpitui-export"),
        # Vietnamese names stay readable, composed (NFC) whatever the keyboard sent.
        ("báo cáo tháng 8.csv", "báo cáo tháng 8.csv"),
        (unicodedata.normalize("NFD", "Đắk Lắk quý 2.xlsx"), "Đắk Lắk quý 2.xlsx"),
        # Control, escape and bidi characters, and what Windows refuses, become "_".
        ("a\x1b]0;title\x07b.md", "a_]0;title_b.md"),
        ("report\u202egnp.exe", "report_gnp.exe"),
        ("a\tb\nc.csv", "a_b_c.csv"),
        ('q: "x" <y> | z?*.html', "q_ _x_ _y_ _ z__.html"),
        ("-rf.csv", "_rf.csv"),
        ("  spaced name . ", "spaced name"),
    ],
)
def test_safe_name(given, expected):
    assert export.safe_name(given) == expected


def test_safe_name_bounds_the_length_in_bytes_and_keeps_the_extension():
    name = export.safe_name("báo cáo " * 60 + ".xlsx")
    assert len(name.encode("utf-8")) <= 200
    assert name.endswith(".xlsx") and name.startswith("báo cáo báo")
    assert unicodedata.is_normalized("NFC", name)
    long_ext = export.safe_name("x" * 300)
    assert long_ext == "x" * 200


# --------------------------------------------------------------------------- file hashes


def _reads() -> int:
    return hashing.cache_info()[1]


def test_making_a_table_reads_no_file_and_csv_never_hashes(snap):
    before = hashing.cache_info()
    table = summary_table(snap)
    breakdown_table(snap)
    export.render(table, "csv")
    assert hashing.cache_info() == before
    assert table.files and {Path(f.path).name for f in table.files} == {"defs.toml", "obs.csv"}


def test_hashes_are_computed_once_per_file_version(dataset):
    folder = dataset({"defs.toml": DEFS, "obs.csv": ROWS})
    snap = build_snapshot([str(folder)])
    table = summary_table(snap)
    reads = _reads()
    doc = json.loads(export.render(table, "json"))
    assert _reads() == reads + 2  # defs.toml, obs.csv
    for f in doc["meta"]["files"]:
        assert f["sha256"] == hashlib.sha256(Path(f["path"]).read_bytes()).hexdigest()
    for fmt in ("json", "md", "html", "xlsx"):
        export.render(table, fmt)
        export.render(summary_table(snap), fmt)
    assert _reads() == reads + 2
    # A new version of a file is hashed again, and only that file.
    obs = folder / "obs.csv"
    obs.write_text(ROWS + "cnt,b,2023-08,1,,,\n", encoding="utf-8")
    os.utime(obs, ns=(obs.stat().st_mtime_ns + 10**9,) * 2)
    # The snapshot read the old version: its hash would name content the figures do not use.
    stale = json.loads(export.render(table, "json"))["meta"]["files"]
    assert [f["sha256"] is None for f in stale] == [False, True]
    assert _reads() == reads + 2
    fresh = summary_table(build_snapshot([str(folder)]))
    files = json.loads(export.render(fresh, "json"))["meta"]["files"]
    assert files[1]["sha256"] == hashlib.sha256(obs.read_bytes()).hexdigest()
    assert _reads() == reads + 3


def test_an_unreadable_file_has_no_hash(tmp_path):
    assert hashing.sha256(str(tmp_path / "gone.csv")) is None
    assert hashing.sha256(str(tmp_path)) is None  # a folder


# --------------------------------------------------------------------------- clean text

HOSTILE_TEXT = "a\x1b[2J\x1b]52;c;SGVsbG8=\x07b\x9bc\u202ed\x00e"
"""ESC (a CSI and an OSC 52 clipboard write), BEL, a C1 CSI, U+202E, NUL."""
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@pytest.mark.parametrize("fmt", ["csv", "json", "md", "html", "xlsx"])
def test_every_text_cell_is_cleaned(fmt, tmp_path):
    frame = pl.DataFrame(
        {c: [HOSTILE_TEXT] for c in BREAKDOWN_HEAD if c not in ("value", "numerator")}
    ).with_columns(
        value=pl.lit(1.0),
        numerator=pl.lit(1.0),
        denominator=pl.lit(2.0),
        target=pl.lit(None, pl.Float64),
        attainment=pl.lit(None, pl.Float64),
        status=pl.lit("missing"),
        depth=pl.lit(0),
        indicator=pl.lit(HOSTILE_TEXT),
        note=pl.lit(HOSTILE_TEXT),
    )
    table = export.ExportTable(
        "breakdown", frame, HOSTILE_TEXT, "vi", meta={"title": HOSTILE_TEXT, "search": HOSTILE_TEXT}
    )
    data = export.render(table, fmt)
    if fmt == "xlsx":
        path = tmp_path / "x.xlsx"
        path.write_bytes(data)
        book = openpyxl.load_workbook(path)
        text = "\n".join(
            str(v) for s in book.worksheets for r in s.iter_rows(values_only=True) for v in r if v
        )
    else:
        text = data.decode("utf-8")
    if fmt == "json":
        assert "\\u001b" not in text and "\\u0000" not in text
    if fmt == "md":
        text = text.replace("\\[", "[").replace("\\]", "]")  # markdown escapes brackets
    assert not UNSAFE.search(text), fmt
    assert "a\ufffd[2J\ufffd]52;c;SGVsbG8=\ufffdb\ufffdc\ufffdd\ufffde" in text


# --------------------------------------------------------------------------- the registry


def test_one_registry_of_formats():
    assert formats.NAMES == ("csv", "json", "xlsx", "md", "html", "svg")
    assert [f.name for f in formats.FORMATS.values() if f.text] == [
        "csv",
        "json",
        "md",
        "html",
        "svg",
    ]
    assert [f.name for f in formats.FORMATS.values() if f.hashes] == ["json", "xlsx", "md", "html"]
    assert [f.name for f in formats.FORMATS.values() if f.for_people] == [
        "xlsx",
        "md",
        "html",
        "svg",
    ]
    assert {f.extension for f in formats.FORMATS.values()} == set(formats.NAMES)
    assert cli.build_parsers()["export"]._option_string_actions["--format"].choices == formats.NAMES


def test_svg_is_not_rendered_by_the_core(snap):
    with pytest.raises(export.ExportError, match="picture of the dashboard"):
        export.render(summary_table(snap), "svg")


# --------------------------------------------------------------------------- SPEC §9


def test_csv_and_json_carry_the_calendar_columns(merged):
    """The README's merger, September 2025 against September 2024 (computed by hand there)."""
    frame = views.breakdown(merged, "dd_kich_hoat", subtree=True)
    table = export.make_table(merged, "breakdown", frame, "vi", indicator="dd_kich_hoat")
    rows = {r["agency"]: r for r in read_csv(export.render_csv(table))}
    assert list(rows) == ["tinh", "phuong_moi", "xa_son"]
    phuong = rows["phuong_moi"]
    assert float(phuong["last_year"]) == pytest.approx(100 * 400 / 1500)
    assert float(phuong["yoy_change"]) == pytest.approx(100 * 840 / 1500 - 100 * 400 / 1500)
    assert (phuong["rank"], phuong["rank_of"], phuong["shortfall"]) == ("2", "2", "360.0")
    assert (rows["xa_son"]["rank"], rows["xa_son"]["shortfall"]) == ("1", "20.0")
    assert (rows["tinh"]["rank"], rows["tinh"]["shortfall"], rows["tinh"]["until"]) == (
        "",
        "380.0",
        "",
    )
    doc = json.loads(export.render_json(table))
    assert doc["columns"] == BREAKDOWN_ALL
    json_rows = {r["agency"]: r for r in doc["rows"]}
    assert json_rows["tinh"]["rank"] is None and json_rows["xa_son"]["rank"] == 1
    assert json_rows["phuong_moi"]["shortfall"] == 360.0
    summary = export.make_table(merged, "summary", views.summary(merged), "en")
    by_id = {r["indicator"]: r for r in read_csv(export.render_csv(summary))}
    assert (by_id["tk_vneid"]["last_year"], by_id["tk_vneid"]["yoy_change"]) == ("800.0", "740.0")
    assert by_id["tk_vneid"]["shortfall"] == "1460.0"


def test_dissolved_agencies_in_a_breakdown_export_of_their_time(merged, tmp_path):
    frame = views.breakdown(merged, "tk_vneid", as_of="2024-09", subtree=True)
    table = export.make_table(merged, "breakdown", frame, "vi", indicator="tk_vneid")
    rows = read_csv(export.render_csv(table))
    assert [r["agency"] for r in rows] == ["tinh", "phuong_moi", "xa_son", "huyen_bac"]
    district = rows[-1]
    assert (district["agency_name"], district["parent"], district["value"]) == (
        "Huyện Bắc",
        "tinh",
        "400.0",
    )
    assert district["until"] == "2025-06-30" and district["rank"] == ""
    assert json.loads(export.render_json(table))["rows"][-1]["until"] == "2025-06-30"
    text = export.render_md(table).decode("utf-8")
    assert "\xa0\xa0Huyện Bắc (đến 30/06/2025) | Tháng 9/2024 | 400 tài khoản |" in text
    # The data sheet holds what the csv holds: the day as ISO text, no rank.
    path = tmp_path / "x.xlsx"
    path.write_bytes(export.render_xlsx(table))
    data = list(openpyxl.load_workbook(path)["data"].iter_rows(values_only=True))
    header, last = data[0], dict(zip(data[0], data[-1], strict=True))
    assert list(header) == BREAKDOWN_ALL
    assert (last["agency"], last["until"], last["rank"]) == ("huyen_bac", "2025-06-30", None)


def test_documents_name_the_calendar_columns(merged, tmp_path):
    frame = views.breakdown(merged, "dd_kich_hoat", subtree=True)
    for lang, headings, rank in (
        (
            "vi",
            ["Cùng kỳ năm trước", "So với cùng kỳ", "Xếp hạng", "Còn thiếu so với mục tiêu"],
            "2/2",
        ),
        (
            "en",
            ["Same period last year", "Change on last year", "Rank", "Shortfall to target"],
            "2/2",
        ),
    ):
        table = export.make_table(merged, "breakdown", frame, lang, indicator="dd_kich_hoat")
        text = export.render_md(table).decode("utf-8")
        head = next(line for line in text.splitlines() if line.startswith("| "))
        cells = [c.strip() for c in head.strip("|").split("|")]
        for heading in headings:
            assert heading in cells, (lang, cells)
        row = next(line for line in text.splitlines() if "Phường Mới" in line)
        values = [c.strip() for c in row.strip("|").split("|")]
        assert values[cells.index(headings[2])] == rank
        # A rate's shortfall is in accounts: a count, not a percentage.
        assert values[cells.index(headings[3])] == "360"
        last_year = values[cells.index(headings[0])]
        assert last_year == {"vi": "26,67%", "en": "26.67%"}[lang]
        path = tmp_path / f"{lang}.xlsx"
        path.write_bytes(export.render_xlsx(table))
        book = openpyxl.load_workbook(path)
        sheet = book[book.sheetnames[0]]
        header = [c.value for c in sheet[2]]
        record = next(
            {header[i]: c for i, c in enumerate(r)}
            for r in sheet.iter_rows(min_row=3)
            if "Phường Mới" in str(r[1].value)
        )
        assert record[headings[3]].value == 360 and record[headings[3]].number_format == "#,##0"
        assert record[headings[0]].value == pytest.approx(400 / 1500)
        assert record[headings[0]].number_format == "0.00%"
        assert record[headings[2]].value == "2/2"
