"""`e`: choose a format, a file name and a folder, then export what is on screen."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select

from kpitui.core import export
from kpitui.i18n import t

if TYPE_CHECKING:
    from kpitui.ui.app import KpiApp
    from kpitui.ui.screens.base import TableScreen

FORMATS = ("xlsx", "csv", "json", "md", "html", "svg")


class ExportDialog(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="export.cancel"),
    ]
    DEFAULT_CSS = """
    ExportDialog { align: center middle; }
    ExportDialog > Vertical { width: 70; max-width: 100%; height: auto; border: round $accent; background: $surface; padding: 0 1; }
    ExportDialog Label { margin-top: 1; }
    ExportDialog Horizontal { height: auto; margin-top: 1; }
    """

    def __init__(self, screen: TableScreen) -> None:
        super().__init__()
        self.origin = screen

    @property
    def kpi(self) -> KpiApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        lang = self.kpi.lang
        first = self.kpi.config.export_formats[0] if self.kpi.config.export_formats else "xlsx"
        with Vertical():
            yield Label(t("export.title", lang), classes="title")
            yield Label(t("export.format", lang))
            yield Select([(f, f) for f in FORMATS], value=first, allow_blank=False, id="format")
            yield Label(t("export.name", lang))
            yield Input(self._file_name(first), id="name")
            yield Label(t("export.folder", lang))
            yield Input(os.path.abspath(self.kpi.config.export_folder), id="folder")
            with Horizontal():
                yield Button(t("export.ok", lang), variant="primary", id="ok")
                yield Button(t("export.cancel", lang), id="cancel")

    def _file_name(self, fmt: str) -> str:
        from kpitui.ui.exporting import screen_table

        return export.default_name(screen_table(self.kpi, self.origin).view, fmt, self.kpi.clock())

    def on_mount(self) -> None:
        self.query_one("#name", Input).cursor_blink = False
        self.query_one("#folder", Input).cursor_blink = False
        self.query_one("#format", Select).focus()

    def on_select_changed(self, event: Select.Changed) -> None:
        name = self.query_one("#name", Input)
        stem, _, _ = name.value.rpartition(".")
        name.value = f"{stem or name.value}.{event.value}"

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self._export()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "ok":
            self._export()
        else:
            self.dismiss()

    def action_cancel(self) -> None:
        self.dismiss()

    def _export(self) -> None:
        from kpitui.ui.exporting import export_screen

        fmt = str(self.query_one("#format", Select).value)
        name = export.safe_name(
            self.query_one("#name", Input).value.strip()
        ) or export.default_name("view", fmt)
        folder = os.path.expanduser(self.query_one("#folder", Input).value.strip() or ".")
        output = os.path.join(folder, name)
        self.dismiss()
        if os.path.exists(output):
            export_screen(self.kpi, self.origin, fmt, folder=folder)  # a fresh numbered name
        else:
            export_screen(self.kpi, self.origin, fmt, folder=folder, output=output)
