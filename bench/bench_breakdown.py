"""Benchmark a breakdown over many siblings against a bare polars floor (SPEC §9, issue #10).

Generates, on the fly (nothing is committed), one province with N communes directly below
it, two indicators (a ratio reported as numerator/denominator, a count with a ``[[target]]``
at every tenth commune), 24 months over two years (so every commune has a same period last
year), and one commune in fifty dissolved into its neighbour at mid-2025 (hidden children,
SPEC §9.5). Then, for each N, in this process:

  load       build_snapshot (for reference; not the breakdown)
  floor      bare polars on the same rows in memory: per commune the value of the current
             period, of the previous one and of last year, attainment, rank — one group_by
  children   views.breakdown(snap, "r")                  (the dashboard's breakdown)
  subtree    views.breakdown(snap, "r", subtree=True)    (what show and export compute)
  show       report.breakdown_rows on the subtree frame  (kpitui show --indicator)
  csv        export.make_table + render csv               (kpitui export --indicator)

and prints the best of --repeat runs of each (the least disturbed by other work on the
machine), and children/floor. A linear breakdown keeps
children/floor about constant as N grows. Usage:

    python bench/bench_breakdown.py [--sizes 5000 20000 50000] [--repeat 3] [--cpu]

``--cpu`` measures processor time instead of wall time (with ``POLARS_MAX_THREADS=1``, a
figure that other work on a busy machine does not disturb).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

MONTHS = [f"{y}-{m:02d}" for y in (2024, 2025) for m in range(1, 13)]


def generate(folder: Path, n: int) -> None:
    """defs.toml and obs.csv for n communes under one province."""
    import polars as pl

    ids = [f"x{i:05d}" for i in range(n)]
    gone = {ids[i]: ids[i + 1] for i in range(0, n - 1, 50)}
    lines = [
        '[dashboard]\ntitle = "Breakdown benchmark"\ndeadline = "2025-12-31"\n',
        '[[indicator]]\nid = "r"\nname = "Rate"\nunit = "%"\ntarget = 60\n',
        '[[indicator]]\nid = "s"\nname = "Count"\ntarget = 1000000\n',
        '[[agency]]\nid = "p"\nname = "Province"\n',
    ]
    for a in ids:
        ending = f'until = "2025-06-30"\nsuccessor = "{gone[a]}"\n' if a in gone else ""
        lines.append(f'[[agency]]\nid = "{a}"\nname = "Commune {a}"\nparent = "p"\n{ending}')
    for i in range(0, n, 10):
        if ids[i] not in gone:
            lines.append(f'[[target]]\nindicator = "s"\nagency = "{ids[i]}"\ntarget = {500 + i}\n')
    (folder / "defs.toml").write_text("\n".join(lines), encoding="utf-8")
    frame = pl.DataFrame({"agency": ids}).join(pl.DataFrame({"period": MONTHS}), how="cross")
    # A dissolved commune reports up to June 2025 only.
    frame = frame.filter(~pl.col("agency").is_in(list(gone)) | (pl.col("period") <= "2025-06"))
    # Pseudo-random counts from a hash of the row number: reproducible, no numpy.
    row = pl.int_range(pl.len(), dtype=pl.UInt64)
    frame = frame.with_columns(
        _den=(row.hash(7) % 9900 + 100).cast(pl.Int64),
        _u=(row.hash(11) % 1000).cast(pl.Int64),
    ).with_columns(_num=pl.col("_den") * pl.col("_u") // 1000)
    ratio = frame.with_columns(
        indicator=pl.lit("r"),
        value=pl.lit(None, pl.Float64),
        numerator=pl.col("_num"),
        denominator=pl.col("_den"),
    )
    count = frame.with_columns(
        indicator=pl.lit("s"),
        value=pl.col("_num").cast(pl.Float64),
        numerator=pl.lit(None, pl.Int64),
        denominator=pl.lit(None, pl.Int64),
    )
    cols = ["indicator", "agency", "period", "value", "numerator", "denominator"]
    pl.concat([ratio.select(cols), count.select(cols)]).write_csv(folder / "obs.csv")


def floor(raw: Any) -> Any:
    """The least any breakdown must do: per commune, this period's, last period's and last
    year's figures of one indicator, attainment and a rank."""
    import polars as pl

    cur, prev, ly = MONTHS[-1], MONTHS[-2], MONTHS[-13]
    value = 100 * pl.col("numerator") / pl.col("denominator")
    return (
        raw.filter(pl.col("indicator") == "r")
        .group_by("agency")
        .agg(
            value.filter(pl.col("period") == cur).first().alias("value"),
            value.filter(pl.col("period") == prev).first().alias("previous"),
            value.filter(pl.col("period") == ly).first().alias("last_year"),
        )
        .with_columns(attainment=pl.col("value") / 60)
        .with_columns(rank=pl.col("attainment").rank("min", descending=True))
        .sort("agency")
        .collect()
    )


CLOCK = time.perf_counter


def timed(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = CLOCK()
        fn()
        times.append(CLOCK() - start)
    return min(times)


def measure(n: int, repeat: int) -> list[float]:
    """load, floor, children, subtree, show, csv for n siblings."""
    from kpitui import report
    from kpitui.core import export, views
    from kpitui.core.load.loader import build_snapshot

    folder = Path(tempfile.mkdtemp(prefix="kpitui-bench-breakdown-"))
    try:
        generate(folder, n)
        start = CLOCK()
        snap = build_snapshot([str(folder)])
        load = CLOCK() - start
        assert snap.errors == 0, [f.format() for f in snap.findings[:3]]
        raw = snap.raw.collect().lazy()
        frame = views.breakdown(snap, "r", subtree=True)

        def csv() -> None:
            table = export.make_table(snap, "breakdown", frame, "vi", indicator="r")
            export.render(table, "csv")

        return [
            load,
            timed(lambda: floor(raw), repeat),
            timed(lambda: views.breakdown(snap, "r"), repeat),
            timed(lambda: views.breakdown(snap, "r", subtree=True), repeat),
            timed(lambda: report.breakdown_rows(snap, frame, "vi"), repeat),
            timed(csv, repeat),
        ]
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[5000, 20000, 50000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cpu", action="store_true", help="processor time, not wall time")
    args = parser.parse_args(argv)
    global CLOCK
    CLOCK = time.process_time if args.cpu else time.perf_counter
    print(
        f"{'siblings':>9} {'load':>8} {'floor':>8} {'children':>9} {'subtree':>8} "
        f"{'show':>8} {'csv':>8} {'children/floor':>15}"
    )
    for n in args.sizes:
        load, bare, children, subtree, show, to_csv = measure(n, args.repeat)
        print(
            f"{n:>9} {load:>7.2f}s {bare:>7.3f}s {children:>8.3f}s {subtree:>7.3f}s "
            f"{show:>7.3f}s {to_csv:>7.3f}s {children / bare:>14.1f}x",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
