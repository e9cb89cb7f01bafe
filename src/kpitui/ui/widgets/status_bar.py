"""The header: title, status counts (each one key away as a filter), period, reload, live —
or, while the user looks at an earlier period, a badge that says so instead of "live"."""

from __future__ import annotations

from dataclasses import dataclass, field

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Static

from kpitui.core.text import clean
from kpitui.i18n import status_word, t
from kpitui.palette import STATUS_COLOURS
from kpitui.ui.glyphs import UNICODE_MARKS, Marks

FILTER_KEYS = (
    ("1", "behind"),
    ("2", "near"),
    ("3", "met"),
    ("4", "missing"),
    ("5", "no_target"),
    ("6", "at_risk"),
    ("7", "will_miss"),
)
RISK_COLOUR = "#E69F00"


@dataclass(frozen=True)
class BarState:
    title: str
    lang: str
    counts: dict[str, int]
    period: str | None
    """The period the user chose with ``[``/``]``; None: the latest."""
    latest: str | None
    reloaded: str
    live: str
    """"live", "paused", "off", "stopped" (the watcher died) or "loading"."""
    pending: int = 0
    active_filter: str | None = None
    details: str = ""
    marks: Marks = field(default=UNICODE_MARKS)


class StatusBar(Vertical):
    """Two lines, rebuilt from a :class:`BarState` (all data text shown literally). Each line
    repaints only when its own text changes: a reload changes the time, not the counts."""

    DEFAULT_CSS = """
    StatusBar { height: 2; background: $panel; padding: 0 1; }
    StatusBar > Static { height: 1; }
    """

    def __init__(self, id: str | None = None) -> None:
        super().__init__(id=id)
        self.state: BarState | None = None
        self._shown: list[str] = ["", ""]
        self._plain: list[str] = ["", ""]

    def compose(self) -> ComposeResult:
        yield Static(id="bar-top")
        yield Static(id="bar-counts")

    def show(self, state: BarState) -> None:
        self.state = state
        lines = render(state, self.size.width - 2 if self.size.width else 78)
        for i, (widget, content) in enumerate(zip(self.query(Static), lines, strict=True)):
            if content.markup != self._shown[i]:
                self._shown[i], self._plain[i] = content.markup, content.plain
                widget.update(content)

    def on_resize(self) -> None:
        if self.state is not None:
            self.show(self.state)

    @property
    def text(self) -> str:
        """Both lines as plain text."""
        return "\n".join(self._plain)


TITLE_ROOM = 30
"""On a narrow terminal the reload time gives way before the title is cut shorter than this."""


def _right(state: BarState, reload_time: bool = True) -> tuple[str, str]:
    """The right end of the first line: the period and reload time, then the live state."""
    lang, m = state.lang, state.marks
    parts = [
        t("bar.as_of", lang, period=state.period)
        if state.period
        else t("bar.latest", lang, period=state.latest or m.dash),
    ]
    if reload_time or not state.reloaded:
        parts.append(
            t("bar.reloaded", lang, time=state.reloaded)
            if state.reloaded
            else t("bar.loading", lang)
        )
    if state.period and state.live != "loading":
        live = f"{m.past} {t('bar.past', lang)}"
    else:
        mark, key = {
            "live": (m.live, "bar.live"),
            "paused": (m.paused, "bar.paused"),
            "off": (m.off, "bar.not_watching"),
            "stopped": (m.stopped, "bar.watch_stopped"),
            "loading": ("", "bar.loading"),
        }[state.live]
        live = f"{mark} {t(key, lang)}".strip()
    if state.pending:
        live += " (" + t("bar.pending", lang, n=state.pending) + ")"
    return m.sep.join(parts), live


def render(state: BarState, width: int = 78) -> tuple[Content, Content]:
    m = state.marks
    title = clean(state.title) or "kpitui"
    head, live = _right(state)
    right_len = cell_len(head) + cell_len(m.sep) + cell_len(live)
    if width - right_len - 3 < min(cell_len(title), TITLE_ROOM):
        head, live = _right(state, reload_time=False)
        right_len = cell_len(head) + cell_len(m.sep) + cell_len(live)
    past = bool(state.period and state.live != "loading")
    room = max(8, width - right_len - 3)
    if cell_len(title) > room:
        title = title[: room - len(m.cut)] + m.cut
    first = Content.assemble(
        (title, "bold"),
        " " * max(3, width - cell_len(title) - right_len),
        (head + m.sep, "dim"),
        (
            live,
            "bold reverse" if past else ("bold" if state.live in ("paused", "stopped") else "dim"),
        ),
    )
    return first, _counts(state, width)


def _word(status: str, lang: str) -> str:
    if status == "at_risk":
        return t("bar.at_risk", lang)
    if status == "will_miss":
        return t("bar.will_miss", lang)
    return status_word(status, lang, short=True)


def _glyph(status: str, m: Marks) -> str:
    if status == "at_risk":
        return m.at_risk
    if status == "will_miss":
        return m.glyphs.warning
    return m.glyphs.status[status]


def _counts(state: BarState, width: int) -> Content:
    """``1 ✗5 chậm  2 ~2 gần đạt ...`` then the search, group and rows shown; on a narrow
    terminal the words go, last first (each count keeps its glyph and its key)."""
    lang, m = state.lang, state.marks
    items = [
        (key, status, _glyph(status, m), state.counts.get(status, 0)) for key, status in FILTER_KEYS
    ]
    words = [True] * len(items)

    def length(with_words: list[bool]) -> int:
        total = 0
        for (key, status, glyph, count), word in zip(items, with_words, strict=True):
            total += cell_len(f"{key} {glyph}{count}") + 1
            if word:
                total += 1 + cell_len(_word(status, lang))
        return total

    room = width - cell_len(state.details)  # the search, the group, the rows shown
    for i in range(len(items) - 1, -1, -1):
        if length(words) <= room:
            break
        words[i] = False
    pieces: list[Content] = []
    for (key, status, glyph, count), word in zip(items, words, strict=True):
        active = state.active_filter == status
        colour = STATUS_COLOURS.get(status, RISK_COLOUR)
        pieces.append(Content.styled(key, "reverse" if active else "dim"))
        text = f" {glyph}{count}" + (f" {_word(status, lang)}" if word else "")
        pieces.append(Content.styled(text, f"bold {colour}" if active else colour))
        pieces.append(Content(" "))
    if state.details:
        pieces.append(Content.styled(state.details, "italic"))
    return Content.assemble(*pieces)
