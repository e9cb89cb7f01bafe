"""Workbooks and wide forms (SPEC §8) as observation sources: ``core.workbook`` reads the
cells, this turns its :class:`~kpitui.core.workbook.SourceTable` into the careful frame every
source gives, located by sheet and cell (``bao-cao.xlsx:BC thang!D14``).

A workbook is read carefully only (it is small next to a CSV file of national scale), from
the version's content: a private copy in the dashboard, the file itself in one-shot commands.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import tempfile
from collections.abc import Iterator

import polars as pl

from kpitui.core.findings import Finding
from kpitui.core.load.files import Content
from kpitui.core.model import CsvOptions, SheetSpec
from kpitui.core.sources.schema import NUMBERS, Careful, Parsed, number_exprs
from kpitui.core.workbook import SourceTable, read_wide, read_workbook


class CellLocator:
    """Row -> (line, place): the cell of a column (``BC thang!D14``), else the row's first
    cell; a wide CSV file has lines instead of cells."""

    def __init__(self, frame: pl.DataFrame) -> None:
        self.lines = frame.get_column("_line").to_list()
        self.rows = frame.get_column("_where").to_list()
        self.cells = {
            c.removeprefix("_where_"): frame.get_column(c).to_list()
            for c in frame.columns
            if c.startswith("_where_")
        }

    def __call__(self, row: int, column: str | None = None) -> tuple[int, str]:
        if not 0 <= row < len(self.rows):
            return 0, ""
        place = None
        if column is not None and column in self.cells:
            place = self.cells[column][row]
        place = place or self.rows[row]
        if place:
            return 0, place
        return int(self.lines[row] or 0), ""


def careful_frame(frame: pl.DataFrame, opts: CsvOptions) -> tuple[pl.DataFrame, frozenset[str]]:
    """The reader's rows with every number read: a numeric cell as it is, a text cell with
    the ``[csv]`` conventions (``_bad_<n>`` when it cannot be read)."""
    present = frozenset(
        n
        for n in NUMBERS
        if frame.get_column(n).is_not_null().any()
        or frame.get_column(f"_text_{n}").is_not_null().any()
    ) or frozenset(NUMBERS)
    exprs: list[pl.Expr] = []
    for name in NUMBERS:
        text = pl.col(f"_text_{name}")
        parsed, unreadable = number_exprs(text, name, opts)
        exprs += [
            pl.coalesce(pl.col(name), parsed).alias(name),
            pl.coalesce(text, pl.col(name).cast(pl.String)).alias(f"_text_{name}"),
            unreadable.fill_null(False).alias(f"_bad_{name}"),
        ]
    return frame.with_columns(exprs), present


def _relocate(findings: list[Finding], path: str) -> tuple[Finding, ...]:
    """Findings name the file as the user knows it, not the private copy that was read."""
    return tuple(f if f.path == path else dataclasses.replace(f, path=path) for f in findings)


@contextlib.contextmanager
def _file_of(content: Content) -> Iterator[str]:
    """A file holding the version's content, for readers that open files by name: the
    private copy, the file itself (one-shot commands), or the bytes written to a temporary
    file of the same name."""
    if content.data is None:
        yield content.copy or content.path
        return
    with tempfile.TemporaryDirectory(prefix="kpitui-read-") as folder:
        name = os.path.join(folder, os.path.basename(content.path))
        with open(name, "wb") as fh:
            fh.write(content.data)
        yield name


def parse(content: Content, opts: CsvOptions, spec: SheetSpec | None, kind: str) -> Parsed:
    """A workbook (long or, with a ``[[sheet]]`` spec, wide) or a wide CSV file."""

    def careful() -> Careful:
        with _file_of(content) as source:
            table: SourceTable = (
                read_wide(source, spec, opts) if spec is not None else read_workbook(source, opts)
            )
        findings = _relocate(table.findings, content.path)
        frame, present = careful_frame(table.frame, opts)
        locate = CellLocator(frame)
        if not table.ok:
            return Careful(None, findings, locate, present)
        return Careful(frame.lazy(), findings, locate, present)

    return Parsed(content.path, kind, (), None, careful)
