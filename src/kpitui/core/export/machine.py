"""csv and json: the machine columns and values of SPEC §5.2, for programs and spreadsheets.

Numbers are full precision with a ``.``; empty (csv) or null (json) when missing. Every text
cell is cleaned text (``core.text.clean``: NFC, one line, no control, escape or bidi
character), so an export read in a terminal (``--output -``) cannot drive it. csv also
escapes text that a spreadsheet would run as a formula.
"""

from __future__ import annotations

import io
import json
import math
from typing import Any

import polars as pl

from kpitui.core.export.hashing import file_metadata
from kpitui.core.export.table import ExportTable
from kpitui.core.text import clean, clean_expr

FORMULA_RE = r"^(?:[=+\-@\t\r]|\s+[=+\-@])"
"""Text a spreadsheet may run as a formula: it starts with ``= + - @``, a tab or a CR, or
with blanks before ``= + - @`` (some programs trim them)."""


def clean_text(frame: pl.DataFrame, escape_formulas: bool = False) -> pl.DataFrame:
    """Every string column cleaned; with ``escape_formulas``, formula-like text gets a leading
    ``'`` (decided on the text as written, before a leading tab is cleaned to a space)."""
    exprs = []
    for name, dtype in frame.schema.items():
        if dtype == pl.String:
            col = pl.col(name)
            if escape_formulas:
                col = pl.when(col.str.contains(FORMULA_RE)).then(pl.lit("'") + col).otherwise(col)
            exprs.append(clean_expr(col).alias(name))
    return frame.with_columns(exprs) if exprs else frame


def finite(frame: pl.DataFrame) -> pl.DataFrame:
    """Non-finite floats (never a figure) as missing."""
    exprs = [
        pl.when(pl.col(n).is_finite()).then(pl.col(n)).otherwise(None).alias(n)
        for n, dtype in frame.schema.items()
        if dtype.is_float()
    ]
    return frame.with_columns(exprs) if exprs else frame


def render_csv(table: ExportTable) -> bytes:
    buf = io.BytesIO()
    finite(clean_text(table.frame, escape_formulas=True)).write_csv(buf, float_precision=None)
    return buf.getvalue()


def _json_value(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, str):
        return clean(v)
    return v


def render_json(table: ExportTable) -> bytes:
    """``{"meta": ..., "columns": [...], "rows": [{...}]}``; the metadata lists the input files
    with their SHA-256. Text is data here: cleaned, never escaped."""
    frame = clean_text(table.frame)
    rows = [{k: _json_value(v) for k, v in row.items()} for row in frame.iter_rows(named=True)]
    meta = {k: _json_value(v) for k, v in table.meta.items()}
    if table.files:
        meta["files"] = [
            {k: _json_value(v) for k, v in f.items()} for f in file_metadata(table.files)
        ]
    doc = {"meta": meta, "columns": table.columns, "rows": rows}
    return (json.dumps(doc, ensure_ascii=False, indent=2, default=str) + "\n").encode("utf-8")
