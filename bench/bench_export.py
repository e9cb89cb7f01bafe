"""Benchmark `kpitui export` against the fastest bare-polars aggregation of the same file.

Generates a national-scale data set on the fly (nothing is committed): 1 root, 34 provinces
x 98 communes, 100 indicators, 36 months = 11 995 200 observation rows reported by the
communes, in one CSV. Then runs, each in a fresh process and measured in the same run:

  polars in-memory   scan_csv(file) + group_by(indicator, period) sums, collect()
  polars streaming   the same with collect(engine="streaming")
  export             kpitui export DIR --format csv --output FILE   (the whole command)
  check              kpitui check DIR

The floor is the faster of the two polars runs: the fastest honest bare-polars equivalent of
what kpitui computes (one read, one group-by). The number columns are declared Float64, as
a user who knows the file would (polars infers String for a column whose first rows are
empty, and then cannot sum it). Prints wall and CPU time (median of --repeat runs, fresh
processes, interleaved) and peak memory (max RSS) of each, and export / floor. Usage:

    python bench/bench_export.py [--provinces 34] [--communes 98] [--indicators 100]
                                 [--months 36] [--repeat 3] [--keep DIR]
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
from pathlib import Path

BARE = """
import sys, polars as pl
numbers = {"value": pl.Float64, "numerator": pl.Float64, "denominator": pl.Float64}
pl.scan_csv(sys.argv[1], schema_overrides=numbers).group_by("indicator", "period").agg(
    pl.col("value").sum(), pl.col("numerator").sum(), pl.col("denominator").sum()
).collect(engine=sys.argv[2])
"""


def generate(folder: Path, provinces: int, communes: int, indicators: int, months: int) -> int:
    """Write agencies.toml, indicators.toml and obs.csv; return the number of rows."""
    import numpy as np
    import polars as pl

    lines = ['[dashboard]\ntitle = "National benchmark"\ndeadline = "2026-12-31"\n']
    for i in range(indicators):
        unit = "%" if i % 4 else ""
        lines.append(
            f'[[indicator]]\nid = "ind_{i:03d}"\nname = "Indicator {i}"\n'
            + (f'unit = "%"\ntarget = {50 + i % 50}\n' if unit else f"target = {1000 * (i + 1)}\n")
        )
    (folder / "indicators.toml").write_text("\n".join(lines), encoding="utf-8")
    agencies = ['[[agency]]\nid = "vn"\nname = "Việt Nam"\n']
    for p in range(provinces):
        agencies.append(f'[[agency]]\nid = "p{p:02d}"\nname = "Tỉnh {p}"\nparent = "vn"\n')
        for c in range(communes):
            agencies.append(
                f'[[agency]]\nid = "p{p:02d}c{c:03d}"\nname = "Xã {p}-{c}"\nparent = "p{p:02d}"\n'
            )
    (folder / "agencies.toml").write_text("\n".join(agencies), encoding="utf-8")

    ids = pl.DataFrame({"indicator": [f"ind_{i:03d}" for i in range(indicators)]})
    ags = pl.DataFrame(
        {"agency": [f"p{p:02d}c{c:03d}" for p in range(provinces) for c in range(communes)]}
    )
    pers = pl.DataFrame({"period": [f"{2024 + m // 12}-{m % 12 + 1:02d}" for m in range(months)]})
    frame = ids.join(ags, how="cross").join(pers, how="cross")
    rng = np.random.default_rng(7)
    den = rng.integers(100, 10_000, frame.height)
    num = (den * rng.random(frame.height)).astype(np.int64)
    # Percentages are reported as numerator/denominator, counts as a value.
    is_count = pl.col("indicator").str.slice(4).cast(pl.Int32) % 4 == 0
    frame = frame.with_columns(
        value=pl.when(is_count).then(pl.Series(num)),
        numerator=pl.when(~is_count).then(pl.Series(num)),
        denominator=pl.when(~is_count).then(pl.Series(den)),
    )
    frame.write_csv(folder / "obs.csv")
    return frame.height


def _generate_in_child(folder: Path, args: argparse.Namespace) -> int:
    """Generate in a child process: a forked child's peak RSS counts its parent's pages, so
    the parent stays small for the measurements that follow."""
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); import bench_export as b; "
        "print(b.generate(b.Path(sys.argv[2]), *map(int, sys.argv[3:7])))"
    )
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            code,
            str(Path(__file__).parent),
            str(folder),
            str(args.provinces),
            str(args.communes),
            str(args.indicators),
            str(args.months),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return int(out.stdout.strip())


def run(cmd: list[str]) -> tuple[float, int, float]:
    """(wall seconds, peak RSS in MiB, CPU seconds) of one command in a fresh process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        err = proc.stderr.read().decode() if proc.stderr else ""
        raise SystemExit(f"command failed ({proc.returncode}): {' '.join(cmd)}\n{err}")
    return elapsed, usage.ru_maxrss // 1024, usage.ru_utime + usage.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--provinces", type=int, default=34)
    ap.add_argument("--communes", type=int, default=98)
    ap.add_argument("--indicators", type=int, default=100)
    ap.add_argument("--months", type=int, default=36)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--keep", metavar="DIR", help="generate into DIR and keep it")
    args = ap.parse_args()

    root = Path(args.keep or tempfile.mkdtemp(prefix="kpitui-bench-"))
    folder = root / "data"
    folder.mkdir(parents=True, exist_ok=True)
    try:
        t0 = time.perf_counter()
        rows = _generate_in_child(folder, args)
        size = (folder / "obs.csv").stat().st_size
        print(
            f"data: {rows:,} rows, {size / 2**20:,.0f} MiB CSV, "
            f"{args.provinces * args.communes + args.provinces + 1} agencies, "
            f"generated in {time.perf_counter() - t0:.1f} s"
        )
        out = root / "export.csv"
        obs = str(folder / "obs.csv")
        commands = {
            "polars in-memory": [sys.executable, "-c", BARE, obs, "in-memory"],
            "polars streaming": [sys.executable, "-c", BARE, obs, "streaming"],
            "kpitui export": [
                sys.executable,
                "-m",
                "kpitui",
                "export",
                str(folder),
                "--format",
                "csv",
                "--output",
                str(out),
                "--force",
            ],
            "kpitui check": [sys.executable, "-m", "kpitui", "check", str(folder)],
        }
        results: dict[str, list[tuple[float, int, float]]] = {k: [] for k in commands}
        env_cache = tempfile.mkdtemp(prefix="kpitui-bench-cache-")
        os.environ["XDG_CACHE_HOME"] = env_cache  # no warm on-disk cache for anyone
        for _ in range(args.repeat):
            for name, cmd in commands.items():  # interleaved, so drift hits all alike
                results[name].append(run(cmd))
        print(
            f"{'command':<18}{'median s':>10}{'min s':>8}{'max s':>8}{'cpu s':>8}{'peak MiB':>10}"
        )
        medians = {}
        for name, runs in results.items():
            times = [r[0] for r in runs]
            medians[name] = statistics.median(times)
            cpu = statistics.median(r[2] for r in runs)
            peak = max(r[1] for r in runs)
            print(
                f"{name:<18}{medians[name]:>10.2f}{min(times):>8.2f}{max(times):>8.2f}"
                f"{cpu:>8.2f}{peak:>10,}"
            )
        floor = min(medians["polars in-memory"], medians["polars streaming"])
        ratio = medians["kpitui export"] / floor
        print(f"export / floor: {ratio:.2f}x  (goal <= 1.5x, aim 1.3x; peak goal <= 600 MiB)")
        shutil.rmtree(env_cache, ignore_errors=True)
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
