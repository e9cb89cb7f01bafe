"""Any terminal (SPEC §10): ASCII only where the terminal needs it — the widgets' own glyphs,
and, on a real terminal, every byte — and three hues for met / near / behind in 16 colours.

The real app runs in a pty (``tests/hostile/ptyutil.py``) and in tmux, as a user over SSH
would run it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rich.cells import cell_len
from rich.color import ColorSystem
from textual.app import App

from hostile.ptyutil import DEMO, PtyApp, started
from kpitui.palette import STATUS_COLOURS
from kpitui.ui.app import KpiApp, make_app
from kpitui.ui.terminal import to_ascii

from .conftest import DESK_ROWS, DESK_TOML, frozen_clock, ready, settled, write_desk_data


def test_to_ascii_keeps_every_width() -> None:
    samples = [
        "Tỉnh Bà Rịa - Vũng Tàu",
        "Đề án 06 · đạt ✓ ✗ ⚠ ▲▼ … — ‖ ● ○ ◀ ▶ ▸ ›",
        "╭──┬──╮│▔▁▊▎█▇░",
        "北京 🔎 e\u0301",
        "Ｆｕｌｌ",
    ]
    for text in samples:
        out = to_ascii(text)
        assert out.isascii(), out
        assert cell_len(out) == cell_len(text), (text, out)
    assert to_ascii("Tỉnh Bà Rịa - Vũng Tàu") == "Tinh Ba Ria - Vung Tau"
    assert to_ascii("Đạt ✓, chậm ✗") == "Dat v, cham x"
    assert to_ascii("\x1b[1mđ\x1b[0m") == "\x1b[1md\x1b[0m"  # escape sequences pass


def _wants(env: dict[str, str], *args: str) -> str:
    code = "import sys; from kpitui.ui.terminal import ascii_wanted; print(ascii_wanted(*eval(sys.argv[1])))"
    base = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "LANG", "TERM"))}
    out = subprocess.run(
        [sys.executable, "-c", code, repr(tuple(a == "flag" for a in args))],
        env={**base, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip()


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"LANG": "C", "TERM": "xterm"}, "True"),  # Python rewrites LC_CTYPE: still ASCII
        ({"TERM": "xterm"}, "True"),  # no locale: C
        ({"LANG": "C.UTF-8", "TERM": "xterm-256color"}, "False"),
        ({"LC_ALL": "C.UTF-8", "TERM": "linux"}, "True"),
        ({"LC_ALL": "C.UTF-8", "TERM": "vt100"}, "True"),
        ({"LANG": "C", "LC_ALL": "", "TERM": "screen"}, "True"),
    ],
)
def test_when_the_dashboard_draws_ascii(env: dict[str, str], expected: str) -> None:
    assert _wants(env) == expected
    assert _wants({"LC_ALL": "C.UTF-8", "TERM": "xterm"}, "flag") == "True"  # --ascii


def ascii_data(folder: Path) -> Path:
    """The desk data set with ASCII names: whatever is not ASCII on screen is the UI's."""
    write_desk_data(folder)
    (folder / "desk.toml").write_text(to_ascii(DESK_TOML), encoding="utf-8")
    assert DESK_ROWS  # the observations are ASCII already
    return folder


def unfolded(app: KpiApp) -> str:
    """The screen as the widgets drew it (before the terminal guard)."""
    return App.export_screenshot(app)


async def test_every_screen_draws_ascii_glyphs(tmp_path: Path) -> None:
    folder = ascii_data(tmp_path / "d")
    app = make_app([str(folder)], "en", watch=False, clock=frozen_clock, ascii=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot, app)
        screens = {}
        for name, keys in (
            ("main", []),
            ("details", ["d"]),
            ("breakdown", ["j", "enter"]),
            ("back", ["escape", "d"]),
            ("search", ["slash", "r"]),
            ("quality", ["escape", "exclamation_mark"]),
            ("missing", ["escape", "n"]),
            ("help", ["escape", "question_mark"]),
            ("palette", ["escape", "ctrl+p"]),
        ):
            await pilot.press(*keys)
            await settled(pilot, app)
            await pilot.pause(0.2)
            screens[name] = unfolded(app)
        for name, svg in screens.items():
            # Textual's scroll bars end their thumb with a block (the terminal guard turns it
            # into a space); everything else is the dashboard's own drawing.
            odd = sorted({ch for ch in svg if not ch.isascii()} - set("▁▂▃▄▅▆▇"))
            assert not odd, (name, odd)
        assert app.export_screenshot().isascii()


