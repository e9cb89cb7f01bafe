"""Workbooks and wide forms (SPEC §8.1, §8.2): rows, cells and findings at sheet!cell.

Fixtures are written in each test with xlsxwriter (as Excel writes) or openpyxl (formulas
without a saved value); the few a library cannot make are in ``tests/data/workbooks``.
"""

from __future__ import annotations

import textwrap
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import polars as pl
import pytest
import xlsxwriter
from polars.testing import assert_frame_equal

from kpitui.core import sheetxml, workbook
from kpitui.core.definitions import load_definitions, parse_file
from kpitui.core.model import CsvOptions, SheetColumn, SheetSpec
from kpitui.core.workbook import (
    FRAME_SCHEMA,
    is_lock_file,
    read_wide,
    read_workbook,
    sheet_for,
)

DATA = Path(__file__).resolve().parents[1] / "data" / "workbooks"
HEADER = ["indicator", "agency", "period", "value", "numerator", "denominator", "note"]


def xlsx(path: Path, rows: list[list[Any]], sheet: str = "BC thang", start: int = 0) -> str:
    """A workbook with ``rows`` written from row ``start`` (0-based) of ``sheet``."""
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet(sheet)
    for r, row in enumerate(rows, start=start):
        for c, value in enumerate(row):
            if value is not None:
                ws.write(r, c, value)
    book.close()
    return str(path)


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def messages(table: workbook.SourceTable) -> list[str]:
    """The findings as printed, with paths relative to the test's folder."""
    return [f.format().replace(f"{Path.cwd()}/", "") for f in table.findings]


def long_rows(table: workbook.SourceTable) -> list[tuple[Any, ...]]:
    return table.frame.select(
        "indicator", "agency", "period", "value", "numerator", "denominator", "note"
    ).rows()


# --------------------------------------------------------------------------- long tables


def test_title_rows_mapping_and_cells(tmp_path: Path) -> None:
    path = xlsx(
        tmp_path / "bao-cao.xlsx",
        [
            ["BÁO CÁO CHUYỂN ĐỔI SỐ", None, None],
            ["Tháng 6 năm 2024"],
            [],
            ["Mã chỉ tiêu", "Mã đơn vị", "Kỳ", "Tử số", "Mẫu số", "Ghi chú", "STT"],
            ["dd_kich_hoat", "ba_ria", "2024-06", 309104, 615198, "ghi chú", 1],
            ["dd_kich_hoat", "vung_tau", "2024-06", "1.234", "2.000", None, 2],
            [],
            ["dd_kich_hoat", "long_dien", "2024-06", "không có", 10, "Hoà", 3],
        ],
    )
    opts = CsvOptions(
        columns=(
            ("Mã chỉ tiêu", "indicator"),
            ("Mã đơn vị", "agency"),
            ("Kỳ", "period"),
            ("Tử số", "numerator"),
            ("Mẫu số", "denominator"),
            ("Ghi chú", "note"),
        )
    )
    table = read_workbook(path, opts)
    assert table.sheet == "BC thang"
    assert long_rows(table) == [
        ("dd_kich_hoat", "ba_ria", "2024-06", None, 309104.0, 615198.0, "ghi chú"),
        ("dd_kich_hoat", "vung_tau", "2024-06", None, None, None, None),
        ("dd_kich_hoat", "long_dien", "2024-06", None, None, 10.0, "Hoà"),
    ]
    frame = table.frame
    assert list(frame.columns) == [
        *FRAME_SCHEMA,
        "_where_indicator",
        "_where_agency",
        "_where_period",
        "_where_numerator",
        "_where_denominator",
        "_where_note",
    ]
    assert frame.schema["row"] == pl.UInt32 and frame.schema["value"] == pl.Float64
    assert frame["row"].to_list() == [0, 1, 2]
    assert frame["_line"].to_list() == [5, 6, 8]
    assert frame["_text_numerator"].to_list() == [None, "1.234", "không có"]
    assert frame["_text_denominator"].to_list() == [None, "2.000", None]
    assert frame["_where"].to_list() == ["BC thang!A5", "BC thang!A6", "BC thang!A8"]
    assert frame["_where_numerator"].to_list()[2] == "BC thang!D8"
    assert frame["_where_note"].to_list()[0] == "BC thang!F5"
    assert messages(table) == [
        "bao-cao.xlsx:BC thang!G4: warning: column 'STT' is not used (ignored)"
    ]


def test_numbers_in_numeric_cells_are_never_reread_as_text(tmp_path: Path) -> None:
    # With a decimal comma a text "1.5" would be 15: a numeric 1.5 must stay 1.5.
    path = xlsx(
        tmp_path / "a.xlsx", [HEADER[:4], ["i", "a", "2024-06", 1.5], ["i", "b", "2024-06", "1,5"]]
    )
    table = read_workbook(path, CsvOptions(decimal=",", thousands="."))
    assert table.frame["value"].to_list() == [1.5, None]
    assert table.frame["_text_value"].to_list() == [None, "1,5"]


def test_numeric_ids_read_as_text(tmp_path: Path) -> None:
    path = xlsx(tmp_path / "a.xlsx", [HEADER[:4], ["i", 101, 2024, 7], ["i", 102.5, "2024", True]])
    table = read_workbook(path, CsvOptions())
    assert table.frame["agency"].to_list() == ["101", "102.5"]
    assert table.frame["period"].to_list() == ["2024", "2024"]
    assert table.frame["_text_value"].to_list() == [None, "TRUE"]


def _dates(tmp_path: Path, days: list[date]) -> workbook.SourceTable:
    book = xlsxwriter.Workbook(str(tmp_path / "d.xlsx"))
    ws = book.add_worksheet()
    fmt = book.add_format({"num_format": "dd/mm/yyyy"})
    ws.write_row(0, 0, HEADER[:4])
    for r, d in enumerate(days, start=1):
        ws.write_row(r, 0, ["i", f"a{r}"])
        ws.write_datetime(r, 2, datetime(d.year, d.month, d.day), fmt)
        ws.write_number(r, 3, r)
    book.close()
    return read_workbook(str(tmp_path / "d.xlsx"), CsvOptions())


