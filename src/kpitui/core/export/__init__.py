"""Snapshot exports (SPEC §5.2, §10): one package for the command line and the dashboard.

* ``table``: ``make_table`` turns a view frame (``core.views``) into an :class:`ExportTable`
  with the SPEC's machine columns; it reads no file.
* ``render(table, fmt)`` turns it into bytes through the format registry (``core.formats``):
  ``machine`` (csv, json: machine columns and values), ``document`` + ``markup`` /
  ``workbook`` (md, html, xlsx: the UI language). Only the formats that list input files
  hash them (``hashing``, once per file version), so the dashboard can render in a worker.
* ``writing``: atomic writes (never overwriting silently), default and safe file names.
"""

from __future__ import annotations

from kpitui.core.export.document import period_label
from kpitui.core.export.machine import render_csv, render_json
from kpitui.core.export.markup import render_html, render_md
from kpitui.core.export.table import (
    AGENCY_COLUMNS,
    BREAKDOWN_COLUMNS,
    PACE_COLUMNS,
    SUMMARY_COLUMNS,
    ExportTable,
    make_table,
    metadata,
)
from kpitui.core.export.workbook import render_xlsx
from kpitui.core.export.writing import (
    FILE_MODE,
    default_name,
    safe_name,
    write,
    write_bytes,
)
from kpitui.core.formats import ExportError, get


def render(table: ExportTable, fmt: str) -> bytes:
    """The bytes of ``table`` in format ``fmt`` (ExportError for an unknown one, or svg)."""
    return get(fmt).render(table)


__all__ = [
    "AGENCY_COLUMNS",
    "BREAKDOWN_COLUMNS",
    "FILE_MODE",
    "PACE_COLUMNS",
    "SUMMARY_COLUMNS",
    "ExportError",
    "ExportTable",
    "default_name",
    "make_table",
    "metadata",
    "period_label",
    "render",
    "render_csv",
    "render_html",
    "render_json",
    "render_md",
    "render_xlsx",
    "safe_name",
    "write",
    "write_bytes",
]
