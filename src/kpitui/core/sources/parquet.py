"""Parquet observation files (SPEC §8.1): the same canonical columns as CSV, typed columns.

Number columns may be numeric (read as they are) or text (read with the ``[csv]``
conventions, like a CSV cell); id and period columns are text (a date column of periods is
read as months, or as days when its dates are not all first or last days of a month).
Findings give the row as people count them: ``obs.parquet:row 88: error: ...``.
"""

from __future__ import annotations

import io

import polars as pl

from kpitui.core import findings as fnd
from kpitui.core.findings import Finding
from kpitui.core.load.files import Content, ReadFailure
from kpitui.core.model import CsvOptions
from kpitui.core.sources.csv import map_header
from kpitui.core.sources.schema import (
    FAST_SCHEMA,
    MAX_FIELD_CHARS,
    NUMBERS,
    REQUIRED,
    Careful,
    Parsed,
    failed,
    number_exprs,
)
from kpitui.core.text import clean


def by_row(row: int, column: str | None = None) -> tuple[int, str]:
    return 0, f"row {row + 1}"


def _short(exc: BaseException) -> str:
    text = clean(str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__)
    return text[:120]


def _frame(content: Content) -> pl.LazyFrame:
    if content.data is not None:
        return pl.read_parquet(io.BytesIO(content.data)).lazy()
    return pl.scan_parquet(content.source(), glob=False)


def _schema(content: Content) -> dict[str, pl.DataType]:
    try:
        if content.data is not None:
            return dict(pl.read_parquet_schema(io.BytesIO(content.data)))
        return dict(pl.read_parquet_schema(content.source()))
    except (pl.exceptions.PolarsError, pl.exceptions.PanicException, OSError) as exc:
        raise ReadFailure(
            fnd.error(content.path, 0, f"cannot read as parquet: {_short(exc)}", kind="header")
        ) from None


def _period(dtype: pl.DataType) -> pl.Expr:
    col = pl.col("period")
    if dtype == pl.Date or isinstance(dtype, pl.Datetime):
        day = col.cast(pl.Date)
        edge = (day.dt.day() == 1) | (day == day.dt.month_end())
        return (
            pl.when(edge.all())
            .then(day.dt.strftime("%Y-%m"))
            .otherwise(day.dt.strftime("%Y-%m-%d"))
        )
    return col


def parse(content: Content, opts: CsvOptions) -> Parsed:
    """A parquet file version: its schema now, its rows when asked."""
    try:
        schema = _schema(content)
        names, header_findings = map_header(content.path, list(schema), opts, place="header")
    except ReadFailure as exc:
        return failed(content, "parquet", exc.finding)
    columns = {canonical: original for canonical, original in zip(names, schema, strict=True)}
    types = {canonical: schema[original] for canonical, original in columns.items()}
    problems: list[Finding] = []
    for name in (*REQUIRED, "note"):
        dtype = types.get(name)
        if dtype is None or dtype == pl.String or dtype == pl.Null:
            continue
        if name == "period" and (dtype == pl.Date or isinstance(dtype, pl.Datetime)):
            continue
        problems.append(
            fnd.error(
                content.path,
                0,
                f"column {columns[name]!r} ('{name}') must hold text, not {dtype}",
                kind="header",
                place="header",
            )
        )
    text_numbers = set()
    for name in NUMBERS:
        dtype = types.get(name)
        if dtype is None or dtype.is_numeric() or dtype == pl.Null:
            continue
        if dtype == pl.String:
            text_numbers.add(name)
            continue
        problems.append(
            fnd.error(
                content.path,
                0,
                f"column {columns[name]!r} ('{name}') must hold numbers, not {dtype}",
                kind="header",
                place="header",
            )
        )
    if problems:
        return Parsed(
            content.path, "parquet", (), None, lambda: Careful(None, tuple(problems), by_row)
        )
    renamed = {original: canonical for canonical, original in columns.items()}

    def base() -> pl.LazyFrame:
        return _frame(content).select(list(renamed)).rename(renamed)

    def select(
        careful: bool, located: bool = False, agencies: pl.DataType | None = None
    ) -> pl.LazyFrame:
        exprs: list[pl.Expr] = (
            [pl.int_range(pl.len(), dtype=pl.UInt32).alias("row")] if careful or located else []
        )
        exprs += [
            pl.col("indicator").cast(pl.String),
            pl.col("agency").cast(pl.String).cast(agencies or pl.String()),
            _period(types["period"]).cast(pl.String).alias("period"),
        ]
        bad: list[pl.Expr] = []
        for name in NUMBERS:
            if name not in types:
                exprs.append(pl.lit(None, pl.Float64).alias(name))
            elif name in text_numbers:
                number, unreadable = number_exprs(pl.col(name), name, opts)
                exprs.append(number.alias(name))
                bad.append(unreadable)
                if careful:
                    exprs.append(pl.col(name).alias(f"_text_{name}"))
                    exprs.append(unreadable.fill_null(False).alias(f"_bad_{name}"))
            else:
                exprs.append(pl.col(name).cast(pl.Float64))
                if careful:
                    exprs.append(pl.col(name).cast(pl.String).alias(f"_text_{name}"))
                    exprs.append(pl.lit(False).alias(f"_bad_{name}"))
        exprs.append(
            pl.col("note").cast(pl.String)
            if "note" in types
            else pl.lit(None, pl.String).alias("note")
        )
        if not careful:
            bad += [
                pl.col(n).cast(pl.String).str.len_bytes() > MAX_FIELD_CHARS
                for n in (*REQUIRED, "note")
                if n in types
            ]
            exprs.append(pl.any_horizontal(bad).fill_null(False).alias("bad"))
            out = base().select(exprs)
            return out.select("row", *FAST_SCHEMA) if located else out.select(list(FAST_SCHEMA))
        return base().select(exprs)

    def explain(exc: BaseException) -> Finding:
        return fnd.error(content.path, 0, f"cannot read as parquet: {_short(exc)}")

    def careful() -> Careful:
        present = frozenset(set(types) & set(NUMBERS))
        return Careful(select(True), (), by_row, present, explain)

    return Parsed(
        content.path,
        "parquet",
        tuple(header_findings),
        lambda agencies=None: select(False, agencies=agencies),
        careful,
        lambda: select(False, located=True),
    )
