"""Every key of the dashboard, driven with Textual's Pilot on the demo data set."""

from __future__ import annotations

from pathlib import Path

from kpitui.ui.commands import commands
from kpitui.ui.config import Config
from kpitui.ui.screens.breakdown import BreakdownScreen
from kpitui.ui.screens.dashboard import IndicatorScreen
from kpitui.ui.screens.help import HelpScreen
from kpitui.ui.screens.quality import QualityScreen
from kpitui.ui.widgets.details import DetailsPanel
from kpitui.ui.widgets.frame_table import FrameTable

from .conftest import demo_app, ready, settled


def table(app) -> FrameTable:  # type: ignore[no-untyped-def]
    return app.screen.query_one(FrameTable)


def keys(app) -> list[str]:  # type: ignore[no-untyped-def]
    return table(app).frame.get_column(table(app).key_column).to_list()


async def test_moving_the_cursor() -> None:
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        t = table(app)
        assert t.cursor == 0
        await pilot.press("j", "down")
        assert t.cursor == 2
        await pilot.press("k")
        assert t.cursor == 1
        await pilot.press("G")
        assert t.cursor == t.row_count - 1 == 20
        await pilot.press("g")
        assert t.cursor == 0
        await pilot.press("pagedown")
        assert t.cursor > 10
        await pilot.press("pageup")
        assert t.cursor == 0
        await pilot.press("end")
        assert t.cursor == 20
        await pilot.press("home")
        assert t.cursor == 0


async def test_drill_down_and_back() -> None:
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        assert table(app).move_to_key("dd_kich_hoat")
        await pilot.press("enter")
        await settled(pilot, app)
        screen = app.screen
        assert isinstance(screen, BreakdownScreen)
        assert screen.indicator == "dd_kich_hoat" and screen.under == "brvt"
        agencies = keys(app)
        assert "ba_ria" in agencies and "vung_tau" in agencies
        # Agencies that never reported e-ID activation are hidden.
        assert "so_tttt" not in agencies
        assert table(app).move_to_key("ba_ria")
        await pilot.press("enter")
        await settled(pilot, app)
        assert isinstance(app.screen, BreakdownScreen) and app.screen.under == "ba_ria"
        assert "hoa_long" in keys(app)
        crumbs = str(app.screen.query_one("#crumbs").render())
        assert "TP Bà Rịa" in crumbs and "Tỷ lệ kích hoạt" in crumbs
        await pilot.press("escape")
        assert isinstance(app.screen, BreakdownScreen) and app.screen.under == "brvt"
        await pilot.press("backspace")
        assert isinstance(app.screen, IndicatorScreen)
        # Back on the root screen does nothing (and the cursor kept its row).
        await pilot.press("escape")
        assert isinstance(app.screen, IndicatorScreen)
        assert table(app).cursor_key == "dd_kich_hoat"


async def test_enter_on_a_leaf_says_there_is_nothing_below() -> None:
    app = demo_app(lang="en")
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await ready(pilot, app)
        table(app).move_to_key("dd_kich_hoat")
        await pilot.press("enter")
        await settled(pilot, app)
        assert table(app).move_to_key("vung_tau")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, BreakdownScreen) and app.screen.under == "brvt"
        assert any("has no agencies below it" in str(n.message) for n in app._notifications)


async def test_agency_view_from_a_breakdown() -> None:
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        table(app).move_to_key("hs_so_hoa")
        await pilot.press("enter")
        await settled(pilot, app)
        table(app).move_to_key("ba_ria")
        await pilot.press("a")
        await settled(pilot, app)
        screen = app.screen
        assert isinstance(screen, IndicatorScreen) and screen.agency == "ba_ria"
        rows = {r["indicator"]: r for r in table(app).frame.iter_rows(named=True)}
        # TP Bà Rịa's hs_so_hoa is rolled up from its communes: 23578 / 48964.
        assert rows["hs_so_hoa"]["numerator"] == 23578
        assert rows["hs_so_hoa"]["denominator"] == 48964


async def test_search_ignores_accents_and_d() -> None:
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        await pilot.press("slash")
        await pilot.press(*"kich hoat")
        assert keys(app) == ["dd_kich_hoat"]
        await pilot.press("enter")  # keep the search, back to the table
        assert table(app).has_focus
        await pilot.press("escape")  # clears the search
        assert len(keys(app)) == 21
        await pilot.press("slash", *"dinh danh")
        assert set(keys(app)) >= {"dd_kich_hoat", "dd_muc2_cbcc", "dvctt_xac_thuc"}
        await pilot.press("escape")
        await pilot.press("slash", *"CHU KY SO")
        assert keys(app) == ["xh_chu_ky_so"]


