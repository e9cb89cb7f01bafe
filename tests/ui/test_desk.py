"""The director's desk (SPEC §10, issue 13), on screen: a legible table, the panels, the
language, driven with Pilot on the demo data set and on a small data set with units."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from rich.style import Style

from kpitui.i18n import t
from kpitui.palette import ASCII, STATUS_COLOURS, UNICODE
from kpitui.ui import format as fmt
from kpitui.ui.app import KpiApp
from kpitui.ui.config import Config
from kpitui.ui.glyphs import UNICODE_MARKS
from kpitui.ui.screens.breakdown import BreakdownScreen
from kpitui.ui.screens.dashboard import IndicatorScreen
from kpitui.ui.screens.missing import MissingScreen
from kpitui.ui.screens.quality import QualityScreen
from kpitui.ui.widgets.chart import history_chart
from kpitui.ui.widgets.frame_table import FrameTable

from .conftest import demo_app, ready, settled


def table(app: KpiApp) -> FrameTable:
    return app.screen.query_one(FrameTable)


def cells(app: KpiApp, key: str) -> dict[str, str]:
    """The text of every column of the row ``key`` (what the table paints for it)."""
    tb = table(app)
    assert tb.move_to_key(key), key
    row = tb.row()
    assert row is not None
    return {c.key: c.cell(row) for c in tb.columns}


def painted(app: KpiApp, key: str) -> list[tuple[str, Style | None]]:
    """The segments the table paints for the row ``key``."""
    tb = table(app)
    index = tb.frame.get_column(tb.key_column).to_list().index(key)
    top = round(tb.scroll_y)
    strip = tb.render_line(index - top + 1)
    return [(s.text, s.style) for s in strip]


def texts(app: KpiApp) -> dict[str, str]:
    """Every line of text around the table of the screen in front."""
    screen = app.screen
    return {
        "bar": screen.query_one("#bar").text,  # type: ignore[attr-defined]
        "keys": screen.query_one("#keys").text,  # type: ignore[attr-defined]
        "crumbs": screen.query_one("#crumbs").plain,  # type: ignore[attr-defined]
        "current": screen.query_one("#current").plain,  # type: ignore[attr-defined]
        "labels": " | ".join(c.label for c in table(app).columns),
    }


def desk_app(folder: Path, lang: str = "vi", config: Config | None = None) -> KpiApp:
    return demo_app(lang, paths=[str(folder)], config=config)


# -- a legible screen


async def test_the_status_word_stays_while_anything_but_the_name_fits() -> None:
    for size, details in (((80, 24), False), ((140, 40), True), ((100, 30), True)):
        for lang in ("vi", "en"):
            app = demo_app(lang)
            async with app.run_test(size=size) as pilot:
                await ready(pilot, app)
                if details:
                    await pilot.press("d")
                    await settled(pilot, app)
                shown = table(app).shown_columns()
                assert "status" in shown, (size, details, lang, shown)
                # The shortened words, the same everywhere in the table.
                word = cells(app, "dd_kich_hoat")["status"]
                assert word == t("short.behind", lang)


async def test_at_80x24_help_quit_and_pace_stay() -> None:
    for lang in ("vi", "en"):
        app = demo_app(lang)
        async with app.run_test(size=(80, 24)) as pilot:
            await ready(pilot, app)
            keys = app.screen.query_one("#keys").text  # type: ignore[attr-defined]
            assert f"? {t('key.help', lang)}" in keys and f"q {t('key.quit', lang)}" in keys
            assert keys.rstrip().endswith(f"q {t('key.quit', lang)}")
            shown = table(app).shown_columns()
            assert {"glyph", "status", "name", "value", "pace", "attainment"} <= set(shown)
            assert cells(app, "dd_kich_hoat")["pace"] == "✗⚠"


async def test_the_name_takes_the_free_width_and_is_read_in_full_below() -> None:
    app = demo_app("vi")
    async with app.run_test(size=(140, 40)) as pilot:
        await ready(pilot, app)
        tb = table(app)
        widths = dict((c.key, w) for c, w in tb._columns_for(138))
        # The lower-value columns gave their room to the names.
        assert widths["name"] >= 40
        assert "owner" not in widths
        name = tb.frame.filter(pl.col("indicator") == "dvctt_toan_trinh")["name"][0]
        assert len(name) > widths["name"]
        tb.move_to_key("dvctt_toan_trinh")
        await pilot.pause()
        assert texts(app)["current"] == f"{name} · Chính quyền số"


async def test_units_beside_values_that_are_not_percentages(desk_data: Path) -> None:
    app = desk_app(desk_data)
    async with app.run_test(size=(120, 30)) as pilot:
        await ready(pilot, app)
        assert cells(app, "ngay_xu_ly")["value"] == "6,7 ngày"
        assert cells(app, "diem_hl")["value"] == "85,5 điểm"
        assert cells(app, "tang_nhanh")["value"] == "50%"


async def test_change_and_pace_are_coloured_by_the_indicators_direction(desk_data: Path) -> None:
    good, bad = STATUS_COLOURS["met"], STATUS_COLOURS["behind"]
    app = desk_app(desk_data)
    async with app.run_test(size=(140, 30)) as pilot:
        await ready(pilot, app)

        def colour(key: str, column: str) -> str | None:
            text = cells(app, key)[column]
            for segment, style in painted(app, key):
                if segment.strip() == text.strip() and style is not None and style.color:
                    return str(style.color.name).upper()
            return None

        # Days rose by 0,4: an arrow up, and bad news for a lower-is-better indicator.
        assert cells(app, "ngay_xu_ly")["change"] == "▲0,4"
        assert colour("ngay_xu_ly", "change") == bad
        # Points rose: good news.
        assert cells(app, "diem_hl")["change"] == "▲2,5"
        assert colour("diem_hl", "change") == good
        assert colour("diem_hl", "pace") == good  # on pace, projected to meet
        assert colour("cham_mai", "pace") == bad  # projected to miss


def test_bars_are_full_only_when_the_target_is_met() -> None:
    for glyphs, full in ((UNICODE, "█████"), (ASCII, "#####")):
        for thousandths in range(0, 1000):
            attainment = thousandths / 1000
            assert fmt.bar(attainment, "near", glyphs) != full, attainment
        assert fmt.bar(0.9999, "near", glyphs) != full
        assert fmt.bar(1.0, "met", glyphs) == full
        assert fmt.bar(1.2, "met", glyphs) == full
    assert fmt.bar(0.5, "behind", UNICODE) == "██▌  "
    assert fmt.bar(0.5, "behind", ASCII) == "##   "


def test_the_history_chart_has_a_legend() -> None:
    lines = history_chart(
        [10.0, 20.0, 30.0], ["2023-01", "2023-02", "2023-03"], 100.0, [5.0, 15.0, 25.0], 80.0,
        "%", "vi",
    )  # fmt: skip
    legend = lines[-1].plain
    for word in ("giá trị", "mục tiêu", "tiến độ kỳ vọng", "dự báo tại hạn"):
        assert word in legend
    for mark in ("█", UNICODE_MARKS.chart_target, UNICODE_MARKS.chart_expected, "░"):
        assert mark in legend
    # Only what is drawn is explained.
    bare = history_chart([10.0, 20.0], ["2023-01", "2023-02"], None, None, None, "%", "en")
    assert bare[-1].plain.strip() == "██ value"


async def test_search_matches_are_highlighted_in_the_names() -> None:
    app = demo_app("vi")
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        await pilot.press("slash", *"dinh danh", "enter")
        await settled(pilot, app)
        keys = table(app).frame["indicator"].to_list()
        assert "dd_kich_hoat" in keys
        marked = [
            text
            for text, style in painted(app, "dd_kich_hoat")
            if style is not None and style.underline and style.bold
        ]
        assert marked == ["định danh"]
        current = app.screen.query_one("#current")
        assert "định danh" in current.plain  # type: ignore[attr-defined]
        assert "[bold underline]định danh[/" in current.shown  # type: ignore[attr-defined]


# -- panels


async def test_who_has_not_reported_follows_the_period(desk_data: Path) -> None:
    app = desk_app(desk_data)
    async with app.run_test(size=(120, 30)) as pilot:
        await ready(pilot, app)
        await pilot.press("n")
        await settled(pilot, app)
        screen = app.screen
        assert isinstance(screen, MissingScreen)
        rows = table(app).frame.to_dicts()
        assert [(r["agency_name"], r["parent_name"], r["count"]) for r in rows] == [
            ("Huyện B", "Tỉnh", 1)
        ]
        assert rows[0]["indicators"] == "Chỉ số hài lòng của người dân"
        assert "2023-03" in screen.query_one("#panel-title").plain  # type: ignore[attr-defined]
        await pilot.press("left_square_bracket")
        await settled(pilot, app)
        assert app.as_of == "2023-02" and table(app).row_count == 0
        title = screen.query_one("#panel-title").plain  # type: ignore[attr-defined]
        assert "2023-02" in title and t("bar.past", "vi") in title
        await pilot.press("right_square_bracket")
        await settled(pilot, app)
        assert table(app).cursor_key == "huyen_b"
        await pilot.press("enter")
        await settled(pilot, app)
        assert isinstance(app.screen, IndicatorScreen) and app.screen.agency == "huyen_b"
        assert cells(app, "diem_hl")["status"] == t("short.missing", "vi")


async def test_the_quality_panel_errors_first_by_kind_and_remembers(demo_copy: Path) -> None:
    broken = demo_copy / "obs-2023-09.csv"
    broken.write_text(
        "indicator,agency,period,value,numerator,denominator,note\n"
        "dd_kich_hoat,nowhere,2023-09,,1,2,\n",
        encoding="utf-8",
    )
    app = demo_app("en", paths=[str(demo_copy)])
    async with app.run_test(size=(140, 40)) as pilot:
        await ready(pilot, app)
        await pilot.press("exclamation_mark")
        await pilot.pause()
        assert isinstance(app.screen, QualityScreen)
        frame = table(app).frame
        severities = frame["severity"].to_list()
        assert severities[0] == "error" and severities == sorted(severities)  # error < warning
        assert frame["kind"][0] == "Unknown agency"
        kinds = set(frame["kind"])
        assert kinds >= {"Numerator > denominator", "Not reported"}
        assert not any("_" in k for k in kinds)
        # The footer shows the keys of this panel only.
        keys = app.screen.query_one("#keys").text  # type: ignore[attr-defined]
        assert "f Filter by kind" in keys and "Previous period" not in keys
        assert "Export" not in keys
        # f: one kind at a time, errors' first.
        await pilot.press("f")
        assert set(table(app).frame["kind"]) == {"Unknown agency"}
        for _ in range(len(kinds)):
            await pilot.press("f")
            if set(table(app).frame["kind"]) == {"Numerator > denominator"}:
                break
        assert set(table(app).frame["kind"]) == {"Numerator > denominator"}
        table(app).cursor = 3
        chosen = table(app).cursor_key
        await pilot.press("escape")
        await pilot.press("exclamation_mark")
        await pilot.pause()
        assert isinstance(app.screen, QualityScreen)
        assert set(table(app).frame["kind"]) == {"Numerator > denominator"}
        assert table(app).cursor_key == chosen
        # Enter goes to the agency; Esc comes back here.
        await pilot.press("enter")
        await settled(pilot, app)
        assert isinstance(app.screen, BreakdownScreen)
        assert table(app).cursor_key == "vung_tau"
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, QualityScreen) and table(app).cursor_key == chosen


async def test_will_miss_is_apart_from_at_risk(desk_data: Path) -> None:
    app = desk_app(desk_data, "en")
    async with app.run_test(size=(120, 30)) as pilot:
        await ready(pilot, app)
        await pilot.press("7")
        will_miss = set(table(app).frame["indicator"])
        assert will_miss == {"ngay_xu_ly", "cham_mai", "chi_tong"}
        assert set(table(app).frame["will_meet"]) == {False}
        await pilot.press("6")
        at_risk = set(table(app).frame["indicator"])
        # Behind but projected to meet: at risk, not "will miss".
        assert at_risk == will_miss | {"tang_nhanh"}
        bar = app.screen.query_one("#bar").text  # type: ignore[attr-defined]
        assert "6 !4 at risk" in bar and "7 ⚠3 will miss" in bar


async def test_a_past_period_shows_a_badge_instead_of_live() -> None:
    app = demo_app("en")
    app.watching = True  # as if started with the watcher (its state: live)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        assert "● live" in texts(app)["bar"]
        await pilot.press("left_square_bracket")
        await settled(pilot, app)
        bar = texts(app)["bar"]
        assert "◀ past period" in bar and "live" not in bar and "as of 2023-07" in bar
        await pilot.press("right_square_bracket")
        await settled(pilot, app)
        assert "● live" in texts(app)["bar"]


async def test_an_empty_breakdown_keeps_its_header_and_says_how_to_show_more(
    desk_data: Path,
) -> None:
    app = desk_app(desk_data)
    async with app.run_test(size=(120, 30)) as pilot:
        await ready(pilot, app)
        table(app).move_to_key("chi_tong")
        await pilot.press("enter")
        await settled(pilot, app)
        assert isinstance(app.screen, BreakdownScreen) and table(app).row_count == 0
        shown = texts(app)
        assert shown["bar"].startswith("Bàn làm việc") and "0/0" in shown["bar"]
        assert shown["crumbs"] == "Chỉ tiêu › Chỉ báo cáo tổng › Tỉnh"
        assert "Nhấn h để hiện 2 đơn vị" in table(app).empty_text
        await pilot.press("h")
        assert table(app).row_count == 2


# -- language


async def test_the_users_language_wins_over_the_data_sets() -> None:
    app = demo_app(lang=None, config=Config(lang="en"))  # type: ignore[arg-type]
    assert app.lang == "en"  # the demo data set says "vi"
    assert demo_app(lang="vi", config=Config(lang="en")).lang == "vi"  # --lang wins


async def test_L_switches_every_string_of_the_screen() -> None:
    english = demo_app("en")
    async with english.run_test(size=(120, 40)) as pilot:
        await ready(pilot, english)
        expected = texts(english)
    app = demo_app("vi")
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        before = texts(app)
        await pilot.press("L")
        await settled(pilot, app)
        assert app.lang == "en"
        assert texts(app) == expected
        assert texts(app) != before
        assert app.screen.query_one("#search").placeholder == t("msg.search_prompt", "en")  # type: ignore[attr-defined]
        # A screen below the one in front follows when it is shown again.
        await pilot.press("enter")
        await settled(pilot, app)
        await pilot.press("L")
        await settled(pilot, app)
        await pilot.press("escape")
        await settled(pilot, app)
        assert app.lang == "vi" and texts(app) == before


async def test_textuals_own_strings_speak_vietnamese() -> None:
    app = demo_app("vi")
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await ready(pilot, app)
        await pilot.press("question_mark")
        await pilot.pause()
        words = " ".join(what for _, what, _ in app.screen.rows)  # type: ignore[attr-defined]
        for english in ("Up", "Down", "Scroll", "Focus", "Copy", "Page", "Quit", "palette"):
            assert english not in words
        assert "Chép phần đã chọn" in words and "Lên" in words
        await pilot.press("escape")
        await pilot.press("ctrl+c")
        await pilot.pause()
        note = list(app._notifications)[-1]
        assert (note.title, note.message) == ("Muốn thoát?", "Nhấn q để thoát kpitui.")


async def test_the_palette_speaks_the_ui_language_and_ignores_accents() -> None:
    from textual.command import CommandInput, CommandList

    app = demo_app("vi")
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        await pilot.press("ctrl+p")
        await pilot.pause(0.3)
        assert app.screen.query_one(CommandInput).placeholder == t("palette.placeholder", "vi")
        await pilot.press(*"xuat")
        await pilot.pause(0.8)
        found = app.screen.query_one(CommandList)
        prompts = [str(found.get_option_at_index(i).prompt) for i in range(found.option_count)]
        assert any(p.startswith("Xuất\n") for p in prompts), prompts
        await pilot.press(*"zzz")
        await pilot.pause(1.0)
        prompts = [str(found.get_option_at_index(i).prompt) for i in range(found.option_count)]
        assert any("Không có lệnh nào khớp" in p for p in prompts), prompts


# -- the screens follow the app's state


async def test_a_hidden_screen_waits_until_it_is_shown() -> None:
    app = demo_app("vi")
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        main = app.screen
        shown = main.full  # type: ignore[attr-defined]
        table(app).move_to_key("dd_kich_hoat")
        await pilot.press("enter")
        await settled(pilot, app)
        await pilot.press("r")  # a reload while the breakdown is in front
        await settled(pilot, app)
        assert main.full is shown  # type: ignore[attr-defined]
        await pilot.press("escape")
        await settled(pilot, app)
        assert app.screen is main and main.full is not shown  # type: ignore[attr-defined]
        assert main._shown is app.snapshot  # type: ignore[attr-defined]


async def test_the_export_dialog_keeps_the_typed_name(tmp_path: Path) -> None:
    app = demo_app(config=Config(export_formats=("md",), export_folder=str(tmp_path)))
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        for _ in range(2):
            await pilot.press("e")
            await pilot.pause()
            name = app.screen.query_one("#name")
            name.value = "báo cáo tuần"  # type: ignore[attr-defined]
            name.focus()
            await pilot.press("enter")
            await settled(pilot, app)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["báo cáo tuần-2.md", "báo cáo tuần.md"]
    text = (tmp_path / "báo cáo tuần.md").read_text(encoding="utf-8")
    assert "Tổng hợp chỉ tiêu" in text
