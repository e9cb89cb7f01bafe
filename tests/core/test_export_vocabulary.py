"""One vocabulary of status words (SPEC §10) on every surface: the string table, the md, html
and xlsx exports, and `kpitui show`; machine formats keep the machine values."""

from __future__ import annotations

import csv
import io
import json
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from kpitui import cli
from kpitui.core import export, views
from kpitui.core.i18n import status_word
from kpitui.palette import ASCII, UNICODE

from .conftest import STATUS_OF

# Written out from SPEC §10, not taken from the code.
SPEC_WORDS = {
    "vi": {
        "met": "đạt",
        "near": "gần đạt",
        "behind": "chậm",
        "missing": "thiếu số liệu",
        "no_target": "không có chỉ tiêu",
    },
    "en": {
        "met": "met",
        "near": "near",
        "behind": "behind",
        "missing": "missing",
        "no_target": "no target",
    },
}
LANGS = sorted(SPEC_WORDS)


@pytest.mark.parametrize("lang", LANGS)
def test_the_string_table_has_the_spec_words(lang: str) -> None:
    assert {s: status_word(s, lang) for s in SPEC_WORDS[lang]} == SPEC_WORDS[lang]


def _words_by_indicator(lang: str) -> dict[str, str]:
    return {ident: SPEC_WORDS[lang][status] for ident, status in STATUS_OF.items()}


def _table(snap: Any, lang: str) -> export.ExportTable:
    return export.make_table(snap, "summary", views.summary(snap), lang)


def _names(snap: Any, lang: str) -> dict[str, str]:
    return {i.display_name(lang): i.id for i in snap.definitions.indicators}


@pytest.mark.parametrize("lang", LANGS)
def test_md_status_words(director_snap: Any, lang: str) -> None:
    md = export.render(_table(director_snap, lang), "md").decode("utf-8")
    rows = [line.split(" | ") for line in md.splitlines() if line.startswith("| ")][1:]
    names = _names(director_snap, lang)
    found = {names[cells[1]]: cells[0].removeprefix("| ") for cells in rows}
    assert found == _words_by_indicator(lang)


class _StatusCells(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.cells: list[str] = []
        self._in = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in = tag == "td" and ("class", "status") in attrs

    def handle_data(self, data: str) -> None:
        if self._in:
            self.cells.append(data)
            self._in = False


@pytest.mark.parametrize("lang", LANGS)
def test_html_status_words(director_snap: Any, lang: str) -> None:
    parser = _StatusCells()
    parser.feed(export.render(_table(director_snap, lang), "html").decode("utf-8"))
    ordered = [i.id for i in director_snap.definitions.indicators]
    assert parser.cells == [_words_by_indicator(lang)[i] for i in ordered]


@pytest.mark.parametrize("lang", LANGS)
def test_xlsx_status_words_and_machine_values(
    director_snap: Any, tmp_path: Path, lang: str
) -> None:
    path = tmp_path / "out.xlsx"
    path.write_bytes(export.render(_table(director_snap, lang), "xlsx"))
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    names = _names(director_snap, lang)
    found = {names[r[1]]: r[0] for r in sheet.iter_rows(min_row=3, values_only=True)}
    assert found == _words_by_indicator(lang)
    # The data sheet keeps the machine values of SPEC §5.2.
    header = [c.value for c in book["data"][1]]
    data = {
        r[0]: r[header.index("status")] for r in book["data"].iter_rows(min_row=2, values_only=True)
    }
    assert data == STATUS_OF


@pytest.mark.parametrize("lang", LANGS)
def test_csv_and_json_keep_machine_values(director_snap: Any, lang: str) -> None:
    table = _table(director_snap, lang)
    rows = csv.DictReader(io.StringIO(export.render(table, "csv").decode("utf-8")))
    assert {r["indicator"]: r["status"] for r in rows} == STATUS_OF
    doc = json.loads(export.render(table, "json"))
    assert {r["indicator"]: r["status"] for r in doc["rows"]} == STATUS_OF


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(
    ("environ", "marks"), [({"LANG": "vi_VN.UTF-8"}, UNICODE), ({"LANG": "C"}, ASCII)]
)
def test_show_glyph_and_word(
    director: Path, capsys: Any, monkeypatch: Any, lang: str, environ: dict[str, str], marks: Any
) -> None:
    for var in ("LC_ALL", "LC_CTYPE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("TERM", "xterm")
    monkeypatch.setenv("LANG", environ["LANG"])
    assert cli.main(["show", str(director), "--lang", lang]) == 0
    lines = capsys.readouterr().out.splitlines()[3:]
    expected = _words_by_indicator(lang)
    from kpitui.asciifold import to_ascii

    for line, ident in zip(lines, expected, strict=True):
        status = STATUS_OF[ident]
        # A terminal that shows ASCII only gets the words without their accents.
        word = to_ascii(expected[ident]) if marks is ASCII else expected[ident]
        assert line.startswith(f"{marks.status[status]} {word} ")
        assert f" {ident} " in line
