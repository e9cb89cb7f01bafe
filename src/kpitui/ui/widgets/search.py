"""The search box: every key typed after ``/`` lands in it, in order, however fast it comes.

Textual routes a key to the widget focused at the moment the key is read, and each widget
works through its own queue. Keys that arrive in one burst (a fast typist, a paste, a laggy
SSH link: ``/quang`` in one read) are all queued before any of them is handled, so the box
handles its keys itself, in its own queue: Esc and Enter close it there and then, the editing
keys run there (not later, when they would have bubbled up to the app), and the keys that
were queued behind an Esc or Enter are handed back to the app, in their order, to do what
they do on the table.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual import events
from textual.widgets import Input


class SearchBox(Input):
    """One line of search; ``on_close(keep)`` runs when Esc (cancel) or Enter (keep) is read."""

    CLOSING: ClassVar[dict[str, bool]] = {"escape": False, "enter": True}

    def __init__(
        self, on_close: Callable[[bool], None], placeholder: str = "", id: str | None = None
    ) -> None:
        super().__init__(placeholder=placeholder, id=id)
        self.on_close = on_close
        self.closing = False
        """Closed by a key of its own queue; later keys of that queue go back to the app."""

    def open(self, text: str) -> None:
        self.closing = False
        self.value = text
        self.cursor_position = len(text)

    async def _on_key(self, event: events.Key) -> None:
        if self.closing or not self.display:
            event.stop()
            event.prevent_default()
            again = events.Key(event.key, event.character)
            again.set_sender(self.app)
            self.app.post_message(again)
            return
        if event.key in self.CLOSING:
            event.stop()
            event.prevent_default()
            self.closing = True
            self.on_close(self.CLOSING[event.key])  # now: the next keys go where focus goes
            return
        bindings = self._bindings.key_to_bindings.get(event.key, ())
        if bindings and not event.is_printable:
            event.stop()
            event.prevent_default()
            await self.run_action(bindings[0].action)
            return
        await super()._on_key(event)
