"""KpiApp: the live dashboard. Bindings, one loader worker, the watcher, the screen stack.

Files -> Loader (in a worker thread) -> Snapshot -> SnapshotLoaded -> every screen recomputes
its view. The screens live in ``screens/``; exports go through ``core.export``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import threading
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events, work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.screen import Screen

from kpitui.core.load.loader import Loader, Preload
from kpitui.core.snapshot import Snapshot
from kpitui.core.text import clean
from kpitui.i18n import t
from kpitui.ui.config import Config, load_config
from kpitui.ui.messages import FilesChanged, LoadFailed, SnapshotLoaded
from kpitui.ui.screens.base import TableScreen, localize

if TYPE_CHECKING:
    from kpitui.ui.watch import Watcher


class KpiApp(App[int]):
    CSS_PATH = "app.tcss"
    TITLE = "kpitui"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "help", "key.help", id="app.help"),
        Binding("left_square_bracket", "period(-1)", "key.prev_period", id="app.prev_period"),
        Binding("right_square_bracket", "period(1)", "key.next_period", id="app.next_period"),
        Binding("e", "export", "key.export", id="app.export"),
        Binding("q", "quit", "key.quit", id="app.quit"),
        Binding("ctrl+s", "quick_export", "key.quick_export", show=False, id="app.quick_export"),
        Binding("r", "reload", "key.reload", show=False, id="app.reload"),
        Binding("p", "pause", "key.pause", show=False, id="app.pause"),
        Binding("exclamation_mark", "quality", "key.quality", show=False, id="app.quality"),
    ]

    def __init__(
        self,
        paths: Sequence[str],
        lang: str = "en",
        watch: bool = True,
        poll: float | None = None,
        config: Config | None = None,
        clock: Callable[[], datetime] = datetime.now,
        ansi_color: bool | None = None,
        preload: Preload | None = None,
    ) -> None:
        super().__init__(ansi_color=ansi_color)
        self.paths = list(paths)
        self.lang = lang
        self.config = config or Config()
        self.clock = clock
        self._preload = preload
        self.loader = preload.loader if preload else Loader(self.paths, in_memory=True)
        self.snapshot: Snapshot | None = None
        self.as_of: str | None = None
        self.reloaded_at = ""
        self.watching = watch
        self.paused = False
        self.pending: set[str] = set()
        self.show_details = False
        self.poll = poll
        self._watcher: Watcher | None = None
        self._load_lock = threading.Lock()

    # -- start and stop

    def on_mount(self) -> None:
        localize(self, self.lang)
        if self.config.keys:
            self.set_keymap(self.config.keys)
        for problem in self.config.problems:
            self.notify(clean(problem), severity="warning", timeout=8, markup=False)
        from kpitui.ui.screens.dashboard import IndicatorScreen

        self.push_screen(IndicatorScreen())
        self.load()
        if self.watching:
            self._start_watcher()
        self._trap_hangup()

    def _start_watcher(self) -> None:
        from kpitui.ui.watch import Watcher

        def changed(paths: set[str]) -> None:
            self.post_message(FilesChanged(frozenset(paths)))

        self._watcher = Watcher(self.paths, changed, poll=self.poll)
        self._watcher.start()

    def _trap_hangup(self) -> None:
        """A closed terminal (SSH dropped) ends the app at once, cleanly."""
        try:
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGHUP, signal.SIGTERM):
                loop.add_signal_handler(sig, self._hangup)
        except (NotImplementedError, RuntimeError, ValueError):  # pragma: no cover
            pass

    def _hangup(self) -> None:
        self.exit(129)
        # If the terminal is gone, output can block forever: make sure the process ends.
        timer = threading.Timer(3.0, lambda: os._exit(129))
        timer.daemon = True
        timer.start()

    def on_unmount(self) -> None:
        if self._watcher is not None:
            self._watcher.stop()
        self.loader.close()

    async def on_event(self, event: events.Event) -> None:
        # No key of kpitui uses Alt: an Esc and a key that reach us together (a fast typist,
        # a laggy SSH link) are read by the terminal parser as Alt+key. They are two keys.
        if (
            isinstance(event, events.Key)
            and not event.is_forwarded
            and event.key.startswith("alt+")
            and event.character
            and len(event.character) == 1
            and event.character.isprintable()
        ):
            for key, char in (("escape", "\x1b"), (_key_name(event.character), event.character)):
                split = events.Key(key, char)
                split.set_sender(self)
                await super().on_event(split)
            return
        await super().on_event(event)

    # -- loading

    @work(thread=True, exclusive=True, group="load", exit_on_error=False)
    def load(self, changed: frozenset[str] = frozenset()) -> None:
        try:
            with self._load_lock:
                preload, self._preload = self._preload, None
                snapshot = preload.result() if preload else self.loader.load()
        except BaseException as exc:  # a loader bug (or a polars panic) must not cost the figures
            if isinstance(exc, KeyboardInterrupt | SystemExit):
                raise
            self.post_message(LoadFailed(f"{type(exc).__name__}: {exc}"))
            return
        self.post_message(SnapshotLoaded(snapshot, changed))

    def on_snapshot_loaded(self, message: SnapshotLoaded) -> None:
        previous = self.snapshot
        self.snapshot = message.snapshot
        self._announce(previous, message.snapshot)
        self.reloaded_at = self.clock().strftime("%H:%M:%S")
        periods = message.snapshot.period_list()
        if self.as_of is not None and self.as_of not in periods:
            self.as_of = None
        self.refresh_screens(message.changed)

    def _announce(self, before: Snapshot | None, after: Snapshot) -> None:
        """Say what changed in the files: removed, broken (set aside) or sound again."""
        if before is None or after.unavailable:
            return
        lang = self.lang
        for path in after.removed:
            self.notify(t("msg.file_removed", lang, path=clean(path)), timeout=8, markup=False)
        old = {f.path: f.state for f in before.files}
        for info in after.files:
            was = old.get(info.path)
            if info.state in ("stale", "error") and was not in ("stale", "error"):
                key = "msg.file_stale" if info.state == "stale" else "msg.file_left_out"
                self.notify(
                    t(key, lang, path=clean(info.path), where=clean(info.line or info.path)),
                    severity="warning",
                    timeout=10,
                    markup=False,
                )
            elif info.state == "ok" and was in ("stale", "error"):
                self.notify(t("msg.file_back", lang, path=clean(info.path)), markup=False)

    def on_load_failed(self, message: LoadFailed) -> None:
        self.notify(
            t("msg.reload_failed", self.lang, error=clean(message.error)),
            severity="error",
            markup=False,
        )

    def on_files_changed(self, message: FilesChanged) -> None:
        if self.paused:
            self.pending |= message.paths
            self.refresh_screens()
            return
        self.load(message.paths)

    def refresh_screens(self, changed: frozenset[str] = frozenset()) -> None:
        for screen in self.screen_stack:
            if isinstance(screen, TableScreen) and screen.is_mounted:
                screen.recompute(changed)

    # -- state shown in the header

    @property
    def live_state(self) -> str:
        if self.snapshot is None:
            return "loading"
        if not self.watching:
            return "off"
        if self._watcher is not None and not self._watcher.alive:
            return "stopped"
        return "paused" if self.paused else "live"

    def agency_name(self, agency: str) -> str:
        snap = self.snapshot
        if snap is None:
            return agency
        if agency == snap.tree.headline and agency == "*":
            return t("all_agencies", self.lang)
        return clean(snap.tree.names.get(agency) or agency)

    def error_line(self) -> Content:
        """One line under the table while the data has problems: the first error in full,
        then every other file whose current version is not in effect."""
        snap = self.snapshot
        if snap is None:
            return Content("")
        lang = self.lang
        definitions = {f.path for f in snap.files if not f.is_observations}
        # A broken definitions file first: it is the cause of everything after it.
        errors = sorted(
            (f for f in snap.findings if f.is_error),
            key=lambda f: (f.path not in definitions, f.kind == "no_indicators"),
        )
        broken = sorted(snap.broken_files(), key=lambda f: f.is_observations)
        if not errors and not broken:
            return Content("")
        first = errors[0] if errors else None
        text = "✗ " + (clean(first.format()) if first else clean(broken[0].line or broken[0].path))
        by_path = {f.path: f for f in broken}
        if first is not None and first.path in by_path:
            label = "msg.stale" if by_path[first.path].state == "stale" else "msg.left_out"
            text += f"  [{t(label, lang)}]"
        others = [f for f in broken if first is None or f.path != first.path]
        if others:
            shown = ", ".join(clean(f.line or f.path) for f in others[:4])
            if len(others) > 4:
                shown += ", …"
            text += "  — " + t("msg.also_broken", lang, files=shown)
        if len(errors) > 1:
            text += f"  — {t('msg.errors', lang, n=len(errors))}"
        return Content.styled(text, "bold $error")

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Every key of the screen is also a command in the palette (ctrl+p)."""
        seen = set()
        for active in screen.active_bindings.values():
            b = active.binding
            if b.system or not b.description or (b.action, active.node) in seen:
                continue
            seen.add((b.action, active.node))
            yield SystemCommand(
                b.description,
                f"{self.get_key_display(b)}  ({b.id})" if b.id else self.get_key_display(b),
                partial(self.run_action, b.action, active.node),
            )
        yield from super().get_system_commands(screen)

    # -- actions

    def action_period(self, step: int) -> None:
        snap = self.snapshot
        if snap is None:
            return
        periods = snap.period_list()
        if not periods:
            return
        index = len(periods) - 1 if self.as_of is None else periods.index(self.as_of)
        target = index + step
        if target < 0:
            self.notify(t("msg.first_period", self.lang), markup=False)
            return
        if target >= len(periods) - 1:
            if self.as_of is None:
                self.notify(t("msg.latest_period", self.lang), markup=False)
            self.as_of = None
        else:
            self.as_of = periods[target]
        self.refresh_screens()

    def action_reload(self) -> None:
        self.pending.clear()
        self.load()

    def action_pause(self) -> None:
        if not self.watching:
            return
        self.paused = not self.paused
        if not self.paused and self.pending:
            changed = frozenset(self.pending)
            self.pending.clear()
            self.load(changed)
        self.refresh_screens()

    def action_help(self) -> None:
        from kpitui.ui.screens.help import HelpScreen

        self.push_screen(HelpScreen(self.screen.active_bindings, self.lang))

    def action_quality(self) -> None:
        if self.snapshot is not None:
            from kpitui.ui.screens.quality import QualityScreen

            self.push_screen(QualityScreen())

    def action_export(self) -> None:
        if isinstance(self.screen, TableScreen) and self.snapshot is not None:
            from kpitui.ui.screens.export_dialog import ExportDialog

            self.push_screen(ExportDialog(self.screen))

    def action_quick_export(self) -> None:
        if isinstance(self.screen, TableScreen) and self.snapshot is not None:
            from kpitui.ui.exporting import export_screen

            for fmt in self.config.export_formats:
                export_screen(self, self.screen, fmt, folder=self.config.export_folder)


