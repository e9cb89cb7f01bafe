"""How the dashboard looks: SVG snapshots at 80×24 and 140×40, in vi and en, with NO_COLOR,
in 16 colours and in ASCII, and its panels.

The clock is frozen, the watcher is off; update with ``pytest --snapshot-update`` after an
intended change and look at the SVGs before committing them.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import pytest
from rich.color import ColorSystem
from rich.segment import Segment
from rich.style import Style
from textual.color import Color
from textual.filter import LineFilter

import kpitui.ui.app
from kpitui.ui.app import KpiApp, make_app
from kpitui.ui.config import Config

from .conftest import DEMO, demo_app, frozen_clock, ready, settled, write_desk_data


def _run_before(*keys: str):  # type: ignore[no-untyped-def]
    async def run(pilot) -> None:  # type: ignore[no-untyped-def]
        await ready(pilot, pilot.app)
        for key in keys:
            await pilot.press(key)
            await settled(pilot, pilot.app)
        await pilot.pause()

    return run


@lru_cache(maxsize=1024)
def _sixteen(style: Style) -> Style:
    color = style.color.downgrade(ColorSystem.STANDARD) if style.color else None
    bgcolor = style.bgcolor.downgrade(ColorSystem.STANDARD) if style.bgcolor else None
    return style + Style(color=color, bgcolor=bgcolor)


class SixteenColours(LineFilter):
    """Every colour brought down to the 16 ANSI colours, as Rich does on a terminal whose
    TERM says 16 colours (xterm, linux)."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        return [Segment(t, _sixteen(s) if s else s, c) for t, s, c in segments]


class SixteenColourApp(KpiApp):
    CSS_PATH = str(Path(kpitui.ui.app.__file__).with_name("app.tcss"))

    def get_line_filters(self) -> Sequence[LineFilter]:
        return [*super().get_line_filters(), SixteenColours()]


@pytest.fixture(autouse=True)
def _in_the_repository(monkeypatch: pytest.MonkeyPatch) -> None:
    """Paths on screen are relative (``data/obs-2023-08.csv:159``): the same on every machine."""
    monkeypatch.chdir(DEMO.parent)


def demo(lang: str) -> KpiApp:
    return demo_app(lang, paths=[DEMO.name])


def ascii_app(lang: str) -> KpiApp:
    return make_app([DEMO.name], lang, watch=False, clock=frozen_clock, ascii=True)


class TestMainView:
    @pytest.mark.parametrize("lang", ["vi", "en"])
    @pytest.mark.parametrize("size", [(80, 24), (140, 40)], ids=["80x24", "140x40"])
    def test_main(self, snap_compare, lang: str, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
        assert snap_compare(demo(lang), terminal_size=size, run_before=_run_before())

    def test_no_color_80x24(self, snap_compare, monkeypatch) -> None:  # type: ignore[no-untyped-def]
        monkeypatch.setenv("NO_COLOR", "1")
        assert snap_compare(demo("vi"), terminal_size=(80, 24), run_before=_run_before())

    def test_16_colours_140x40(self, snap_compare) -> None:  # type: ignore[no-untyped-def]
        app = SixteenColourApp(
            [DEMO.name], "vi", watch=False, config=Config(), clock=frozen_clock, ansi_color=True
        )
        assert snap_compare(app, terminal_size=(140, 40), run_before=_run_before())

    @pytest.mark.parametrize("lang", ["vi", "en"])
    def test_ascii_80x24(self, snap_compare, lang: str) -> None:  # type: ignore[no-untyped-def]
        assert snap_compare(ascii_app(lang), terminal_size=(80, 24), run_before=_run_before())

    def test_ascii_details_140x40(self, snap_compare) -> None:  # type: ignore[no-untyped-def]
        keys = ["G", "k", "k", "d"]
        app = ascii_app("vi")
        assert snap_compare(app, terminal_size=(140, 40), run_before=_run_before(*keys))


class TestDrillDown:
    def test_breakdown_with_details_140x40(self, snap_compare) -> None:  # type: ignore[no-untyped-def]
        keys = ["G", "k", "k", "enter", "j", "d"]
        assert snap_compare(demo("vi"), terminal_size=(140, 40), run_before=_run_before(*keys))

    def test_details_80x24_en(self, snap_compare) -> None:  # type: ignore[no-untyped-def]
        keys = ["G", "k", "k", "d"]
        assert snap_compare(demo("en"), terminal_size=(80, 24), run_before=_run_before(*keys))

    def test_communes_en_80x24(self, snap_compare) -> None:  # type: ignore[no-untyped-def]
        keys = ["G", "k", "k", "enter", "j", "enter"]
        assert snap_compare(demo("en"), terminal_size=(80, 24), run_before=_run_before(*keys))

    def test_will_miss_in_the_previous_month(self, snap_compare) -> None:  # type: ignore[no-untyped-def]
        keys = ["7", "left_square_bracket"]
        assert snap_compare(demo("vi"), terminal_size=(140, 40), run_before=_run_before(*keys))

    def test_search_highlighted_80x24(self, snap_compare) -> None:  # type: ignore[no-untyped-def]
        keys = ["slash", *"dinh danh", "enter"]
        assert snap_compare(demo("vi"), terminal_size=(80, 24), run_before=_run_before(*keys))

    def test_empty_breakdown_en_80x24(self, snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
        app = demo_app("en", paths=[str(write_desk_data(tmp_path / "desk"))])
        assert snap_compare(app, terminal_size=(80, 24), run_before=_run_before("G", "enter"))


class TestPanels:
    @pytest.mark.parametrize("lang", ["vi", "en"])
    def test_help_140x40(self, snap_compare, lang: str) -> None:  # type: ignore[no-untyped-def]
        keys = ["question_mark"]
        assert snap_compare(demo(lang), terminal_size=(140, 40), run_before=_run_before(*keys))

    def test_quality_vi_140x40(self, snap_compare) -> None:  # type: ignore[no-untyped-def]
        keys = ["exclamation_mark"]
        assert snap_compare(demo("vi"), terminal_size=(140, 40), run_before=_run_before(*keys))

    def test_quality_en_80x24(self, snap_compare) -> None:  # type: ignore[no-untyped-def]
        keys = ["exclamation_mark"]
        assert snap_compare(demo("en"), terminal_size=(80, 24), run_before=_run_before(*keys))

    def test_not_reported_vi_80x24(self, snap_compare) -> None:  # type: ignore[no-untyped-def]
        assert snap_compare(demo("vi"), terminal_size=(80, 24), run_before=_run_before("n"))