async def test_status_filters_and_counts() -> None:
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        frame = table(app).frame
        behind = frame.filter(frame["status"] == "behind").height
        assert behind == 5
        await pilot.press("1")
        assert table(app).row_count == behind
        assert set(table(app).frame["status"]) == {"behind"}
        await pilot.press("1")  # again: off
        assert table(app).row_count == 21
        await pilot.press("3")
        assert set(table(app).frame["status"]) == {"met"}
        await pilot.press("6")
        risky = table(app).frame
        assert risky.height >= behind and "hs_truc_tuyen_tu_xa" in risky["indicator"].to_list()
        await pilot.press("0")
        assert table(app).row_count == 21
        await pilot.press("f")
        assert set(table(app).frame["status"]) == {"behind"}
        await pilot.press("f")
        assert set(table(app).frame["status"]) == {"near"}
        bar = app.screen.query_one("#bar").text
        assert "✗5" in bar and "~2" in bar


async def test_sort_and_reverse() -> None:
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        await pilot.press("s")  # by status: behind first
        statuses = table(app).frame["status"].to_list()
        assert statuses[0] == "behind" and statuses[-1] == "no_target"
        await pilot.press("s")  # by attainment, ascending
        att = [a for a in table(app).frame["attainment"].to_list() if a is not None]
        assert att == sorted(att)
        await pilot.press("S")
        att = [a for a in table(app).frame["attainment"].to_list() if a is not None]
        assert att == sorted(att, reverse=True)


async def test_group_filter() -> None:
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        await pilot.press("c")
        groups = set(table(app).frame["group"].to_list())
        assert len(groups) == 1
        await pilot.press("c", "c", "c", "c")  # through every group and back to all
        assert table(app).row_count == 21


async def test_periods_step_back_and_forth() -> None:
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        assert set(table(app).frame["period"]) == {"2023-08"}
        await pilot.press("left_square_bracket")
        await settled(pilot, app)
        assert app.as_of == "2023-07"
        assert set(table(app).frame["period"]) == {"2023-07"}
        await pilot.press("left_square_bracket", "left_square_bracket")
        assert app.as_of == "2023-05"
        await pilot.press("right_square_bracket", "right_square_bracket", "right_square_bracket")
        await settled(pilot, app)
        assert app.as_of is None
        assert set(table(app).frame["period"]) == {"2023-08"}


async def test_details_panel_toggles_and_shows_the_formula() -> None:
    app = demo_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await ready(pilot, app)
        panel = app.screen.query_one(DetailsPanel)
        assert not panel.display
        table(app).move_to_key("dd_kich_hoat")
        await pilot.press("d")
        await pilot.pause()
        assert panel.display and app.has_class("-show-details")
        import io

        from rich.console import Console

        console = Console(width=70, record=True, file=io.StringIO())
        console.print(panel.content)
        text = console.export_text()
        assert "309.104 / 615.198 = 50,24%" in text
        assert "Công an tỉnh" in text
        await pilot.press("d")
        await pilot.pause()
        assert not panel.display


async def test_help_lists_keys_with_ids() -> None:
    app = demo_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = " ".join(" ".join(row) for row in app.screen.rows)
        for word in ("Search", "screen.search", "Previous period", "app.quick_export", "Quit"):
            assert word in text
        await pilot.press("escape")
        assert isinstance(app.screen, IndicatorScreen)


async def test_quality_panel_lists_findings_and_jumps() -> None:
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        await pilot.press("exclamation_mark")
        await pilot.pause()
        assert isinstance(app.screen, QualityScreen)
        frame = table(app).frame
        kinds = set(frame["kind"])
        # The kinds in words, never the machine names.
        assert {"Tử số > mẫu số", "Chưa báo cáo"} <= kinds
        assert not kinds & {"num_gt_den", "missing_reporter"}
        # Long Phước did not report two indicators in August.
        missing = frame.filter(frame["kind"] == "Chưa báo cáo")
        assert set(missing["agency"]) == {"long_phuoc"}
        assert all(
            m.startswith("Xã Long Phước (long_phuoc) chưa báo cáo «") for m in missing["message"]
        )
        key = missing["key"][0]
        table(app).move_to_key(key)
        await pilot.press("enter")
        await settled(pilot, app)
        screen = app.screen
        assert isinstance(screen, BreakdownScreen) and screen.under == "ba_ria"
        assert table(app).cursor_key == "long_phuoc"
        # Esc comes back to the panel, on the same row.
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, QualityScreen)
        assert table(app).cursor_key == key


