"""csv and json: the machine columns and values of SPEC §5.2, for programs and spreadsheets.

Numbers are full precision with a ``.``; empty (csv) or null (json) when missing. csv
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

FORMULA_RE = r"^[=+\-@\t\r]"
"""Text a spreadsheet may run as a formula: it starts with ``= + - @``, a tab or a CR."""


def escape_formulas(frame: pl.DataFrame) -> pl.DataFrame:
    """Formula-like text gets a leading ``'``."""
    exprs = []
    for name, dtype in frame.schema.items():
        if dtype == pl.String:
            col = pl.col(name)
            exprs.append(
                pl.when(col.str.contains(FORMULA_RE))
                .then(pl.lit("'") + col)
                .otherwise(col)
                .alias(name)
            )
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
    finite(escape_formulas(table.frame)).write_csv(buf, float_precision=None)
    return buf.getvalue()


def _json_value(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def render_json(table: ExportTable) -> bytes:
    """``{"meta": ..., "columns": [...], "rows": [{...}]}``; the metadata lists the input files
    with their SHA-256. Text is data here: never escaped."""
    rows = [
        {k: _json_value(v) for k, v in row.items()} for row in table.frame.iter_rows(named=True)
    ]
    meta = {k: _json_value(v) for k, v in table.meta.items()}
    if table.files:
        meta["files"] = [
            {k: _json_value(v) for k, v in f.items()} for f in file_metadata(table.files)
        ]
    doc = {"meta": meta, "columns": table.columns, "rows": rows}
    return (json.dumps(doc, ensure_ascii=False, indent=2, default=str) + "\n").encode("utf-8")
