"""The command palette (``ctrl+p``) in the UI language: every key of the screen in front of
the user is a command, and the search ignores accents and case ("xuat" finds "Xuất")."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.command import CommandPalette, DiscoveryHit, Hit, Hits, Provider, SearchIcon
from textual.content import Content
from textual.fuzzy import FuzzySearch
from textual.style import Style

from kpitui.i18n import t
from kpitui.ui.bindings import describe
from kpitui.ui.matching import fold_each

if TYPE_CHECKING:
    from textual.screen import Screen

    from kpitui.ui.app import KpiApp


@dataclass(frozen=True)
class Command:
    title: str
    help: str
    run: Callable[[], Any]


def commands(app: KpiApp, screen: Screen[Any]) -> Iterator[Command]:
    """The keys of ``screen`` that do something there, described in the UI language."""
    seen = set()
    for active in screen.active_bindings.values():
        b = active.binding
        if b.system or not active.enabled or (b.action, active.node) in seen:
            continue
        title = describe(b.description, app.lang)
        if not title:
            continue
        seen.add((b.action, active.node))
        keys = app.get_key_display(b)
        yield Command(
            title,
            f"{keys}  ({b.id})" if b.id else keys,
            partial(app.run_action, b.action, active.node),
        )


class KeyCommands(Provider):
    """Commands from the bindings, matched without accents."""

    @property
    def kpi(self) -> KpiApp:
        return self.app  # type: ignore[return-value]

    async def discover(self) -> Hits:
        for command in sorted(commands(self.kpi, self.screen), key=lambda c: fold_each(c.title)):
            yield DiscoveryHit(command.title, command.run, help=command.help)

    async def search(self, query: str) -> Hits:
        fuzzy = FuzzySearch()
        needle = fold_each(query)
        style = self.match_style or Style(reverse=True)
        for command in commands(self.kpi, self.screen):
            score, offsets = fuzzy.match(needle, fold_each(command.title))
            if score <= 0:
                continue
            shown = Content(command.title)
            for offset in offsets:
                if not command.title[offset].isspace():
                    shown = shown.stylize(style, offset, offset + 1)
            yield Hit(score, shown, command.run, text=command.title, help=command.help)


class Palette(CommandPalette):
    """Textual's command palette, speaking the UI language."""

    def __init__(self, lang: str, icon: str) -> None:
        super().__init__(placeholder=t("palette.placeholder", lang), id="--command-palette")
        self.lang = lang
        self.icon = icon

    def on_mount(self) -> None:
        self.query_one(SearchIcon).icon = self.icon

    def _start_no_matches_countdown(self, search_value: str) -> None:
        # Textual shows "No matches found" in English; the same, in the UI language.
        from rich.align import Align
        from rich.text import Text
        from textual.command import CommandList
        from textual.widgets.option_list import Option

        self._stop_no_matches_countdown()

        def show() -> None:
            if search_value:
                self.query_one(CommandList).add_option(
                    Option(
                        Align.center(Text(t("palette.no_match", self.lang), style="not bold")),
                        disabled=True,
                        id=self._NO_MATCHES,
                    )
                )
                self._list_visible = True
            else:
                self._list_visible = False

        self._no_matches_timer = self.set_timer(self._NO_MATCHES_COUNTDOWN, show)
