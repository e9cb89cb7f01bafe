"""TableScreen: what the indicator view and the breakdown share.

A screen computes its full view frame from the app's snapshot (``compute``), then filters,
searches and sorts it with polars (``apply``) and hands it to its :class:`FrameTable`.
Keys are bindings with ids, so the footer, ``?`` help, the command palette and the user's
keymap all see them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar

import polars as pl
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Input, Static
from textual.worker import get_current_worker

from kpitui.core.snapshot import Snapshot
from kpitui.core.text import clean, fold, fold_expr
from kpitui.i18n import status_word, t
from kpitui.ui.widgets.details import DetailsPanel
from kpitui.ui.widgets.frame_table import Column, FrameTable
from kpitui.ui.widgets.search import SearchBox
from kpitui.ui.widgets.status_bar import FILTER_KEYS, BarState, StatusBar

if TYPE_CHECKING:
    from kpitui.ui.app import KpiApp

URGENCY = {"behind": 0, "near": 1, "missing": 2, "met": 3, "no_target": 4}
FILTER_CYCLE = [None, "behind", "near", "met", "missing", "no_target", "at_risk"]


def describe(description: str, lang: str) -> str:
    """A binding description: an i18n key (``key.*``), translated."""
    if description.startswith("key.filter_status."):
        status = description.rsplit(".", 1)[1]
        word = t("bar.at_risk", lang) if status == "at_risk" else status_word(status, lang)
        return t("key.filter_status", lang, status=word)
    return t(description, lang) if description.startswith("key.") else description


def localize(node: Any, lang: str) -> None:
    """Translate the binding descriptions of one node (BINDINGS hold i18n keys)."""
    bindings = node._bindings
    for key, items in bindings.key_to_bindings.items():
        bindings.key_to_bindings[key] = [
            replace(b, description=describe(b.description, lang)) for b in items
        ]


def at_risk() -> pl.Expr:
    """Behind, or not on pace, or projected to miss (SPEC §4.4)."""
    return (
        (pl.col("status") == "behind")
        | (pl.col("on_track") == False)  # noqa: E712 - polars expression
        | (pl.col("will_meet") == False)  # noqa: E712
    ).fill_null(False)


class TableScreen(Screen[None]):
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
    sort_options: ClassVar[list[tuple[str, Callable[[], list[pl.Expr]]]]] = []

    def __init__(self) -> None:
        super().__init__()
        self.full = pl.DataFrame()
        self.status_filter: str | None = None
        self.group_filter: str | None = None
        self.search_text = ""
        self.sort_index = 0
        self.reverse = False
        self.focus_key: str | None = None
        """A row to put the cursor on once the view is computed (a jump from the ! panel)."""

    @property
    def kpi(self) -> KpiApp:
        return self.app  # type: ignore[return-value]

    @property
    def lang(self) -> str:
        return self.kpi.lang

    # -- layout

    def compose(self) -> ComposeResult:
        yield StatusBar(id="bar")
        yield Static(id="crumbs")
        with Horizontal(id="body"):
            table = FrameTable(self.key_column, id="table")
            yield table
            yield DetailsPanel(id="details")
        yield Static(id="errors")
        yield SearchBox(
            self.close_search, placeholder=t("msg.search_prompt", self.lang), id="search"
        )
        yield Footer()

    def on_mount(self) -> None:
        localize(self, self.lang)
        table = self.query_one(FrameTable)
        localize(table, self.lang)
        table.focus()
        self.query_one(SearchBox).display = False
        if self.kpi.show_details:
            self.query_one(DetailsPanel).add_class("-visible")
        self._place_details()
        if self.kpi.snapshot is not None:
            self.recompute()
        else:
            # Feedback while the first load runs (seconds on national-scale data).
            table.empty_text = t("msg.loading", self.lang)
            table.refresh()
            self.refresh_chrome()

    def on_resize(self) -> None:
        self._place_details()

    def _place_details(self) -> None:
        panel = self.query_one(DetailsPanel)
        narrow = self.size.width < 110
        panel.set_class(narrow, "-bottom")
        body = self.query_one("#body")
        body.styles.layout = "vertical" if narrow else "horizontal"

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

    def recompute(self, changed: frozenset[str] = frozenset()) -> None:
        """The snapshot or the period changed: compute the view again, off the UI thread."""
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
                at_risk=at_risk(),
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
        self.apply()
        if self.focus_key is not None:
            self.query_one(FrameTable).move_to_key(self.focus_key)
            self.focus_key = None
        if changed and old.height:
            self.query_one(FrameTable).mark_changed(_changed_cells(old, frame, self.key_column))
        if self.kpi.show_details:
            self.update_details()

    def apply(self) -> None:
        frame = self.full
        if not frame.height:
            self.query_one(FrameTable).set_frame(frame, self.columns())
            return
        if self.status_filter == "at_risk":
            frame = frame.filter(pl.col("at_risk"))
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
        table = self.query_one(FrameTable)
        table.empty_text = t("msg.empty", self.lang)
        table.set_frame(frame, self.columns())
        self.refresh_chrome()
        self._refresh_footer()

    def refresh_chrome(self) -> None:
        """Status bar, breadcrumbs and the error line."""
        counts = {}
        if self.full.height:
            counts = dict(self.full.group_by("status").len().iter_rows())
            counts["at_risk"] = int(self.full.get_column("at_risk").sum())
        app = self.kpi
        snap = app.snapshot
        details = []
        if self.search_text:
            details.append(t("bar.search", self.lang, what=clean(self.search_text)))
        if self.group_filter:
            details.append(
                t(
                    "bar.group",
                    self.lang,
                    what=clean(
                        snap.definitions.group_name(self.group_filter)
                        if snap
                        else self.group_filter
                    ),
                )
            )
        if self.sort_options and (self.sort_index or self.reverse):
            name = t(self.sort_options[self.sort_index % len(self.sort_options)][0], self.lang)
            details.append(t("bar.sort", self.lang, what=name + (" ↓" if self.reverse else "")))
        table = self.query_one(FrameTable)
        details.append(t("bar.rows", self.lang, shown=table.row_count, total=self.full.height))
        self.query_one(StatusBar).show(
            BarState(
                title=snap.definitions.dashboard.title if snap else "kpitui",
                lang=self.lang,
                counts=counts,
                period=app.as_of,
                latest=snap.period_list()[-1] if snap and snap.period_list() else None,
                reloaded=app.reloaded_at,
                live=app.live_state,
                pending=len(app.pending),
                active_filter=self.status_filter,
                details="  ".join(details),
            )
        )
        _update(
            self.query_one("#crumbs", Static),
            Content(" › ").join([Content(clean(c)) for c in self.crumbs()]),
        )
        _update(self.query_one("#errors", Static), self.kpi.error_line())

    # -- details

    def on_frame_table_highlighted(self, message: FrameTable.Highlighted) -> None:
        if self.kpi.show_details:
            self.update_details()

    def update_details(self) -> None:
        row = self.query_one(FrameTable).row()
        panel = self.query_one(DetailsPanel)
        if row is not None:
            panel.show(self.details_for(row))
        else:
            panel.show("")

    def details_for(self, row: dict[str, Any]) -> Any:
        raise NotImplementedError

    def action_open(self) -> None:
        raise NotImplementedError

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
        if keep:
            self.search_text = search.value
        else:
            self.search_text = ""
        search.display = False
        self.set_focus(self.query_one(FrameTable))
        self.apply()

    def _can_go_back(self) -> bool:
        filtered = bool(self.search_text or self.status_filter or self.group_filter)
        return len(self.app.screen_stack) > 2 or filtered

    def _refresh_footer(self) -> None:
        """Re-check the bindings only when what they depend on changed (the footer repaints)."""
        state = self._can_go_back()
        if state != getattr(self, "_back_shown", None):
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
        if len(self.app.screen_stack) > 2:
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
        app = self.kpi
        app.show_details = not app.show_details
        for screen in app.screen_stack:
            if isinstance(screen, TableScreen):
                screen.query_one(DetailsPanel).set_class(app.show_details, "-visible")
        if app.show_details:
            self.update_details()


def _update(widget: Static, content: Content) -> None:
    """Update a one-line widget only when its text changes (a repaint costs terminal bytes)."""
    if getattr(widget, "_kpitui_shown", None) != content.plain:
        widget._kpitui_shown = content.plain  # type: ignore[attr-defined]
        widget.update(content)


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