def test_date_cells_in_the_period_column_are_months(tmp_path: Path) -> None:
    table = _dates(tmp_path, [date(2024, 6, 1), date(2024, 7, 31), date(2024, 8, 15)])
    assert table.frame["period"].to_list() == ["2024-06", "2024-07", "2024-08"]


def test_date_cells_in_a_column_of_days_are_days(tmp_path: Path) -> None:
    table = _dates(tmp_path, [date(2024, 6, 14), date(2024, 6, 15), date(2024, 7, 1)])
    assert table.frame["period"].to_list() == ["2024-06-14", "2024-06-15", "2024-07-01"]


def test_blank_rows_numbering_row_and_footer_are_no_rows(tmp_path: Path) -> None:
    path = xlsx(
        tmp_path / "a.xlsx",
        [
            [*HEADER[:4], "ghi"],
            ["(1)", "(2)", "(3)", "(4)", "(5)"],
            ["i", "a", "2024-06", 1],
            [None, None, None, None],
            ["i", "b", "2024-06", None],  # no figure, but a full row: the loader says so
            ["i", "c", "2024-06", 3],
            [],
            ["Người lập biểu", None, None, None, "Thủ trưởng đơn vị"],
        ],
    )
    table = read_workbook(path, CsvOptions())
    assert table.frame["agency"].to_list() == ["a", "b", "c"]
    assert table.frame["_line"].to_list() == [3, 5, 6]


def test_error_cells_are_findings_and_their_rows_left_out(tmp_path: Path) -> None:
    book = xlsxwriter.Workbook(str(tmp_path / "e.xlsx"))
    ws = book.add_worksheet("BC thang")
    ws.write_row(0, 0, HEADER)
    ws.write_row(1, 0, ["i", "a", "2024-06", None, 5, 10])
    ws.write_row(2, 0, ["i", "b", "2024-06"])
    ws.write_formula(2, 4, "=1/0", None, "#DIV/0!")
    ws.write_number(2, 5, 10)
    ws.write_row(3, 0, ["i", "c", "2024-06", None, 1, 2])
    ws.write_formula(3, 6, "=#REF!", None, "#REF!")
    ws.write_row(4, 0, ["i", "d", "2024-06", None, 3, 4])
    ws.write_formula(4, 7, "=#N/A", None, "#N/A")  # an unused column: not our business
    book.close()
    table = read_workbook(str(tmp_path / "e.xlsx"), CsvOptions())
    assert messages(table) == [
        "e.xlsx:BC thang!E3: error: column 'numerator': the cell holds the error #DIV/0! (correct the formula)",
        "e.xlsx:BC thang!G4: warning: column 'note': the cell holds the error #REF! (correct the formula)",
    ]
    assert table.frame["agency"].to_list() == ["a", "c", "d"]
    assert table.frame["note"].to_list() == [None, None, None]


def test_formulas_read_their_saved_value_or_are_findings(tmp_path: Path) -> None:
    # xlsxwriter saves a value with each formula; openpyxl saves none (Excel computes it).
    book = xlsxwriter.Workbook(str(tmp_path / "saved.xlsx"))
    ws = book.add_worksheet()
    ws.write_row(0, 0, HEADER[:4])
    ws.write_row(1, 0, ["i", "a", "2024-06"])
    ws.write_formula(1, 3, "=20*2", None, 40)
    book.close()
    assert read_workbook(str(tmp_path / "saved.xlsx"), CsvOptions()).frame["value"].to_list() == [
        40.0
    ]

    wb = openpyxl.Workbook()
    ws2 = wb.active
    assert ws2 is not None
    ws2.title = "BC"
    ws2.append(HEADER[:4])
    ws2.append(["i", "a", "2024-06", 7])
    ws2.append(["i", "b", "2024-06", "=D2*2"])
    wb.save(tmp_path / "unsaved.xlsx")
    table = read_workbook(str(tmp_path / "unsaved.xlsx"), CsvOptions())
    assert messages(table) == [
        "unsaved.xlsx:BC!D3: error: column 'value': the formula =D2*2 has no saved value "
        "(open the workbook in a spreadsheet and save it, so that its formulas are calculated)"
    ]
    assert table.frame["agency"].to_list() == ["a"]


def test_hidden_rows_are_read_with_a_warning(tmp_path: Path) -> None:
    book = xlsxwriter.Workbook(str(tmp_path / "h.xlsx"))
    ws = book.add_worksheet("BC")
    ws.write_row(0, 0, HEADER[:4])
    for r in range(1, 5):
        ws.write_row(r, 0, ["i", f"a{r}", "2024-06", r])
    ws.set_row(2, None, None, {"hidden": True})
    ws.set_row(4, None, None, {"hidden": True})
    book.close()
    table = read_workbook(str(tmp_path / "h.xlsx"), CsvOptions())
    assert table.frame["value"].to_list() == [1.0, 2.0, 3.0, 4.0]
    assert messages(table) == [
        "h.xlsx:BC!A3: warning: rows 3, 5 are hidden; their figures are read"
    ]


def test_default_sheet_is_the_first_visible_one(tmp_path: Path) -> None:
    book = xlsxwriter.Workbook(str(tmp_path / "s.xlsx"))
    lists = book.add_worksheet("DanhMuc")
    lists.write_row(0, 0, ["ba_ria", "vung_tau"])
    data = book.add_worksheet("BC thang")
    data.write_row(0, 0, HEADER[:4])
    data.write_row(1, 0, ["i", "a", "2024-06", 1])
    data.activate()
    lists.hide()
    book.close()
    table = read_workbook(str(tmp_path / "s.xlsx"), CsvOptions())
    assert table.sheet == "BC thang" and table.frame.height == 1
    hidden = read_workbook(str(tmp_path / "s.xlsx"), CsvOptions(), sheet="DanhMuc")
    assert "s.xlsx: warning: sheet 'DanhMuc' is hidden; it is read" in messages(hidden)


def test_a_sheet_that_does_not_exist_lists_the_sheets(tmp_path: Path) -> None:
    path = xlsx(tmp_path / "s.xlsx", [HEADER[:4]], sheet="BC thang")
    table = read_workbook(path, CsvOptions(), sheet="Biểu 01")
    assert messages(table) == [
        "s.xlsx: error: no sheet 'Biểu 01' in the workbook; its sheets are 'BC thang'"
    ]
    assert table.frame.height == 0 and list(table.frame.columns) == list(FRAME_SCHEMA)


