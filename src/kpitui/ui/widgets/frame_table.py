"""FrameTable: a virtual table over a polars frame that renders only the visible lines.

Textual's DataTable measures every cell of every row when rows are added (seconds for
10 000 rows); this widget keeps the frame, reads the rows it paints (``frame.row(i)``), and
caches the painted lines. Lower-priority columns drop out when the terminal is narrow.
Line 0 is the header; it stays in place while the rows scroll.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import polars as pl
from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding, BindingType
from textual.events import Click
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

Row = dict[str, Any]
CURSOR = Style(reverse=True, bold=True)
MATCH = Style(bold=True, underline=True)


@dataclass(frozen=True)
class Column:
    """How one column shows a row."""

    key: str
    label: str
    width: int
    cell: Callable[[Row], str]
    style: Callable[[Row], Style | None] | None = None
    align: str = "left"
    priority: int = 50
    """Columns with the lowest priority drop out first when space runs short."""
    flex: bool = False
    """Takes the width left over (at least ``width``)."""
    yields: bool = False
    """Drops out, while the flex column is narrower than its text, to give it room."""
    source: str | None = None
    """The frame column it shows: a flex column measures its text there."""
    hide: Callable[[pl.DataFrame], bool] | None = None
    """Whether the column has nothing to say for this frame (all empty, all the same)."""
    spans: Callable[[Row], Sequence[tuple[int, int]]] | None = None
    """Character ranges of the cell to highlight (search matches)."""
    clip: str = "end"
    """Where text that does not fit is cut: "end", or "start" (keeps the end: a line number)."""


def layout(columns: Sequence[Column], width: int, want: int = 0) -> list[tuple[Column, int]]:
    """The columns that fit in ``width`` cells (one space between columns), with widths.

    Lowest priorities drop first. Then, while the flex column is narrower than ``want`` (its
    longest text), the columns that yield drop too, lowest priority first: a name is worth
    more than a sparkline.
    """
    chosen = list(columns)

    def need(cols: list[Column]) -> int:
        return sum(c.width for c in cols) + len(cols) - 1

    while chosen:
        if need(chosen) <= width or len(chosen) == 1:
            break
        drop = min((c for c in chosen if not c.flex), key=lambda c: c.priority, default=None)
        if drop is None:
            break
        chosen.remove(drop)
    flex = [c for c in chosen if c.flex]
    if len(flex) == 1:
        while flex[0].width + max(0, width - need(chosen)) < want:
            drop = min((c for c in chosen if c.yields), key=lambda c: c.priority, default=None)
            if drop is None:
                break
            chosen.remove(drop)
    spare = max(0, width - need(chosen))
    out = []
    for c in chosen:
        extra = spare // len(flex) if c in flex and flex else 0
        out.append((c, c.width + extra))
    return out


class FrameTable(ScrollView, can_focus=True):
    """A keyboard-driven table of a polars frame; one row per item, keyed by a column."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "frame-table--header",
        "frame-table--changed",
        "frame-table--dim",
        "frame-table--match",
    }
    DEFAULT_CSS = """
    FrameTable { height: 1fr; overflow-x: hidden; overflow-y: auto; scrollbar-size-vertical: 1; }
    FrameTable > .frame-table--header { text-style: bold underline; }
    FrameTable > .frame-table--changed { text-style: bold underline; background: $warning 30%; }
    FrameTable > .frame-table--dim { color: $text-muted; }
    FrameTable > .frame-table--match { text-style: bold underline; }
    """
    INHERIT_BINDINGS = False  # a scroll view's "Scroll Left"... would do nothing here
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,j", "move(1)", "key.down", show=False, id="table.down"),
        Binding("up,k", "move(-1)", "key.up", show=False, id="table.up"),
        Binding("pagedown", "page(1)", "key.page_down", show=False, id="table.page_down"),
        Binding("pageup", "page(-1)", "key.page_up", show=False, id="table.page_up"),
        Binding("home,g", "first", "key.top", show=False, id="table.top"),
        Binding("end,G", "last", "key.bottom", show=False, id="table.bottom"),
    ]

    cursor: reactive[int] = reactive(0, repaint=False, init=False)

    class Highlighted(Message):
        """The cursor moved to the row with this key."""

        def __init__(self, table: FrameTable, key: str | None) -> None:
            super().__init__()
            self.table = table
            self.key = key

    class Selected(Message):
        """A double click on the row with this key (Enter is the screen's binding)."""

        def __init__(self, table: FrameTable, key: str) -> None:
            super().__init__()
            self.table = table
            self.key = key

    def __init__(self, key_column: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.key_column = key_column
        self.frame = pl.DataFrame()
        self.columns: list[Column] = []
        self._keys: list[str] = []
        self._cache: dict[tuple[int, int, bool], Strip] = {}
        self._changed: dict[tuple[str, str], float] = {}
        self._layout: tuple[object, list[tuple[Column, int]]] | None = None
        self._hidden: frozenset[str] = frozenset()
        self._want = 0
        self._look: object = None
        self.empty_text = ""
        """Shown when there is no row (several lines allowed)."""
        self.marker = "▶"
        """In the gutter of the cursor row."""
        self.cut = "…"
        """Ends a text cut to fit (one cell)."""

    def _columns_for(self, width: int) -> list[tuple[Column, int]]:
        key = (width, _signature(self.columns), self._hidden, self._want)
        cached = self._layout
        if cached is None or cached[0] != key:
            shown = [c for c in self.columns if c.key not in self._hidden]
            cached = (key, layout(shown, width, self._want))
            self._layout = cached
        return cached[1]

    def shown_columns(self) -> list[str]:
        """Keys of the columns on screen now."""
        width = self.scrollable_content_region.width or self.size.width
        return [c.key for c, _ in self._columns_for(max(1, width - 1))]

    # -- data

    def set_frame(
        self,
        frame: pl.DataFrame,
        columns: Sequence[Column] | None = None,
        keep: str | None = None,
        look: object = None,
    ) -> None:
        """Show ``frame``; the cursor stays on the row whose key is ``keep`` (or the same key).

        When only some rows changed (a live reload), only their lines are repainted: a
        one-value change costs a line on the terminal, not a screen. ``look`` is anything else
        the cells depend on (the search that is highlighted): when it changes, every line is.
        """
        previous = keep if keep is not None else self.cursor_key
        old_frame, old_keys = self.frame, self._keys
        old_look = (_signature(self.columns), self._hidden, self._want, self._look)
        self._look = look
        self.frame = frame
        if columns is not None:
            self.columns = list(columns)
        self._keys = frame.get_column(self.key_column).to_list() if frame.height else []
        self._hidden = frozenset(
            c.key for c in self.columns if c.hide is not None and frame.height and c.hide(frame)
        )
        self._want = _longest(frame, self.columns)
        changed = (
            _changed_rows(old_frame, frame)
            if old_keys == self._keys
            and old_look == (_signature(self.columns), self._hidden, self._want, look)
            else None
        )
        self.virtual_size = Size(1, len(self._keys) + 1)
        target = self._keys.index(previous) if previous in self._keys else 0
        target = min(target, max(0, len(self._keys) - 1))
        if target != self.cursor:
            self.cursor = target
        else:
            self._scroll_to_cursor()
            if previous != self.cursor_key or changed is None:
                self.post_message(self.Highlighted(self, self.cursor_key))
        if changed is None:
            self._cache.clear()
            self.refresh()
        else:
            self._refresh_rows(changed)

    def _refresh_rows(self, rows: Iterable[int]) -> None:
        """Forget and repaint these rows only."""
        rows = set(rows)
        if not rows:
            return
        self._cache = {k: v for k, v in self._cache.items() if k[0] not in rows}
        for row in rows:
            self.refresh_line(row + 1)

    def mark_changed(self, cells: set[tuple[str, str]], seconds: float = 3.0) -> None:
        """Highlight (key, column) cells for a few seconds (a live reload changed them)."""
        if not cells:
            return
        until = time.monotonic() + seconds
        for cell in cells:
            self._changed[cell] = until
        self._refresh_rows(self._rows_of(k for k, _ in cells))
        self.set_timer(seconds + 0.05, self._expire_changes)

    def _expire_changes(self) -> None:
        now = time.monotonic()
        expired = [k for k, t in self._changed.items() if t <= now]
        self._changed = {k: t for k, t in self._changed.items() if t > now}
        self._refresh_rows(self._rows_of(k for k, _ in expired))

    def _rows_of(self, keys: Iterable[str]) -> list[int]:
        index = {k: i for i, k in enumerate(self._keys)}
        return [index[k] for k in keys if k in index]

    @property
    def cursor_key(self) -> str | None:
        if 0 <= self.cursor < len(self._keys):
            return self._keys[self.cursor]
        return None

    @property
    def row_count(self) -> int:
        return len(self._keys)

    def row(self, index: int | None = None) -> Row | None:
        index = self.cursor if index is None else index
        if 0 <= index < self.frame.height:
            return self.frame.row(index, named=True)
        return None

    def move_to_key(self, key: str) -> bool:
        if key in self._keys:
            self.cursor = self._keys.index(key)
            return True
        return False

    # -- cursor

    def validate_cursor(self, value: int) -> int:
        return max(0, min(value, len(self._keys) - 1)) if self._keys else 0

    def watch_cursor(self, old: int, new: int) -> None:
        for row in (old, new):
            self.refresh_line(row + 1)
        self._scroll_to_cursor()
        self.post_message(self.Highlighted(self, self.cursor_key))

    def _scroll_to_cursor(self) -> None:
        visible = max(1, self.size.height - 1)
        top = round(self.scroll_y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= top + visible:
            self.scroll_to(y=self.cursor - visible + 1, animate=False, immediate=True)

    def on_resize(self) -> None:
        self._cache.clear()
        self.virtual_size = Size(1, len(self._keys) + 1)
        self._scroll_to_cursor()

    def action_move(self, delta: int) -> None:
        self.cursor += delta

    def action_page(self, direction: int) -> None:
        self.cursor += direction * max(1, self.size.height - 2)

    def action_first(self) -> None:
        self.cursor = 0

    def action_last(self) -> None:
        self.cursor = len(self._keys) - 1

    def action_select(self) -> None:
        key = self.cursor_key
        if key is not None:
            self.post_message(self.Selected(self, key))

    def on_click(self, event: Click) -> None:
        if event.y >= 1:
            self.cursor = round(self.scroll_y) + event.y - 1
            if event.chain == 2:
                self.action_select()

    # -- painting

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self.rich_style
        if y == 0:
            return self._header(width, base)
        index = round(self.scroll_y) + y - 1
        if index >= len(self._keys):
            lines = self.empty_text.split("\n") if not self._keys else []
            if index < len(lines):
                dim = self.get_component_rich_style("frame-table--dim")
                text = set_cell_size(" " + lines[index], width)
                return Strip([Segment(text, base + dim)], width)
            return Strip.blank(width, base)
        key = (index, width, index == self.cursor)
        strip = self._cache.get(key)
        if strip is None:
            strip = self._row_strip(index, width, base)
            if len(self._cache) > 2000:
                self._cache.clear()
            self._cache[key] = strip
        return strip

    def _header(self, width: int, base: Style) -> Strip:
        style = base + self.get_component_rich_style("frame-table--header")
        segments = [Segment(" ", base)]
        for i, (col, w) in enumerate(self._columns_for(width - 1)):
            if i:
                segments.append(Segment(" ", base))
            segments.append(Segment(_fit(col.label, w, col.align), style))
        return Strip(segments).adjust_cell_length(width, base)

    def _row_strip(self, index: int, width: int, base: Style) -> Strip:
        row = self.frame.row(index, named=True)
        key = self._keys[index]
        cursor = index == self.cursor
        # An explicit reverse: it survives NO_COLOR (a CSS reverse is done by swapping colours).
        cursor_style = CURSOR if cursor else None
        changed_style = self.get_component_rich_style("frame-table--changed")
        now = time.monotonic()
        # A marker in the gutter: the cursor stays visible with NO_COLOR and on terminals
        # that do not render reverse video.
        segments = [Segment(self.marker if cursor else " ", base + CURSOR if cursor else base)]
        for i, (col, w) in enumerate(self._columns_for(width - 1)):
            if i:
                segments.append(Segment(" ", base + cursor_style if cursor_style else base))
            raw = col.cell(row)
            text = _fit(raw, w, col.align, self.cut, col.clip)
            style = base
            if col.style is not None:
                extra = col.style(row)
                if extra is not None:
                    style = style + extra
            if self._changed.get((key, col.key), 0) > now:
                style = style + changed_style
            if cursor_style is not None:
                style = style + cursor_style
            marks = col.spans(row) if col.spans is not None and col.align == "left" else ()
            if marks and col.clip == "end":
                match = self.get_component_rich_style("frame-table--match", partial=True)
                visible = len(text) - len(self.cut) if cell_len(raw) > w else len(raw)
                segments.extend(_highlighted(text, visible, marks, style, style + match))
            else:
                segments.append(Segment(text, style))
        end_style = base + cursor_style if cursor_style else base
        return Strip(segments).adjust_cell_length(width, end_style)


def _signature(columns: Sequence[Column]) -> tuple[tuple[object, ...], ...]:
    return tuple((c.key, c.label, c.width, c.align, c.priority, c.flex) for c in columns)


WANT_AT_MOST = 50
"""A flex column asks for room up to this many cells (longer names are cut, and read in full
on the line under the table)."""


def _longest(frame: pl.DataFrame, columns: Sequence[Column]) -> int:
    """The length of the longest text of the flex column (capped), from the frame at once."""
    for c in columns:
        if c.flex and c.source and frame.height and c.source in frame.columns:
            longest = frame.get_column(c.source).cast(pl.String).str.len_chars().max()
            return min(WANT_AT_MOST, int(longest or 0) + 2)  # type: ignore[arg-type]
    return 0


def _highlighted(
    text: str, shown: int, marks: Sequence[tuple[int, int]], style: Style, match: Style
) -> list[Segment]:
    """``text`` with the ``marks`` among its first ``shown`` characters in ``match``."""
    out: list[Segment] = []
    at = 0
    for start, end in sorted(marks):
        start, end = max(start, at), min(end, shown)
        if start >= end:
            continue
        if start > at:
            out.append(Segment(text[at:start], style))
        out.append(Segment(text[start:end], match))
        at = end
    out.append(Segment(text[at:], style))
    return out


def _changed_rows(old: pl.DataFrame, new: pl.DataFrame) -> list[int] | None:
    """Indexes of the rows that differ between two frames of the same keys; None if unknown."""
    if old.height != new.height or old.columns != new.columns:
        return None
    try:
        return (old.hash_rows() != new.hash_rows()).arg_true().to_list()
    except (pl.exceptions.PolarsError, pl.exceptions.PanicException):
        return None


def _fit(text: str, width: int, align: str, cut: str = "…", clip: str = "end") -> str:
    """Exactly ``width`` cells: cut with a mark (at the end, or at the start to keep the
    end), padded left or right."""
    if width <= 0:
        return ""
    if cell_len(text) > width:
        if width <= cell_len(cut):
            return set_cell_size(text, width)
        room = width - cell_len(cut)
        if clip == "start":
            tail = text[-room:]
            while cell_len(tail) > room:
                tail = tail[1:]
            return set_cell_size(cut + tail, width)
        return set_cell_size(text, room) + cut
    pad = " " * (width - cell_len(text))
    return pad + text if align == "right" else text + pad