def _key_name(char: str) -> str:
    """Textual's key name of a printable character ("a", "A", "slash"...)."""
    if char.isalnum():
        return char
    from textual.keys import _character_to_key

    return _character_to_key(char)


def dataset_lang(paths: Sequence[str]) -> str | None:
    """[dashboard].lang of the data set, read before the app starts.

    Only files that mention ``[dashboard]`` are parsed (the big agency lists are not).
    """
    from kpitui.core.definitions import parse_file
    from kpitui.core.load.files import discover

    for path in discover(paths).definitions:
        try:
            with open(path, "rb") as fh:
                data = fh.read()
        except OSError:
            continue
        if b"dashboard" not in data:
            continue
        parsed = parse_file(path, data)
        if parsed.dashboard is not None and parsed.dashboard.lang:
            return parsed.dashboard.lang
    return None


def make_app(
    paths: Sequence[str],
    lang: str | None = None,
    watch: bool = True,
    poll: float | None = None,
    config: Config | None = None,
    clock: Callable[[], datetime] = datetime.now,
    preload: Preload | None = None,
) -> KpiApp:
    """The app as the command line builds it (tests use it too)."""
    from kpitui.i18n import detect_lang

    config = config or Config()
    chosen = detect_lang(lang, dataset_lang(paths) or config.lang)
    no_color = os.environ.get("NO_COLOR") is not None
    return KpiApp(
        paths,
        chosen,
        watch,
        poll,
        config,
        clock,
        ansi_color=True if no_color else None,
        preload=preload,
    )


def run(paths: Sequence[str], args: argparse.Namespace, preload: Preload | None = None) -> int:
    from kpitui import native_stderr

    config = load_config(args.config)
    with native_stderr.terminal_apart():  # a Rust panic's text never lands on the screen
        app = make_app(paths, args.lang, not args.no_watch, args.poll, config, preload=preload)
        code = app.run(mouse=not args.no_mouse)
    return int(code or 0)
