"""TableScreen: what the indicator view and the breakdown share.

A screen computes its full view frame from the app's snapshot (``compute``, in an exclusive
thread worker), then filters, searches and sorts it with polars (``apply``) and hands it to
its :class:`FrameTable`. It watches the app's state (``snapshot``, ``as_of``, ``lang``,
``show_details``): the screen in front follows at once, a hidden one when it is shown again.
Keys are bindings with ids, so the footer, ``?`` help, the command palette and the user's
keymap all see them. Layout is CSS: the breakpoint classes ``-narrow``/``-wide`` of the
screen and ``-show-details`` of the app (``app.tcss``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import polars as pl
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Input
from textual.worker import get_current_worker

from kpitui.core.snapshot import Snapshot
from kpitui.core.text import clean, fold, fold_expr
from kpitui.i18n import t
from kpitui.ui.glyphs import Marks
from kpitui.ui.matching import spans
from kpitui.ui.widgets.details import DetailsPanel
from kpitui.ui.widgets.frame_table import Column, FrameTable
from kpitui.ui.widgets.keybar import KeyBar
from kpitui.ui.widgets.line import Line
from kpitui.ui.widgets.search import SearchBox
from kpitui.ui.widgets.status_bar import FILTER_KEYS, BarState, StatusBar

if TYPE_CHECKING:
    from kpitui.ui.app import KpiApp

URGENCY = {"behind": 0, "near": 1, "missing": 2, "met": 3, "no_target": 4}
FILTER_CYCLE = [None, "behind", "near", "met", "missing", "no_target", "at_risk", "will_miss"]
WIDE = 110
"""From this many columns the details panel sits beside the table, else below it."""


def will_miss() -> pl.Expr:
    """Projected to miss the target at the deadline (SPEC §4.4: "will meet" is false)."""
    return (pl.col("will_meet") == False).fill_null(False)  # noqa: E712 - polars expression


def at_risk() -> pl.Expr:
    """Behind, or not on pace, or projected to miss (SPEC §4.4)."""
    return (
        (pl.col("status") == "behind")
        | (pl.col("on_track") == False)  # noqa: E712 - polars expression
        | will_miss()
    ).fill_null(False)


def in_view(screen: Screen[Any]) -> bool:
    """Whether the user sees ``screen``: it is in front, or only dialogs are above it."""
    stack = screen.app.screen_stack
    if screen not in stack:
        return False
    return all(above.is_modal for above in stack[stack.index(screen) + 1 :])


@dataclass(frozen=True)
class ExportContext:
    """What a screen shows, as an export describes it (SPEC §5.2 views and their metadata)."""

    view: str
    """"summary", "breakdown" or "agency"."""
    frame: pl.DataFrame
    details: dict[str, Any] = field(default_factory=dict)
    """as_of, indicator, agency, filters, search, sort, heading (``export.make_table``)."""


class TableScreen(Screen[None]):
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (WIDE, "-wide")]  # noqa: RUF012
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "key.open", id="screen.open"),
        # Priority: run as the key is read, before the keys that follow it in the same burst
        # are routed, so '/quang' typed (or pasted) fast searches "quang" and Esc then 'j'
        # moves the cursor. Disabled while they would take a key from the search box.
        Binding("escape", "back", "key.back", id="screen.back", priority=True),
        Binding("backspace", "back", "key.back", show=False, id="screen.back_backspace"),
        Binding("slash", "search", "key.search", id="screen.search", priority=True),
        Binding("f", "filter", "key.filter", id="screen.filter"),
        Binding("s", "sort", "key.sort", show=False, id="screen.sort"),
        Binding("S", "reverse", "key.reverse", show=False, id="screen.reverse"),
        Binding("c", "group", "key.group", show=False, id="screen.group"),
        Binding("d", "details", "key.details", show=False, id="screen.details"),
        Binding("0", "clear_filters", "key.filter_clear", show=False, id="screen.clear_filters"),
        *[
            Binding(
                k,
                f"filter_status('{s}')",
                f"key.filter_status.{s}",
                show=False,
                id=f"screen.filter_{s}",
            )
            for k, s in FILTER_KEYS
        ],
    ]

    key_column = "indicator"
    follows_period = True
    """``[`` and ``]`` change what it shows."""
    sort_options: ClassVar[list[tuple[str, Callable[[], list[pl.Expr]]]]] = []

    def __init__(self) -> None:
        super().__init__()
        self.full = pl.DataFrame()
        """The whole view, before filters, search and sort."""
        self.status_filter: str | None = None
        self.group_filter: str | None = None
        self.search_text = ""
        self.sort_index = 0
        self.reverse = False
        self.focus_key: str | None = None
        """A row to put the cursor on once the view is computed (a jump from the ! panel)."""
        self._stale = False
        """The app's state changed while another screen was in front."""
        self._shown: Snapshot | None = None
        self._back_shown: bool | None = None

    @property
    def kpi(self) -> KpiApp:
        return self.app  # type: ignore[return-value]

    @property
    def lang(self) -> str:
        return self.kpi.lang

    @property
    def marks(self) -> Marks:
        return self.kpi.marks

    # -- layout

    def compose(self) -> ComposeResult:
        yield StatusBar(id="bar")
        yield Line(id="crumbs")
        with Horizontal(id="body"):
            yield FrameTable(self.key_column, id="table")
            yield DetailsPanel(id="details")
        yield Line(id="current")
        yield Line(id="errors", hide_empty=True)
        yield SearchBox(
            self.close_search, placeholder=t("msg.search_prompt", self.lang), id="search"
        )
        yield KeyBar()

    def on_mount(self) -> None:
        table = self.query_one(FrameTable)
        table.marker, table.cut = self.marks.cursor, self.marks.cut
        table.focus()
        self.query_one(SearchBox).display = False
        self.watch(self.app, "snapshot", self._snapshot_changed, init=False)
        self.watch(self.app, "as_of", self._period_changed, init=False)
        self.watch(self.app, "lang", self._lang_changed, init=False)
        self.watch(self.app, "show_details", self._details_changed, init=False)
        self.kpi.header_changed.subscribe(self, self._header_changed)
        if self.kpi.snapshot is not None:
            self.recompute()
        else:
            # Feedback while the first load runs (seconds on national-scale data).
            table.empty_text = t("msg.loading", self.lang)
            table.refresh()
            self.refresh_chrome()

    # -- following the app's state

    def _snapshot_changed(self) -> None:
        if in_view(self):
            self.recompute(self.kpi.changed)  # what the files changed is highlighted
        else:
            self._stale = True

    def _period_changed(self) -> None:
        if in_view(self):
            self.recompute()
        else:
            self._stale = True

    def _lang_changed(self) -> None:
        self.query_one(SearchBox).placeholder = t("msg.search_prompt", self.lang)
        if in_view(self):
            self.apply()
            self.query_one(KeyBar).refresh_keys()
            if self.kpi.show_details:
                self.update_details()
        else:
            self._stale = True

    def _details_changed(self, shown: bool) -> None:
        if shown and in_view(self):
            self.update_details()

    def _header_changed(self, _: None) -> None:
        if in_view(self):
            self.refresh_chrome()

    def on_screen_resume(self) -> None:
        if self._stale:
            self._stale = False
            self.recompute()
            self.apply()
        else:
            self.refresh_chrome()
        self.query_one(KeyBar).refresh_keys()
        if self.kpi.show_details:
            self.update_details()

    # -- data

    def compute(self, snap: Snapshot, as_of: str | None) -> pl.DataFrame:
        """The full view frame (runs in a worker thread: reads its arguments only)."""
        raise NotImplementedError

    def columns(self) -> list[Column]:
        raise NotImplementedError

    def search_fields(self) -> list[str]:
        raise NotImplementedError

    def crumbs(self) -> list[str]:
        return [t("app.title", self.lang)]

    def current_line(self, row: dict[str, Any]) -> Content:
        """The cursor row in full, under the table (a name cut in its column is read here)."""
        return Content("")

    def empty_text(self) -> str:
        return t("msg.empty", self.lang)

    def base(self) -> pl.DataFrame:
        """The rows this screen lists before filters (all of them, unless it hides some)."""
        return self.full

    def recompute(self, changed: frozenset[str] = frozenset()) -> None:
        """The snapshot or the period changed: compute the view again, off the UI thread.
        ``changed``: the files whose change caused it (the cells that change are marked)."""
        snap = self.kpi.snapshot
        if snap is None:
            return
        self._compute_view(snap, self.kpi.as_of, changed)

    @work(thread=True, exclusive=True, group="view", exit_on_error=False)
    def _compute_view(self, snap: Snapshot, as_of: str | None, changed: frozenset[str]) -> None:
        worker = get_current_worker()
        try:
            frame = self.compute(snap, as_of)
            fields = [pl.col(f).fill_null("") for f in self.search_fields() if f in frame.columns]
            frame = frame.with_columns(
                _fold=fold_expr(pl.concat_str(fields, separator=" ")) if fields else pl.lit(""),
                at_risk=at_risk() if "will_meet" in frame.columns else pl.lit(False),
                will_miss=will_miss() if "will_meet" in frame.columns else pl.lit(False),
            )
        except BaseException as exc:  # an error in a view must never cost the app
            if isinstance(exc, KeyboardInterrupt | SystemExit):
                raise
            if not worker.is_cancelled:
                self.app.call_from_thread(self._view_failed, exc)
            return
        if not worker.is_cancelled:
            self.app.call_from_thread(self._show_view, snap, as_of, frame, changed)

    def _view_failed(self, exc: BaseException) -> None:
        self.app.log.error("view", self, repr(exc))
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        self.notify(
            t("msg.view_failed", self.lang, error=clean(first)[:160]),
            severity="error",
            timeout=10,
            markup=False,
        )
        self.refresh_chrome()

    def _show_view(
        self, snap: Snapshot, as_of: str | None, frame: pl.DataFrame, changed: frozenset[str]
    ) -> None:
        if snap is not self.kpi.snapshot or as_of != self.kpi.as_of or not self.is_mounted:
            return  # a newer view is on its way
        old = self.full
        self.full = frame
        self._shown = snap
        self.apply()
        table = self.query_one(FrameTable)
        if self.focus_key is not None:
            table.move_to_key(self.focus_key)
            self.focus_key = None
        if changed and old.height:
            table.mark_changed(_changed_cells(old, frame, self.key_column))
        if self.kpi.show_details:
            self.update_details()

    def filtered(self) -> pl.DataFrame:
        """The base rows through the status and group filters, the search and the sort."""
        frame = self.base()
        if not frame.height:
            return frame
        if self.status_filter in ("at_risk", "will_miss"):
            frame = frame.filter(pl.col(self.status_filter))
        elif self.status_filter:
            frame = frame.filter(pl.col("status") == self.status_filter)
        if self.group_filter and "group" in frame.columns:
            frame = frame.filter(pl.col("group") == self.group_filter)
        if self.search_text:
            frame = frame.filter(pl.col("_fold").str.contains(fold(self.search_text), literal=True))
        if self.sort_options:
            _, exprs = self.sort_options[self.sort_index % len(self.sort_options)]
            keys = exprs()
            if keys:
                frame = frame.sort(
                    keys, descending=self.reverse, nulls_last=True, maintain_order=True
                )
            elif self.reverse:
                frame = frame.reverse()
        return frame

    def apply(self) -> None:
        table = self.query_one(FrameTable)
        table.empty_text = self.empty_text() if self.full.height or self._shown else ""
        if self.kpi.snapshot is None:
            table.empty_text = t("msg.loading", self.lang)
        table.set_frame(self.filtered(), self.columns(), look=(self.search_text, self.lang))
        self.refresh_chrome()
        self.update_current()
        self._refresh_footer()

    def name_spans(self, text: str) -> list[tuple[int, int]]:
        """Where the search matches a name (highlighted in the table and the line below)."""
        return spans(text, self.search_text) if self.search_text else []

    def refresh_chrome(self) -> None:
        """Status bar, breadcrumbs and the error line."""
        counts: dict[str, int] = {}
        base = self.base()
        if base.height:
            counts = dict(base.group_by("status").len().iter_rows())
            counts["at_risk"] = int(base.get_column("at_risk").sum())
            counts["will_miss"] = int(base.get_column("will_miss").sum())
        app = self.kpi
        snap = app.snapshot
        lang = self.lang
        details = []
        if self.search_text:
            details.append(t("bar.search", lang, what=clean(self.search_text)))
        if self.group_filter:
            name = snap.definitions.group_name(self.group_filter) if snap else self.group_filter
            details.append(t("bar.group", lang, what=clean(name)))
        if self.sort_options and (self.sort_index or self.reverse):
            name = t(self.sort_options[self.sort_index % len(self.sort_options)][0], lang)
            arrow = f" {self.marks.descending}" if self.reverse else ""
            details.append(t("bar.sort", lang, what=name + arrow))
        table = self.query_one(FrameTable)
        details.append(t("bar.rows", lang, shown=table.row_count, total=base.height))
        periods = snap.period_list() if snap else []
        self.query_one(StatusBar).show(
            BarState(
                title=snap.definitions.dashboard.title if snap else "kpitui",
                lang=lang,
                counts=counts,
                period=app.as_of,
                latest=periods[-1] if periods else None,
                reloaded=app.reloaded_at,
                live=app.live_state,
                pending=len(app.pending),
                active_filter=self.status_filter,
                details="  ".join(details),
                marks=self.marks,
            )
        )
        self.query_one("#crumbs", Line).show(
            Content(self.marks.crumb).join([Content(clean(c)) for c in self.crumbs()])
        )
        self.query_one("#errors", Line).show(self.kpi.error_line())

    def update_current(self) -> None:
        row = self.query_one(FrameTable).row()
        self.query_one("#current", Line).show(self.current_line(row) if row else Content(""))

    def highlighted(self, text: str) -> Content:
        """``text`` with the search matches in bold underline."""
        content = Content(text)
        for start, end in self.name_spans(text):
            content = content.stylize("bold underline", start, end)
        return content

    # -- details

    def on_frame_table_highlighted(self, message: FrameTable.Highlighted) -> None:
        self.update_current()
        if self.kpi.show_details:
            self.update_details()

    def update_details(self) -> None:
        row = self.query_one(FrameTable).row()
        panel = self.query_one(DetailsPanel)
        panel.show(self.details_for(row) if row is not None else "")

    def details_for(self, row: dict[str, Any]) -> Any:
        raise NotImplementedError

    def action_open(self) -> None:
        raise NotImplementedError

    # -- exports

    def export_context(self) -> ExportContext:
        """The view as shown: its rows, period, filter, search and sort."""
        raise NotImplementedError

    def export_details(self) -> dict[str, Any]:
        """The metadata every view shares: period, filters, search, sort, breadcrumbs."""
        details: dict[str, Any] = {"as_of": self.kpi.as_of}
        filters = [x for x in (self.status_filter,) if x]
        if self.group_filter:
            filters.append(f"group={self.group_filter}")
        if filters:
            details["filters"] = ", ".join(filters)
        if self.search_text:
            details["search"] = self.search_text
        if self.sort_options and (self.sort_index or self.reverse):
            key = self.sort_options[self.sort_index % len(self.sort_options)][0]
            details["sort"] = key.split(".", 1)[1] + (" desc" if self.reverse else "")
        details["heading"] = " › ".join(self.crumbs())
        return details

    def shown_frame(self) -> pl.DataFrame:
        return self.query_one(FrameTable).frame.drop("_fold", "at_risk", "will_miss", strict=False)

    # -- actions

    def action_search(self) -> None:
        search = self.query_one(SearchBox)
        search.display = True
        search.open(self.search_text)
        # Focus now, not after a refresh: the keys of the same burst go to the box.
        self.set_focus(search)

    def on_input_changed(self, event: Input.Changed) -> None:
        search = self.query_one(SearchBox)
        if event.input is search and search.display and not search.closing:
            self.search_text = event.value
            self.apply()

    def close_search(self, keep: bool) -> None:
        """Enter keeps the search, Esc cancels it; the table has the keys again at once."""
        search = self.query_one(SearchBox)
        self.search_text = search.value if keep else ""
        search.display = False
        self.set_focus(self.query_one(FrameTable))
        self.apply()

    def _below_first(self) -> bool:
        """Whether a screen other than the main view is below this one (Esc goes back)."""
        stack = self.app.screen_stack
        return self in stack and stack.index(self) >= 2

    def _can_go_back(self) -> bool:
        filtered = bool(self.search_text or self.status_filter or self.group_filter)
        return self._below_first() or filtered

    def _refresh_footer(self) -> None:
        """Re-check the bindings only when what they depend on changed (the footer repaints)."""
        state = self._can_go_back()
        if state != self._back_shown:
            self._back_shown = state
            self.refresh_bindings()

    def _searching(self) -> bool:
        # ``self.focused``, not ``has_focus``: the box has focus from the moment it is given,
        # before it has processed its Focus event (keys of a burst are routed in between).
        search = self.query_one(SearchBox)
        return bool(search.display and self.focused is search)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self._searching():
            # The box takes its keys itself, in their order (Esc closes it, '/' is a '/').
            return action not in ("back", "search")
        if action == "back":
            # Shown where it does something: below the first screen, or with a filter on.
            return self._can_go_back()
        return True

    def action_back(self) -> None:
        if self.search_text or self.status_filter or self.group_filter:
            self.action_clear_filters()
            return
        if self._below_first() and self.is_active:
            self.app.pop_screen()

    def action_filter(self) -> None:
        i = FILTER_CYCLE.index(self.status_filter) if self.status_filter in FILTER_CYCLE else 0
        self.status_filter = FILTER_CYCLE[(i + 1) % len(FILTER_CYCLE)]
        self.apply()

    def action_filter_status(self, status: str) -> None:
        self.status_filter = None if self.status_filter == status else status
        self.apply()

    def action_clear_filters(self) -> None:
        self.status_filter = None
        self.group_filter = None
        self.search_text = ""
        self.query_one(SearchBox).value = ""
        self.apply()

    def action_group(self) -> None:
        snap = self.kpi.snapshot
        if snap is None or "group" not in self.full.columns:
            return
        groups = [None] + [g.id for g in snap.definitions.groups]
        i = groups.index(self.group_filter) if self.group_filter in groups else 0
        self.group_filter = groups[(i + 1) % len(groups)]
        self.apply()

    def action_sort(self) -> None:
        if self.sort_options:
            self.sort_index = (self.sort_index + 1) % len(self.sort_options)
            self.apply()

    def action_reverse(self) -> None:
        self.reverse = not self.reverse
        self.apply()

    def action_details(self) -> None:
        self.kpi.show_details = not self.kpi.show_details


def _changed_cells(old: pl.DataFrame, new: pl.DataFrame, key: str) -> set[tuple[str, str]]:
    """(key, column) of the figures that differ between two versions of a view."""
    watched = [
        c
        for c in ("value", "status", "attainment", "change", "numerator", "denominator")
        if c in old.columns and c in new.columns
    ]
    joined = old.select(key, *watched).join(new.select(key, *watched), on=key, suffix="_new")
    cells: set[tuple[str, str]] = set()
    for c in watched:
        diff = joined.filter(~pl.col(c).eq_missing(pl.col(f"{c}_new"))).get_column(key).to_list()
        for k in diff:
            cells.add((k, "value" if c in ("numerator", "denominator") else c))
    return cells
