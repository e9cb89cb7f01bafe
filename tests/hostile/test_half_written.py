"""Half-written files: a slow writer never produces a partial table.

The writer truncates the file, waits, then writes it back in small chunks with pauses shorter
than the watcher's settle delay (0.25 s). Every snapshot loaded while that happens must hold
either the old complete figures or the new complete figures: never a partial row count,
never an error about a cut line.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import kpitui.ui.app
from kpitui.core import views
from kpitui.core.load.loader import Loader
from kpitui.core.snapshot import Snapshot
from kpitui.ui.app import KpiApp
from kpitui.ui.messages import SnapshotLoaded
from kpitui.ui.watch import Watcher

AUGUST = "obs-2023-08.csv"
CHUNK = 384
PAUSE = 0.04  # well below the settle delay (0.25 s)

Figures = tuple[int, tuple[tuple[str, float | None], ...]]


def figures(snap: Snapshot) -> Figures:
    """The row count and every headline value: what a partial table would get wrong."""
    frame = views.summary(snap).select("indicator", "value")
    return snap.observations, tuple(frame.iter_rows())


def new_version(original: str) -> str:
    """One more thousand e-ID activations in TP Vũng Tàu (the headline of dd_kich_hoat moves)."""
    line = next(x for x in original.splitlines() if x.startswith("dd_kich_hoat,vung_tau,"))
    ind, ag, period, value, num, den, note = line.split(",")
    return original.replace(line, f"{ind},{ag},{period},{value},{int(num) + 1000},{den},{note}")


def slow_write(path: Path, text: str, chunk: int = CHUNK, pause: float = PAUSE) -> None:
    data = text.encode("utf-8")
    with open(path, "wb") as fh:  # truncated: for a moment the file is empty
        fh.flush()
        time.sleep(pause)
        for i in range(0, len(data), chunk):
            fh.write(data[i : i + chunk])
            fh.flush()
            time.sleep(pause)


def wait_until(condition: Callable[[], bool], timeout: float = 15.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def check_all(seen: list[Snapshot], good: set[Figures]) -> None:
    for i, snap in enumerate(seen):
        errors = [f.format() for f in snap.findings if f.is_error]
        assert not errors, f"snapshot {i} has errors (a cut line?): {errors[:3]}"
        assert figures(snap) in good, (
            f"snapshot {i}: {snap.observations} observations — neither the old nor the new table"
        )


def test_watcher_and_loader_never_see_a_partial_file(demo_copy: Path) -> None:
    path = demo_copy / AUGUST
    old = path.read_text(encoding="utf-8")
    new = new_version(old)
    loader = Loader([str(demo_copy)], in_memory=True)
    seen = [loader.load()]
    old_figures = figures(seen[0])
    lock = threading.Lock()

    def on_change(_paths: set[str]) -> None:
        snap = loader.load()
        with lock:
            seen.append(snap)

    watcher = Watcher([str(demo_copy)], on_change)
    watcher.start()
    try:
        time.sleep(0.5)  # let the OS watcher set up
        new_figures: Figures | None = None
        for version in (new, old, new):
            count = len(seen)
            slow_write(path, version)
            assert wait_until(lambda n=count: len(seen) > n), "the change was never loaded"
            # Let a late second event (if any) come in before the next write.
            time.sleep(0.6)
            if version is new and new_figures is None:
                new_figures = figures(seen[-1])
                assert new_figures != old_figures
            assert figures(seen[-1]) == (new_figures if version is new else old_figures)
    finally:
        watcher.stop()
    assert new_figures is not None
    check_all(seen, {old_figures, new_figures})


class RecordingApp(KpiApp):
    """Records every snapshot the app is handed (Textual also runs KpiApp's handler)."""

    CSS_PATH = str(Path(kpitui.ui.app.__file__).with_name("app.tcss"))

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.seen: list[Snapshot] = []

    def on_snapshot_loaded(self, message: SnapshotLoaded) -> None:
        self.seen.append(message.snapshot)


async def test_the_dashboard_never_shows_a_partial_file(demo_copy: Path) -> None:
    path = demo_copy / AUGUST
    old = path.read_text(encoding="utf-8")
    new = new_version(old)
    app = RecordingApp([str(demo_copy)], lang="en", watch=True, clock=lambda: datetime(2023, 9, 14))
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(200):
            if app.snapshot is not None:
                break
            await pilot.pause(0.05)
        assert app.snapshot is not None
        old_figures = figures(app.snapshot)
        await pilot.pause(0.5)  # the watcher thread sets up

        writer = threading.Thread(target=slow_write, args=(path, new))
        writer.start()
        while writer.is_alive():
            await pilot.pause(0.02)
        writer.join()
        for _ in range(300):
            if app.snapshot is not None and figures(app.snapshot) != old_figures:
                break
            await pilot.pause(0.05)
        await asyncio.sleep(0.6)
        await pilot.pause()
        expected_new = figures(app.snapshot)
        assert expected_new != old_figures, "the new version was never shown"
    # The new figures are those of the complete new file.
    assert expected_new == figures(Loader([str(demo_copy)]).load())
    check_all(app.seen, {old_figures, expected_new})
