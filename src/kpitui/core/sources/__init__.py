"""Observation sources: each kind of file read into the one canonical row schema.

Every reader gives a :class:`~kpitui.core.sources.schema.Parsed`: a *fast* typed lazy frame
(CSV and parquet, for the streaming statistics pass) and a *careful* read that keeps the text
of every number and the place of every row, for findings. Which reader a file gets is decided
by :func:`parse`, from its kind and the definitions.
"""

from __future__ import annotations

from collections.abc import Sequence

from kpitui.core.load.files import Content
from kpitui.core.model import CsvOptions, SheetSpec
from kpitui.core.sources import csv as csv_source
from kpitui.core.sources import parquet as parquet_source
from kpitui.core.sources.schema import Parsed


def parse(
    content: Content, kind: str, opts: CsvOptions, sheets: Sequence[SheetSpec] = ()
) -> Parsed:
    """Read one file version with the data set's options (nothing is read until asked).
    A file that a ``[[sheet]]`` table names is a wide form (CSV or workbook)."""
    from kpitui.core.workbook import sheet_for

    spec = sheet_for(content.path, sheets) if sheets else None
    if kind == "workbook" or spec is not None:
        from kpitui.core.sources import tables

        return tables.parse(content, opts, spec, kind)
    if kind == "parquet":
        return parquet_source.parse(content, opts)
    return csv_source.parse(content, opts)