async def test_three_hues_in_16_colours(tmp_path: Path) -> None:
    """met, near, behind: three different ANSI colours once Textual's output is brought down
    to a 16-colour terminal (what Rich does for TERM=xterm or linux)."""
    app = make_app([str(DEMO)], "en", watch=False, clock=frozen_clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        from kpitui.ui.widgets.frame_table import FrameTable

        table = app.screen.query_one(FrameTable)
        found: dict[str, set[int]] = {}
        for index, status in enumerate(table.frame["status"].to_list()):
            strip = table.render_line(index + 1)
            for segment in strip:
                colour = segment.style.color if segment.style else None
                if colour is not None and colour.triplet is not None:
                    hexa = colour.triplet.hex.upper()
                    if hexa == STATUS_COLOURS.get(status, "").upper():
                        found.setdefault(status, set()).add(
                            colour.downgrade(ColorSystem.STANDARD).number or 0
                        )
        ansi = {s: n for s, n in found.items() if s in ("met", "near", "behind")}
        assert set(ansi) == {"met", "near", "behind"}
        assert all(len(n) == 1 for n in ansi.values())
        assert len({next(iter(n)) for n in ansi.values()}) == 3


KEYS = ["d", "j", "\r", "\r", "\x1b", "\x1b", "!", "\x1b", "n", "\x1b", "?", "\x1b", "/", "ki"]


# The pty's helper is a Python process that execs kpitui: its own locale coercion would hand
# kpitui LC_CTYPE=C.UTF-8 as if the user had set it. Without coercion (PYTHONCOERCECLOCALE=0)
# kpitui starts as from a shell with LANG=C.
C_LOCALE = {"LANG": "C", "LC_ALL": "", "PYTHONCOERCECLOCALE": "0"}


@pytest.mark.parametrize(
    ("env", "args"),
    [
        ({**C_LOCALE, "TERM": "linux"}, []),
        ({**C_LOCALE, "TERM": "xterm"}, []),
        ({"TERM": "vt100"}, []),
        ({}, ["--ascii"]),  # a UTF-8 xterm, told so
    ],
    ids=["LANG=C TERM=linux", "LANG=C", "TERM=vt100", "--ascii"],
)
def test_no_byte_outside_ascii_reaches_the_terminal(
    env: dict[str, str], args: list[str], tmp_path: Path
) -> None:
    with PtyApp([str(DEMO), "--no-watch", *args], cols=100, rows=30, env=env, cwd=tmp_path) as app:
        started(app, "2023-08")
        for key in KEYS:
            app.press(key, pause=0.3)
        app.write("\x1b")
        app.settle(quiet=0.5, timeout=5)
        assert app.alive()
        out = bytes(app.output)
        high = [i for i, b in enumerate(out) if b >= 0x80]
        assert not high, out[max(0, high[0] - 80) : high[0] + 40]
        # It still shows the figures and the words, in ASCII.
        assert b"Chuyen doi so 2023" in out and b"cham" in out
        assert b"Chi tieu" in out


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_in_tmux_at_80x24_the_footer_keeps_help_and_quit(lang: str, tmp_path: Path) -> None:
    socket = f"kpitui-test-{os.getpid()}-{lang}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEXTUAL", "PYTEST", "TMUX"))}
    env.update(LANG="C.UTF-8", XDG_CONFIG_HOME=str(tmp_path))
    command = f"{sys.executable} -m kpitui {DEMO} --no-watch --lang {lang}"
    tmux = ["tmux", "-L", socket, "-f", "/dev/null"]
    subprocess.run(
        [*tmux, "new-session", "-d", "-x", "80", "-y", "24", command], env=env, check=True
    )
    try:
        screen = ""
        for _ in range(100):
            time.sleep(0.2)
            screen = subprocess.run(
                [*tmux, "capture-pane", "-p"], env=env, capture_output=True, text=True
            ).stdout
            if "2023-08" in screen and screen.rstrip().splitlines()[-1].strip():
                break
        lines = screen.rstrip("\n").splitlines()
        assert len(lines) <= 24
        footer = lines[-1]
        quit_word = {"vi": "Thoát", "en": "Quit"}[lang]
        help_word = {"vi": "Trợ giúp", "en": "Help"}[lang]
        assert f"? {help_word}" in footer and f"q {quit_word}" in footer, screen
    finally:
        subprocess.run([*tmux, "kill-server"], env=env, capture_output=True)
