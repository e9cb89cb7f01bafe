"""Row checks: every row of a file version against the definitions, vectorised.

The same rules for every source (CSV, parquet, workbooks, database tables); a source only
says where a row is (:class:`~kpitui.core.sources.schema.Locate`). The conditions are
polars expressions; messages are written in Python for the few rows shown (at most
:data:`MAX_FINDINGS_PER_KIND` per kind, then a count).
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import polars as pl

from kpitui.core import findings as fnd
from kpitui.core.findings import Finding
from kpitui.core.model import ALL_AGENCIES, CsvOptions
from kpitui.core.periods import ACCEPTED_FORMS, canonical_map, end_of
from kpitui.core.rollup import CONTRADICTION, EXACT
from kpitui.core.sources.schema import (
    MAX_FIELD_CHARS,
    MAX_FINDINGS_PER_KIND,
    NUMBERS,
    REQUIRED,
    ROW_SCHEMA,
    Locate,
    number_hint,
)
from kpitui.core.text import clean, quote

NON_ASCII_DIGIT = r"[\d&&[^0-9]]"


@dataclass(frozen=True)
class Known:
    """What the definitions allow observations to say."""

    indicators: dict[str, str]
    """Indicator ids as written -> defined id (ASCII ids: one spelling each)."""
    scales: dict[str, float]
    """Indicator id -> ratio scale."""
    agencies: dict[str, str] | None
    """Agency ids as written (other Unicode forms) -> defined id; None when the data set
    defines no agencies (every id is accepted)."""
    key: tuple[object, ...] = field(default=(), compare=False)
    ended: dict[str, tuple[date, str | None]] = field(default_factory=dict)
    """Dissolved agency (defined id) -> its last day and its successor (SPEC §9.5)."""

    @classmethod
    def of(
        cls,
        indicators: Iterable[tuple[str, float]],
        agencies: Iterable[str] | None,
        ended: dict[str, tuple[date, str | None]] | None = None,
    ) -> Known:
        inds = list(indicators)
        spelled = None if agencies is None else _variants(agencies)
        ended = dict(ended or {})
        return cls(
            {i: i for i, _ in inds},
            dict(inds),
            spelled,
            (
                tuple(inds),
                None if spelled is None else tuple(sorted(spelled.items())),
                tuple(sorted(ended.items())),
            ),
            ended,
        )


def _variants(ids: Iterable[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for ident in ids:
        out[ident] = ident
        for form in ("NFD", "NFC"):
            out.setdefault(unicodedata.normalize(form, ident), ident)
    return out


def normalised(lf: pl.LazyFrame, known: Known, periods: dict[str, str | None]) -> pl.LazyFrame:
    """One spelling per agency (NFD as typed on macOS -> the defined NFC id) and canonical
    periods (``Tháng 6/2024`` -> ``2024-06``), so that a row repeated in two spellings is a
    duplicate, here and across files."""
    exprs = []
    if known.agencies is not None:
        renames = {k: v for k, v in known.agencies.items() if k != v}
        if renames:
            exprs.append(pl.col("agency").replace(renames))
    renames = {k: v for k, v in periods.items() if v is not None and k != v}
    if renames:
        exprs.append(pl.col("period").replace(renames))
    return lf.with_columns(exprs) if exprs else lf


# --------------------------------------------------------------------------- errors


def row_findings(
    path: str,
    lf: pl.LazyFrame,
    locate: Locate,
    known: Known,
    opts: CsvOptions,
    present: frozenset[str],
) -> list[Finding]:
    """Every row-level defect of a careful read, the first problem of a row only; then the
    warnings of the rows without errors. Only the rows reported are collected."""
    periods = canonical_map(
        lf.select(pl.col("period").drop_nulls().unique()).collect().get_column("period").to_list()
    )
    lf = normalised(lf, known, periods)
    bad_periods = [p for p, c in periods.items() if c is None]
    keys = ["indicator", "agency", "period"]
    headers = _header_names(opts)
    checks: list[tuple[str, pl.Expr]] = [
        (
            "header_line",
            pl.all_horizontal(
                pl.col(n)
                .str.strip_chars()
                .str.strip_chars_start("\ufeff")
                .str.to_lowercase()
                .is_in(headers[n])
                for n in ("indicator", "agency")
            ),
        ),
        *[
            (f"missing:{name}", pl.col(name).is_null() | (pl.col(name).str.strip_chars() == ""))
            for name in REQUIRED
        ],
    ]
    checks.append(
        (
            "too_long",
            pl.any_horizontal(
                pl.col(n).str.len_chars() > MAX_FIELD_CHARS for n in (*REQUIRED, "note")
            ),
        )
    )
    for name in NUMBERS:
        if name in present:
            checks.append((f"bad_number:{name}", pl.col(f"_bad_{name}")))
    for name in NUMBERS:
        if name in present:
            checks.append(
                (f"non_finite:{name}", pl.col(name).is_not_null() & ~pl.col(name).is_finite())
            )
    checks += [
        ("half_pair", pl.col("numerator").is_null() != pl.col("denominator").is_null()),
        (
            "no_value",
            pl.col("value").is_null()
            & (pl.col("numerator").is_null() | pl.col("denominator").is_null()),
        ),
        ("negative_den", pl.col("denominator") < 0),
        ("overflow", ~derived_value(known).is_finite() & (pl.col("denominator") != 0)),
        ("bad_period", pl.col("period").is_in(bad_periods)),
        ("digits:indicator", pl.col("indicator").str.contains(NON_ASCII_DIGIT)),
        ("unknown_indicator", ~pl.col("indicator").is_in(list(known.indicators))),
    ]
    if known.agencies is not None:
        checks.append(("unknown_agency", ~pl.col("agency").is_in(list(known.agencies))))
    if known.ended:
        checks.append(("dissolved", _after_end(known, periods)))
    else:
        checks.append(("digits:agency", pl.col("agency").str.contains(NON_ASCII_DIGIT)))
        checks.append(("reserved_agency", pl.col("agency") == ALL_AGENCIES))
    checks.append(("duplicate", pl.int_range(pl.len()).over(keys) > 0))
    kind: pl.Expr = pl.lit(None, pl.String)
    for name, cond in reversed(checks):
        kind = pl.when(cond.fill_null(False)).then(pl.lit(name)).otherwise(kind)
    flagged = lf.with_columns(_kind=kind, _first=pl.col("row").min().over(keys))
    errors, warned = pl.collect_all(
        [
            flagged.filter(pl.col("_kind").is_not_null()).sort("row"),
            warning_rows(flagged.filter(pl.col("_kind").is_null()), known),
        ]
    )
    out: list[Finding] = []
    for (name,), group in errors.group_by("_kind", maintain_order=True):
        kind_name = str(name).split(":")[0]
        items = []
        for row in group.head(MAX_FINDINGS_PER_KIND).iter_rows(named=True):
            column = str(name).partition(":")[2] or None
            line, place = locate(int(row["row"]), column)
            items.append(
                fnd.error(
                    path,
                    line,
                    _message(str(name), row, opts, locate, known),
                    kind=kind_name,
                    indicator=row["indicator"],
                    agency=row["agency"],
                    place=place,
                )
            )
        out.extend(limited(path, kind_name, items, group.height))
    out.extend(warning_findings(path, warned, locate))
    return out


def _after_end(known: Known, periods: dict[str, str | None]) -> pl.Expr:
    """A row of a dissolved agency for a period that ends after the agency did (SPEC §9.5)."""
    ends = {c: end_of(c) for c in periods.values() if c is not None}
    if not ends:
        return pl.lit(False)
    last_day = {a: until for a, (until, _) in known.ended.items()}
    end = pl.col("period").replace_strict(ends, default=None, return_dtype=pl.Date)
    until = pl.col("agency").replace_strict(last_day, default=None, return_dtype=pl.Date)
    return end > until


def _header_names(opts: CsvOptions) -> dict[str, list[str]]:
    """Lower-case header names that stand for each column (the canonical name and the
    ``[csv.columns]`` ones): a row that repeats them is a header line inside the data."""
    out = {name: [name] for name in ("indicator", "agency", "period")}
    for header, canonical in opts.column_map.items():
        if canonical in out:
            out[canonical].append(header.lower())
    return out


def derived_value(known: Known) -> pl.Expr:
    """scale × numerator / denominator of each row (the indicator's scale)."""
    scale = pl.col("indicator").replace_strict(known.scales, default=1.0, return_dtype=pl.Float64)
    return pl.col("numerator") * scale / pl.col("denominator")


def _message(
    kind: str, row: dict[str, object], opts: CsvOptions, locate: Locate, known: Known
) -> str:
    name, _, column = kind.partition(":")
    if name == "header_line":
        return "a header line inside the data (were two files joined?)"
    if name == "missing":
        return f"column '{column}' is empty"
    if name == "too_long":
        return f"a field is longer than {MAX_FIELD_CHARS} characters"
    if name == "bad_number":
        text = str(row.get(f"_text_{column}") or "")
        return f"column '{column}': cannot read {quote(text)} as a number{number_hint(text, opts)}"
    if name == "non_finite":
        shown = row.get(f"_text_{column}") or row[column]
        return f"column '{column}': {quote(shown)} is not a finite number"
    if name == "half_pair":
        if row["numerator"] is None:
            return "denominator without numerator"
        return "numerator without denominator"
    if name == "no_value":
        return "row has neither a value nor a numerator and denominator"
    if name == "negative_den":
        return (
            f"column 'denominator': {_number(row['denominator'])} is negative (a count cannot be)"
        )
    if name == "overflow":
        return (
            f"numerator / denominator ({_number(row['numerator'])} / "
            f"{_number(row['denominator'])}) is too large to compute"
        )
    if name == "bad_period":
        text = str(row["period"])
        hint = (
            " (digits must be ASCII 0-9)"
            if any(ch.isdigit() and not ("0" <= ch <= "9") for ch in text)
            else ""
        )
        return f"column 'period': {quote(text)} is not a period{hint} (accepted: {ACCEPTED_FORMS})"
    if name == "digits":
        return f"column '{column}': {quote(row[column])} has digits that are not ASCII 0-9"
    if name == "unknown_indicator":
        return f"unknown indicator {quote(row['indicator'])}"
    if name == "unknown_agency":
        return f"unknown agency {quote(row['agency'])}"
    if name == "dissolved":
        return _dissolved_message(row, known)
    if name == "reserved_agency":
        return f"agency id '{ALL_AGENCIES}' is reserved for all agencies together"
    first, place = locate(int(row["_first"]))  # type: ignore[call-overload]
    where = place or f"line {first}"
    return (
        f"duplicate row for {quote(row['indicator'])} at {quote(row['agency'])} "
        f"{quote(row['period'])} (first on {where})"
    )


def _dissolved_message(row: dict[str, object], known: Known) -> str:
    until, successor = known.ended[str(row["agency"])]
    where = f"; report it under {quote(successor)}" if successor else ""
    return (
        f"agency {quote(row['agency'])} was dissolved on {until.isoformat()}: "
        f"no row for a later period ({clean(str(row['period']))}){where}"
    )


def _number(x: object) -> str:
    return f"{x:g}" if isinstance(x, float) and math.isfinite(x) else str(x)


def limited(path: str, kind: str, items: list[Finding], total: int) -> list[Finding]:
    """The findings shown of a kind, then one that counts the rest."""
    if total > len(items) and items:
        last = items[-1]
        items = [
            *items,
            Finding(
                path,
                last.line,
                last.severity,
                f"... and {total - len(items)} more rows like this",
                kind=kind,
                place=last.place,
            ),
        ]
    return items


# --------------------------------------------------------------------------- warnings


def warning_condition(known: Known) -> pl.Expr:
    """Rows worth a warning: numerator above denominator, a zero denominator, a value that
    contradicts its own numerator/denominator, a number too large to be held exactly."""
    finite = pl.col("numerator").is_finite() & pl.col("denominator").is_finite()
    derived = derived_value(known)
    contradiction = (
        pl.col("value").is_not_null()
        & (pl.col("denominator") != 0)
        & finite
        & derived.is_finite()
        & (
            (pl.col("value") - derived).abs()
            > CONTRADICTION * pl.max_horizontal(derived.abs(), pl.col("value").abs())
        )
    )
    big = pl.any_horizontal(pl.col(n).abs() >= EXACT for n in NUMBERS)
    return (
        ((pl.col("numerator") > pl.col("denominator")) & finite)
        | (pl.col("denominator") == 0)
        | contradiction
        | big
    ).fill_null(False)


def warning_rows(lf: pl.LazyFrame, known: Known) -> pl.LazyFrame:
    """The rows :func:`warning_condition` selects, with what their warning needs."""
    derived = derived_value(known)
    return lf.filter(warning_condition(known)).select(
        "row",
        "indicator",
        "agency",
        "period",
        "value",
        "numerator",
        "denominator",
        derived.alias("_derived"),
        *[
            (
                pl.col(f"_text_{n}")
                if f"_text_{n}" in lf.collect_schema()
                else pl.lit(None, pl.String)
            ).alias(f"_text_{n}")
            for n in NUMBERS
        ],
    )


def _warnings(row: dict[str, object]) -> list[tuple[str, str]]:
    """(kind, what) of every warning a row deserves."""
    num, den, value = row["numerator"], row["denominator"], row["value"]
    out: list[tuple[str, str]] = []
    if den == 0:
        out.append(("den_zero", "denominator is 0"))
    for name in NUMBERS:
        x = row[name]
        text = str(row.get(f"_text_{name}") or "").strip().removesuffix("%").strip()
        digits = text.lstrip("+-").replace(".", "").replace(",", "").replace(" ", "")
        if isinstance(x, float) and math.isfinite(x) and abs(x) >= EXACT and digits.isdigit():
            # Only a whole number written out in full can be "rounded silently"; 1e308 is
            # as exact as it was written.
            if int(digits) == int(x):
                continue
            out.append(
                (
                    "inexact",
                    f"column '{name}': {quote(text)} is too large to be held exactly "
                    f"(read as {int(x)})",
                )
            )
    if isinstance(num, float) and isinstance(den, float) and num > den and math.isfinite(num):
        out.append(("num_gt_den", "numerator exceeds denominator"))
    derived = row["_derived"]
    if (
        isinstance(value, float)
        and isinstance(derived, float)
        and math.isfinite(derived)
        and abs(value - derived) > CONTRADICTION * max(abs(derived), abs(value))
    ):
        out.append(
            (
                "contradiction",
                f"value {_number(value)} contradicts numerator / denominator "
                f"{_number(num)} / {_number(den)} (= {_number(derived)}); the value is used",
            )
        )
    return out


def warning_findings(path: str, rows: pl.DataFrame, locate: Locate) -> list[Finding]:
    """Warnings for the rows :func:`warning_rows` selected, grouped by kind."""
    by_kind: dict[str, list[tuple[dict[str, object], str]]] = {}
    for row in rows.sort("row").iter_rows(named=True):
        for kind, what in _warnings(row):
            by_kind.setdefault(kind, []).append((row, what))
    out: list[Finding] = []
    for kind, items in by_kind.items():
        shown = []
        for row, what in items[:MAX_FINDINGS_PER_KIND]:
            line, place = locate(int(row["row"]))  # type: ignore[call-overload]
            shown.append(
                fnd.warning(
                    path,
                    line,
                    f"{quote(row['indicator'])} at {quote(row['agency'])} "
                    f"{clean(str(row['period'] or ''))}: {what}",
                    kind=kind,
                    indicator=row["indicator"],  # type: ignore[arg-type]
                    agency=row["agency"],  # type: ignore[arg-type]
                    place=place,
                )
            )
        out.extend(limited(path, kind, shown, len(items)))
    return out


def rows_only(frame: pl.DataFrame) -> pl.DataFrame:
    """The row columns of a careful read (what the views read)."""
    return frame.select(list(ROW_SCHEMA))