def test_sheet_names_match_in_any_unicode_form_and_case(tmp_path: Path) -> None:
    import unicodedata

    path = xlsx(tmp_path / "s.xlsx", [HEADER[:4], ["i", "a", "2024", 1]], sheet="Biểu 01")
    table = read_workbook(path, CsvOptions(), sheet=unicodedata.normalize("NFD", "biểu 01"))
    assert table.frame.height == 1


def test_a_header_that_appears_twice(tmp_path: Path) -> None:
    path = xlsx(tmp_path / "d.xlsx", [["indicator", "agency", "period", "value", "Value"]])
    table = read_workbook(path, CsvOptions())
    assert messages(table) == [
        "d.xlsx:BC thang!E1: error: header 'Value' appears twice: columns 'value' (D1) and "
        "'Value' are both 'value'"
    ]


def test_missing_required_columns_name_the_closest_row(tmp_path: Path) -> None:
    path = xlsx(tmp_path / "m.xlsx", [["Báo cáo"], ["Mã chỉ tiêu", "agency", "period", "value"]])
    table = read_workbook(path, CsvOptions())
    assert messages(table) == [
        "m.xlsx:BC thang!A2: error: no header row with the required columns 'indicator' in the "
        "first 50 rows; the closest, row 2, has 'Mã chỉ tiêu', 'agency', 'period', 'value'"
    ]


def test_value_or_numerator_and_denominator_needed(tmp_path: Path) -> None:
    path = xlsx(tmp_path / "m.xlsx", [["indicator", "agency", "period", "numerator"]])
    assert messages(read_workbook(path, CsvOptions())) == [
        "m.xlsx:BC thang!A1: error: needs a 'value' column or both 'numerator' and 'denominator'"
    ]


def test_merged_header_cells(tmp_path: Path) -> None:
    book = xlsxwriter.Workbook(str(tmp_path / "m.xlsx"))
    ws = book.add_worksheet("BC")
    # Two header rows: "Mã đơn vị" merged down over both, "Số liệu" merged across two columns.
    ws.merge_range("A1:A2", "indicator")
    ws.merge_range("B1:B2", "agency")
    ws.merge_range("C1:C2", "period")
    ws.merge_range("D1:E1", "Số liệu")
    ws.write_row(1, 3, ["numerator", "denominator"])
    ws.merge_range("F2:G2", "Khác")  # merged across, in the header row itself
    ws.write_row(2, 0, ["i", "a", "2024-06", 1, 2, "x", "y"])
    book.close()
    table = read_workbook(str(tmp_path / "m.xlsx"), CsvOptions())
    assert long_rows(table) == [("i", "a", "2024-06", None, 1.0, 2.0, None)]
    assert messages(table) == [
        "m.xlsx:BC!F2: warning: column 'Khác' is not used (ignored)",
        "m.xlsx:BC!F2: warning: header cells F2:G2 are merged: 'Khác' heads column F only; "
        "unmerge them and give each column its own header",
    ]


def test_a_merged_header_over_a_used_column_is_an_error(tmp_path: Path) -> None:
    book = xlsxwriter.Workbook(str(tmp_path / "m.xlsx"))
    ws = book.add_worksheet("BC")
    ws.write_row(0, 0, ["indicator", "agency", "period"])
    ws.merge_range("D1:E1", "value")
    ws.write_row(1, 0, ["i", "a", "2024-06", 1, 2])
    book.close()
    table = read_workbook(str(tmp_path / "m.xlsx"), CsvOptions())
    assert [f.place for f in table.findings if f.is_error] == ["BC!D1"]
    assert table.frame.height == 0


# --------------------------------------------------------------------------- bad files


def test_corrupt_file(tmp_path: Path) -> None:
    path = tmp_path / "bao-cao.xlsx"
    path.write_bytes(b"this is not a workbook at all\n" * 10)
    assert messages(read_workbook(str(path), CsvOptions())) == [
        "bao-cao.xlsx: error: cannot read: not a workbook (.xlsx, .xlsm, .ods), or a damaged one"
    ]


def test_damaged_zip(tmp_path: Path) -> None:
    path = tmp_path / "bao-cao.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("hello.txt", "a zip, but not a workbook")
    table = read_workbook(str(path), CsvOptions())
    assert messages(table) == [
        "bao-cao.xlsx: error: cannot read: the workbook is damaged (open and save it again)"
    ]


