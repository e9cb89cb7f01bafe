"""KpiApp: the live dashboard. Its state, one loader worker, the watcher, the screen stack.

Files -> Loader (in a worker thread) -> Snapshot -> ``KpiApp.snapshot``. The state every
screen reads is held in reactives — ``snapshot``, ``as_of`` (the period chosen with ``[``/``]``),
``lang``, ``show_details`` — and the screens watch them: the screen in front recomputes its
view at once, the hidden ones when they are shown again. The screens live in ``screens/``;
exports go through ``ui.exporting``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import threading
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events, work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.reactive import var
from textual.signal import Signal

from kpitui.core.load.loader import Loader, Preload
from kpitui.core.snapshot import Snapshot
from kpitui.core.text import clean
from kpitui.i18n import t
from kpitui.ui.commands import KeyCommands, Palette
from kpitui.ui.config import Config, load_config
from kpitui.ui.glyphs import Marks, marks
from kpitui.ui.messages import FilesChanged, LoadFailed, SnapshotLoaded
from kpitui.ui.widgets.error_line import error_line

if TYPE_CHECKING:
    from kpitui.ui.watch import Watcher

ASCII_KEYS = {"enter": "Enter", "escape": "Esc", "backspace": "Bksp", "up": "Up", "down": "Down"}
VIEW_ACTIONS = ("period", "export", "quick_export")
"""Actions for the screen in front: only where it shows a view (``[`` ``]`` ``e``...)."""


class KpiApp(App[int]):
    CSS_PATH = "app.tcss"
    TITLE = "kpitui"
    COMMANDS: ClassVar = {KeyCommands}
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
        Binding("n", "not_reported", "key.not_reported", show=False, id="app.not_reported"),
        Binding("L", "switch_lang", "key.lang", show=False, id="app.lang"),
    ]

    snapshot: var[Snapshot | None] = var(None, always_update=True, init=False)
    """The figures on screen (a new object each load: never compared, always announced)."""
    as_of: var[str | None] = var(None, init=False)
    """The period chosen with ``[``/``]``; None: each indicator's latest."""
    lang: var[str] = var("en", init=False)
    show_details: var[bool] = var(False, init=False)
    paused: var[bool] = var(False, init=False)

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
        ascii: bool = False,
    ) -> None:
        driver = None
        if ascii and not os.environ.get("TEXTUAL_DRIVER"):
            from kpitui.ui.terminal import AsciiDriver

            driver = AsciiDriver
        super().__init__(driver_class=driver, ansi_color=ansi_color)
        self.paths = list(paths)
        self.set_reactive(KpiApp.lang, lang)
        self.config = config or Config()
        self.clock = clock
        self.ascii = ascii
        self.marks: Marks = marks(ascii)
        self._preload = preload
        self.loader = preload.loader if preload else Loader(self.paths, in_memory=True)
        self.changed: frozenset[str] = frozenset()
        """The files whose change caused the last load (the screens highlight what changed)."""
        self.reloaded_at = ""
        self.watching = watch
        self.pending: set[str] = set()
        self.poll = poll
        self.memory: dict[str, Any] = {}
        """What panels keep between openings (the ! panel's filter and row)."""
        self.header_changed: Signal[None] = Signal(self, "header_changed")
        """The header's live state changed (paused, pending changes, the watcher)."""
        self._watcher: Watcher | None = None
        self._load_lock = threading.Lock()

    # -- start and stop

    def on_mount(self) -> None:
        self.set_class(self.ascii, "-ascii")
        if self.config.keys:
            self.set_keymap(self.config.keys)
        for problem in self.config.problems:
            self.notify(clean(problem), severity="warning", timeout=12, markup=False)
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
        from kpitui.ui.announce import announce

        previous = self.snapshot
        announce(self, previous, message.snapshot)
        self.reloaded_at = self.clock().strftime("%H:%M:%S")
        self.changed = message.changed
        if self.as_of is not None and self.as_of not in message.snapshot.period_list():
            self.set_reactive(KpiApp.as_of, None)
        self.snapshot = message.snapshot

    def watch_show_details(self, shown: bool) -> None:
        self.set_class(shown, "-show-details")  # app.tcss shows the panels

    def on_load_failed(self, message: LoadFailed) -> None:
        self.notify(
            t("msg.reload_failed", self.lang, error=clean(message.error)),
            severity="error",
            markup=False,
        )

    def on_files_changed(self, message: FilesChanged) -> None:
        if self.paused:
            self.pending |= message.paths
            self.header_changed.publish(None)
            return
        self.load(message.paths)

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
        return error_line(self.snapshot, self.lang, self.marks)

    # -- keys

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in VIEW_ACTIONS:
            # Hidden where they do nothing: the ! panel, help, dialogs (the command palette
            # lists the keys of the screen it was opened on).
            front = next(
                (s for s in reversed(self.screen_stack) if not isinstance(s, Palette)), self.screen
            )
            wants = "follows_period" if action == "period" else "export_context"
            return bool(getattr(front, wants, False))
        return True

    def export_screenshot(self, *, title: str | None = None, simplify: bool = False) -> str:
        """A picture of the screen as the terminal shows it (in ASCII, ASCII)."""
        svg = super().export_screenshot(title=title, simplify=simplify)
        if self.ascii:
            from kpitui.asciifold import to_ascii

            svg = to_ascii(svg)
        return svg

    def get_key_display(self, binding: Binding) -> str:
        if self.ascii:
            key = binding.key.split(",")[0]
            if key in ASCII_KEYS:
                return ASCII_KEYS[key]
        return super().get_key_display(binding)

    def action_command_palette(self) -> None:
        if self.use_command_palette and not Palette.is_open(self):  # type: ignore[arg-type]
            self.push_screen(Palette(self.lang, self.marks.search))

    def action_help_quit(self) -> None:
        """``ctrl+c`` does not quit: say which key does, in the UI language."""
        quits = [
            a for a in self.active_bindings.values() if a.binding.action in ("quit", "app.quit")
        ]
        quits.sort(key=lambda a: a.binding.id != "app.quit")  # the key kpitui shows first
        for active in quits[:1]:
            self.notify(
                t("msg.quit_hint", self.lang, keys=self.get_key_display(active.binding)),
                title=t("msg.quit_title", self.lang),
                markup=False,
            )
            return

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
        self.header_changed.publish(None)

    def action_switch_lang(self) -> None:
        self.lang = "en" if self.lang == "vi" else "vi"
        self.notify(t("msg.lang", self.lang), timeout=3, markup=False)

    def action_help(self) -> None:
        from kpitui.ui.screens.help import HelpScreen

        self.push_screen(HelpScreen(self.screen.active_bindings))

    def action_quality(self) -> None:
        if self.snapshot is not None:
            from kpitui.ui.screens.quality import QualityScreen

            self.push_screen(QualityScreen())

    def action_not_reported(self) -> None:
        if self.snapshot is not None:
            from kpitui.ui.screens.missing import MissingScreen

            self.push_screen(MissingScreen())

    def action_export(self) -> None:
        from kpitui.ui.exporting import open_dialog

        open_dialog(self)

    def action_quick_export(self) -> None:
        from kpitui.ui.exporting import quick_export

        quick_export(self)


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
    ascii: bool = False,
    ansi: bool = False,
) -> KpiApp:
    """The app as the command line builds it (tests use it too). The language: ``--lang``,
    else the user's ``[ui] lang``, else the data set's, else the environment's. ``ansi``:
    the terminal's own 16 colours."""
    from kpitui.i18n import detect_lang

    config = config or Config()
    chosen = detect_lang(lang, config.lang or dataset_lang(paths))
    no_color = os.environ.get("NO_COLOR") is not None
    return KpiApp(
        paths,
        chosen,
        watch,
        poll,
        config,
        clock,
        ansi_color=True if no_color or ansi else None,
        preload=preload,
        ascii=ascii,
    )


def run(
    paths: Sequence[str],
    args: argparse.Namespace,
    preload: Preload | None = None,
    ascii: bool = False,
) -> int:
    from kpitui import native_stderr
    from kpitui.ui.bindings import binding_table
    from kpitui.ui.terminal import sixteen_colours

    config = load_config(args.config, bindings=binding_table())
    web = os.environ.get("TEXTUAL_DRIVER", "").startswith("textual.drivers.web_driver")
    with native_stderr.terminal_apart():  # a Rust panic's text never lands on the screen
        app = make_app(
            paths,
            args.lang,
            not args.no_watch,
            args.poll,
            config,
            preload=preload,
            ascii=ascii,
            ansi=not web and sixteen_colours(),
        )
        code = app.run(mouse=not args.no_mouse)
    return int(code or 0)
