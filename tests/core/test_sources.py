"""One set of observations, four ways offices send it — CSV, a long workbook, a wide form
(workbook and CSV) and parquet — gives the same figures and the same export (SPEC §8)."""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest
import xlsxwriter
from polars.testing import assert_frame_equal
from tests.demo import copy_csv_demo

from kpitui.core import export, views
from kpitui.core.load.loader import Loader, build_snapshot
from kpitui.core.snapshot import Snapshot

SOURCE = Path(__file__).resolve().parents[1] / "data" / "demo_source"
AUGUST = pl.read_csv(SOURCE / "obs-2023-08.csv", infer_schema_length=0)
WIDE_INDICATORS = ["dd_kich_hoat", "hs_truc_tuyen"]
FIGURES = ("numerator", "denominator", "note")


def _demo_without_august(folder: Path) -> Path:
    """The all-CSV demo without August, and without the shipped demo's own mappings."""
    copy_csv_demo(folder)
    (folder / "obs-2023-08.csv").unlink()
    toml = folder / "kpitui.toml"
    toml.write_text(toml.read_text("utf-8").split("[csv.columns]")[0], encoding="utf-8")
    return folder


def _table(snap: Snapshot) -> pl.DataFrame:
    return views.table(snap, None, list(snap.tree.ids)).drop("agency_order", "ind_order")


def _csv_export(snap: Snapshot) -> bytes:
    table = export.make_table(snap, "summary", views.summary(snap), "en")
    return export.render(table, "csv")


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Snapshot:
    folder = _demo_without_august(tmp_path_factory.mktemp("csv") / "data")
    shutil.copyfile(SOURCE / "obs-2023-08.csv", folder / "obs-2023-08.csv")
    return build_snapshot([str(folder)])


def _long_workbook(path: Path) -> None:
    """August as a long table under a title block, Vietnamese headings, numbers in cells."""
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("BC thang 8")
    sheet.write(0, 0, "BÁO CÁO CHỈ TIÊU CHUYỂN ĐỔI SỐ THÁNG 8/2023")
    sheet.write(1, 0, "Đơn vị: Sở Thông tin và Truyền thông")
    headings = ["Mã chỉ tiêu", "Mã đơn vị", "Kỳ báo cáo", "Giá trị", "Tử số", "Mẫu số", "Ghi chú"]
    for c, h in enumerate(headings):
        sheet.write(3, c, h)
    for r, row in enumerate(AUGUST.iter_rows(), start=4):
        ind, agency, period, value, num, den, note = row
        sheet.write_string(r, 0, ind)
        sheet.write_string(r, 1, agency)
        sheet.write_string(r, 2, "Tháng 8/2023" if r % 2 else period)
        for c, x in ((3, value), (4, num), (5, den)):
            if x:
                sheet.write_number(r, c, float(x))
        if note:
            sheet.write_string(r, 6, note)
    book.close()


MAPPING = """
[csv.columns]
"Mã chỉ tiêu" = "indicator"
"Mã đơn vị" = "agency"
"Kỳ báo cáo" = "period"
"Giá trị" = "value"
"Tử số" = "numerator"
"Mẫu số" = "denominator"
"Ghi chú" = "note"
"""


def _with_mapping(folder: Path) -> None:
    path = folder / "kpitui.toml"
    path.write_text(path.read_text("utf-8") + MAPPING, encoding="utf-8")


def test_a_long_workbook_gives_the_csv_figures(tmp_path: Path, reference: Snapshot) -> None:
    folder = _demo_without_august(tmp_path / "data")
    _with_mapping(folder)
    _long_workbook(folder / "bao-cao-2023-08.xlsx")
    snap = build_snapshot([str(folder)])
    assert [f.format() for f in snap.findings if f.is_error] == []
    assert_frame_equal(_table(snap), _table(reference))
    assert _csv_export(snap) == _csv_export(reference)


def test_parquet_gives_the_csv_figures(tmp_path: Path, reference: Snapshot) -> None:
    folder = _demo_without_august(tmp_path / "data")
    AUGUST.with_columns(
        [pl.col(c).cast(pl.Float64) for c in ("value", "numerator", "denominator")]
    ).write_parquet(folder / "obs-2023-08.parquet")
    snap = build_snapshot([str(folder)])
    assert [f.format() for f in snap.findings if f.is_error] == []
    assert_frame_equal(_table(snap), _table(reference))
    assert _csv_export(snap) == _csv_export(reference)


