"""Terminal economy: how many bytes the dashboard writes to the terminal.

Starts ``python -m kpitui COPY`` (a copy of the demo data set, the watcher ON) in a real
pseudo-terminal of 120x40 (TERM=xterm-256color), waits until it is idle, then prints:

* the bytes of the first screen;
* the bytes written during ``--idle`` seconds of idle (should be 0);
* after one value in one CSV is changed (saved by rename, as editors do): the bytes written
  until the screen settles, split into the reload itself and what follows (the changed-cell
  highlight fades after 3 s), and which screen lines were written.

Usage:  python bench/bench_bytes.py [--cols 120] [--rows 40] [--idle 3] [--repeat 1]
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests" / "hostile"))
from ptyutil import DEMO, PtyApp, change_one_value  # noqa: E402


def lines_written(data: bytes) -> list[int]:
    """Screen rows that a burst of output moved the cursor to (CSI row;col H)."""
    rows = Counter(int(m.group(1)) for m in re.finditer(rb"\x1b\[(\d+);\d+H", data))
    return sorted(rows)


def one_run(cols: int, rows: int, idle: float) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="kpitui-bytes-") as tmp:
        folder = Path(tmp) / "data"
        shutil.copytree(DEMO, folder, ignore=shutil.ignore_patterns("README.md"))
        with PtyApp([str(folder)], cols=cols, rows=rows, cwd=tmp) as app:
            t0 = time.monotonic()
            if not app.wait_for("2023-08", 60):
                raise SystemExit(f"the dashboard did not start:\n{app.text()[-2000:]}")
            ready = time.monotonic() - t0
            app.settle(quiet=1.0, timeout=30)
            first = len(app.output)

            start = len(app.output)
            end = time.monotonic() + idle
            while time.monotonic() < end:
                app.pump(0.05)
            idle_bytes = len(app.output) - start

            start = len(app.output)
            changed_at = time.monotonic()
            change_one_value(folder)
            bursts: list[tuple[float, int]] = []
            # Read until 1.5 s of quiet after the highlight (3 s) has had time to fade.
            while True:
                got = app.pump(0.05)
                now = time.monotonic() - changed_at
                if got:
                    bursts.append((now, got))
                quiet_for = now - (bursts[-1][0] if bursts else 0.0)
                if now > 4.5 and quiet_for > 1.5:
                    break
                if now > 30:
                    break
            total = len(app.output) - start
            data = bytes(app.output[start:])
            first_at = bursts[0][0] if bursts else None
            reload_bytes = sum(n for t, n in bursts if first_at is not None and t < first_at + 1.0)
            return {
                "first_screen_bytes": first,
                "ready_s": ready,
                "idle_s": idle,
                "idle_bytes": idle_bytes,
                "change_bytes": total,
                "change_reload_bytes": reload_bytes,
                "change_after_bytes": total - reload_bytes,
                "change_first_byte_s": first_at,
                "change_last_byte_s": bursts[-1][0] if bursts else None,
                "lines_written": lines_written(data),
            }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cols", type=int, default=120)
    parser.add_argument("--rows", type=int, default=40)
    parser.add_argument(
        "--idle", type=float, default=3.0, help="seconds of idle to measure (default 3)"
    )
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    print(
        f"kpitui terminal economy: {args.cols}x{args.rows}, TERM=xterm-256color, watcher on, demo data"
    )
    for i in range(args.repeat):
        r = one_run(args.cols, args.rows, args.idle)
        fb = r["change_first_byte_s"]
        lb = r["change_last_byte_s"]
        print(f"run {i + 1}:")
        print(
            f"  first screen:          {r['first_screen_bytes']:>8,} bytes (table on screen after {r['ready_s']:.1f} s)"
        )
        print(f"  idle {r['idle_s']:g} s:              {r['idle_bytes']:>8,} bytes")
        print(f"  one-value change:      {r['change_bytes']:>8,} bytes in total")
        print(
            f"    the reload:          {r['change_reload_bytes']:>8,} bytes (first byte after {fb:.2f} s)"
            if fb is not None
            else "    nothing was written"
        )
        print(
            f"    afterwards:          {r['change_after_bytes']:>8,} bytes (last byte after {lb:.2f} s; the highlight fades)"
            if lb is not None
            else ""
        )
        lines = r["lines_written"]
        print(f"    screen lines written: {len(lines)} of {args.rows}: {lines}")


if __name__ == "__main__":
    main()
