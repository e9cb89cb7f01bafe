"""`e`: choose a format, a file name and a folder. The dialog only asks: it returns an
:class:`ExportChoice` with ``dismiss()`` (None when cancelled), and ``ui.exporting`` exports."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select

from kpitui.core import export, formats
from kpitui.i18n import t


@dataclass(frozen=True)
class ExportChoice:
    fmt: str
    folder: str
    name: str
    """The file name as the user typed it (made safe), with the format's extension."""


def with_extension(name: str, fmt: str) -> str:
    """``name`` ending in the extension of ``fmt`` (another known extension is replaced)."""
    ext = formats.get(fmt).extension
    stem, dot, old = name.rpartition(".")
    if dot and stem and old.lower() in {f.extension for f in formats.FORMATS.values()}:
        name = stem
    return f"{name}.{ext}"


class ExportDialog(ModalScreen[ExportChoice | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "key.cancel", id="export.cancel"),
    ]
    DEFAULT_CSS = """
    ExportDialog { align: center middle; }
    ExportDialog > Vertical { width: 70; max-width: 100%; height: auto; border: round $accent; background: $surface; padding: 0 1; }
    ExportDialog Label { margin-top: 1; }
    ExportDialog Horizontal { height: auto; margin-top: 1; }
    """

    def __init__(
        self, view: str, lang: str, first: str, folder: str, when: datetime | None = None
    ) -> None:
        super().__init__()
        self.view = view
        self.lang = lang
        self.first = first if first in formats.NAMES else "xlsx"
        self.folder = folder
        self.when = when

    def compose(self) -> ComposeResult:
        lang = self.lang
        with Vertical():
            yield Label(t("export.title", lang), classes="title")
            yield Label(t("export.format", lang))
            yield Select(
                [(f, f) for f in _dialog_formats()],
                value=self.first,
                allow_blank=False,
                id="format",
            )
            yield Label(t("export.name", lang))
            yield Input(export.default_name(self.view, self.first, self.when), id="name")
            yield Label(t("export.folder", lang))
            yield Input(os.path.abspath(self.folder), id="folder")
            with Horizontal():
                yield Button(t("export.ok", lang), variant="primary", id="ok")
                yield Button(t("export.cancel", lang), id="cancel")

    def on_mount(self) -> None:
        self.query_one("#name", Input).cursor_blink = False
        self.query_one("#folder", Input).cursor_blink = False
        self.query_one("#format", Select).focus()

    def on_select_changed(self, event: Select.Changed) -> None:
        name = self.query_one("#name", Input)
        name.value = with_extension(name.value.strip() or self.view, str(event.value))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self._done()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "ok":
            self._done()
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def _done(self) -> None:
        fmt = str(self.query_one("#format", Select).value)
        typed = self.query_one("#name", Input).value.strip()
        name = (
            with_extension(export.safe_name(typed), fmt)
            if typed
            else export.default_name(self.view, fmt, self.when)
        )
        folder = os.path.expanduser(self.query_one("#folder", Input).value.strip() or ".")
        self.dismiss(ExportChoice(fmt, folder, name))


def _dialog_formats() -> list[str]:
    """Every format, the workbook first (what the weekly report is)."""
    return ["xlsx", *(n for n in formats.NAMES if n != "xlsx")]
