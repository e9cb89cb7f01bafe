"""Entry templates (SPEC §8.4): an ``.xlsx`` form for one agency and period.

The form is a wide table, one row per agency (the agency's own row, then one per child) and one
column per figure (``value``, or ``numerator`` and ``denominator`` for a ratio indicator). It
carries its own mapping: right above the data rows, a header row of canonical names
(``agency``, ``period``, ``dd_kich_hoat.numerator``...) that :func:`kpitui.core.workbook.
read_workbook` recognises, so a filled-in form dropped into the data folder is read with no
``[[sheet]]`` table. The people who fill it in read the header row above it, in their words.

Ids, names and periods are in locked cells and the sheet is protected (without a password: the
protection guards against slips, not against the owner); only the figure cells are unlocked,
with a data validation (a number >= 0). A second sheet explains how to fill the form and lists
the definitions of the indicators.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kpitui.core.model import Aggregate, Definitions, Indicator

FORM_SHEET = {"vi": "Nhập số liệu", "en": "Data entry"}
HELP_SHEET = {"vi": "Hướng dẫn", "en": "Instructions"}
FIRST_DATA_ROW = 6
"""0-based row of the first agency; the canonical header row is right above it."""
MAX_CHILDREN = 5000


class TemplateError(Exception):
    """A template that cannot be made: an unknown agency, indicator or period."""


@dataclass(frozen=True, slots=True)
class Figure:
    """One input column of the form."""

    indicator: Indicator
    figure: str
    """``value``, ``numerator`` or ``denominator``."""

    @property
    def canonical(self) -> str:
        return f"{self.indicator.id}.{self.figure}"


_WORDS: dict[str, dict[str, Any]] = {
    "vi": {
        "title": "BIỂU NHẬP SỐ LIỆU",
        "agency": "Đơn vị",
        "period": "Kỳ báo cáo",
        "agency_id": "Mã đơn vị",
        "agency_name": "Tên đơn vị",
        "value": "Giá trị",
        "numerator": "Tử số",
        "denominator": "Mẫu số",
        "ids": "(hàng mã dùng để đọc biểu: không sửa)",
        "invalid": "Nhập một số không âm (dấu thập phân theo máy tính của bạn).",
        "invalid_title": "Không phải số",
        "help": [
            "Cách điền biểu",
            "1. Chỉ nhập vào các ô trắng ở sheet '{form}': mỗi hàng là một đơn vị, mỗi cột là một số liệu.",
            "2. Nhập số, không nhập chữ; để trống ô chưa có số liệu (ô trống không được tính).",
            "3. Với chỉ tiêu tỷ lệ, nhập tử số và mẫu số (số đếm), không nhập tỷ lệ %; kpitui tự tính tỷ lệ.",
            "4. Không sửa mã đơn vị, kỳ báo cáo và hàng mã (hàng chữ xám) phía trên số liệu.",
            "5. Lưu tệp dạng .xlsx và gửi lại; tệp được đọc trực tiếp, không cần chuyển đổi.",
            "Đơn vị: {agency} ({agency_id}). Kỳ báo cáo: {period}.",
        ],
        "defs": [
            "Mã chỉ tiêu",
            "Tên chỉ tiêu",
            "Đơn vị tính",
            "Chỉ tiêu",
            "Cách tổng hợp",
            "Cột nhập",
            "Căn cứ",
            "Mô tả",
        ],
    },
    "en": {
        "title": "DATA ENTRY FORM",
        "agency": "Agency",
        "period": "Period",
        "agency_id": "Agency id",
        "agency_name": "Agency name",
        "value": "Value",
        "numerator": "Numerator",
        "denominator": "Denominator",
        "ids": "(the row of ids that reads the form: do not edit)",
        "invalid": "Enter a number of 0 or more.",
        "invalid_title": "Not a number",
        "help": [
            "How to fill in this form",
            "1. Type only in the white cells of the sheet '{form}': a row per agency, a column per figure.",
            "2. Type numbers, not words; leave a cell empty when there is no figure yet (empty cells are not counted).",
            "3. For a ratio indicator type the numerator and the denominator (counts), not the percentage; kpitui computes it.",
            "4. Do not edit the agency ids, the period or the grey row of ids above the figures.",
            "5. Save the file as .xlsx and send it back; it is read as it is.",
            "Agency: {agency} ({agency_id}). Period: {period}.",
        ],
        "defs": [
            "Indicator id",
            "Name",
            "Unit",
            "Target",
            "Aggregate",
            "Columns",
            "Source",
            "Description",
        ],
    },
}


def figures(indicators: Sequence[Indicator]) -> list[Figure]:
    """The input columns: numerator and denominator for a ratio indicator, else the value."""
    out: list[Figure] = []
    for ind in indicators:
        if ind.aggregate is Aggregate.RATIO:
            out += [Figure(ind, "numerator"), Figure(ind, "denominator")]
        else:
            out.append(Figure(ind, "value"))
    return out


def canonical_period(text: str) -> str | None:
    """The canonical form of a period typed on the command line, or None."""
    from kpitui.core import periods

    return periods.canonical(text)


def build(
    definitions: Definitions,
    agency: str,
    period: str,
    indicators: Sequence[str] | None = None,
    lang: str = "vi",
) -> bytes:
    """The template as ``.xlsx`` bytes. Raises :class:`TemplateError` for unknown ids."""
    import xlsxwriter

    words = _WORDS["en" if lang == "en" else "vi"]
    by_id = {a.id: a for a in definitions.agencies}
    if by_id and agency not in by_id:
        known = ", ".join(list(by_id)[:12]) + (" ..." if len(by_id) > 12 else "")
        raise TemplateError(f"unknown agency {agency!r} (known: {known})")
    from kpitui.core.periods import parse_period

    canonical = canonical_period(period)
    if canonical is None:
        from kpitui.core.periods import ACCEPTED_FORMS

        raise TemplateError(f"not a period: {period!r} (accepted: {ACCEPTED_FORMS})")
    chosen = list(definitions.indicators)
    if indicators:
        known_ids = {i.id for i in chosen}
        for ident in indicators:
            if ident not in known_ids:
                shown = ", ".join(sorted(known_ids)[:12])
                raise TemplateError(f"unknown indicator {ident!r} (known: {shown})")
        chosen = [i for i in chosen if i.id in set(indicators)]
    if not chosen:
        raise TemplateError("the data set defines no indicator")
    own = by_id.get(agency)
    starts = parse_period(canonical)
    start = starts[0] if starts else None
    if own is not None and own.until is not None and start is not None and own.until < start:
        after = f" (its successor is {own.successor!r})" if own.successor else ""
        raise TemplateError(f"agency {agency!r} was dissolved on {own.until}{after}")
    rows = [(agency, own.name if own else agency)]
    rows += [
        (a.id, a.name)
        for a in definitions.agencies
        if a.parent == agency
        and not (a.until is not None and start is not None and a.until < start)
    ][:MAX_CHILDREN]
    cols = figures(chosen)

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    title_fmt = book.add_format({"bold": True, "font_size": 14})
    bold = book.add_format({"bold": True})
    head = book.add_format(
        {"bold": True, "text_wrap": True, "valign": "top", "border": 1, "bg_color": "#DDEBF7"}
    )
    ids_fmt = book.add_format({"font_color": "#808080", "font_size": 8, "border": 1})
    locked = book.add_format({"border": 1, "bg_color": "#F2F2F2"})
    entry = book.add_format({"locked": False, "border": 1})

    form = FORM_SHEET["en" if lang == "en" else "vi"]
    ws = book.add_worksheet(form)
    ws.write_string(0, 0, words["title"] + _title_suffix(definitions), title_fmt)
    ws.write_string(1, 0, f"{words['agency']}: {rows[0][1]} ({agency})", bold)
    ws.write_string(2, 0, f"{words['period']}: {canonical}", bold)
    header = [words["agency_id"], words["agency_name"], words["period"]]
    header += [_column_title(f, words) for f in cols]
    ids = ["agency", "", "period", *(f.canonical for f in cols)]
    ws.write_string(FIRST_DATA_ROW - 3, 0, words["ids"], ids_fmt)
    for c, (title, ident) in enumerate(zip(header, ids, strict=True)):
        ws.write_string(FIRST_DATA_ROW - 2, c, title, head)
        if ident:
            ws.write_string(FIRST_DATA_ROW - 1, c, ident, ids_fmt)
        else:  # the names column is not read
            ws.write_blank(FIRST_DATA_ROW - 1, c, None, ids_fmt)
    first, last = FIRST_DATA_ROW, FIRST_DATA_ROW + len(rows) - 1
    for r, (ident, name) in enumerate(rows, start=first):
        ws.write_string(r, 0, ident, locked)
        ws.write_string(r, 1, name, locked)
        ws.write_string(r, 2, canonical, locked)
        for c in range(3, 3 + len(cols)):
            ws.write_blank(r, c, None, entry)
    ws.data_validation(
        first,
        3,
        last,
        2 + len(cols),
        {
            "validate": "decimal",
            "criteria": ">=",
            "value": 0,
            "error_title": words["invalid_title"],
            "error_message": words["invalid"],
        },
    )
    ws.set_column(0, 0, 16)
    ws.set_column(1, 1, 32)
    ws.set_column(2, 2, 12)
    ws.set_column(3, 2 + len(cols), 18)
    ws.set_row(FIRST_DATA_ROW - 2, 60)
    ws.freeze_panes(first, 3)
    ws.protect("", {"format_columns": True, "format_rows": True})
    ws.activate()

    help_ws = book.add_worksheet(HELP_SHEET["en" if lang == "en" else "vi"])
    values = {
        "form": form,
        "agency": rows[0][1],
        "agency_id": agency,
        "period": canonical,
    }
    for r, line in enumerate(words["help"]):
        help_ws.write_string(r, 0, line.format(**values), bold if r == 0 else None)
    top = len(words["help"]) + 1
    for c, title in enumerate(words["defs"]):
        help_ws.write_string(top, c, title, head)
    for r, ind in enumerate(chosen, start=top + 1):
        columns = ", ".join(_column_title(f, words) for f in cols if f.indicator.id == ind.id)
        cells = [
            ind.id,
            ind.display_name(lang),
            ind.unit,
            "" if ind.target is None else _number(ind.target),
            ind.aggregate.value,
            columns,
            ind.source or "",
            ind.description or "",
        ]
        for c, text in enumerate(cells):
            help_ws.write_string(r, c, text)
    help_ws.set_column(0, 0, 18)
    help_ws.set_column(1, 1, 48)
    help_ws.set_column(2, 4, 12)
    help_ws.set_column(5, 7, 40)
    help_ws.protect("", {"format_columns": True, "format_rows": True})
    book.close()
    return buffer.getvalue()


def _title_suffix(definitions: Definitions) -> str:
    title = definitions.dashboard.title
    return f" — {title}" if title else ""


def _column_title(f: Figure, words: dict[str, Any]) -> str:
    ind = f.indicator
    if f.figure == "value":
        return f"{ind.name} ({ind.unit})" if ind.unit else ind.name
    return f"{ind.name}: {words[f.figure]}"


def _number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(x)


def default_name(agency: str, period: str) -> str:
    from kpitui.core.export import safe_name

    return safe_name(f"kpitui-template-{agency}-{period}.xlsx")


def write(data: bytes, output: str, force: bool = False) -> Path:
    """Write the template atomically; never replaces a file unless ``force``.

    Raises :class:`kpitui.core.export.ExportError` with a message for the user.
    """
    from kpitui.core.export import ExportError, write_bytes

    path = Path(output)
    if path.is_dir():
        raise ExportError(f"{output} is a folder; give a file name")
    if path.exists() and not force:
        raise ExportError(f"{output} already exists; use --force to replace it")
    return write_bytes(data, path, force=force)
