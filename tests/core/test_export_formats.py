"""Every export format read back by an independent reader, with hostile names.

openpyxl for xlsx, the csv and json modules, html.parser for HTML, an XML parser for SVG.
Names like ``=HYPERLINK(...)``, ``+1+2``, ``@SUM(A1)`` and ``a | b <script>`` must stay inert
text; numbers must stay numbers; a failed write must leave nothing behind.
"""

from __future__ import annotations

import csv
import errno
import hashlib
import io
import json
import os
import re
import stat
import subprocess
import sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from kpitui.core import export, views
from kpitui.core.load.loader import build_snapshot

HOSTILE = {
    "ind_a": '=HYPERLINK("http://evil.example","click")',
    "ind_b": "+1+2",
    "ind_c": "@SUM(A1)",
    "ind_d": "a | b <script>alert(1)</script>",
    "ind_e": "-2+3",
}


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    toml = ['[dashboard]\ntitle = "<b>Report</b> | =1+1"\ndeadline = "2023-12-31"\n']
    for ident, name in HOSTILE.items():
        escaped = name.replace("\\", "\\\\").replace('"', '\\"')
        toml.append(f'[[indicator]]\nid = "{ident}"\nname = "{escaped}"\nunit = "%"\ntarget = 50\n')
    (folder / "defs.toml").write_text("\n".join(toml), encoding="utf-8")
    rows = ["indicator,agency,period,numerator,denominator,note"]
    for n, ident in enumerate(HOSTILE):
        rows.append(f"{ident},=cmd|' /C calc'!A0,2023-06,{10 + n},{40 + n},@note")
    (folder / "obs.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return folder


def _table(folder: Path, view: str = "summary") -> export.ExportTable:
    snap = build_snapshot([str(folder)])
    assert snap.errors == 0, [f.format() for f in snap.findings]
    if view == "breakdown":
        frame = views.breakdown(snap, "ind_a", subtree=True)
    else:
        frame = views.summary(snap)
    return export.make_table(snap, view, frame, "en")


def _book(data: bytes, tmp_path: Path) -> openpyxl.Workbook:
    path = tmp_path / "out.xlsx"
    path.write_bytes(data)
    return openpyxl.load_workbook(path)


def _records(sheet: Any, header_row: int) -> list[dict[str, Any]]:
    """The rows under ``header_row`` as {heading: cell}."""
    header = [c.value for c in sheet[header_row]]
    return [
        {header[i]: cell for i, cell in enumerate(row) if header[i] is not None}
        for row in sheet.iter_rows(min_row=header_row + 1)
    ]


def test_xlsx_read_back_by_openpyxl(hostile: Path, tmp_path: Path) -> None:
    book = _book(export.render(_table(hostile), "xlsx"), tmp_path)
    assert book.sheetnames == ["Indicator summary", "data", "meta"]
    sheet = book["Indicator summary"]
    assert sheet["A1"].value == "<b>Report</b> | =1+1" and sheet["A1"].data_type == "s"
    header = [c.value for c in sheet[2]]
    assert header[:6] == ["Status", "Indicator", "Period", "Value", "Target", "Attainment"]
    assert all(c.font.b for c in sheet[2])
    assert sheet.freeze_panes == "A3"
    assert sheet.auto_filter.ref == f"A2:{sheet.cell(2, len(header)).column_letter}7"
    names = {}
    for record in _records(sheet, 2):
        names[record["Indicator"].value] = record["Indicator"]
        assert record["Status"].value == "behind"  # at most 32 % against 50 %
        assert record["Period"].value == "Jun 2023"
        # Numbers stay numbers; percentages are fractions with a percent format.
        value = record["Value"]
        assert value.data_type == "n" and value.number_format == "0.00%"
        assert 10 / 40 <= value.value <= 14 / 44  # 10/40 ... 14/44
        assert record["Target"].value == 0.5 and record["Target"].number_format == "0.00%"
        assert record["Attainment"].value == pytest.approx(value.value / 0.5)
        assert record["Attainment"].number_format == "0.00%"
    assert set(names) == set(HOSTILE.values())
    for cell in names.values():
        # Text stays text: never a formula ("f"), and quote-prefixed against a user's edit.
        assert cell.data_type == "s" and cell.quotePrefix
    data = _records(book["data"], 1)
    assert [c.value for c in book["data"][1]][:10] == export.SUMMARY_COLUMNS[:10]
    data_names = {r["indicator"].value: r["name"] for r in data}
    for ident, name in HOSTILE.items():
        assert data_names[ident].value == name and data_names[ident].data_type == "s"
        assert data_names[ident].quotePrefix
    meta = {r[0]: r[1] for r in book["meta"].iter_rows(values_only=True) if r[0]}
    assert meta["View"] == "Indicator summary" and meta["kpitui version"]
    files = {r[0]: r for r in book["meta"].iter_rows(values_only=True) if r[0]}
    csv_path = str(hostile / "obs.csv")
    assert files[csv_path][1] == hashlib.sha256((hostile / "obs.csv").read_bytes()).hexdigest()
    assert files[csv_path][2] == (hostile / "obs.csv").stat().st_size
    assert files[csv_path][4] == "ok"


SUMMARY_HEADINGS = {
    "vi": ["Trạng thái", "Chỉ tiêu", "Nhóm", "Kỳ", "Giá trị", "Mục tiêu", "Mức đạt", "Thay đổi"],
    "en": ["Status", "Indicator", "Group", "Period", "Value", "Target", "Attainment", "Change"],
}
BREAKDOWN_HEADINGS = {
    "vi": ["Trạng thái", "Đơn vị", "Kỳ", "Giá trị", "Tử số", "Mẫu số", "Mục tiêu", "Mức đạt"],
    "en": ["Status", "Agency", "Period", "Value", "Numerator", "Denominator", "Target"],
}


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_xlsx_speaks_the_ui_language(director_snap: Any, tmp_path: Path, lang: str) -> None:
    snap = director_snap
    table = export.make_table(snap, "summary", views.summary(snap), lang, filters="near")
    book = _book(export.render(table, "xlsx"), tmp_path)
    sheet_name = {"vi": "Tổng hợp chỉ tiêu", "en": "Indicator summary"}[lang]
    assert book.sheetnames == [sheet_name, "data", "meta"]
    sheet = book[sheet_name]
    headings = [c.value for c in sheet[2]]
    assert headings[:8] == SUMMARY_HEADINGS[lang]
    rows = {r[headings[1]].value: r for r in _records(sheet, 2)}
    met = rows["Tỷ lệ hồ sơ trực tuyến" if lang == "vi" else "Online dossiers"]
    assert met[headings[0]].value == {"vi": "đạt", "en": "met"}[lang]
    assert met[headings[2]].value == "Chính quyền số"  # the group's name, not "cqs"
    assert met[headings[3]].value == {"vi": "Tháng 8/2023", "en": "Aug 2023"}[lang]
    assert (met[headings[4]].value, met[headings[4]].number_format) == (0.6, "0.00%")
    assert (met[headings[6]].value, met[headings[6]].number_format) == (1.2, "0.00%")
    # A change in percentage points stays a signed number.
    assert met[headings[7]].value == pytest.approx(10.0)
    assert met[headings[7]].number_format == "+0.00;-0.00;0"
    # Units beside non-% values, in the number format: the cell stays a number.
    count = rows["Số tài khoản kích hoạt"]
    assert count[headings[0]].value == {"vi": "chậm", "en": "behind"}[lang]
    assert (count[headings[4]].value, count[headings[4]].number_format) == (300, '#,##0 "người"')
    assert count[headings[5]].value == 1000
    assert count[headings[7]].value == 150
    assert count[headings[7]].number_format == '+#,##0 "người";-#,##0 "người";0'
    days = rows["Thời gian xử lý"]
    assert (days[headings[4]].value, days[headings[4]].number_format) == (6.75, '#,##0.00 "ngày"')
    assert days[headings[6]].value is None
    meta = {r[0]: r[1] for r in book["meta"].iter_rows(values_only=True) if r[0]}
    if lang == "vi":
        assert meta["Bảng"] == "Tổng hợp chỉ tiêu"  # not "summary"
        assert meta["Bộ lọc"] == "gần đạt"  # not "near"
        assert meta["Số liệu"] == "Tháng 7/2023 – Tháng 8/2023"
        assert re.fullmatch(
            r"\d\d:\d\d:\d\d \d\d/\d\d/\d{4} \(UTC[+-]\d\d:\d\d\)", meta["Thời điểm xuất"]
        )
    else:
        assert (meta["View"], meta["Filters"]) == ("Indicator summary", "near")
        assert meta["Data period"] == "Jul 2023 – Aug 2023"
        assert re.fullmatch(
            r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(UTC[+-]\d\d:\d\d\)", meta["Generated at"]
        )
    assert "summary" not in meta.values() and "near" not in (meta.get("Bộ lọc"),)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_xlsx_breakdown_has_counts_as_numbers_and_the_tree(
    director_snap: Any, tmp_path: Path, lang: str
) -> None:
    frame = views.breakdown(director_snap, "met_pct", subtree=True)
    table = export.make_table(director_snap, "breakdown", frame, lang, indicator="met_pct")
    book = _book(export.render(table, "xlsx"), tmp_path)
    sheet = book[book.sheetnames[0]]
    assert sheet["A1"].value == {"vi": "Tỷ lệ hồ sơ trực tuyến", "en": "Online dossiers"}[lang]
    headings = [c.value for c in sheet[2]]
    assert headings[: len(BREAKDOWN_HEADINGS[lang])] == BREAKDOWN_HEADINGS[lang]
    records = _records(sheet, 2)
    agency, numerator = headings[1], headings[4]
    assert [r[agency].value for r in records] == ["Tỉnh", "Huyện A", "Huyện B"]
    assert [r[agency].alignment.indent for r in records] == [0, 1, 1]
    assert [r[numerator].value for r in records] == [60, 30, 30]
    assert {r[numerator].number_format for r in records} == {"#,##0"}
    assert records[2][headings[-1]].value == "ghi chú"  # the note
    meta = {r[0]: r[1] for r in book["meta"].iter_rows(values_only=True) if r[0]}
    assert meta[{"vi": "Chỉ tiêu", "en": "Indicator"}[lang]] == sheet["A1"].value  # not the id


@pytest.mark.parametrize("view", ["summary", "breakdown", "agency"])
def test_xlsx_data_sheet_equals_the_csv_export(
    director_snap: Any, hostile: Path, tmp_path: Path, view: str
) -> None:
    snap = director_snap
    if view == "breakdown":
        frame = views.breakdown(snap, "met_pct", subtree=True)
    elif view == "agency":
        frame = views.summary(snap, agency="b")
    else:
        frame = views.summary(snap)
    for table in (
        export.make_table(snap, view, frame, "vi"),
        _table(hostile, "breakdown" if view == "breakdown" else "summary"),
    ):
        rows = list(csv.reader(io.StringIO(export.render_csv(table).decode("utf-8"))))
        book = _book(export.render_xlsx(table), tmp_path)
        sheet = book["data"]
        cells = list(sheet.iter_rows())
        assert [c.value for c in cells[0]] == rows[0] == table.columns
        assert len(cells) == len(rows)
        for csv_row, xlsx_row in zip(rows[1:], cells[1:], strict=True):
            for text, cell in zip(csv_row, xlsx_row, strict=True):
                if text == "":
                    assert cell.value is None
                elif text in ("true", "false"):
                    assert cell.value is (text == "true")
                elif cell.data_type == "n":
                    # xlsx keeps 16 significant digits (Excel shows 15); csv keeps them all.
                    assert cell.value == float(f"{float(text):.16G}")
                else:
                    # csv escapes formula-like text with "'"; xlsx keeps it and quote-prefixes.
                    assert cell.data_type == "s" and cell.quotePrefix
                    assert text in (cell.value, "'" + cell.value)
                    assert (text != cell.value) == bool(re.match(r"\s*[=+\-@]", cell.value))


def test_csv_read_back_by_the_csv_module(hostile: Path) -> None:
    text = export.render(_table(hostile, "breakdown"), "csv").decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    agencies = {r["agency"] for r in rows}
    # The agency id "=cmd|' /C calc'!A0" is escaped so that no spreadsheet runs it.
    assert "'=cmd|' /C calc'!A0" in agencies
    notes = {r["note"] for r in rows if r["note"]}
    assert notes == {"'@note"}
    numbers = [float(r["value"]) for r in rows if r["value"]]
    assert numbers and all(isinstance(v, float) for v in numbers)


def test_json_read_back(hostile: Path) -> None:
    doc = json.loads(export.render(_table(hostile), "json"))
    assert doc["columns"][:10] == export.SUMMARY_COLUMNS[:10]
    names = {r["indicator"]: r["name"] for r in doc["rows"]}
    assert names == HOSTILE  # json is data: the text is kept exactly
    assert isinstance(doc["rows"][0]["value"], float)
    assert {f["path"].rsplit("/", 1)[1] for f in doc["meta"]["files"]} == {"defs.toml", "obs.csv"}


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_is_escaped_and_self_contained(hostile: Path) -> None:
    page = export.render(_table(hostile), "html").decode("utf-8")
    parser = _Collect()
    parser.feed(page)
    assert "script" not in parser.tags and "b" not in parser.tags
    text = "".join(parser.text)
    assert "a | b <script>alert(1)</script>" in text
    assert "<b>Report</b>" in text
    assert "http" not in "".join(t for t in parser.tags)
    assert "<link" not in page and "src=" not in page  # nothing loaded from elsewhere
    assert "@page{size:A4" in page


class _Cells(HTMLParser):
    """Text of the list items, headings and cells of a page, with the class of each row."""

    def __init__(self) -> None:
        super().__init__()
        self.items: list[str] = []
        self.headings: list[str] = []
        self.rows: list[tuple[str, list[str]]] = []
        self._where: str | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self.rows.append((dict(attrs).get("class") or "", []))
        if tag in ("li", "th", "td"):
            self._where, self._text = tag, ""

    def handle_data(self, data: str) -> None:
        if self._where:
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag != self._where:
            return
        if tag == "li":
            self.items.append(self._text)
        elif tag == "th" and len(self.rows) == 1:
            self.headings.append(self._text)
        elif tag == "td":
            self.rows[-1][1].append(self._text)
        self._where = None


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_html_speaks_the_ui_language(director_snap: Any, lang: str) -> None:
    snap = director_snap
    table = export.make_table(
        snap, "summary", views.summary(snap), lang, filters="behind, group=cqs", sort="status desc"
    )
    page = _Cells()
    page.feed(export.render(table, "html").decode("utf-8"))
    assert page.headings[:8] == SUMMARY_HEADINGS[lang]
    rows = {cells[1]: (cls, cells) for cls, cells in page.rows[1:] if cls}
    cls, met = rows["Tỷ lệ hồ sơ trực tuyến" if lang == "vi" else "Online dossiers"]
    assert cls == "met"
    period = {"vi": "Tháng 8/2023", "en": "Aug 2023"}[lang]
    assert met[:8] == [
        {"vi": "đạt", "en": "met"}[lang],
        met[1],
        "Chính quyền số",
        period,
        "60%",
        "50%",
        "120%",
        "+10",
    ]
    count = rows["Số tài khoản kích hoạt"][1]
    assert count[4:8] == (
        ["300 người", "1.000 người", "30%", "+150 người"]
        if lang == "vi"
        else ["300 người", "1,000 người", "30%", "+150 người"]
    )
    assert rows["Tỷ lệ thanh toán"][1][0] == {"vi": "thiếu số liệu", "en": "missing"}[lang]
    expected = {
        "vi": [
            "Bảng: Tổng hợp chỉ tiêu",
            "Số liệu: Tháng 7/2023 – Tháng 8/2023",
            "Bộ lọc: chậm, Nhóm: Chính quyền số",
            "Sắp xếp: trạng thái (giảm dần)",
        ],
        "en": [
            "View: Indicator summary",
            "Data period: Jul 2023 – Aug 2023",
            "Filters: behind, Group: Chính quyền số",
            "Sort: status (descending)",
        ],
    }[lang]
    assert page.items[: len(expected)] == expected
    assert page.items[len(expected)].startswith(
        {"vi": "Thời điểm xuất: ", "en": "Generated at: "}[lang]
    )


def test_html_and_md_list_the_input_files_with_their_hash(
    director: Path, director_snap: Any
) -> None:
    digests = {
        str(director / name): hashlib.sha256((director / name).read_bytes()).hexdigest()
        for name in ("defs.toml", "obs.csv")
    }
    table = export.make_table(director_snap, "summary", views.summary(director_snap), "vi")
    page = _Cells()
    page.feed(export.render(table, "html").decode("utf-8"))
    files = [cells for cls, cells in page.rows if len(cells) == 5 and cells[0] in digests]
    assert [(f[0], f[1], f[4]) for f in files] == [(p, d, "hợp lệ") for p, d in digests.items()]
    md = export.render(table, "md").decode("utf-8")
    for path, digest in digests.items():
        assert f"  - `{path}` SHA-256 `{digest}`" in md
    assert "- Tệp dữ liệu:" in md


def test_markdown_escapes_pipes_and_tags(hostile: Path) -> None:
    md = export.render(_table(hostile), "md").decode("utf-8")
    line = next(x for x in md.splitlines() if "alert(1)" in x)
    assert "a \\| b \\<script\\>" in line
    # Every table row has the same number of unescaped cell separators.
    rows = [x for x in md.splitlines() if x.startswith("|")]
    counts = {x.replace("\\|", "").count("|") for x in rows}
    assert len(counts) == 1


def test_svg_is_well_formed_xml(hostile: Path, tmp_path: Path) -> None:
    out = tmp_path / "shot.svg"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "kpitui",
            "export",
            str(hostile),
            "--format",
            "svg",
            "--size",
            "100x30",
            "-o",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    root = ET.parse(out).getroot()
    assert root.tag.endswith("svg")
    text = "".join(root.itertext())
    assert "HYPERLINK" in text  # the names are shown, as text
    assert not root.findall(".//{http://www.w3.org/2000/svg}script")


def test_written_files_are_0640_and_leave_no_temp_file(hostile: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    path = export.write(export.render(_table(hostile), "xlsx"), "xlsx", "summary", folder=str(out))
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    assert [p.name for p in out.iterdir()] == [Path(path).name]


def test_a_failure_mid_write_leaves_nothing(hostile: Path, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "out"
    out.mkdir()

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(export.ExportError, match="No space left"):
        export.write(b"x" * 1000, "csv", "summary", folder=str(out))
    with pytest.raises(export.ExportError):
        export.write(b"x", "csv", "summary", output=str(out / "named.csv"))
    assert list(out.iterdir()) == []


def test_an_existing_file_is_never_overwritten_silently(tmp_path: Path) -> None:
    target = tmp_path / "report.csv"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(export.ExportError, match="already exists"):
        export.write(b"new", "csv", "summary", output=str(target))
    assert target.read_text(encoding="utf-8") == "old"
    export.write(b"new", "csv", "summary", output=str(target), force=True)
    assert target.read_text(encoding="utf-8") == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.csv"]


def test_names_never_leave_their_folder() -> None:
    for name in ("../../etc/passwd", "/abs/path.csv", "..\\..\\x.csv", ".hidden", "a/b/c.xlsx"):
        safe = export.safe_name(name)
        assert "/" not in safe and "\\" not in safe and not safe.startswith(".")
