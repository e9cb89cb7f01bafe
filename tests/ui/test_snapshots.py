"""How the dashboard looks: SVG snapshots at 80×24 and 120×40, in vi and en, with NO_COLOR.

The clock is frozen, the watcher is off; update with ``pytest --snapshot-update`` after an
intended change and look at the SVGs before committing them.
"""

from __future__ import annotations

from kpitui.ui.app import KpiApp
from kpitui.ui.config import Config

from .conftest import DEMO, demo_app, frozen_clock, ready


async def _loaded(pilot) -> None:  # type: ignore[no-untyped-def]
    await ready(pilot, pilot.app)


def _run_before(*keys: str):  # type: ignore[no-untyped-def]
    async def run(pilot) -> None:  # type: ignore[no-untyped-def]
        await ready(pilot, pilot.app)
        if keys:
            await pilot.press(*keys)
        await pilot.pause()

    return run


class TestMainView:
    def test_vi_120x40(self, snap_compare) -> None:  # type: ignore[no-untyped-def]
        assert snap_compare(demo_app("vi"), terminal_size=(120, 40), run_before=_run_before())

    def test_en_120x40(self, snap_compare) -> None:  # type: ignore[no-untyped-def]
        assert snap_compare(demo_app("en"), terminal_size=(120, 40), run_before=_run_before())

    def test_vi_80x24(self, snap_compare) -> None:  # type: ignore[no-untyped-def]
        assert snap_compare(demo_app("vi"), terminal_size=(80, 24), run_before=_run_before())

    def test_en_80x24(self, snap_compare) -> None:  # type: ignore[no-untyped-def]
        assert snap_compare(demo_app("en"), terminal_size=(80, 24), run_before=_run_before())

    def test_no_color_80x24(self, snap_compare) -> None:  # type: ignore[no-untyped-def]
        app = KpiApp(
            [str(DEMO)], "vi", watch=False, config=Config(), clock=frozen_clock, ansi_color=True
        )
        assert snap_compare(app, terminal_size=(80, 24), run_before=_run_before())


class TestDrillDown:
    def test_breakdown_with_details_120x40(self, snap_compare) -> None:  # type: ignore[no-untyped-def]
        keys = ["G", "k", "k", "enter", "j", "d"]
        assert snap_compare(demo_app("vi"), terminal_size=(120, 40), run_before=_run_before(*keys))

    def test_communes_en_80x24(self, snap_compare) -> None:  # type: ignore[no-untyped-def]
        keys = ["G", "k", "k", "enter", "j", "enter"]
        assert snap_compare(demo_app("en"), terminal_size=(80, 24), run_before=_run_before(*keys))

    def test_lagging_filter_and_previous_month(self, snap_compare) -> None:  # type: ignore[no-untyped-def]
        keys = ["6", "left_square_bracket"]
        assert snap_compare(demo_app("vi"), terminal_size=(120, 40), run_before=_run_before(*keys))

    def test_help_en(self, snap_compare) -> None:  # type: ignore[no-untyped-def]
        assert snap_compare(
            demo_app("en"), terminal_size=(120, 40), run_before=_run_before("question_mark")
        )
