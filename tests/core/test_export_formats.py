"""Every export format read back by an independent reader, with hostile names.

openpyxl for xlsx, the csv and json modules, html.parser for HTML, an XML parser for SVG.
Names like ``=HYPERLINK(...)``, ``+1+2``, ``@SUM(A1)`` and ``a | b <script>`` must stay inert
text; numbers must stay numbers; a failed write must leave nothing behind.
"""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import stat
import subprocess
import sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

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


def test_xlsx_read_back_by_openpyxl(hostile: Path, tmp_path: Path) -> None:
    data = export.render(_table(hostile), "xlsx")
    path = tmp_path / "out.xlsx"
    path.write_bytes(data)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["summary", "meta"]
    sheet = book["summary"]
    header = [c.value for c in sheet[1]]
    assert header[:10] == export.SUMMARY_COLUMNS[:10]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref is not None
    assert header[0] is not None and sheet["A1"].font.b
    names = {}
    for row in sheet.iter_rows(min_row=2, values_only=False):
        record = {header[i]: cell for i, cell in enumerate(row)}
        names[record["indicator"].value] = record["name"]
        # Numbers stay numbers.
        assert record["value"].data_type == "n" and isinstance(record["value"].value, int | float)
        assert record["attainment"].number_format == "0.0%"
    for ident, name in HOSTILE.items():
        cell = names[ident]
        # Text stays text: never a formula ("f"), shown exactly as written.
        assert cell.data_type == "s"
        assert cell.value == name
        if name[0] in "=+-@":
            assert cell.quotePrefix
    meta = {r[0]: r[1] for r in book["meta"].iter_rows(values_only=True) if r[0]}
    assert meta["view"] == "summary" and meta["kpitui_version"]
    # The title starts with "<", the hostile one with "=" would be quote-prefixed too.
    hashes = [
        r for r in book["meta"].iter_rows(values_only=True) if r[0] and str(r[0]).endswith(".csv")
    ]
    assert hashes and len(hashes[0][1]) == 64


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
