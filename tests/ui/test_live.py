"""Live reload: a file replaced by rename, a broken file, a fixed file — with the watcher on."""

from __future__ import annotations

import os
from pathlib import Path

from kpitui.ui.widgets.frame_table import FrameTable

from .conftest import demo_app, ready


async def wait_for(pilot, condition, timeout: float = 8.0) -> bool:  # type: ignore[no-untyped-def]
    waited = 0.0
    while waited < timeout:
        if condition():
            return True
        await pilot.pause(0.1)
        waited += 0.1
    return bool(condition())


def replace_by_rename(path: Path, text: str) -> None:
    """Save the way editors do: write a new file, then rename it over the old one."""
    tmp = path.with_name("." + path.name + ".swp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def headline(app, indicator: str) -> float | None:  # type: ignore[no-untyped-def]
    table = app.screen.query_one(FrameTable)
    for row in table.frame.iter_rows(named=True):
        if row["indicator"] == indicator:
            return row["value"]  # type: ignore[no-any-return]
    return None


async def test_rename_then_broken_then_fixed(demo_copy: Path) -> None:
    august = demo_copy / "obs-2023-08.csv"
    original = august.read_text(encoding="utf-8")
    line = next(x for x in original.splitlines() if x.startswith("dd_kich_hoat,vung_tau,"))
    ind, ag, period, value, num, den, note = line.split(",")
    app = demo_app(paths=[str(demo_copy)], watch=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        table = app.screen.query_one(FrameTable)
        table.move_to_key("dd_kich_hoat")
        before = headline(app, "dd_kich_hoat")
        assert before is not None and abs(before - 100 * 309104 / 615198) < 1e-9

        # 1. An edit saved by rename: 1 000 more activations in TP Vũng Tàu.
        first = app.snapshot
        changed = f"{ind},{ag},{period},{value},{int(num) + 1000},{den},{note}"
        replace_by_rename(august, original.replace(line, changed))
        assert await wait_for(pilot, lambda: app.snapshot is not first)
        await pilot.pause()
        after = headline(app, "dd_kich_hoat")
        assert after is not None and abs(after - 100 * 310104 / 615198) < 1e-9
        assert table.cursor_key == "dd_kich_hoat"
        assert ("dd_kich_hoat", "value") in table._changed
        assert str(app.screen.query_one("#errors").render()) == ""

        # 2. A broken save: the figures stay, an error line names the file and line.
        second = app.snapshot
        broken = original.replace(line, f"{ind},{ag},{period},{value},12a,{den},{note}")
        replace_by_rename(august, broken)
        assert await wait_for(pilot, lambda: app.snapshot is not second)
        await pilot.pause()
        bad_line = broken.splitlines().index(f"{ind},{ag},{period},{value},12a,{den},{note}") + 1
        error_line = str(app.screen.query_one("#errors").render())
        assert (
            f"obs-2023-08.csv:{bad_line}: error: column 'numerator': cannot read '12a'"
            in error_line
        )
        assert headline(app, "dd_kich_hoat") == after  # the last good figures
        states = {Path(f.path).name: f.state for f in app.snapshot.files}
        assert states["obs-2023-08.csv"] == "stale"

        # 3. Fixed: the error line goes, the new figures come.
        third = app.snapshot
        replace_by_rename(august, original)
        assert await wait_for(pilot, lambda: app.snapshot is not third)
        await pilot.pause()
        assert str(app.screen.query_one("#errors").render()) == ""
        assert abs(headline(app, "dd_kich_hoat") - before) < 1e-9


async def test_a_new_file_in_the_folder_is_picked_up(demo_copy: Path) -> None:
    app = demo_app(paths=[str(demo_copy)], watch=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        first = app.snapshot
        (demo_copy / "obs-2023-09.csv").write_text(
            "indicator,agency,period,value\ndd_muc2_cbcc,cong_an,2023-09,9000\n", encoding="utf-8"
        )
        assert await wait_for(pilot, lambda: app.snapshot is not first)
        await pilot.pause()
        table = app.screen.query_one(FrameTable)
        row = next(r for r in table.frame.iter_rows(named=True) if r["indicator"] == "dd_muc2_cbcc")
        assert row["period"] == "2023-09" and row["value"] == 9000


async def test_polling_mode_sees_changes_too(demo_copy: Path) -> None:
    app = demo_app(paths=[str(demo_copy)], watch=True, poll=0.2)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        assert app._watcher is not None and app._watcher.polling
        first = app.snapshot
        (demo_copy / "obs-2023-09.csv").write_text(
            "indicator,agency,period,value\ndd_muc2_cbcc,cong_an,2023-09,9000\n", encoding="utf-8"
        )
        assert await wait_for(pilot, lambda: app.snapshot is not first)
