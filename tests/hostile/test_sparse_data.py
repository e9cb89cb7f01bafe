"""Sparse data (a new year's first month, an agency that reported once): the breakdown must
still list the agencies that have figures or owe a report."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from kpitui.ui.app import make_app
from kpitui.ui.screens.breakdown import BreakdownScreen
from kpitui.ui.widgets.frame_table import FrameTable

DEFS = """\
[dashboard]
lang = "en"
deadline = "2024-12-31"

[[indicator]]
id = "ind"
name = "Indicator"
unit = "%"
target = 80

[[agency]]
id = "root"
name = "Root"

[[agency]]
id = "a"
name = "Agency A"
parent = "root"

[[agency]]
id = "b"
name = "Agency B"
parent = "root"
"""


async def breakdown_keys(folder: Path) -> list[str]:
    app = make_app([str(folder)], lang="en", watch=False, clock=lambda: datetime(2024, 2, 14))
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(200):
            if app.snapshot is not None:
                break
            await pilot.pause(0.05)
        assert app.snapshot is not None
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause(0.2)
        assert isinstance(app.screen, BreakdownScreen)
        table = app.screen.query_one(FrameTable)
        return list(table._keys)


async def test_first_month_of_a_year(tmp_path: Path) -> None:
    (tmp_path / "d.toml").write_text(DEFS, encoding="utf-8")
    (tmp_path / "o.csv").write_text(
        "indicator,agency,period,value,numerator,denominator\n"
        "ind,a,2024-01,,5,10\n"
        "ind,b,2024-01,,7,10\n",
        encoding="utf-8",
    )
    assert sorted(await breakdown_keys(tmp_path)) == ["a", "b"]


async def test_a_missing_reporter_that_reported_once(tmp_path: Path) -> None:
    (tmp_path / "d.toml").write_text(DEFS, encoding="utf-8")
    (tmp_path / "o.csv").write_text(
        "indicator,agency,period,value,numerator,denominator\n"
        "ind,a,2024-01,,5,10\n"
        "ind,a,2024-02,,6,10\n"
        "ind,b,2024-01,,7,10\n",
        encoding="utf-8",
    )
    assert sorted(await breakdown_keys(tmp_path)) == ["a", "b"]


async def test_agencies_with_a_longer_history_are_listed(tmp_path: Path) -> None:
    """The control: with two periods each, both agencies are there."""
    (tmp_path / "d.toml").write_text(DEFS, encoding="utf-8")
    (tmp_path / "o.csv").write_text(
        "indicator,agency,period,value,numerator,denominator\n"
        "ind,a,2024-01,,5,10\nind,a,2024-02,,6,10\n"
        "ind,b,2024-01,,7,10\nind,b,2024-02,,8,10\n",
        encoding="utf-8",
    )
    assert sorted(await breakdown_keys(tmp_path)) == ["a", "b"]
