"""Exports for people and `kpitui show` on large breakdowns, and the cost of file hashes.

Part 1 builds a breakdown export table of N agencies on the fly (a synthetic view frame with
the machine columns of SPEC §5.2: one root, N children, values, fractions, notes) and times,
for N and 10 x N agencies:

  floor    polars write_csv of the same frame (no Python per row), a bare Python loop over
           its rows (iter_rows: the least a per-row formatter costs), json.dumps of its rows,
           and polars write_excel of the frame to one sheet (the xlsx export writes two: the
           view and `data`)
  csv json md html xlsx    export.render(table, fmt)
  show     report.breakdown_rows + report.plain (what `kpitui show --indicator` prints)

Each time should grow about 10 x from N to 10 x N (linear); a quadratic step grows 100 x.

Part 2 writes M MiB of input files and renders a json export (which lists the files with
their SHA-256) three times: the first hashes every file, the next ones find the digests in
the cache (one stat per file). The floor is hashlib.sha256 over the same bytes.

Usage:  python bench/bench_documents.py [--agencies 5000] [--hash-mib 64] [--repeat 3]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import polars as pl

from kpitui import report
from kpitui.core import export
from kpitui.core.export import hashing
from kpitui.core.export.table import BREAKDOWN_COLUMNS, ExportTable, Names
from kpitui.core.snapshot import FileInfo


def breakdown_frame(n: int) -> pl.DataFrame:
    """The root ``p`` and ``n`` children, as ``make_table`` returns them."""
    ids = ["p", *(f"a{i:06d}" for i in range(n))]
    num = [float(sum(range(n)))] + [float(i) for i in range(n)]
    den = [float(n * n)] + [float(n)] * n
    value = [100 * a / b for a, b in zip(num, den, strict=True)]
    frame = pl.DataFrame(
        {
            "agency": ids,
            "agency_name": ["Tỉnh"] + [f"Xã số {i}" for i in range(n)],
            "parent": [None, *(["p"] * n)],
            "period": ["2024-06"] * (n + 1),
            "value": value,
            "numerator": num,
            "denominator": den,
            "target": [50.0] * (n + 1),
            "attainment": [v / 50 for v in value],
            "status": ["met" if v >= 50 else "near" if v >= 40 else "behind" for v in value],
            "expected": [None] * (n + 1),
            "on_track": [None] * (n + 1),
            "projected": [None] * (n + 1),
            "missing_reporters": [0] * (n + 1),
            "indicator": ["x"] * (n + 1),
            "depth": [0] + [1] * n,
            "previous_period": ["2024-05"] * (n + 1),
            "change": [0.5] * (n + 1),
            "note": [None] + [("ghi chú" if i % 10 == 0 else None) for i in range(n)],
        },
        schema_overrides={c: pl.Float64 for c in ("expected", "projected")},
    )
    return frame.select(BREAKDOWN_COLUMNS)


def table_of(frame: pl.DataFrame, files: tuple[FileInfo, ...] = ()) -> ExportTable:
    return ExportTable(
        "breakdown",
        frame,
        "Bench",
        "vi",
        {"view": "breakdown", "indicator": "x", "generated_at": "2024-07-01T08:00:00+07:00"},
        {"x": "%"},
        Names(indicators={"x": "Tỷ lệ"}),
        files,
    )


def timed(fn: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def part_rows(n: int, repeat: int) -> None:
    print(f"breakdown of N agencies (median of {repeat}); seconds")
    sizes = (n, 10 * n)
    results: dict[str, list[float]] = {}
    for size in sizes:
        frame = breakdown_frame(size)
        table = table_of(frame)
        runs: dict[str, Callable[[], Any]] = {
            "floor write_csv": lambda f=frame: f.write_csv(),
            "floor iter_rows": lambda f=frame: sum(1 for _ in f.iter_rows(named=True)),
            "floor write_excel": lambda f=frame: f.write_excel(io.BytesIO()),
            "floor json.dumps": lambda f=frame: json.dumps(
                list(f.iter_rows(named=True)), ensure_ascii=False, indent=2
            ),
        }
        for fmt in ("csv", "json", "md", "html", "xlsx"):
            runs[fmt] = lambda t=table, f=fmt: export.render(t, f)
        view = frame.with_columns(unit=pl.lit("%"))  # the view frame `show` reads has the unit
        runs["show"] = lambda f=view: report.plain(*report.breakdown_rows(_Snap, f, "vi")[:2])
        for name, fn in runs.items():
            results.setdefault(name, []).append(timed(fn, repeat))
    print(f"{'':<18}" + "".join(f"{f'N={s:,}':>12}" for s in sizes) + f"{'ratio':>8}")
    for name, (small, large) in results.items():
        print(f"{name:<18}{small:>12.3f}{large:>12.3f}{large / small:>8.1f}")


_Snap = SimpleNamespace(tree=SimpleNamespace(names={}))
"""``report.breakdown_rows`` reads only ``snap.tree.names`` (the ids stand for the names)."""


def part_hashes(mib: int) -> None:
    with tempfile.TemporaryDirectory(prefix="kpitui-hash-") as tmp:
        files = []
        chunk = os.urandom(1 << 20)
        for i in range(4):
            path = Path(tmp) / f"obs-{i}.csv"
            with open(path, "wb") as fh:
                for _ in range(max(1, mib // 4)):
                    fh.write(chunk)
            st = path.stat()
            files.append(FileInfo(str(path), "observations", st.st_size, st.st_mtime))
        table = table_of(breakdown_frame(10), tuple(files))
        start = time.perf_counter()
        for f in files:
            hashlib.sha256(Path(f.path).read_bytes()).hexdigest()
        floor = time.perf_counter() - start
        print(f"\n{len(files)} input files, {sum(f.size for f in files) / 2**20:,.0f} MiB")
        print(f"{'floor hashlib once':<24}{floor:>8.3f} s")
        for i in range(3):
            before = hashing.cache_info()[1]
            start = time.perf_counter()
            export.render(table, "json")
            took = time.perf_counter() - start
            read = hashing.cache_info()[1] - before
            print(f"{f'json export #{i + 1}':<24}{took:>8.3f} s  files read: {read}")
        start = time.perf_counter()
        export.render(table, "csv")
        print(f"{'csv export':<24}{time.perf_counter() - start:>8.3f} s  (never hashes)")


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--agencies", type=int, default=5000)
    ap.add_argument("--hash-mib", type=int, default=64)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    part_rows(args.agencies, args.repeat)
    part_hashes(args.hash_mib)


if __name__ == "__main__":
    main()
