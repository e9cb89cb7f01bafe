"""Snapshot exports (SPEC §5.2): one module for the CLI and the dashboard.

``make_table`` turns a view frame (from ``core.views``) into an :class:`ExportTable` with the
SPEC's columns; ``render`` turns it into bytes for a format; ``write`` puts the bytes on disk
atomically (temp file in the target folder, fsync, rename; never overwriting silently).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import math
import os
import re
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl

from kpitui import __version__
from kpitui.core import numbers
from kpitui.core.model import ALL_AGENCIES
from kpitui.core.snapshot import Snapshot
from kpitui.core.text import clean

PACE_COLUMNS = ["expected", "on_track", "projected", "missing_reporters"]
"""SPEC §5.2: after the columns of each view, "once pace is built"."""
SUMMARY_COLUMNS = [
    "indicator",
    "name",
    "group",
    "unit",
    "period",
    "value",
    "target",
    "direction",
    "attainment",
    "status",
    *PACE_COLUMNS,
    "numerator",
    "denominator",
    "previous_period",
    "change",
    "will_meet",
    "name_en",
    "owner",
]
BREAKDOWN_COLUMNS = [
    "agency",
    "agency_name",
    "parent",
    "period",
    "value",
    "numerator",
    "denominator",
    "target",
    "attainment",
    "status",
    *PACE_COLUMNS,
    "indicator",
    "depth",
    "previous_period",
    "change",
    "note",
]
AGENCY_COLUMNS = ["agency", "agency_name", *SUMMARY_COLUMNS]
TEXT_FORMATS = ("csv", "json", "md", "html", "svg")
FILE_MODE = 0o640
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class ExportError(Exception):
    """An export that cannot be written; the message is for the user."""


@dataclass(frozen=True)
class ExportTable:
    view: str
    """"summary", "breakdown" or "agency"."""
    frame: pl.DataFrame
    title: str
    lang: str
    meta: dict[str, Any] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)
    """indicator -> unit, for human formats."""

    @property
    def columns(self) -> list[str]:
        return self.frame.columns


def _file_hash(path: str) -> str | None:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()


def metadata(snap: Snapshot, view: str, **details: Any) -> dict[str, Any]:
    """Generated at, data period, view and filters, version, and the input files."""
    periods = snap.period_list()
    meta: dict[str, Any] = {
        "generated_at": datetime.now().astimezone().isoformat(timespec="seconds"),
        "kpitui_version": __version__,
        "title": snap.definitions.dashboard.title,
        "view": view,
        "data_period": f"{periods[0]} – {periods[-1]}" if periods else "",
    }
    meta.update({k: v for k, v in details.items() if v not in (None, "", [], ())})
    return meta


def file_metadata(snap: Snapshot) -> list[dict[str, Any]]:
    return [
        {
            "path": f.path,
            "sha256": _file_hash(f.path),
            "size": f.size,
            "modified": datetime.fromtimestamp(f.mtime).astimezone().isoformat(timespec="seconds")
            if f.mtime
            else None,
            "state": f.state,
        }
        for f in snap.files
    ]


def make_table(
    snap: Snapshot,
    view: str,
    frame: pl.DataFrame,
    lang: str,
    with_files: bool = True,
    **details: Any,
) -> ExportTable:
    """An export table of a view frame (from ``core.views``), columns in SPEC order."""
    columns = {
        "summary": SUMMARY_COLUMNS,
        "breakdown": BREAKDOWN_COLUMNS,
        "agency": AGENCY_COLUMNS,
    }[view]
    f = frame
    if "agency_name" in columns and "agency" in f.columns:
        names = snap.tree.names
        label = "Toàn bộ" if lang == "vi" else "All"
        f = f.with_columns(
            agency_name=pl.col("agency").replace_strict(
                {a: (label if a == ALL_AGENCIES else names.get(a, a)) for a in snap.tree.ids},
                default=pl.col("agency"),
                return_dtype=pl.String,
            )
        )
    if "name" in columns and "name" not in f.columns:
        f = f.join(
            pl.DataFrame(
                {
                    "indicator": [i.id for i in snap.definitions.indicators],
                    "name": [i.name for i in snap.definitions.indicators],
                    "name_en": [i.name_en for i in snap.definitions.indicators],
                    "owner": [i.owner for i in snap.definitions.indicators],
                    "group": [i.group for i in snap.definitions.indicators],
                },
                schema={
                    "indicator": pl.String,
                    "name": pl.String,
                    "name_en": pl.String,
                    "owner": pl.String,
                    "group": pl.String,
                },
            ),
            on="indicator",
            how="left",
        )
    if "parent" in columns and "parent" not in f.columns:
        f = f.with_columns(
            parent=pl.col("agency").replace_strict(
                snap.tree.parent, default=None, return_dtype=pl.String
            )
        )
    if "depth" in columns and "depth" not in f.columns:
        f = f.with_columns(
            depth=pl.col("agency").replace_strict(
                snap.tree.depth, default=None, return_dtype=pl.Int64
            )
        )
    missing = [c for c in columns if c not in f.columns]
    for c in missing:
        f = f.with_columns(pl.lit(None, pl.String).alias(c))
    f = f.select(columns)
    units = {i.id: i.unit for i in snap.definitions.indicators}
    meta = metadata(snap, view, **details)
    if with_files:
        meta["files"] = file_metadata(snap)
    return ExportTable(view, f, snap.definitions.dashboard.title, lang, meta, units)


# --------------------------------------------------------------------------- rendering


def _escaped_text(frame: pl.DataFrame) -> pl.DataFrame:
    exprs = []
    for name, dtype in frame.schema.items():
        if dtype == pl.String:
            col = pl.col(name)
            exprs.append(
                pl.when(col.str.contains(r"^[=+\-@\t\r]"))
                .then(pl.lit("'") + col)
                .otherwise(col)
                .alias(name)
            )
    return frame.with_columns(exprs) if exprs else frame


def render_csv(table: ExportTable) -> bytes:
    frame = _escaped_text(table.frame)
    buf = io.BytesIO()
    frame.write_csv(buf, float_precision=None)
    return buf.getvalue()


def _json_value(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def render_json(table: ExportTable) -> bytes:
    rows = [
        {k: _json_value(v) for k, v in row.items()} for row in table.frame.iter_rows(named=True)
    ]
    doc = {"meta": table.meta, "columns": table.columns, "rows": rows}
    return (json.dumps(doc, ensure_ascii=False, indent=2, default=str) + "\n").encode("utf-8")


# Human formats show fewer, formatted columns.
HUMAN_SUMMARY = ["status", "name", "period", "value", "target", "attainment", "change", "pace"]
HUMAN_BREAKDOWN = [
    "status",
    "agency_name",
    "period",
    "value",
    "fraction",
    "attainment",
    "change",
    "note",
]

HEADERS = {
    "status": ("Trạng thái", "Status"),
    "name": ("Chỉ tiêu", "Indicator"),
    "agency_name": ("Đơn vị", "Agency"),
    "period": ("Kỳ", "Period"),
    "value": ("Giá trị", "Value"),
    "target": ("Mục tiêu", "Target"),
    "attainment": ("Mức đạt", "Attainment"),
    "change": ("Thay đổi", "Change"),
    "pace": ("Tiến độ", "Pace"),
    "fraction": ("Tử số / mẫu số", "Numerator / denominator"),
    "note": ("Ghi chú", "Note"),
}
STATUS_WORDS = {
    "met": ("✓ đạt", "✓ met"),
    "near": ("~ gần đạt", "~ near"),
    "behind": ("✗ chậm", "✗ behind"),
    "missing": ("? thiếu số liệu", "? missing"),
    "no_target": ("· không chỉ tiêu", "· no target"),
}


def human_rows(table: ExportTable) -> tuple[list[str], list[list[str]], list[str]]:
    """(headers, rows of formatted cells, status of each row) for md and html."""
    lang = table.lang
    vi = lang == "vi"
    keys = HUMAN_BREAKDOWN if table.view == "breakdown" else HUMAN_SUMMARY
    if table.view == "agency":
        keys = HUMAN_SUMMARY
    headers = [HEADERS[k][0 if vi else 1] for k in keys]
    out = []
    statuses = []
    for row in table.frame.iter_rows(named=True):
        unit = table.units.get(row.get("indicator") or "", row.get("unit") or "")
        cells = []
        for k in keys:
            if k == "status":
                pair = STATUS_WORDS.get(row["status"], (row["status"], row["status"]))
                cells.append(pair[0 if vi else 1])
            elif k == "name":
                name = row.get("name_en") if not vi and row.get("name_en") else row.get("name")
                cells.append(clean(name or row.get("indicator") or ""))
            elif k in ("value", "target"):
                cells.append(numbers.with_unit(row.get(k), unit, lang))
            elif k == "attainment":
                cells.append(numbers.attainment(row.get(k), lang))
            elif k == "change":
                cells.append(numbers.change(row.get(k), unit, lang))
            elif k == "fraction":
                cells.append(numbers.fraction(row.get("numerator"), row.get("denominator"), lang))
            elif k == "pace":
                cells.append(_pace_word(row, vi))
            else:
                cells.append(clean(str(row.get(k) or "")))
        out.append(cells)
        statuses.append(row["status"])
    return headers, out, statuses


def _pace_word(row: dict[str, Any], vi: bool) -> str:
    parts = []
    if row.get("on_track") is True:
        parts.append("đúng tiến độ" if vi else "on track")
    elif row.get("on_track") is False:
        parts.append("chậm tiến độ" if vi else "off track")
    if row.get("will_meet") is False:
        parts.append("dự báo không đạt" if vi else "projected to miss")
    return ", ".join(parts)


def _md_cell(text: str) -> str:
    text = clean(text).replace("\\", "\\\\").replace("|", "\\|")
    for ch in "*_`[]<>#":
        text = text.replace(ch, "\\" + ch)
    return text


def _meta_lines(table: ExportTable) -> list[tuple[str, str]]:
    vi = table.lang == "vi"
    labels = {
        "generated_at": ("Thời điểm xuất", "Generated at"),
        "data_period": ("Số liệu", "Data period"),
        "view": ("Bảng", "View"),
        "as_of": ("Tính đến kỳ", "As of period"),
        "indicator": ("Chỉ tiêu", "Indicator"),
        "agency": ("Đơn vị", "Agency"),
        "filters": ("Bộ lọc", "Filters"),
        "search": ("Tìm kiếm", "Search"),
        "sort": ("Sắp xếp", "Sort"),
        "kpitui_version": ("Phiên bản kpitui", "kpitui version"),
    }
    out = []
    for key, (lv, le) in labels.items():
        if key in table.meta:
            out.append((lv if vi else le, str(table.meta[key])))
    return out


def render_md(table: ExportTable) -> bytes:
    headers, rows, _ = human_rows(table)
    title = table.meta.get("heading") or table.title or "kpitui"
    lines = [f"# {_md_cell(title)}", ""]
    for label, value in _meta_lines(table):
        lines.append(f"- {label}: {_md_cell(value)}")
    files = table.meta.get("files") or []
    if files:
        lines.append("- " + ("Tệp dữ liệu" if table.lang == "vi" else "Input files") + ":")
        for f in files:
            lines.append(f"  - `{_md_code(f['path'])}` sha256 `{f['sha256']}`")
    lines += ["", "| " + " | ".join(_md_cell(h) for h in headers) + " |"]
    lines.append("|" + "|".join("---" for _ in headers) + "|")
    for cells in rows:
        lines.append("| " + " | ".join(_md_cell(c) for c in cells) + " |")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _md_code(text: str) -> str:
    return clean(text).replace("`", "'")


# --------------------------------------------------------------------------- xlsx

STATUS_FILL = {
    "met": "#CCE8F6",
    "near": "#FBE3B3",
    "behind": "#F6CFB6",
    "missing": "#E6E6E6",
    "no_target": "#F2F2F2",
}
PERCENT_OF_ONE = {"attainment"}
COUNTS = {"numerator", "denominator", "missing_reporters", "depth"}


def render_xlsx(table: ExportTable) -> bytes:
    """A workbook: the view (bold frozen header, autofilter, number formats, status colours,
    column widths) and a ``meta`` sheet. Text is written as text, never as a formula or URL."""
    import xlsxwriter

    buf = io.BytesIO()
    book = xlsxwriter.Workbook(
        buf,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    head = book.add_format(
        {"bold": True, "bottom": 1, "bg_color": "#DDDDDD", "text_wrap": True, "valign": "top"}
    )
    text = book.add_format({})
    quoted = book.add_format({"quote_prefix": True})
    number = book.add_format({"num_format": "#,##0.00"})
    count = book.add_format({"num_format": "#,##0"})
    percent = book.add_format({"num_format": "0.0%"})
    status_formats = {
        k: book.add_format({"bg_color": v, "bold": k == "behind"}) for k, v in STATUS_FILL.items()
    }
    sheet = book.add_worksheet(table.view[:31])
    columns = table.columns
    widths = [max(8, min(40, len(c) + 2)) for c in columns]
    for j, c in enumerate(columns):
        sheet.write_string(0, j, c, head)
    for i, row in enumerate(table.frame.iter_rows(named=True), start=1):
        for j, c in enumerate(columns):
            v = row[c]
            if v is None or (isinstance(v, float) and not math.isfinite(v)):
                sheet.write_blank(i, j, None)
            elif isinstance(v, bool):
                sheet.write_boolean(i, j, v)
            elif isinstance(v, int | float):
                fmt = percent if c in PERCENT_OF_ONE else count if c in COUNTS else number
                sheet.write_number(i, j, float(v), fmt)
            else:
                value = clean(str(v))
                if c == "status":
                    fmt = status_formats.get(value, text)
                else:
                    fmt = quoted if value.startswith(FORMULA_START) else text
                sheet.write_string(i, j, value, fmt)
                widths[j] = max(widths[j], min(60, len(value) + 2))
    for j, w in enumerate(widths):
        sheet.set_column(j, j, w)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(1, table.frame.height), len(columns) - 1)
    meta = book.add_worksheet("meta")
    meta.set_column(0, 0, 18)
    meta.set_column(1, 1, 70)
    r = 0
    for key, value in table.meta.items():
        if key == "files":
            continue
        meta.write_string(r, 0, key, head)
        meta.write_string(
            r, 1, clean(str(value)), quoted if str(value).startswith(FORMULA_START) else text
        )
        r += 1
    r += 1
    files = table.meta.get("files") or []
    if files:
        for j, label in enumerate(("path", "sha256", "size", "modified", "state")):
            meta.write_string(r, j, label, head)
        for f in files:
            r += 1
            for j, label in enumerate(("path", "sha256", "size", "modified", "state")):
                value = f.get(label)
                if isinstance(value, int):
                    meta.write_number(r, j, value, count)
                else:
                    meta.write_string(r, j, clean(str(value or "")), text)
    book.close()
    return buf.getvalue()


# --------------------------------------------------------------------------- html

HTML_STYLE = """
body{font-family:"Segoe UI",Roboto,"Noto Sans",Arial,sans-serif;margin:24px;color:#1b1b1b}
h1{font-size:20px;margin:0 0 8px}
.meta{font-size:12px;color:#555;margin:0 0 16px;padding:0;list-style:none}
.meta li{margin:2px 0}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{border-bottom:1px solid #ccc;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#eee;border-bottom:2px solid #888}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.met td.status{background:#cce8f6}
tr.near td.status{background:#fbe3b3}
tr.behind td.status{background:#f6cfb6;font-weight:bold}
tr.missing td.status,tr.no_target td.status{background:#eee;color:#555}
.files{font-size:11px;color:#666;margin-top:16px;word-break:break-all}
@page{size:A4;margin:12mm}
@media print{body{margin:0}thead{display:table-header-group}tr{break-inside:avoid}}
"""


def render_html(table: ExportTable) -> bytes:
    """One self-contained page (inline CSS, no scripts), status colours, A4 print layout."""
    from html import escape

    headers, rows, statuses = human_rows(table)
    keys = HUMAN_BREAKDOWN if table.view == "breakdown" else HUMAN_SUMMARY
    numeric = {"value", "target", "attainment", "change", "fraction"}
    title = str(table.meta.get("heading") or table.title or "kpitui")
    out = [
        "<!DOCTYPE html>",
        f'<html lang="{escape(table.lang)}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(clean(title))}</title><style>{HTML_STYLE}</style></head><body>",
        f"<h1>{escape(clean(title))}</h1>",
        '<ul class="meta">',
    ]
    for label, value in _meta_lines(table):
        out.append(f"<li>{escape(label)}: {escape(clean(value))}</li>")
    out.append("</ul><table><thead><tr>")
    out += [f"<th>{escape(h)}</th>" for h in headers]
    out.append("</tr></thead><tbody>")
    for cells, status in zip(rows, statuses, strict=True):
        out.append(f'<tr class="{escape(status)}">')
        for k, c in zip(keys, cells, strict=True):
            cls = "status" if k == "status" else "num" if k in numeric else ""
            out.append(f'<td class="{cls}">{escape(c)}</td>' if cls else f"<td>{escape(c)}</td>")
        out.append("</tr>")
    out.append("</tbody></table>")
    files = table.meta.get("files") or []
    if files:
        out.append('<div class="files">')
        for f in files:
            out.append(f"{escape(clean(f['path']))} — sha256 {escape(str(f['sha256']))}<br>")
        out.append("</div>")
    out.append("</body></html>\n")
    return "\n".join(out).encode("utf-8")


RENDERERS: dict[str, Callable[[ExportTable], bytes]] = {
    "csv": render_csv,
    "json": render_json,
    "xlsx": render_xlsx,
    "md": render_md,
    "html": render_html,
}
EXTENSIONS = {
    "csv": "csv",
    "json": "json",
    "md": "md",
    "html": "html",
    "xlsx": "xlsx",
    "svg": "svg",
}


def render(table: ExportTable, fmt: str) -> bytes:
    try:
        renderer = RENDERERS[fmt]
    except KeyError:
        raise ExportError(f"unknown format {fmt!r}; choose one of {', '.join(RENDERERS)}") from None
    return renderer(table)


# --------------------------------------------------------------------------- writing

_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_name(name: str) -> str:
    """A file name that cannot leave its folder: no separators, no leading dots."""
    name = _SAFE.sub("_", os.path.basename(name.replace("\\", "/"))).lstrip(".")
    return name[:120] or "kpitui-export"


def default_name(view: str, fmt: str, when: datetime | None = None) -> str:
    when = when or datetime.now()
    return safe_name(f"kpitui-{view}-{when:%Y%m%d-%H%M%S}.{EXTENSIONS.get(fmt, fmt)}")


def _free_path(folder: Path, name: str) -> Path:
    """``name`` in ``folder``, or ``name-2``, ``name-3``... when taken."""
    path = folder / name
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    n = 2
    while path.exists():
        path = folder / (f"{stem}-{n}.{ext}" if ext else f"{stem}-{n}")
        n += 1
    return path


def write_bytes(data: bytes, path: Path, force: bool = False) -> Path:
    """Atomically create ``path`` with ``data``: a temp file in the same folder, fsync, then a
    rename (``force``) or a hard link that fails if the name was taken meanwhile."""
    folder = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=".kpitui-", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise ExportError(f"cannot write in {folder}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, FILE_MODE)
        if force:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)
            except FileExistsError:
                raise ExportError(f"{path} already exists; use --force to replace it") from None
            except OSError:
                # File systems without hard links: check, then rename (tiny race window).
                if path.exists():
                    raise ExportError(f"{path} already exists; use --force to replace it") from None
                os.replace(tmp, path)
        return path
    except OSError as exc:
        raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def write(
    data: bytes,
    fmt: str,
    view: str,
    output: str | None = None,
    folder: str | None = None,
    force: bool = False,
    stdout: Any = None,
    when: datetime | None = None,
) -> str:
    """Write an export: to ``output`` ("-" = stdout), else a fresh default name in ``folder``.

    Returns the path written ("-" for stdout).
    """
    if output == "-":
        if fmt not in TEXT_FORMATS:
            raise ExportError(f"--output - needs a text format, not {fmt}")
        out = stdout or sys.stdout.buffer
        out.write(data)
        out.flush()
        return "-"
    if output:
        path = Path(output)
        if path.is_dir():
            raise ExportError(f"{output} is a folder; give a file name")
        if path.exists() and not force:
            raise ExportError(f"{output} already exists; use --force to replace it")
        return str(write_bytes(data, path, force=force))
    base = Path(folder or ".")
    if not base.is_dir():
        raise ExportError(f"{base} is not a folder")
    name = default_name(view, fmt, when)
    for _ in range(100):
        path = _free_path(base, name)
        try:
            return str(write_bytes(data, path, force=False))
        except ExportError:
            if not path.exists():
                raise
    raise ExportError(f"cannot find a free file name in {base}")
