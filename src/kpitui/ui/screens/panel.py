"""PanelScreen: a list the user opens over the views (the ``!`` data-quality panel, ``n``
who has not reported): a title line, a table, the cursor row in full, the keys."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import polars as pl
from textual.app import ComposeResult
from textual.content import Content
from textual.screen import Screen

from kpitui.ui.glyphs import Marks
from kpitui.ui.screens.base import in_view
from kpitui.ui.widgets.frame_table import Column, FrameTable
from kpitui.ui.widgets.keybar import KeyBar
from kpitui.ui.widgets.line import Line

if TYPE_CHECKING:
    from kpitui.ui.app import KpiApp


class PanelScreen(Screen[None]):
    key_column: ClassVar[str] = "key"

    def __init__(self) -> None:
        super().__init__()
        self._stale = False

    @property
    def kpi(self) -> KpiApp:
        return self.app  # type: ignore[return-value]

    @property
    def lang(self) -> str:
        return self.kpi.lang

    @property
    def marks(self) -> Marks:
        return self.kpi.marks

    def compose(self) -> ComposeResult:
        yield Line(id="panel-title")
        yield FrameTable(self.key_column, id="panel-table")
        yield Line(id="current")
        yield KeyBar()

    def on_mount(self) -> None:
        table = self.query_one(FrameTable)
        table.marker, table.cut = self.marks.cursor, self.marks.cut
        table.focus()
        for name in ("snapshot", "as_of", "lang"):
            self.watch(self.app, name, self._changed, init=False)
        self.restore()
        self.refresh_rows()

    def restore(self) -> None:
        """Take back what the panel remembers from its last opening."""

    def _changed(self) -> None:
        if in_view(self):
            self.refresh_rows()
        else:
            self._stale = True

    def on_screen_resume(self) -> None:
        if self._stale:
            self._stale = False
            self.refresh_rows()
        self.query_one(KeyBar).refresh_keys()

    def refresh_rows(self) -> None:
        """Build the rows again (the snapshot, the period or the language changed)."""
        raise NotImplementedError

    def show_rows(self, frame: pl.DataFrame, columns: list[Column], empty: str) -> None:
        table = self.query_one(FrameTable)
        table.empty_text = empty
        table.set_frame(frame, columns, look=self.lang)
        self.query_one("#panel-title", Line).show(self.heading())
        self.update_current()

    def heading(self) -> Content:
        raise NotImplementedError

    def current_line(self, row: dict[str, Any]) -> Content:
        return Content("")

    def update_current(self) -> None:
        row = self.query_one(FrameTable).row()
        self.query_one("#current", Line).show(self.current_line(row) if row else Content(""))

    def on_frame_table_highlighted(self, message: FrameTable.Highlighted) -> None:
        self.update_current()
        self.remember()

    def remember(self) -> None:
        """Keep what the panel shows for its next opening."""

    async def on_frame_table_selected(self, message: FrameTable.Selected) -> None:
        await self.run_action("open")

    def action_close(self) -> None:
        self.app.pop_screen()
