"""A line of text that repaints only when its text changes (a repaint costs terminal bytes)."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static


class Line(Static):
    def __init__(self, id: str | None = None, hide_empty: bool = False) -> None:
        super().__init__(id=id)
        self.shown = ""
        """What it shows, as markup (data text in it is escaped)."""
        self.plain = ""
        """What it shows, as text."""
        self.hide_empty = hide_empty
        """Takes no room while it has nothing to say."""
        if hide_empty:
            self.display = False

    def show(self, content: Content) -> None:
        if content.markup != self.shown:
            self.shown, self.plain = content.markup, content.plain
            self.update(content)
            if self.hide_empty:
                self.display = bool(content.plain)
