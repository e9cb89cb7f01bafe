"""An export table: a view frame (from ``core.views``) with the columns of SPEC §5.2, and what
the formats for people need to speak the UI language. Making one reads no file."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import polars as pl

from kpitui import __version__
from kpitui.core.i18n import t
from kpitui.core.model import ALL_AGENCIES, Aggregate, Definitions, Direction
from kpitui.core.snapshot import Snapshot

PACE_COLUMNS = ["expected", "on_track", "projected", "missing_reporters"]
"""SPEC §5.2: after the columns of each view, "once pace is built"."""
CALENDAR_COLUMNS = ["last_year", "yoy_change"]
"""SPEC §9.2: the value in the same period last year and the change since then."""
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
    *CALENDAR_COLUMNS,
    "shortfall",
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
    *CALENDAR_COLUMNS,
    "rank",
    "rank_of",
    "shortfall",
    "until",
]
"""``until``: the last day of a dissolved agency (SPEC §9.5); only they have one."""
AGENCY_COLUMNS = ["agency", "agency_name", *SUMMARY_COLUMNS]
VIEW_COLUMNS = {
    "summary": SUMMARY_COLUMNS,
    "breakdown": BREAKDOWN_COLUMNS,
    "agency": AGENCY_COLUMNS,
}


class InputFile(Protocol):
    """An input file of a snapshot, as loaded (``Snapshot.files``)."""

    @property
    def path(self) -> str: ...
    @property
    def size(self) -> int: ...
    @property
    def mtime(self) -> float: ...
    @property
    def mtime_ns(self) -> int: ...
    @property
    def state(self) -> str: ...


@dataclass(frozen=True)
class Names:
    """What the formats for people show instead of ids, in the table's language."""

    groups: Mapping[str, str] = field(default_factory=dict)
    """group id -> name."""
    indicators: Mapping[str, str] = field(default_factory=dict)
    """indicator id -> display name."""
    agencies: Mapping[str, str] = field(default_factory=dict)
    """agency id -> name, for the agencies the metadata mentions."""
    periods: tuple[str, ...] = ()
    """The first and last period of the data set."""


@dataclass(frozen=True)
class ExportTable:
    view: str
    """"summary", "breakdown" or "agency"."""
    frame: pl.DataFrame
    """The machine columns (SPEC §5.2), as csv and json write them."""
    title: str
    lang: str
    meta: dict[str, Any] = field(default_factory=dict)
    """Machine metadata: generated_at, kpitui_version, title, view, data_period, filters..."""
    units: dict[str, str] = field(default_factory=dict)
    """indicator -> unit, for the formats for people."""
    names: Names = field(default_factory=Names)
    files: tuple[InputFile, ...] = ()
    """The input files; only the formats that list them hash them, when rendering."""
    shortfall_units: dict[str, str] = field(default_factory=dict)
    """indicator -> the unit its shortfall is counted in (SPEC §9.6): "" (counts) for a
    ``ratio`` indicator where higher is better, else the indicator's unit."""

    @property
    def columns(self) -> list[str]:
        return self.frame.columns


def metadata(snap: Snapshot, view: str, **details: Any) -> dict[str, Any]:
    """Generated at (local time with its UTC offset), data period, view and filters, version."""
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


def _names(snap: Snapshot, lang: str, meta: Mapping[str, Any]) -> Names:
    d = snap.definitions
    agency = meta.get("agency")
    agencies = {}
    if isinstance(agency, str):
        agencies[agency] = (
            t("all_agencies", lang)
            if agency == ALL_AGENCIES
            else snap.tree.names.get(agency, agency)
        )
    periods = snap.period_list()
    return Names(
        groups={g.id: g.name for g in d.groups},
        indicators={i.id: i.display_name(lang) for i in d.indicators},
        agencies=agencies,
        periods=(periods[0], periods[-1]) if periods else (),
    )


def make_table(
    snap: Snapshot, view: str, frame: pl.DataFrame, lang: str, **details: Any
) -> ExportTable:
    """An export table of a view frame (from ``core.views``), columns in SPEC order.

    ``details`` go into the metadata: ``as_of``, ``indicator``, ``agency``, ``filters`` (or
    ``status_filter`` and ``group_filter``), ``search``, ``sort`` (and ``descending``),
    ``heading``. No input file is read here: hashes are computed by the formats that show them.
    """
    columns = VIEW_COLUMNS[view]
    f = frame
    if "agency_name" in columns and "agency" in f.columns:
        names = snap.tree.names
        label = t("all_agencies", lang)
        f = f.with_columns(
            agency_name=pl.col("agency").replace_strict(
                {a: (label if a == ALL_AGENCIES else n) for a, n in names.items()},
                default=pl.col("agency"),
                return_dtype=pl.String,
            )
        )
    if "name" in columns and "name" not in f.columns:
        d = snap.definitions
        f = f.join(
            pl.DataFrame(
                {
                    "indicator": [i.id for i in d.indicators],
                    "name": [i.name for i in d.indicators],
                    "name_en": [i.name_en for i in d.indicators],
                    "owner": [i.owner for i in d.indicators],
                    "group": [i.group for i in d.indicators],
                },
                schema={c: pl.String for c in ("indicator", "name", "name_en", "owner", "group")},
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
    if "until" in f.columns:
        # A day, written as periods are (ISO text): the same in csv, json and the data sheet.
        f = f.with_columns(pl.col("until").cast(pl.String))
    missing = [c for c in columns if c not in f.columns]
    f = f.with_columns(pl.lit(None, pl.String).alias(c) for c in missing).select(columns)
    units = {i.id: i.unit for i in snap.definitions.indicators}
    meta = metadata(snap, view, **details)
    return ExportTable(
        view,
        f,
        snap.definitions.dashboard.title,
        lang,
        meta,
        units,
        _names(snap, lang, meta),
        tuple(snap.files),
        shortfall_units(snap.definitions),
    )


def shortfall_units(defs: Definitions) -> dict[str, str]:
    """indicator -> the unit of its shortfall: counts ("") for a ``ratio`` indicator where
    higher is better (accounts still to activate), else its own unit (SPEC §9.6)."""
    return {
        i.id: "" if i.aggregate is Aggregate.RATIO and i.direction is Direction.HIGHER else i.unit
        for i in defs.indicators
    }
