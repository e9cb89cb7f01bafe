"""Time the dashboard in a real terminal (tmux): launch to the first painted table, Enter on
an indicator (the breakdown by province), Enter on a province (its communes), and a change
saved into a watched file until it is on screen.

Data is generated on the fly (see bench_export.generate). Needs tmux. Usage:

    python bench/bench_tui.py [--sizes 1,36] [--repeat 3]

``--sizes`` are month counts: 3 months = 1 M rows, 36 months = 12 M rows. The first launch
of each size starts with an empty cache of per-file statistics ("cold"), the others reuse it
("warm", as every start after the first does when the files have not changed).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_export import generate

SESSION = "kpitui-bench"


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True, check=False).stdout


def screen() -> str:
    return tmux("capture-pane", "-p", "-t", SESSION)


def wait(condition: Callable[[str], bool], timeout: float = 60.0) -> float:
    """Seconds until the screen satisfies ``condition`` (polled every 10 ms)."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if condition(screen()):
            return time.perf_counter() - start
        time.sleep(0.01)
    raise SystemExit(f"timed out; the screen was:\n{screen()}")


def one_run(folder: Path, extra: Path | None, cache: Path) -> dict[str, float]:
    tmux("kill-session", "-t", SESSION)
    cmd = f"XDG_CACHE_HOME={cache} {sys.executable} -m kpitui {folder} --lang en"
    start = time.perf_counter()
    tmux("new-session", "-d", "-s", SESSION, "-x", "120", "-y", "40", cmd)
    wait(lambda s: "Indicator 0" in s and "%" in s)
    out = {"launch": time.perf_counter() - start}
    tmux("send-keys", "-t", SESSION, "Enter")
    out["enter (provinces)"] = wait(lambda s: "Tỉnh 0" in s and "›" in s)
    tmux("send-keys", "-t", SESSION, "Enter")
    out["enter (communes)"] = wait(lambda s: "Xã 0-0" in s)
    if extra is not None:
        tmux("send-keys", "-t", SESSION, "Escape", "Escape")
        wait(lambda s: "Tỉnh 0" not in s)
        # A small file with a value nobody has seen: time until it is painted.
        mark = "424242"
        tmp = extra.with_name(".extra.tmp")
        tmp.write_text(f"indicator,agency,period,value\nind_000,p00c000,2099-01,{mark}\n")
        written = time.perf_counter()
        os.replace(tmp, extra)
        wait(lambda s: "424,242" in s)
        out["live change"] = time.perf_counter() - written
        extra.unlink()
    tmux("send-keys", "-t", SESSION, "q")
    time.sleep(0.3)
    tmux("kill-session", "-t", SESSION)
    return out


def _cursor_row(screen_text: str) -> int:
    """The commune number on the cursor line (marked ▶), or -1."""
    for line in screen_text.splitlines():
        if line.startswith("▶") and "Xã 0-" in line:
            return int(line.split("Xã 0-")[1].split()[0])
    return -1


def flat_scroll(root: Path, repeat: int) -> None:
    """A breakdown of 3 332 agencies under one root: time Enter, then 40 PageDown presses."""
    folder = root / "flat"
    folder.mkdir()
    generate(folder, 1, 3332, 4, 12)
    results: dict[str, list[float]] = {}
    for _ in range(repeat):
        tmux("kill-session", "-t", SESSION)
        tmux(
            "new-session",
            "-d",
            "-s",
            SESSION,
            "-x",
            "120",
            "-y",
            "40",
            f"{sys.executable} -m kpitui {folder} --lang en --no-watch",
        )
        wait(lambda s: "Indicator 0" in s)
        tmux("send-keys", "-t", SESSION, "Enter")
        wait(lambda s: "Tỉnh 0" in s)
        tmux("send-keys", "-t", SESSION, "Enter")
        results.setdefault("enter (3332 rows)", []).append(wait(lambda s: "Xã 0-0 " in s))
        start = time.perf_counter()
        tmux("send-keys", "-t", SESSION, *["PageDown"] * 40)
        wait(lambda s: _cursor_row(s) >= 1200)  # 40 pages of ~33 rows
        results.setdefault("40 x PageDown", []).append(time.perf_counter() - start)
        start = time.perf_counter()
        tmux("send-keys", "-t", SESSION, "G")
        wait(lambda s: "Xã 0-3331 " in s)
        results.setdefault("G (to row 3332)", []).append(time.perf_counter() - start)
        tmux("send-keys", "-t", SESSION, "q")
        time.sleep(0.3)
        tmux("kill-session", "-t", SESSION)
    print("3,332 agencies under one root (120x40, tmux):")
    for k, v in results.items():
        print(
            f"  {k:<18} median {statistics.median(v):6.2f} s   min {min(v):.2f}   max {max(v):.2f}"
        )


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--sizes", default="3,36", help="months per data set (3 = 1.2 M rows)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-flat", action="store_true", help="skip the 3 332-agency scroll test")
    args = ap.parse_args()
    if shutil.which("tmux") is None:
        raise SystemExit("tmux is needed")
    root = Path(tempfile.mkdtemp(prefix="kpitui-tui-bench-"))
    try:
        for months in (int(x) for x in args.sizes.split(",")):
            folder = root / f"m{months}"
            folder.mkdir()
            rows = generate(folder, 34, 98, 100, months)
            results: dict[str, list[float]] = {}
            cache = root / f"cache-{months}"
            for run in range(args.repeat + 1):
                for k, v in one_run(folder, folder / "zz-extra.csv", cache).items():
                    if k == "launch":
                        k = "launch, cold cache" if run == 0 else "launch, warm cache"
                    results.setdefault(k, []).append(v)
            print(f"{rows:,} rows (120x40, tmux):")
            for k, v in results.items():
                print(
                    f"  {k:<18} median {statistics.median(v):6.2f} s   min {min(v):.2f}   max {max(v):.2f}"
                )
            shutil.rmtree(folder)
        if not args.no_flat:
            flat_scroll(root, args.repeat)
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
