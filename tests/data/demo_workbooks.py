"""Build the two workbooks of the demo data set from its figures (run it from the repository).

* ``data/obs-2023-07.xlsx`` — July as the departments send it: a long table under a title
  block, Vietnamese column headings (mapped in ``data/kpitui.toml`` ``[csv.columns]``),
  numbers in numeric cells, periods written ``Tháng 7/2023``.
* ``data/bao-cao-xa-tp-ba-ria-2023-08.xlsx`` — August of the communes of TP Bà Rịa as they fill
  in the province's form ``Biểu 01``: one row per commune, a column per figure, the period in
  cell C3 (``[[sheet]]`` in ``data/kpitui.toml``).

The figures are those of the CSV files they replace (kept in ``tests/data/demo_source/``),
so the demo's figures are unchanged: ``tests/cli/test_demo.py`` checks them against the
article, and ``tests/core/test_demo_workbooks.py`` checks that these workbooks hold exactly
the rows of their CSV sources.

    python tests/data/demo_workbooks.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import polars as pl
import xlsxwriter

REPO = Path(__file__).resolve().parents[2]
SOURCE = Path(__file__).resolve().parent / "demo_source"
DATA = REPO / "data"

LONG_HEADINGS = ["Mã chỉ tiêu", "Mã đơn vị", "Kỳ báo cáo", "Giá trị", "Tử số", "Mẫu số", "Ghi chú"]
COMMUNES = [
    "phuoc_hung",
    "phuoc_hiep",
    "phuoc_nguyen",
    "long_toan",
    "long_tam",
    "phuoc_trung",
    "long_huong",
    "kim_dinh",
    "tan_hung",
    "long_phuoc",
    "hoa_long",
]
FORM = [
    # heading in the form, indicator, figure
    ("Số tài khoản định danh đã kích hoạt", "dd_kich_hoat", "numerator"),
    ("Số tài khoản định danh đã đăng ký", "dd_kich_hoat", "denominator"),
    ("Ghi chú về định danh", "dd_kich_hoat", "note"),
    ("Số hồ sơ TTHC trực tuyến", "hs_truc_tuyen", "numerator"),
    ("Tổng số hồ sơ TTHC", "hs_truc_tuyen", "denominator"),
    ("Ghi chú về hồ sơ", "hs_truc_tuyen", "note"),
]
FORM_INDICATORS = sorted({ind for _, ind, _ in FORM})


def read(name: str) -> pl.DataFrame:
    return pl.read_csv(SOURCE / name, infer_schema_length=0)


def long_workbook(rows: pl.DataFrame, path: Path) -> None:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Báo cáo tháng 7")
    bold = book.add_format({"bold": True})
    head = book.add_format({"bold": True, "bg_color": "#DDDDDD", "border": 1, "text_wrap": True})
    sheet.write(0, 0, "UBND TỈNH BÀ RỊA - VŨNG TÀU", bold)
    sheet.write(1, 0, "BÁO CÁO KẾT QUẢ CHỈ TIÊU CHUYỂN ĐỔI SỐ THÁNG 7/2023 (LŨY KẾ)", bold)
    for c, h in enumerate(LONG_HEADINGS):
        sheet.write(3, c, h, head)
    for r, (ind, agency, period, value, num, den, note) in enumerate(rows.iter_rows(), start=4):
        sheet.write_string(r, 0, ind)
        sheet.write_string(r, 1, agency)
        year, month = period.split("-")
        sheet.write_string(r, 2, f"Tháng {int(month)}/{year}")
        for c, x in ((3, value), (4, num), (5, den)):
            if x:
                sheet.write_number(r, c, float(x))
        if note:
            sheet.write_string(r, 6, note)
    sheet.set_column(0, 0, 22)
    sheet.set_column(1, 1, 16)
    sheet.set_column(2, 2, 14)
    sheet.set_column(6, 6, 40)
    book.close()


def wide_form(rows: pl.DataFrame, names: dict[str, str], path: Path) -> None:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Biểu 01")
    bold = book.add_format({"bold": True})
    head = book.add_format({"bold": True, "bg_color": "#DDDDDD", "border": 1, "text_wrap": True})
    sheet.write(0, 0, "Biểu 01 — Báo cáo chỉ tiêu Đề án 06 và dịch vụ công của cấp xã", bold)
    sheet.write(1, 0, "Đơn vị tổng hợp: UBND TP Bà Rịa")
    sheet.write(2, 0, "Kỳ báo cáo:")
    sheet.write_string(2, 2, "Tháng 8/2023")
    headings = ["Mã đơn vị", "Tên đơn vị", *(h for h, _, _ in FORM)]
    for c, h in enumerate(headings):
        sheet.write(4, c, h, head)
    for c in range(len(headings)):
        sheet.write_string(5, c, f"({c + 1})")  # the column numbers forms carry
    for r, commune in enumerate(COMMUNES, start=6):
        mine = rows.filter(pl.col("agency") == commune)
        sheet.write_string(r, 0, commune)
        sheet.write_string(r, 1, names[commune])
        for c, (_, ind, figure) in enumerate(FORM, start=2):
            hit = mine.filter(pl.col("indicator") == ind)
            if hit.height and hit[figure][0]:
                if figure == "note":
                    sheet.write_string(r, c, hit[figure][0])
                else:
                    sheet.write_number(r, c, float(hit[figure][0]))
    sheet.set_column(0, 1, 18)
    sheet.set_column(2, len(headings) - 1, 16)
    book.close()


def agency_names() -> dict[str, str]:
    import tomllib

    with open(DATA / "agencies.toml", "rb") as fh:
        return {a["id"]: a["name"] for a in tomllib.load(fh)["agency"]}


def main() -> int:
    july = read("obs-2023-07.csv")
    long_workbook(july, DATA / "obs-2023-07.xlsx")
    august = read("obs-2023-08.csv")
    in_form = pl.col("agency").is_in(COMMUNES) & pl.col("indicator").is_in(FORM_INDICATORS)
    wide_form(august.filter(in_form), agency_names(), DATA / "bao-cao-xa-tp-ba-ria-2023-08.xlsx")
    august.filter(~in_form).write_csv(DATA / "obs-2023-08.csv")
    return 0


if __name__ == "__main__":
    sys.exit(main())
