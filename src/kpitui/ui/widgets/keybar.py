"""The footer: the keys that work on the screen in front of the user, in the UI language.

One line. When it is too narrow for every key, keys drop from the end of the line, but ``?``
(help: every other key is there) and ``q`` (quit) always stay, at its right end. Keys whose
action is disabled on this screen are not shown at all. A click on a key runs it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.cells import cell_len
from textual import events
from textual.content import Content
from textual.dom import DOMNode
from textual.widgets import Static

from kpitui.ui.bindings import describe

if TYPE_CHECKING:
    from kpitui.ui.app import KpiApp

ESSENTIAL = ("help", "quit")
"""Actions always shown (the app's ``?`` and ``q``)."""
GAP = "  "


@dataclass(frozen=True)
class Item:
    key: str
    text: str
    action: str
    node: DOMNode

    @property
    def width(self) -> int:
        return cell_len(self.key) + 1 + cell_len(self.text)


def fit(items: list[Item], width: int) -> list[Item]:
    """The items that fit in ``width`` cells: the essential ones always, then the others in
    order while they fit; the essential ones last."""
    essential = [i for i in items if i.action in ESSENTIAL]
    others = [i for i in items if i.action not in ESSENTIAL]
    used = sum(i.width for i in essential) + len(GAP) * max(0, len(essential) - 1)
    chosen = []
    for item in others:
        need = item.width + len(GAP)
        if used + need > width:
            break
        chosen.append(item)
        used += need
    return chosen + essential


class KeyBar(Static):
    DEFAULT_CSS = """
    KeyBar { dock: bottom; height: 1; background: $footer-background; padding: 0 1; }
    """

    def __init__(self) -> None:
        super().__init__(id="keys")
        self._items: list[tuple[int, int, Item]] = []
        self._shown: str | None = None

    @property
    def kpi(self) -> KpiApp:
        return self.app  # type: ignore[return-value]

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self.refresh_keys()

    def _bindings_changed(self, screen: Any) -> None:
        self.refresh_keys()

    def on_resize(self) -> None:
        self.refresh_keys()

    def items(self) -> list[Item]:
        lang = self.kpi.lang
        out: list[Item] = []
        seen: set[str] = set()
        for active in self.screen.active_bindings.values():
            b = active.binding
            if not b.show or not active.enabled or b.action in seen:
                continue
            text = describe(b.description, lang)
            if not text:
                continue
            seen.add(b.action)
            out.append(Item(self.app.get_key_display(b), text, b.action, active.node))
        return out

    def refresh_keys(self) -> None:
        """Draw the keys again (the bindings, the language or the width changed)."""
        if not self.is_mounted or not self.screen.is_active:
            return  # under a dialog: drawn again when its screen is in front
        width = max(1, self.size.width - 2) if self.size.width else 78
        shown = fit(self.items(), width)
        pieces: list[Content] = []
        self._items = []
        x = 0
        for i, item in enumerate(shown):
            if i:
                pieces.append(Content(GAP))
                x += len(GAP)
            pieces.append(Content.styled(item.key, "bold $footer-key-foreground"))
            pieces.append(Content(" " + item.text))
            self._items.append((x, x + item.width, item))
            x += item.width
        content = Content.assemble(*pieces)
        if content.plain != self._shown:
            self._shown = content.plain
            self.update(content)

    @property
    def text(self) -> str:
        return self._shown or ""

    async def on_click(self, event: events.Click) -> None:
        x = event.x - 1  # the padding
        for start, end, item in self._items:
            if start <= x < end:
                event.stop()
                await self.app.run_action(item.action, item.node)
                return
