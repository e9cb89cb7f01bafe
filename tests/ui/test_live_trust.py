"""The dashboard keeps the keys and the figures it is given (SPEC §7): keys that arrive in one
burst, a broken file of any size, a definitions file broken at start, files that come and go."""

from __future__ import annotations

import shutil
from pathlib import Path

from textual import events

from kpitui.core.load.loader import Loader
from kpitui.ui.app import KpiApp
from kpitui.ui.screens.breakdown import BreakdownScreen
from kpitui.ui.screens.dashboard import IndicatorScreen
from kpitui.ui.widgets.frame_table import FrameTable

from .conftest import demo_app, ready, settled


def burst(app: KpiApp, keys: list[tuple[str, str | None]]) -> None:
    """Keys as one terminal read delivers them: queued together, no wait in between."""
    driver = app._driver
    assert driver is not None
    for key, char in keys:
        event = events.Key(key, char)
        event.set_sender(app)
        driver.send_message(event)


def typed(text: str) -> list[tuple[str, str | None]]:
    names = {"/": "slash", " ": "space"}
    return [(names.get(c, c), c) for c in text]


async def test_slash_and_letters_in_one_burst_search_them() -> None:
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        burst(app, typed("/quang"))  # q alone would quit, d would open the details
        await settled(pilot, app)
        screen = app.screen
        assert isinstance(screen, IndicatorScreen)
        assert app.is_running
        assert screen.search_text == "quang"
        assert not app.show_details
        keys = screen.query_one(FrameTable).frame.get_column("indicator").to_list()
        assert keys == ["xh_cap_quang"]


async def test_a_search_with_spaces_and_a_slash_typed_fast() -> None:
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        burst(app, typed("/tre han r/s"))  # 'r' would reload, '/' would reopen the box
        await settled(pilot, app)
        assert app.screen.search_text == "tre han r/s"  # type: ignore[attr-defined]


async def test_escape_closes_an_empty_search_box() -> None:
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        await pilot.press("slash")
        search = app.screen.query_one("#search")
        assert search.has_focus and search.display
        await pilot.press("escape")
        assert not search.display
        assert app.screen.query_one(FrameTable).has_focus
        await pilot.press("j")
        assert app.screen.query_one(FrameTable).cursor == 1


async def test_escape_then_a_key_read_as_alt_is_two_keys() -> None:
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        burst(app, [*typed("/xa"), ("alt+j", "j")])  # Esc and j in one read: "\x1bj"
        await settled(pilot, app)
        search = app.screen.query_one("#search")
        assert not search.display
        assert app.screen.search_text == ""  # type: ignore[attr-defined]
        assert app.screen.query_one(FrameTable).cursor == 1


async def test_a_broken_large_file_keeps_its_rows_for_a_breakdown(demo_copy: Path) -> None:
    # Every file is "large" here: kept as a private copy, its rows read again on demand.
    app = demo_app(paths=[str(demo_copy)])
    app.loader = Loader([str(demo_copy)], in_memory=True, keep_bytes=0)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        august = demo_copy / "obs-2023-08.csv"
        text = august.read_text(encoding="utf-8")
        # Break the file, and change the figure that the breakdown will show.
        broken = text.replace(",1075,1075,", ",10z5,1075,", 1).replace(",4186,9610,", ",1,9610,")
        august.write_text(broken, encoding="utf-8")
        app.action_reload()
        await settled(pilot, app)
        snap = app.snapshot
        assert snap is not None
        (info,) = [f for f in snap.files if f.path.endswith("obs-2023-08.csv")]
        assert info.state == "stale" and info.line.endswith("obs-2023-08.csv:2")
        assert "obs-2023-08.csv:2" in app.error_line().plain
        assert app.screen.query_one(FrameTable).move_to_key("dd_kich_hoat")
        await pilot.press("enter")
        await settled(pilot, app)
        assert isinstance(app.screen, BreakdownScreen)
        assert app.screen.query_one(FrameTable).move_to_key("ba_ria")
        await pilot.press("enter")  # ba_ria's communes: leaf rows of the broken file
        await settled(pilot, app)
        screen = app.screen
        assert isinstance(screen, BreakdownScreen) and screen.under == "ba_ria"
        frame = screen.query_one(FrameTable).frame
        row = frame.filter(frame["agency"] == "phuoc_hung").row(0, named=True)
        assert (row["numerator"], row["denominator"]) == (4186, 9610)  # the last good version
        assert row["period"] == "2023-08"
        assert app.is_running


async def test_a_definitions_typo_at_start_shows_an_error_then_the_fix_loads(
    demo_copy: Path,
) -> None:
    toml = demo_copy / "indicators.toml"
    good = toml.read_text(encoding="utf-8")
    toml.write_text(good.replace("[[indicator]]", "[[indicator]", 1), encoding="utf-8")
    app = demo_app(paths=[str(demo_copy)])
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        line = app.error_line().plain
        assert "indicators.toml:" in line and "invalid TOML" in line
        toml.write_text(good, encoding="utf-8")
        app.action_reload()
        await settled(pilot, app)
        assert app.error_line().plain == ""
        frame = app.screen.query_one(FrameTable).frame
        row = frame.filter(frame["indicator"] == "dd_kich_hoat").row(0, named=True)
        assert abs(row["value"] - 309104 / 615198 * 100) < 1e-9


async def test_a_removed_file_and_a_broken_one_are_announced(demo_copy: Path) -> None:
    app = demo_app(lang="en", paths=[str(demo_copy)])
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        (demo_copy / "obs-2023-01.csv").unlink()
        shutil.copyfile(demo_copy / "obs-2023-02.csv", demo_copy / "obs-2023-02 (1).csv")
        app.action_reload()
        await settled(pilot, app)
        messages = [str(n.message).replace(str(demo_copy), "@") for n in app._notifications]
        assert "@/obs-2023-01.csv was removed or renamed: its figures no longer count" in messages
        assert (
            "@/obs-2023-02 (1).csv has an error (@/obs-2023-02 (1).csv:2): it is left out"
            in messages
        ), messages


async def test_a_vanished_folder_keeps_the_figures_with_an_error(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    shutil.copytree(Path(__file__).resolve().parents[2] / "data", folder)
    app = demo_app(paths=[str(folder)])
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        before = app.screen.query_one(FrameTable).frame.select("indicator", "value")
        shutil.move(folder, tmp_path / "moved")
        app.action_reload()
        await settled(pilot, app)
        assert "not found" in app.error_line().plain
        after = app.screen.query_one(FrameTable).frame.select("indicator", "value")
        assert after.equals(before)
        shutil.move(tmp_path / "moved", folder)
        app.action_reload()
        await settled(pilot, app)
        assert app.error_line().plain == ""
