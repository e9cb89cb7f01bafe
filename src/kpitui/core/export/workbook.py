"""xlsx: a workbook a director can send on (SPEC §10).

Three sheets:

* the view, in the UI language (``document.build``): a title, headings as on screen, status
  words on status tints, names instead of ids, periods as the UI writes them, numbers as
  numbers with their unit in the number format (``#,##0 "người"``) and percentages as
  fractions formatted ``0.00%``; frozen headings, a filter, printed landscape on A4;
* ``data``: the machine columns and values of SPEC §5.2, as the csv export has them, written by
  polars' ``write_excel``;
* ``meta``: the localised metadata and the input files with their SHA-256.

Text is always stored as text, never as a formula or a link: the workbook is created with
``strings_to_formulas=False`` (and no URL or number guessing) and text cells carry Excel's
quote prefix, so ``=HYPERLINK(...)`` in a name stays inert even when a user edits the cell.
"""

from __future__ import annotations

import io
from typing import Any

import polars as pl

from kpitui.core.export.document import Cell, Document, build
from kpitui.core.export.machine import clean_text, finite
from kpitui.core.export.markup import STATUS_TINT
from kpitui.core.export.table import ExportTable
from kpitui.core.i18n import t

HEAD = {"bold": True, "bottom": 1, "bg_color": "#DDDDDD", "text_wrap": True, "valign": "top"}
MIN_WIDTH, MAX_WIDTH = 8, 60
"""Column widths in characters."""
MAX_INDENT = 15
"""Excel's deepest indent level."""
WORKBOOK_OPTIONS = {
    "in_memory": True,
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}


class _Formats:
    """xlsxwriter formats, made once per distinct combination."""

    def __init__(self, book: Any) -> None:
        self.book = book
        self.cache: dict[tuple[Any, ...], Any] = {}
        self.head = book.add_format(HEAD)
        self.title = book.add_format({"bold": True, "font_size": 14})

    def get(self, num_format: str = "", status: str = "", indent: int = 0) -> Any:
        key = (num_format, status, indent)
        if key not in self.cache:
            spec: dict[str, Any] = (
                {"num_format": num_format} if num_format else {"quote_prefix": True}
            )
            if status in STATUS_TINT:
                spec.update(bg_color=STATUS_TINT[status], bold=status == "behind")
            if indent:
                spec["indent"] = min(indent, MAX_INDENT)
            self.cache[key] = self.book.add_format(spec)
        return self.cache[key]


def _sheet_name(name: str) -> str:
    for ch in "[]:*?/\\":
        name = name.replace(ch, " ")
    return name.strip()[:31] or "kpitui"


def _write_cell(sheet: Any, row: int, col: int, cell: Cell, fmt: Any) -> None:
    if cell.number is not None:
        sheet.write_number(row, col, cell.number, fmt)
    elif cell.text:
        sheet.write_string(row, col, cell.text, fmt)
    else:
        sheet.write_blank(row, col, None, fmt)


def _view_sheet(book: Any, doc: Document, formats: _Formats) -> None:
    sheet = book.add_worksheet(_sheet_name(doc.view_name))
    sheet.write_string(0, 0, doc.title, formats.title)
    widths = [len(h) for h in doc.headings]
    for j, heading in enumerate(doc.headings):
        sheet.write_string(1, j, heading, formats.head)
    for i, (cells, status) in enumerate(zip(doc.rows, doc.statuses, strict=True), start=2):
        for j, (column, cell) in enumerate(zip(doc.columns, cells, strict=True)):
            fmt = formats.get(
                cell.num_format if cell.number is not None else "",
                status if column.key == "status" else "",
                cell.indent,
            )
            _write_cell(sheet, i, j, cell, fmt)
            widths[j] = max(widths[j], len(cell.text) + 2 * cell.indent)
    for j, width in enumerate(widths):
        sheet.set_column(j, j, max(MIN_WIDTH, min(MAX_WIDTH, width + 2)))
    sheet.freeze_panes(2, 0)
    sheet.autofilter(1, 0, 1 + len(doc.rows), max(0, len(doc.headings) - 1))
    sheet.repeat_rows(1)
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)


def _data_sheet(book: Any, table: ExportTable, formats: _Formats) -> None:
    """The machine columns, values as in the csv export (text cleaned; formulas inert by the
    quote prefix rather than csv's leading apostrophe)."""
    frame = finite(clean_text(table.frame))
    column_formats: dict[str, Any] = {
        name: {"quote_prefix": True} for name, dtype in frame.schema.items() if dtype == pl.String
    }
    if "attainment" in frame.columns and frame.schema["attainment"].is_float():
        column_formats["attainment"] = "0.00%"
    frame.write_excel(
        workbook=book,
        worksheet="data",
        table_name="data",
        column_formats=column_formats,  # type: ignore[arg-type]
        dtype_formats={pl.Float64: "General", pl.Int64: "0", pl.UInt32: "0", pl.Int32: "0"},
        header_format={"bold": True},
        column_widths={c: max(10, len(c) + 4) for c in frame.columns},
        autofilter=True,
        freeze_panes=(1, 0),
    )


def _meta_sheet(book: Any, doc: Document, formats: _Formats) -> None:
    sheet = book.add_worksheet("meta")
    sheet.set_column(0, 0, 22)
    sheet.set_column(1, 1, 70)
    text = formats.get()
    row = 0
    for label, value in doc.meta:
        sheet.write_string(row, 0, label, formats.head)
        sheet.write_string(row, 1, value, text)
        row += 1
    if not doc.files:
        return
    row += 1
    sheet.write_string(row, 0, t("meta.files", doc.lang), formats.title)
    row += 1
    for j, heading in enumerate(doc.file_headings):
        sheet.write_string(row, j, heading, formats.head)
    count = formats.get("#,##0")
    for cells, info in zip(doc.file_rows(), doc.files, strict=True):
        row += 1
        for j, value in enumerate(cells):
            if j == 2 and isinstance(info.get("size"), int):
                sheet.write_number(row, j, info["size"], count)
            else:
                sheet.write_string(row, j, value, text)
    sheet.set_column(2, 4, 18)


def render_xlsx(table: ExportTable) -> bytes:
    import xlsxwriter

    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, WORKBOOK_OPTIONS)
    formats = _Formats(book)
    doc = build(table, "sheet")
    _view_sheet(book, doc, formats)
    _data_sheet(book, table, formats)
    _meta_sheet(book, doc, formats)
    book.close()
    return buf.getvalue()
