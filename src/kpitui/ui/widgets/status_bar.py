"""The header: title, status counts (each one key away as a filter), period, reload, live."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Static

from kpitui.core.text import clean
from kpitui.i18n import t
from kpitui.palette import GLYPHS, STATUS_COLOURS

FILTER_KEYS = (
    ("1", "behind"),
    ("2", "near"),
    ("3", "met"),
    ("4", "missing"),
    ("5", "no_target"),
    ("6", "at_risk"),
)


@dataclass(frozen=True)
class BarState:
    title: str
    lang: str
    counts: dict[str, int]
    period: str | None
    latest: str | None
    reloaded: str
    live: str
    """"live", "paused", "off", "stopped" (the watcher died) or "loading"."""
    pending: int = 0
    active_filter: str | None = None
    details: str = ""


class StatusBar(Vertical):
    """Two lines, rebuilt from a :class:`BarState` (all data text shown literally). Each line
    repaints only when its own text changes: a reload changes the time, not the counts."""

    DEFAULT_CSS = """
    StatusBar { height: 2; background: $panel; padding: 0 1; }
    StatusBar > Static { height: 1; }
    """

    def compose(self) -> ComposeResult:
        yield Static(id="bar-top")
        yield Static(id="bar-counts")

    def show(self, state: BarState) -> None:
        self.state = state
        lines = render(state, self.size.width - 2 if self.size.width else 118)
        for widget, content in zip(self.query(Static), lines, strict=True):
            if content.markup != getattr(widget, "_kpitui_shown", None):
                widget._kpitui_shown = content.markup  # type: ignore[attr-defined]
                widget.update(content)

    def on_resize(self) -> None:
        state = getattr(self, "state", None)
        if state is not None:
            self.show(state)

    @property
    def text(self) -> str:
        """Both lines as plain text."""
        return "\n".join(getattr(w, "_kpitui_shown", "") for w in self.query(Static))


def render(state: BarState, width: int = 118) -> tuple[Content, Content]:
    lang = state.lang
    right_parts = [
        t("bar.as_of", lang, period=state.period)
        if state.period
        else t("bar.latest", lang, period=state.latest or "—"),
        t("bar.reloaded", lang, time=state.reloaded) if state.reloaded else t("bar.loading", lang),
    ]
    live = {
        "live": t("bar.live", lang),
        "paused": t("bar.paused", lang),
        "off": t("bar.not_watching", lang),
        "stopped": t("bar.watch_stopped", lang),
        "loading": t("bar.loading", lang),
    }[state.live]
    if state.pending:
        live += " (" + t("bar.pending", lang, n=state.pending) + ")"
    right_parts.append(live)
    right = " · ".join(right_parts)
    title = clean(state.title) or "kpitui"
    room = max(8, width - len(right) - 3)
    if len(title) > room:
        title = title[: room - 1] + "…"
    first = Content.assemble(
        (title, "bold"),
        " " * max(3, width - len(title) - len(right)),
        (right, "dim" if state.live != "paused" else "bold"),
    )
    pieces: list[Content] = []
    for key, status in FILTER_KEYS:
        word = t("bar.at_risk", lang) if status == "at_risk" else t(f"short.{status}", lang)
        glyph = "⚠" if status == "at_risk" else GLYPHS[status]
        count = state.counts.get(status, 0)
        active = state.active_filter == status
        colour = STATUS_COLOURS.get(status, "#E69F00")
        pieces.append(Content.styled(key, "reverse" if active else "dim"))
        pieces.append(
            Content.styled(f" {glyph}{count} {word}", f"bold {colour}" if active else colour)
        )
        pieces.append(Content(" "))
    if state.details:
        pieces.append(Content.styled(state.details, "italic"))
    second = Content.assemble(*pieces)
    return first, second