def test_half_written_workbook(tmp_path: Path) -> None:
    whole = xlsx(tmp_path / "whole.xlsx", [HEADER[:4], ["i", "a", "2024", 1]])
    data = Path(whole).read_bytes()
    for size in (4, len(data) // 3, len(data) - 30):
        path = tmp_path / "bao-cao.xlsx"
        path.write_bytes(data[:size])
        assert messages(read_workbook(str(path), CsvOptions())) == [
            "bao-cao.xlsx: error: cannot read (is it still being saved?)"
        ]


def test_password_protected_workbook() -> None:
    table = read_workbook(str(DATA / "protected.xlsx"), CsvOptions())
    assert len(table.findings) == 1
    assert table.findings[0].is_error
    assert "protected by a password" in table.findings[0].message


def test_excel_97_workbook_is_read_with_a_warning() -> None:
    table = read_workbook(str(DATA / "excel97.xls"), CsvOptions())
    assert long_rows(table) == [
        ("dd_kich_hoat", "ba_ria", "2024-06", 50.2, None, None, "ghi chú"),
        ("dd_kich_hoat", "vung_tau", "2024-06", None, None, None, None),
    ]
    assert table.frame["_text_value"].to_list() == [None, "1.234,5"]
    assert table.frame["_where_value"].to_list() == ["BC thang!D4", "BC thang!D5"]
    assert [f.kind for f in table.findings] == ["xls"]
    assert "save it as .xlsx" in table.findings[0].message


def test_missing_file(tmp_path: Path) -> None:
    table = read_workbook(str(tmp_path / "none.xlsx"), CsvOptions())
    assert messages(table) == ["none.xlsx: error: cannot read file: No such file or directory"]


def test_lock_files() -> None:
    assert is_lock_file("/data/~$bao-cao.xlsx")
    assert is_lock_file(".~lock.bao-cao.ods#")
    assert not is_lock_file("bao-cao.xlsx")


def test_a_sheet_too_large_to_unpack_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = xlsx(
        tmp_path / "big.xlsx", [HEADER[:4]] + [["i", f"a{r}", "2024", r] for r in range(2000)]
    )
    monkeypatch.setattr(sheetxml, "MAX_XML_BYTES", 10_000)  # the whole file unpacks to more
    table = read_workbook(path, CsvOptions())
    assert [f.kind for f in table.findings] == ["too_large"]
    assert "split it" in table.findings[0].message


def test_ods_workbook(tmp_path: Path) -> None:
    path = tmp_path / "bao-cao.ods"
    cells = "".join(
        "<table:table-row>"
        + "".join(
            f'<table:table-cell office:value-type="float" office:value="{v}"><text:p>{v}</text:p></table:table-cell>'
            if isinstance(v, float)
            else f'<table:table-cell office:value-type="string"><text:p>{v}</text:p></table:table-cell>'
            for v in row
        )
        + "</table:table-row>"
        for row in [
            ["Báo cáo"],
            HEADER[:4],
            ["i", "a", "2024-06", 1.5],
            ["i", "b", "2024-06", "2,5"],
        ]
    )
    content = textwrap.dedent(
        f"""\
        <?xml version="1.0" encoding="UTF-8"?>
        <office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
          xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
          xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">
        <office:body><office:spreadsheet><table:table table:name="Biểu 01">{cells}</table:table>
        </office:spreadsheet></office:body></office:document-content>"""
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(
            "mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED
        )
        zf.writestr("content.xml", content)
        zf.writestr("META-INF/manifest.xml", manifest)
    table = read_workbook(str(path), CsvOptions())
    assert table.sheet == "Biểu 01"
    assert table.frame["value"].to_list() == [1.5, None]
    assert table.frame["_text_value"].to_list() == [None, "2,5"]
    assert table.frame["_where_value"].to_list() == ["Biểu 01!D3", "Biểu 01!D4"]


# --------------------------------------------------------------------------- legacy fonts


def test_legacy_headers_converted_on_load(tmp_path: Path) -> None:
    rows = [
        ["M· chØ tiªu", "M· ®¬n vÞ", "Kú b¸o c¸o", "Gi¸ trÞ", "Ghi chó"],
        ["dd_kich_hoat", "ba_ria", "2024-06", 50.2, "Sè liÖu ­íc tÝnh"],
    ]
    path = xlsx(tmp_path / "cu.xlsx", rows)
    columns = (
        ("Mã chỉ tiêu", "indicator"),
        ("Mã đơn vị", "agency"),
        ("Kỳ báo cáo", "period"),
        ("Giá trị", "value"),
        ("Ghi chú", "note"),
    )
    plain = read_workbook(path, CsvOptions(columns=columns))
    assert plain.frame.height == 0
    (error,) = plain.findings
    assert error.place == "BC thang!A1"
    assert "'M· chØ tiªu' reads as 'Mã chỉ tiêu' (set [csv] legacy = \"tcvn3\")" in error.message
    table = read_workbook(path, CsvOptions(columns=columns, legacy="tcvn3"))
    assert long_rows(table) == [
        ("dd_kich_hoat", "ba_ria", "2024-06", 50.2, None, None, "Số liệu ước tính")
    ]
    assert table.findings == []


def test_legacy_text_is_a_warning_and_ids_are_never_converted(tmp_path: Path) -> None:
    rows = [
        [*HEADER[:4], "note"],
        ["i", "X· Long Ph\xadíc", "2024-06", 1, "Ñôn vò baùo caùo"],
        ["i", "b", "2024-06", 2, "Ñôn vò khaùc"],
    ]
    path = xlsx(tmp_path / "cu.xlsx", rows)
    table = read_workbook(path, CsvOptions())
    assert messages(table) == [
        # U+00AD (a soft hyphen in Unicode, 'ư' in TCVN3) is invisible: shown as its code.
        "cu.xlsx:BC thang!B2: warning: column 'agency': 'X· Long Ph<U+00AD>íc' looks typed in TCVN3 "
        "(.VnTime) and reads as 'Xã Long Phước'; ids are not converted: correct them in the file",
        "cu.xlsx:BC thang!E2: warning: column 'note': 'Ñôn vò baùo caùo' looks typed in VNI "
        "(VNI-Times) and reads as 'Đơn vị báo cáo' (2 cells); set [csv] legacy = \"vni\" to "
        "convert on load",
    ]
    converted = read_workbook(path, CsvOptions(legacy="vni"))
    assert converted.frame["note"].to_list() == ["Đơn vị báo cáo", "Đơn vị khác"]
    assert converted.frame["agency"].to_list() == ["X· Long Ph\xadíc", "b"]
    assert [f.kind for f in converted.findings] == ["legacy_font"]


def test_the_cell_font_settles_ambiguous_text(tmp_path: Path) -> None:
    # "Céng hoµ" is evidence enough; "Céng" alone is a Vietnamese-looking word, unless its
    # cell is in .VnTime. ".VnTimeH" draws capitals.
    book = xlsxwriter.Workbook(str(tmp_path / "f.xlsx"))
    ws = book.add_worksheet("BC")
    vn = book.add_format({"font_name": ".VnTime"})
    vnh = book.add_format({"font_name": ".VnTimeH"})
    ws.write_row(0, 0, [*HEADER[:4], "note"])
    ws.write_row(1, 0, ["i", "a", "2024-06", 1])
    ws.write_string(1, 4, "Céng", vn)
    ws.write_row(2, 0, ["i", "b", "2024-06", 2, "Céng"])
    ws.write_row(3, 0, ["i", "c", "2024-06", 3])
    ws.write_string(3, 4, "tæng sè", vnh)
    book.close()
    table = read_workbook(str(tmp_path / "f.xlsx"), CsvOptions(legacy="tcvn3"))
    assert table.frame["note"].to_list() == ["Cộng", "Céng", "TỔNG SỐ"]


# --------------------------------------------------------------------------- wide forms


FORM_TOML = """\
[[indicator]]
id = "dd_kich_hoat"
name = "Tỷ lệ kích hoạt"
unit = "%"

[[indicator]]
id = "dvc_truc_tuyen"
name = "Tỷ lệ DVC trực tuyến"
unit = "%"

[[sheet]]
files = "bao-cao-xa-*.xlsx"
sheet = "Biểu 01"
agency = "Mã đơn vị"
period_cell = "c3"
[sheet.columns]
"Số TK đã kích hoạt" = "dd_kich_hoat.numerator"
"Số TK đã đăng ký"   = "dd_kich_hoat.denominator"
"Tỷ lệ DVC trực tuyến (%)" = "dvc_truc_tuyen.value"
"Ghi chú" = "dvc_truc_tuyen.note"
"""


def _form(path: Path, period: Any = "Tháng 6/2024", headers: list[str] | None = None) -> str:
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet("Biểu 01")
    ws.write(0, 0, "UBND TỈNH BÀ RỊA - VŨNG TÀU")
    ws.write(2, 1, "Kỳ báo cáo:")
    if isinstance(period, datetime):
        ws.write_datetime(2, 2, period, book.add_format({"num_format": "mm/yyyy"}))
    else:
        ws.write(2, 2, period)
    ws.write_row(
        4,
        0,
        headers
        or [
            "STT",
            "Mã đơn vị",
            "Tên đơn vị",
            "Số TK đã kích hoạt",
            "Số TK đã đăng ký",
            "Tỷ lệ DVC trực tuyến (%)",
            "Ghi chú",
        ],
    )
    ws.write_row(5, 0, [1, 2, 3, 4, 5, 6, 7])
    ws.write_row(6, 0, [1, "xa_a", "Xã A", 120, 200, 45.5, "đủ"])
    ws.write_row(7, 0, [2, "xa_b", "Xã B", None, None, "50,5"])
    ws.write_row(8, 0, [3, "xa_c", "Xã C"])  # nothing reported yet: no rows
    ws.write_row(9, 0, [4, "xa_d", "Xã D", 10, 20, None, "chưa có"])
    ws.write_row(11, 1, ["Người lập biểu"])
    book.close()
    return str(path)


def _spec(tmp_path: Path) -> SheetSpec:
    toml = tmp_path / "chi-tieu.toml"
    toml.write_text(FORM_TOML, encoding="utf-8")
    merged = load_definitions([str(toml)])
    assert merged.findings == []
    (spec,) = merged.definitions.sheets
    return spec


def test_sheet_table_in_the_toml(tmp_path: Path) -> None:
    spec = _spec(tmp_path)
    assert spec.agency == "Mã đơn vị" and spec.sheet == "Biểu 01" and spec.period_cell == "C3"
    assert spec.columns[0] == SheetColumn("Số TK đã kích hoạt", "dd_kich_hoat", "numerator")
    assert spec.base == str(tmp_path)
    assert sheet_for(str(tmp_path / "bao-cao-xa-long.xlsx"), [spec]) is spec
    assert sheet_for(str(tmp_path / "obs.xlsx"), [spec]) is None
    assert sheet_for(str(tmp_path / "sub" / "bao-cao-xa-long.xlsx"), [spec]) is None


def test_wide_form_reads_long_rows(tmp_path: Path) -> None:
    spec = _spec(tmp_path)
    table = read_wide(_form(tmp_path / "bao-cao-xa-long.xlsx"), spec, CsvOptions())
    assert messages(table) == [
        "bao-cao-xa-long.xlsx:Biểu 01!G10: warning: a note for 'dvc_truc_tuyen' without a "
        "figure is not read"
    ]
    assert long_rows(table) == [
        ("dd_kich_hoat", "xa_a", "Tháng 6/2024", None, 120.0, 200.0, None),
        ("dvc_truc_tuyen", "xa_a", "Tháng 6/2024", 45.5, None, None, "đủ"),
        ("dvc_truc_tuyen", "xa_b", "Tháng 6/2024", None, None, None, None),
        ("dd_kich_hoat", "xa_d", "Tháng 6/2024", None, 10.0, 20.0, None),
    ]
    frame = table.frame
    assert frame["_text_value"].to_list() == [None, None, "50,5", None]
    assert frame["_where_numerator"].to_list() == ["Biểu 01!D7", None, None, "Biểu 01!D10"]
    assert frame["_where_value"].to_list()[2] == "Biểu 01!F8"
    assert frame["_where_agency"].to_list()[2] == "Biểu 01!B8"
    assert frame["_where_period"].to_list() == ["Biểu 01!C3"] * 4
    assert frame["_where_indicator"].to_list()[0] == "Biểu 01!D5"
    assert frame["_where"].to_list()[0] == "Biểu 01!A7"
    assert frame["row"].to_list() == [0, 1, 2, 3]


def test_wide_form_note_without_a_figure(tmp_path: Path) -> None:
    spec = _spec(tmp_path)
    book = xlsxwriter.Workbook(str(tmp_path / "f.xlsx"))
    ws = book.add_worksheet("Biểu 01")
    ws.write(2, 2, "2024-06")
    ws.write_row(
        4,
        0,
        [
            "Mã đơn vị",
            "Số TK đã kích hoạt",
            "Số TK đã đăng ký",
            "Tỷ lệ DVC trực tuyến (%)",
            "Ghi chú",
        ],
    )
    ws.write_row(5, 0, ["xa_a", 1, 2, None, "chưa có số liệu"])
    book.close()
    table = read_wide(str(tmp_path / "f.xlsx"), spec, CsvOptions())
    assert table.frame.height == 1
    assert messages(table) == [
        "f.xlsx:Biểu 01!E6: warning: a note for 'dvc_truc_tuyen' without a figure is not read"
    ]


def test_wide_form_period_from_a_date_cell(tmp_path: Path) -> None:
    spec = _spec(tmp_path)
    table = read_wide(_form(tmp_path / "f.xlsx", datetime(2024, 6, 1)), spec, CsvOptions())
    assert set(table.frame["period"].to_list()) == {"2024-06"}


def test_wide_form_empty_period_cell(tmp_path: Path) -> None:
    spec = _spec(tmp_path)
    table = read_wide(_form(tmp_path / "f.xlsx", ""), spec, CsvOptions())
    assert messages(table) == ["f.xlsx:Biểu 01!C3: error: the period cell C3 is empty"]
    assert table.frame.height == 0


def test_wide_form_missing_header_is_an_error_at_the_header_row(tmp_path: Path) -> None:
    spec = _spec(tmp_path)
    headers = [
        "STT",
        "Mã đơn vị",
        "Tên đơn vị",
        "Số TK đã kích hoạt",
        "Số TK đăng ký",
        "Tỷ lệ DVC trực tuyến (%)",
        "Ghi chú",
    ]
    table = read_wide(_form(tmp_path / "f.xlsx", headers=headers), spec, CsvOptions())
    assert messages(table) == [
        "f.xlsx:Biểu 01!A5: error: header 'Số TK đã đăng ký' (dd_kich_hoat.denominator) is not "
        "in the header row 5"
    ]
    assert table.frame.height == 0


def test_wide_form_without_the_agency_header(tmp_path: Path) -> None:
    spec = _spec(tmp_path)
    headers = ["STT", "Mã ĐV", "Tên đơn vị", "Số TK đã kích hoạt"]
    table = read_wide(_form(tmp_path / "f.xlsx", headers=headers), spec, CsvOptions())
    assert messages(table) == [
        "f.xlsx:Biểu 01!A1: error: no header 'Mã đơn vị' (the agency column) in the first 50 rows"
    ]


def test_wide_form_wrong_sheet(tmp_path: Path) -> None:
    spec = _spec(tmp_path)
    path = xlsx(tmp_path / "f.xlsx", [["Mã đơn vị"]], sheet="Sheet1")
    assert messages(read_wide(path, spec, CsvOptions())) == [
        "f.xlsx: error: no sheet 'Biểu 01' in the workbook; its sheets are 'Sheet1'"
    ]


def test_wide_csv_equals_the_wide_workbook(tmp_path: Path) -> None:
    spec = SheetSpec(
        files="*.csv",
        agency="Mã đơn vị",
        period="2024-06",
        columns=(
            SheetColumn("Số TK đã kích hoạt", "dd_kich_hoat", "numerator"),
            SheetColumn("Số TK đã đăng ký", "dd_kich_hoat", "denominator"),
        ),
    )
    csv_path = tmp_path / "xa.csv"
    csv_path.write_text(
        "Mã đơn vị;Số TK đã kích hoạt;Số TK đã đăng ký\nxa_a;120;200\nxa_b;;\nxa_c;1.234;2.000\n",
        encoding="utf-8",
    )
    opts = CsvOptions(delimiter=";", decimal=",", thousands=".")
    from_csv = read_wide(str(csv_path), spec, opts)
    assert from_csv.findings == []
    assert from_csv.frame.select(
        "agency", "period", "_text_numerator", "_text_denominator", "_line"
    ).rows() == [
        ("xa_a", "2024-06", "120", "200", 2),
        ("xa_c", "2024-06", "1.234", "2.000", 4),
    ]
    assert from_csv.frame["_where"].to_list() == [None, None]
    path = xlsx(
        tmp_path / "xa.xlsx",
        [
            ["Mã đơn vị", "Số TK đã kích hoạt", "Số TK đã đăng ký"],
            ["xa_a", "120", "200"],
            ["xa_b"],
            ["xa_c", "1.234", "2.000"],
        ],
    )
    from_xlsx = read_wide(path, spec, opts)
    keep = ["indicator", "agency", "period", "_text_numerator", "_text_denominator", "_line"]
    assert_frame_equal(from_csv.frame.select(keep), from_xlsx.frame.select(keep))


def test_wide_csv_findings_have_lines(tmp_path: Path) -> None:
    spec = SheetSpec(
        files="*.csv", agency="Mã đơn vị", period="2024", columns=(SheetColumn("Số", "x", "value"),)
    )
    path = tmp_path / "w.csv"
    path.write_text("Tiêu đề\nMã đơn vị,Khác\na,1\n", encoding="utf-8")
    assert messages(read_wide(str(path), spec, CsvOptions())) == [
        "w.csv:2:1: error: header 'Số' (x.value) is not in the header row 2"
    ]


def test_canonical_wide_headers_need_no_mapping(tmp_path: Path) -> None:
    path = xlsx(
        tmp_path / "t.xlsx",
        [
            ["Biểu nhập số liệu"],
            ["Mã đơn vị", "Kỳ", "Số TK"],
            ["agency", "period", "dd_kich_hoat.numerator", "dd_kich_hoat.denominator"],
            ["ba_ria", "2024-06", 5, 10],
            ["vung_tau", "2024-06", None, None],
        ],
    )
    table = read_workbook(path, CsvOptions())
    assert table.findings == []
    assert long_rows(table) == [("dd_kich_hoat", "ba_ria", "2024-06", None, 5.0, 10.0, None)]


# --------------------------------------------------------------------------- the TOML


def _toml(text: str) -> list[str]:
    return sorted(f.format() for f in parse_file("d.toml", textwrap.dedent(text).encode()).findings)


def test_sheet_table_errors() -> None:
    assert _toml(
        """\
        [[sheet]]
        files = "x-*.xlsx"
        period = "2024-06"
        period_cell = "C3"
        [sheet.columns]
        "A" = "dd.ratio"
        """
    ) == [
        "d.toml:1: error: sheet 'x-*.xlsx': give either 'period' or 'period_cell'",
        "d.toml:1: error: sheet 'x-*.xlsx': missing required key 'agency'",
        "d.toml:6:1: error: [sheet.columns] of sheet 'x-*.xlsx': 'A' must map to "
        "\"<indicator id>.<figure>\" with a figure of value, numerator, denominator, note, not 'dd.ratio'",
    ]
    assert _toml(
        """\
        [[sheet]]
        files = "../x.xlsx"
        agency = "Mã"
        period_cell = "3C"
        colums = 1
        [sheet.columns]
        "A" = "dd.numerator"
        """
    ) == [
        "d.toml:2:1: error: sheet '../x.xlsx': 'files' must be a pattern inside the folder of this file",
        "d.toml:4:1: error: sheet '../x.xlsx': 'period_cell' must be a cell like C3, not '3C'",
        "d.toml:5:1: error: sheet '../x.xlsx': unknown key 'colums' (did you mean 'columns'?)",
        "d.toml:6: error: [sheet.columns] of sheet '../x.xlsx': 'dd' has a numerator column but no denominator column",
    ]


def test_sheet_table_with_an_unknown_indicator(tmp_path: Path) -> None:
    toml = tmp_path / "d.toml"
    toml.write_text(
        FORM_TOML.replace('"dvc_truc_tuyen.', '"khong_co.'),
        encoding="utf-8",
    )
    merged = load_definitions([str(toml)])
    assert [f.format() for f in merged.findings] == [
        f"{toml}:19:1: error: sheet 'bao-cao-xa-*.xlsx': unknown indicator 'khong_co'"
    ]
    assert merged.definitions.sheets == ()


def test_csv_legacy_key() -> None:
    assert _toml('[csv]\nlegacy = "tcvn3"\n') == []
    assert _toml('[csv]\nlegacy = "abc"\n') == [
        "d.toml:2:1: error: [csv]: 'legacy' must be one of 'none', 'tcvn3', 'vni', not 'abc'"
    ]
    f = parse_file("d.toml", b'[csv]\nlegacy = "vni"\n')
    assert f.csv is not None and f.csv.legacy == "vni"
    assert CsvOptions().legacy == "none"


def test_wide_findings_are_sorted_and_rows_frame_is_never_none(tmp_path: Path) -> None:
    spec = _spec(tmp_path)
    table = read_wide(str(tmp_path / "missing.xlsx"), spec, CsvOptions())
    assert table.frame.height == 0
    assert messages(table)[0].endswith("cannot read file: No such file or directory")
    assert not table.ok


def test_wide_form_with_legacy_headers(tmp_path: Path) -> None:
    spec = _spec(tmp_path)
    headers = [
        "STT",
        "M· ®¬n vÞ",
        "Tªn ®¬n vÞ",
        "Sè TK ®· kÝch ho¹t",
        "Sè TK ®· ®¨ng ký",
        "Tû lÖ DVC trùc tuyÕn (%)",
        "Ghi chó",
    ]
    path = _form(tmp_path / "f.xlsx", headers=headers)
    assert 'legacy = "tcvn3"' in messages(read_wide(path, spec, CsvOptions()))[0]
    table = read_wide(path, spec, CsvOptions(legacy="tcvn3"))
    assert table.frame.height == 4
    assert table.frame["note"].to_list()[1] == "đủ"


def test_legacy_names_in_the_toml_are_warnings() -> None:
    found = _toml(
        '[[agency]]\nid = "ba_ria"\nname = "TP Bµ RÞa"\n\n[[agency]]\nid = "b"\nname = "Bà Rịa"\n'
    )
    assert found == [
        "d.toml:1: warning: agency 'ba_ria': name 'TP Bµ RÞa' looks typed in TCVN3 (.VnTime) "
        "and reads as 'TP Bà Rịa'"
    ]


def test_damaged_workbooks_never_raise(tmp_path: Path) -> None:
    """Broken XML inside a sound zip, and broken bytes of the zip: always a SourceTable."""
    import io
    import random

    book = xlsxwriter.Workbook(str(tmp_path / "base.xlsx"))
    ws = book.add_worksheet("BC")
    ws.write_row(0, 0, [*HEADER[:4], "note"])
    for r in range(1, 30):
        ws.write_row(r, 0, ["i", f"a{r}", "2024-06", r * 1.5, "Céng hoµ"])
    ws.write_formula(5, 3, "=1/0", None, "#DIV/0!")
    ws.set_row(7, None, None, {"hidden": True})
    book.close()
    data = (tmp_path / "base.xlsx").read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    rnd = random.Random(7)
    spec = SheetSpec(
        files="*", agency="agency", period="2024", columns=(SheetColumn("value", "i", "value"),)
    )
    inserts = [
        b"<f>A1</f>",
        b' hidden="1"',
        b' t="e"',
        b"<v>#REF!</v>",
        b'<c r="ZZZ99999999">',
        b' s="999"',
    ]
    for _ in range(40):
        if rnd.random() < 0.5:
            raw = bytearray(data)
            for _ in range(rnd.randint(1, 10)):
                raw[rnd.randrange(len(raw))] = rnd.randrange(256)
        else:
            changed = dict(members)
            name = rnd.choice(["xl/worksheets/sheet1.xml", "xl/sharedStrings.xml", "xl/styles.xml"])
            xml = bytearray(changed[name])
            for _ in range(rnd.randint(1, 6)):
                i = rnd.randrange(len(xml))
                if rnd.random() < 0.5:
                    del xml[i : i + rnd.randint(1, 30)]
                else:
                    xml[i:i] = rnd.choice(inserts)
            changed[name] = bytes(xml)
            out = io.BytesIO()
            with zipfile.ZipFile(out, "w") as zf:
                for n, d in changed.items():
                    zf.writestr(n, d)
            raw = bytearray(out.getvalue())
        (tmp_path / "fz.xlsx").write_bytes(bytes(raw))
        for table in (
            read_workbook("fz.xlsx", CsvOptions(legacy="tcvn3")),
            read_wide("fz.xlsx", spec, CsvOptions()),
        ):
            assert table.frame.height or table.findings
            for f in table.findings:
                assert f.format().startswith("fz.xlsx")


def test_a_workbook_whose_default_font_is_legacy(tmp_path: Path) -> None:
    book = xlsxwriter.Workbook(
        str(tmp_path / "f.xlsx"), {"default_format_properties": {"font_name": ".VnTime"}}
    )
    ws = book.add_worksheet("BC")
    unicode_font = book.add_format({"font_name": "Times New Roman"})
    ws.write_row(0, 0, [*HEADER[:4], "note"])
    ws.write_row(1, 0, ["i", "a", "2024-06", 1, "Céng"])
    ws.write_row(2, 0, ["i", "b", "2024-06", 2])
    ws.write_string(2, 4, "Céng", unicode_font)
    book.close()
    table = read_workbook("f.xlsx", CsvOptions())
    assert messages(table) == [
        "f.xlsx:BC!E2: warning: column 'note': 'Céng' looks typed in TCVN3 (.VnTime) and reads "
        "as 'Cộng'; set [csv] legacy = \"tcvn3\" to convert on load"
    ]
    converted = read_workbook("f.xlsx", CsvOptions(legacy="tcvn3"))
    assert converted.frame["note"].to_list() == ["Cộng", "Céng"]


def test_many_error_cells_are_counted_not_listed(tmp_path: Path) -> None:
    book = xlsxwriter.Workbook(str(tmp_path / "e.xlsx"))
    ws = book.add_worksheet("BC")
    ws.write_row(0, 0, HEADER[:4])
    for r in range(1, 31):
        ws.write_row(r, 0, ["i", f"a{r}", "2024-06"])
        ws.write_formula(r, 3, "=1/0", None, "#DIV/0!")
    book.close()
    found = messages(read_workbook("e.xlsx", CsvOptions()))
    assert len(found) == 21
    assert found[0].startswith("e.xlsx:BC!D2: error: column 'value': the cell holds the error")
    assert found[-1] == "e.xlsx:BC!D22: error: ... and 10 more cells like this"


def test_wide_form_error_cells_and_a_missing_period_column(tmp_path: Path) -> None:
    book = xlsxwriter.Workbook(str(tmp_path / "w.xlsx"))
    ws = book.add_worksheet("BC")
    ws.write_row(0, 0, ["agency", "period", "tk.numerator", "tk.denominator"])
    ws.write_row(1, 0, ["xa_a", "2024-06", 1, 2])
    ws.write_row(2, 0, ["xa_b", "2024-06", None, 4])
    ws.write_formula(2, 2, "=#REF!", None, "#REF!")
    book.close()
    table = read_workbook("w.xlsx", CsvOptions())
    assert messages(table) == [
        "w.xlsx:BC!C3: error: tk.numerator: the cell holds the error #REF! (correct the formula)"
    ]
    assert table.frame["agency"].to_list() == ["xa_a"]
    no_period = xlsx(tmp_path / "p.xlsx", [["agency", "tk.value"], ["xa_a", 1]])
    assert messages(read_workbook(no_period, CsvOptions())) == [
        "p.xlsx:BC thang!A1: error: the header row has no 'period' column (each row's period)"
    ]


def test_csv_long_workbook_and_wide_form_hold_the_same_figures(tmp_path: Path) -> None:
    """One set of observations written three ways reads back as the same rows."""
    import random

    rnd = random.Random(3)
    agencies = [f"xa_{i:02d}" for i in range(12)]
    rows = []
    for agency in agencies:
        num = float(rnd.randint(0, 900))
        rows.append(("dd_kich_hoat", agency, "2024-06", None, num, num + rnd.randint(1, 99), None))
        rows.append(
            ("cap_quang", agency, "2024-06", round(rnd.random() * 1e4, 3), None, None, "ghi chú")
        )
    schema = {
        "indicator": pl.String,
        "agency": pl.String,
        "period": pl.String,
        "value": pl.Float64,
        "numerator": pl.Float64,
        "denominator": pl.Float64,
        "note": pl.String,
    }
    expected = pl.DataFrame(rows, schema=schema, orient="row")
    expected.write_csv(tmp_path / "obs.csv")
    from_csv = pl.read_csv(tmp_path / "obs.csv", schema=schema)

    book = xlsxwriter.Workbook(str(tmp_path / "obs.xlsx"))
    ws = book.add_worksheet("BC")
    ws.write_row(0, 0, ["Báo cáo tháng 6/2024"])
    ws.write_row(2, 0, list(schema))
    for r, row in enumerate(rows, start=3):
        for c, v in enumerate(row):
            if v is not None:
                ws.write(r, c, v)
    book.close()
    long = read_workbook("obs.xlsx", CsvOptions())
    assert long.findings == []
    assert_frame_equal(long.frame.select(list(schema)), from_csv)

    book = xlsxwriter.Workbook(str(tmp_path / "wide.xlsx"))
    ws = book.add_worksheet("Biểu 01")
    ws.write_row(3, 0, ["Mã", "Đã kích hoạt", "Đã đăng ký", "Hộ cáp quang", "Ghi chú"])
    for r, agency in enumerate(agencies, start=4):
        a, b = rows[2 * (r - 4)], rows[2 * (r - 4) + 1]
        ws.write_row(r, 0, [agency, a[4], a[5], b[3], b[6]])
    book.close()
    spec = SheetSpec(
        files="wide.xlsx",
        agency="Mã",
        period="2024-06",
        columns=(
            SheetColumn("Đã kích hoạt", "dd_kich_hoat", "numerator"),
            SheetColumn("Đã đăng ký", "dd_kich_hoat", "denominator"),
            SheetColumn("Hộ cáp quang", "cap_quang", "value"),
            SheetColumn("Ghi chú", "cap_quang", "note"),
        ),
    )
    wide = read_wide("wide.xlsx", spec, CsvOptions())
    assert wide.findings == []
    assert_frame_equal(wide.frame.select(list(schema)), from_csv)


def test_a_table_away_from_the_corner(tmp_path: Path) -> None:
    # Cells are addressed from A1 whatever the first used cell (calamine starts at C4 here).
    path = xlsx(
        tmp_path / "c.xlsx", [[None, None, *HEADER[:4]], [None, None, "i", "a", "2024", 7]], start=3
    )
    table = read_workbook(path, CsvOptions())
    assert table.frame["_where_value"].to_list() == ["BC thang!F5"]
    assert table.frame["_where"].to_list() == ["BC thang!C5"]
    assert table.frame["_line"].to_list() == [5]


def test_a_zip_of_an_unsupported_version_is_a_damaged_workbook(tmp_path: Path) -> None:
    """zipfile raises NotImplementedError for a 'zip file version 10.8' (seen in fuzzing)."""
    import zipfile

    path = tmp_path / "x.xlsx"
    with zipfile.ZipFile(path, "w") as book:
        book.writestr("xl/workbook.xml", "<workbook/>")
    data = bytearray(path.read_bytes())
    data[4] = 108  # version needed to extract: 10.8
    data[data.find(b"PK\x01\x02") + 6] = 108
    path.write_bytes(bytes(data))
    table = workbook.read_workbook(str(path), CsvOptions())
    assert messages(table) == [
        "x.xlsx: error: cannot read: the workbook is damaged (open and save it again)"
    ]
