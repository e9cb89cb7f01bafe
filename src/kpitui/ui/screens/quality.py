"""`!`: the data-quality panel — every finding, missing reporters and stale files, with a
jump from a row to the agency it is about."""

from __future__ import annotations

from typing import ClassVar

import polars as pl
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, Static

from kpitui.core.text import clean
from kpitui.i18n import t
from kpitui.ui.screens.base import localize
from kpitui.ui.widgets.frame_table import Column, FrameTable

SCHEMA = {
    "key": pl.String,
    "severity": pl.String,
    "where": pl.String,
    "kind": pl.String,
    "message": pl.String,
    "indicator": pl.String,
    "agency": pl.String,
}


class QualityScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,backspace,exclamation_mark", "close", "key.back", id="quality.back"),
        Binding("enter", "jump", "key.open", id="quality.jump"),
    ]

    def compose(self) -> ComposeResult:
        yield Static(id="quality-title")
        yield FrameTable("key", id="quality-table")
        yield Footer()

    @property
    def lang(self) -> str:
        return self.app.lang  # type: ignore[attr-defined, no-any-return]

    def on_mount(self) -> None:
        localize(self, self.lang)
        table = self.query_one(FrameTable)
        localize(table, self.lang)
        table.empty_text = t("quality.none", self.lang)
        frame = self.rows()
        self.query_one("#quality-title", Static).update(
            f"{t('quality.title', self.lang)} ({frame.height})"
        )
        table.set_frame(frame, self.columns())
        table.focus()

    def rows(self) -> pl.DataFrame:
        """Every finding of the snapshot: the files' own, missing reporters, stale files."""
        snap = self.app.snapshot  # type: ignore[attr-defined]
        rows = [
            (
                f"f{i}",
                f.severity.value,
                f.location(),
                f.kind or "",
                f.message,
                f.indicator,
                f.agency,
            )
            for i, f in enumerate(snap.findings)
        ]
        return pl.DataFrame(rows, schema=SCHEMA, orient="row")

    def columns(self) -> list[Column]:
        lang = self.lang
        return [
            Column(
                "severity", "", 1, lambda r: "✗" if r["severity"] == "error" else "!", priority=100
            ),
            Column("where", t("quality.where", lang), 28, lambda r: clean(r["where"]), priority=90),
            Column("kind", t("quality.kind", lang), 16, lambda r: r["kind"], priority=30),
            Column(
                "message",
                t("quality.message", lang),
                30,
                lambda r: clean(r["message"]),
                priority=100,
                flex=True,
            ),
        ]

    def action_close(self) -> None:
        self.app.pop_screen()

    def on_frame_table_selected(self, message: FrameTable.Selected) -> None:
        self.action_jump()

    def action_jump(self) -> None:
        row = self.query_one(FrameTable).row()
        snap = self.app.snapshot  # type: ignore[attr-defined]
        if (
            not row
            or not row["indicator"]
            or snap is None
            or snap.definitions.indicator(row["indicator"]) is None
        ):
            return
        from kpitui.ui.screens.breakdown import BreakdownScreen

        agency = row["agency"]
        parent = snap.tree.parent.get(agency) if agency in snap.tree.parent else None
        self.app.pop_screen()
        screen = BreakdownScreen(row["indicator"], parent or snap.tree.headline)
        if agency:
            screen.show_all = True
            screen.focus_key = agency
        self.app.push_screen(screen)
