"""A lost terminal (SSH dropped): closing the pty master ends the app quickly and cleanly.

The app is started in a pty that is its controlling terminal, so closing the master side
sends it SIGHUP, as the kernel does when sshd goes away. It must end within 3 s (the
``os._exit`` backstop), without spinning on a dead terminal (its CPU time while ending stays
small), and leave no export temp file (``.kpitui-*.tmp``) behind.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from .ptyutil import cpu_seconds, started

CPU_WHILE_ENDING = 1.0
"""CPU seconds allowed between the hang-up and the end (a busy loop for 3 s would use ~3)."""


def temp_files(*folders: Path) -> list[Path]:
    return [p for f in folders for p in f.rglob(".kpitui-*.tmp")]


@pytest.mark.parametrize("export_first", [False, True], ids=["idle", "during-quick-export"])
def test_closed_terminal_ends_the_app(
    demo_copy: Path, tmp_path: Path, pty_app, export_first: bool
) -> None:  # type: ignore[no-untyped-def]
    work = tmp_path / "cwd"
    work.mkdir()
    # The watcher is on (its thread must not keep the process alive).
    app = pty_app([str(demo_copy)], cwd=work).start()
    started(app, "2023-08")

    before = cpu_seconds(app.pid)
    time.sleep(1.0)
    idle = cpu_seconds(app.pid)
    assert before is not None and idle is not None
    assert idle - before < 0.3, f"{idle - before:.2f} s of CPU in 1 s of idle"

    if export_first:
        app.write(b"\x13")  # ctrl+s: quick export (xlsx) into the current folder
        time.sleep(0.05)
    app.close_master()
    code, waited, cpu = app.reap(timeout=6.0)

    assert code is not None, "the app is still running 6 s after its terminal was closed"
    assert waited <= 3.5, f"the app took {waited:.2f} s to end (backstop: 3 s)"
    assert cpu is not None and cpu - idle < CPU_WHILE_ENDING, (
        f"{cpu - idle:.2f} s of CPU while ending: a busy loop on the dead terminal?"
    )
    assert temp_files(work, demo_copy) == []


def test_sighup_alone_ends_the_app(demo_copy: Path, pty_app) -> None:  # type: ignore[no-untyped-def]
    """A SIGHUP while the terminal is still there (``kill -HUP``) ends it too, with 129."""
    import os
    import signal

    app = pty_app([str(demo_copy), "--no-watch"]).start()
    started(app, "2023-08")
    os.kill(app.pid, signal.SIGHUP)
    code, waited, _ = app.reap(timeout=6.0)
    assert code == 129, f"exit code {code}"
    assert waited <= 3.5
