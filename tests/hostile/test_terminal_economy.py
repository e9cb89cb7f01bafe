"""Terminal economy over SSH: an idle dashboard writes nothing; a one-value change writes a
few lines, not the screen. These are size assertions (bytes), not timing ones.

(bench/bench_bytes.py prints the same figures.)
"""

from __future__ import annotations

import time
from pathlib import Path

from .ptyutil import PtyApp, change_one_value, started

CHANGE_BUDGET = 8 * 1024


def bytes_after_change(app: PtyApp, folder: Path, window: float = 3.5) -> int:
    """Bytes written from the change until the screen settles (the 3 s change highlight
    included: ``window`` covers it, then 1 s of quiet)."""
    start = len(app.output)
    change_one_value(folder)
    end = time.monotonic() + window
    while time.monotonic() < end:
        app.pump(0.05)
    app.settle(quiet=1.0, timeout=10)
    return len(app.output) - start


def test_an_idle_dashboard_writes_nothing_then_shows_a_change(demo_copy: Path, pty_app) -> None:  # type: ignore[no-untyped-def]
    app = pty_app([str(demo_copy)], cols=120, rows=40).start()  # with the watcher
    started(app, "2023-08")
    assert app.settle(quiet=1.0, timeout=15), "the app never went quiet"
    start = len(app.output)
    end = time.monotonic() + 2.0
    while time.monotonic() < end:
        app.pump(0.05)
    assert len(app.output) - start == 0, repr(bytes(app.output[start:])[:300])
    assert app.alive()

    # The change reaches the screen (what the budget test below measures is real output).
    before = len(app.output)
    assert bytes_after_change(app, demo_copy) > 0
    shown = bytes(app.output[before:]).decode("utf-8", "replace")
    assert "50,41%" in shown  # 310.104 / 615.198 e-ID accounts


def test_a_one_value_change_writes_under_8_kb(demo_copy: Path, pty_app) -> None:  # type: ignore[no-untyped-def]
    app = pty_app([str(demo_copy)], cols=120, rows=40).start()
    started(app, "2023-08")
    app.settle(quiet=1.0, timeout=15)
    written = bytes_after_change(app, demo_copy)
    assert written < CHANGE_BUDGET, f"{written} bytes for a one-value change"