def _wide(frame: pl.DataFrame) -> tuple[list[str], list[list[object]]]:
    """One row per agency, a column per figure of the wide indicators."""
    part = frame.filter(pl.col("indicator").is_in(WIDE_INDICATORS))
    headings = ["Mã đơn vị"] + [f"{i} {f}" for i in WIDE_INDICATORS for f in FIGURES]
    rows = []
    for agency in part.get_column("agency").unique(maintain_order=True).to_list():
        mine = part.filter(pl.col("agency") == agency)
        row: list[object] = [agency]
        for ind in WIDE_INDICATORS:
            hit = mine.filter(pl.col("indicator") == ind)
            for f in FIGURES:
                x = hit[f][0] if hit.height else None
                row.append(x if f == "note" or not x else float(x))
        rows.append(row)
    return headings, rows


def _sheet_table(files: str, sheet: str | None) -> str:
    columns = "\n".join(f'"{i} {f}" = "{i}.{f}"' for i in WIDE_INDICATORS for f in FIGURES)
    where = f'sheet = "{sheet}"\nperiod_cell = "B2"\n' if sheet else 'period = "2023-08"\n'
    return (
        f'\n[[sheet]]\nfiles = "{files}"\n{where}agency = "Mã đơn vị"\n[sheet.columns]\n{columns}\n'
    )


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_a_wide_form_gives_the_csv_figures(tmp_path: Path, reference: Snapshot, kind: str) -> None:
    folder = _demo_without_august(tmp_path / "data")
    rest = AUGUST.filter(~pl.col("indicator").is_in(WIDE_INDICATORS))
    rest.write_csv(folder / "obs-2023-08.csv")
    headings, rows = _wide(AUGUST)
    if kind == "xlsx":
        book = xlsxwriter.Workbook(str(folder / "bieu-01-2023-08.xlsx"))
        sheet = book.add_worksheet("Biểu 01")
        sheet.write(0, 0, "Biểu 01: Chỉ tiêu Đề án 06")
        sheet.write(1, 0, "Kỳ báo cáo:")
        sheet.write(1, 1, "Tháng 8/2023")
        for c, h in enumerate(headings):
            sheet.write(3, c, h)
        for r, row in enumerate(rows, start=4):
            for c, x in enumerate(row):
                if x is not None:
                    sheet.write(r, c, x)
        book.close()
        extra = _sheet_table("bieu-01-*.xlsx", "Biểu 01")
    else:
        pl.DataFrame(rows, schema=headings, orient="row").write_csv(folder / "bieu-01-2023-08.csv")
        extra = _sheet_table("bieu-01-*.csv", None)
    toml = folder / "kpitui.toml"
    toml.write_text(toml.read_text("utf-8") + extra, encoding="utf-8")
    snap = build_snapshot([str(folder)])
    assert [f.format() for f in snap.findings if f.is_error] == []
    assert_frame_equal(_table(snap), _table(reference))


def test_a_bad_cell_is_located_by_sheet_and_cell(tmp_path: Path) -> None:
    folder = _demo_without_august(tmp_path / "data")
    _with_mapping(folder)
    _long_workbook(folder / "bao-cao.xlsx")
    import openpyxl

    book = openpyxl.load_workbook(folder / "bao-cao.xlsx")
    book["BC thang 8"]["E14"] = "không có"
    book.save(folder / "bao-cao.xlsx")
    snap = build_snapshot([str(folder)])
    errors = [f.format().replace(f"{folder}/", "") for f in snap.findings if f.is_error]
    assert errors == [
        "bao-cao.xlsx:BC thang 8!E14: error: column 'numerator': cannot read 'không có' as a number"
    ]


def test_a_workbook_saved_broken_keeps_its_last_good_version(tmp_path: Path) -> None:
    folder = _demo_without_august(tmp_path / "data")
    _with_mapping(folder)
    book = folder / "bao-cao.xlsx"
    _long_workbook(book)
    loader = Loader([str(folder)], in_memory=True)
    good = views.summary(loader.load())
    data = book.read_bytes()
    book.write_bytes(data[: len(data) // 2])  # a save cut in the middle
    half = loader.load()
    assert {Path(f.path).name: f.state for f in half.files}["bao-cao.xlsx"] == "stale"
    assert views.summary(half).equals(good)
    loader.close()