async def test_reload_and_pause() -> None:
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        first = app.snapshot
        await pilot.press("r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.snapshot is not first
        app.watching = True  # as if started with the watcher
        await pilot.press("p")
        assert app.paused and app.live_state == "paused"
        from kpitui.ui.messages import FilesChanged

        app.post_message(FilesChanged(frozenset({"x.csv"})))
        await pilot.pause()
        assert app.pending == {"x.csv"}
        second = app.snapshot
        await pilot.press("p")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not app.paused and not app.pending
        assert app.snapshot is not second


async def test_quick_export_writes_what_is_on_screen(tmp_path: Path) -> None:
    app = demo_app(config=Config(export_formats=("csv", "md"), export_folder=str(tmp_path)))
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        await pilot.press("1")  # only the lagging indicators
        await pilot.press("ctrl+s")
        await settled(pilot, app)
        files = sorted(p.name for p in tmp_path.iterdir())
        assert len(files) == 2 and files[0].endswith(".csv") and files[1].endswith(".md")
        import csv

        with open(tmp_path / files[0], encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        assert {r["status"] for r in rows} == {"behind"} and len(rows) == 5
        md = (tmp_path / files[1]).read_text(encoding="utf-8")
        assert "Bộ lọc: chậm" in md


async def test_export_dialog(tmp_path: Path) -> None:
    app = demo_app(config=Config(export_formats=("json",), export_folder=str(tmp_path)))
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        await pilot.press("e")
        await pilot.pause()
        from kpitui.ui.screens.export_dialog import ExportDialog

        assert isinstance(app.screen, ExportDialog)
        name = app.screen.query_one("#name")
        assert name.value.startswith("kpitui-summary-20230914-083000") and name.value.endswith(
            ".json"
        )
        app.screen.query_one("#name").focus()
        await pilot.press("enter")
        await settled(pilot, app)
        written = list(tmp_path.iterdir())
        assert len(written) == 1
        import json

        doc = json.loads(written[0].read_text(encoding="utf-8"))
        assert doc["meta"]["view"] == "summary" and len(doc["rows"]) == 21


async def test_export_to_a_missing_folder_is_a_notification(tmp_path: Path) -> None:
    app = demo_app(config=Config(export_formats=("csv",), export_folder=str(tmp_path / "nope")))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await ready(pilot, app)
        await pilot.press("ctrl+s")
        await settled(pilot, app)
        assert app.is_running
        messages = [str(n.message) for n in app._notifications]
        assert any("Không xuất được" in m and "nope" in m for m in messages), messages


async def test_a_full_disk_is_a_notification_and_leaves_nothing(
    tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    import errno
    import os

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    app = demo_app(config=Config(export_formats=("xlsx",), export_folder=str(tmp_path)))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await ready(pilot, app)
        await pilot.press("ctrl+s")
        await settled(pilot, app)
        assert app.is_running
        messages = [str(n.message) for n in app._notifications]
        assert any("No space left" in m for m in messages), messages
    assert list(tmp_path.iterdir()) == []


async def test_command_palette_opens() -> None:
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        await pilot.press("ctrl+p")
        await pilot.pause()
        from textual.command import CommandPalette

        assert CommandPalette.is_open(app)


async def test_keys_can_be_remapped_from_the_config() -> None:
    app = demo_app(config=Config(keys={"screen.sort": "o"}))
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        await pilot.press("s")
        assert app.screen.sort_index == 0
        await pilot.press("o")
        assert app.screen.sort_index == 1


async def test_quit() -> None:
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0


async def test_english_numbers_and_words() -> None:
    app = demo_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        table(app).move_to_key("dd_muc2_cbcc")
        row = table(app).row()
        assert row is not None
        cells = {c.key: c.cell(row) for c in table(app).columns}
        assert cells["value"] == "7,999 người"  # the unit of a non-% value, beside it
        table(app).move_to_key("xh_cap_quang")
        cells = {c.key: c.cell(table(app).row()) for c in table(app).columns}
        assert cells["value"] == "105.48%" and cells["status"] == "met"


async def test_every_key_is_a_palette_command() -> None:
    app = demo_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        titles = {c.title for c in commands(app, app.screen)}
        for title in (
            "Search",
            "Filter",
            "Open",
            "Previous period",
            "Export",
            "Quick export",
            "Data quality",
            "Quit",
        ):
            assert title in titles
        command = next(c for c in commands(app, app.screen) if c.title == "Filter: behind")
        await command.run()
        await pilot.pause()
        assert set(table(app).frame["status"]) == {"behind"}


async def test_loading_is_announced_before_the_first_snapshot() -> None:
    import threading

    from kpitui.core.load.loader import Loader

    gate = threading.Event()
    original = Loader.load

    def slow(self):  # type: ignore[no-untyped-def]
        gate.wait(5)
        return original(self)

    app = demo_app(lang="en")
    Loader.load = slow  # type: ignore[method-assign]
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause(0.2)
            assert app.snapshot is None
            assert "loading" in app.screen.query_one("#bar").text
            assert table(app).empty_text == "Loading data..."
            gate.set()
            await ready(pilot, app)
            assert table(app).row_count == 21
    finally:
        Loader.load = original  # type: ignore[method-assign]
        gate.set()
