"""Soak: reload the data set many times with one long-lived in-memory Loader (what the
dashboard keeps) and watch the memory.

Each round touches one file (a new modification time; the files are taken in turn, TOML and
CSV), so the loader really re-reads it, then calls ``Loader.load()``. Prints the resident set
size (VmRSS from /proc/self/status) at the start, after the first load, every ``--every``
loads and at the end, and the growth in % (from after the first load, the warm baseline).

The demo data set is copied to a temporary folder first (the repository is never touched).

Usage:  python bench/soak.py [--count 10000] [--every 1000] [--path FOLDER] [--only NAME]
"""

from __future__ import annotations

import argparse
import gc
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from kpitui.cli import JEMALLOC_CONF  # noqa: E402 - polars is not loaded yet

# As the dashboard does (kpitui.cli.cmd_tui), unless the environment says otherwise:
# --allocator-default measures polars' allocator with its default settings.
if "--allocator-default" not in sys.argv:
    os.environ.setdefault("_RJEM_MALLOC_CONF", JEMALLOC_CONF)

from kpitui.core.load.loader import Loader  # noqa: E402


def rss_kib() -> int:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise SystemExit("no VmRSS in /proc/self/status (Linux only)")


def mib(kib: int) -> str:
    return f"{kib / 1024:8.1f} MiB"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--count", type=int, default=10_000, help="number of reloads (default 10000)"
    )
    parser.add_argument("--every", type=int, default=1000, help="print the RSS every N reloads")
    parser.add_argument(
        "--path", default=str(REPO / "data"), help="data folder (copied first; default: the demo)"
    )
    parser.add_argument("--only", metavar="NAME", help="touch only this file of the folder")
    parser.add_argument(
        "--allocator-default",
        action="store_true",
        help="polars' allocator with its default settings (the dashboard returns freed memory)",
    )
    args = parser.parse_args()

    start_rss = rss_kib()
    with tempfile.TemporaryDirectory(prefix="kpitui-soak-") as tmp:
        folder = Path(tmp) / "data"
        shutil.copytree(args.path, folder, ignore=shutil.ignore_patterns("README.md"))
        files = sorted(p for p in folder.iterdir() if p.suffix in (".toml", ".csv"))
        if args.only:
            files = [folder / args.only]
        loader = Loader([str(folder)], in_memory=True)
        snap = loader.load()
        base_rss = rss_kib()
        print(
            f"kpitui soak: {args.count:,} reloads of {folder.name}/ ({len(files)} files touched in turn)"
        )
        print(f"  {snap.summary_line()}")
        print(f"  start            RSS {mib(start_rss)}")
        print(f"  after 1st load   RSS {mib(base_rss)}   (baseline)")
        stamp = time.time_ns()
        t0 = last = time.perf_counter()
        peak = base_rss
        observations = snap.observations
        for i in range(1, args.count + 1):
            path = files[i % len(files)]
            stamp += 1_000_000_000  # one second later each time: a new stamp, whatever the clock
            os.utime(path, ns=(stamp, stamp))
            snap = loader.load()
            if snap.observations != observations:
                raise SystemExit(
                    f"load {i}: {snap.observations} observations, expected {observations}"
                )
            if i % args.every == 0 or i == args.count:
                now = time.perf_counter()
                rss = rss_kib()
                peak = max(peak, rss)
                done = args.every if i % args.every == 0 else i % args.every
                print(
                    f"  {i:>7,} loads    RSS {mib(rss)}   {(rss - base_rss) / base_rss * 100:+6.1f} %"
                    f"   {(now - last) / done * 1000:6.1f} ms/load"
                )
                last = now
        total = time.perf_counter() - t0
        del snap
        gc.collect()
        end_rss = rss_kib()
    growth = (end_rss - base_rss) / base_rss * 100
    print(f"  end (after gc)   RSS {mib(end_rss)}   peak {mib(peak).strip()}")
    print(f"  growth from the baseline: {growth:+.1f} %  ({(end_rss - base_rss) / 1024:+.1f} MiB)")
    print(
        f"  {args.count:,} loads in {total:.1f} s ({total / max(1, args.count) * 1000:.1f} ms/load)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
