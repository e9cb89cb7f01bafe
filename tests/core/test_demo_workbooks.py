"""The demo's workbooks hold exactly the rows of the CSV files they were made from
(tests/data/demo_workbooks.py), so the demo keeps the article's figures."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from polars.testing import assert_frame_equal

from kpitui.core import views
from kpitui.core.load.loader import build_snapshot

REPO = Path(__file__).resolve().parents[2]
SOURCE = REPO / "tests" / "data" / "demo_source"


def test_the_demo_equals_its_csv_sources(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    for path in (REPO / "data").glob("*"):
        if path.suffix in (".toml", ".csv"):
            (folder / path.name).write_bytes(path.read_bytes())
    for path in SOURCE.glob("*.csv"):
        (folder / path.name).write_bytes(path.read_bytes())  # July and August as CSV
    toml = folder / "kpitui.toml"
    toml.write_text(toml.read_text("utf-8").split("[[sheet]]")[0], encoding="utf-8")
    as_csv = build_snapshot([str(folder)])
    demo = build_snapshot([str(REPO / "data")])
    assert demo.observations == as_csv.observations == 1734
    ids = list(demo.tree.ids)
    table = views.table(demo, None, ids).drop("agency_order")
    assert_frame_equal(table, views.table(as_csv, None, ids).drop("agency_order"))
    kinds = {Path(f.path).name: f.kind for f in demo.files}
    assert kinds["obs-2023-07.xlsx"] == kinds["bao-cao-xa-tp-ba-ria-2023-08.xlsx"] == "workbook"
    assert all(f.state == "ok" for f in demo.files)


def test_the_form_holds_the_communes_figures() -> None:
    demo = build_snapshot([str(REPO / "data")])
    frame = views.breakdown(demo, "dd_kich_hoat", "ba_ria").filter(pl.col("agency") == "phuoc_hung")
    assert (frame["numerator"][0], frame["denominator"][0], frame["period"][0]) == (
        4186,
        9610,
        "2023-08",
    )
