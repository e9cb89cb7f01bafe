"""`?`: every key of the current screen, in the UI language, with the id to remap it in the
config file."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import ActiveBinding, Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from kpitui.i18n import t
from kpitui.ui.bindings import describe

if TYPE_CHECKING:
    from kpitui.ui.app import KpiApp


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "dismiss", "key.close", id="help.close"),
    ]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 90; max-width: 100%; height: 80%; border: round $accent; background: $surface; padding: 0 1; }
    """

    def __init__(self, bindings: dict[str, ActiveBinding]) -> None:
        super().__init__()
        self.active = bindings
        self.rows: list[tuple[str, str, str]] = []

    @property
    def kpi(self) -> KpiApp:
        return self.app  # type: ignore[return-value]

    def key_rows(self) -> list[tuple[str, str, str]]:
        """(keys, what it does, binding id) for every key of the screen below."""
        lang = self.kpi.lang
        rows: list[tuple[str, str, str]] = []
        seen = set()
        for active in self.active.values():
            b = active.binding
            what = describe(b.description, lang)
            if b.system or not what or not active.enabled:
                continue
            ident = b.id or ""
            if (ident, b.action) in seen:
                continue
            seen.add((ident, b.action))
            keys = [
                self.app.get_key_display(x.binding)
                for x in self.active.values()
                if x.binding.action == b.action and x.binding.id == b.id
            ]
            rows.append((", ".join(dict.fromkeys(keys)), what, ident))
        palette = self.app.get_key_display(Binding(self.app.COMMAND_PALETTE_BINDING, "x"))
        rows.append((palette, t("key.palette", lang), ""))
        return rows

    def compose(self) -> ComposeResult:
        lang = self.kpi.lang
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        table.add_column(style="dim", no_wrap=True)
        self.rows = self.key_rows()
        for keys, what, ident in self.rows:
            table.add_row(Text(keys), Text(what), Text(ident))
        with VerticalScroll():
            yield Static(Text(t("help.title", lang), style="bold"))
            yield Static(table)
            yield Static(Text(t("help.close", lang), style="dim"))

    async def action_dismiss(self, result: Any = None) -> None:
        self.dismiss(result)
