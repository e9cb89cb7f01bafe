"""Benchmark reading observation workbooks: kpitui's reader against the readers it could use,
and against polars reading the same data as CSV (the floor).

Generates, on the fly, long tables of 10 columns (the 7 canonical ones and 3 ignored) with
ROWS rows, as .xlsx (xlsxwriter, as Excel writes: shared strings, numeric cells) and as CSV.
Then reads each file in a fresh process and prints wall time (median of --repeat runs), the
time per million cells, and the peak memory (max RSS) of the process:

  csv         polars.read_csv(file)                                   the floor
  fastexcel   fastexcel.read_excel(file).load_sheet(0).to_polars()    calamine, Arrow columns
  calamine    python_calamine ... .to_python()                        calamine, typed cells
  openpyxl    openpyxl.load_workbook(read_only=True) values           pure Python
  kpitui      kpitui.core.workbook.read_workbook(file)                the whole reader

Usage:

    python bench/bench_workbook.py [--cells 10000,100000,1000000] [--repeat 3]
                                   [--readers csv,fastexcel,calamine,openpyxl,kpitui]
                                   [--big]   # also a ~50 MB workbook (10.3 million cells)
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COLUMNS = 10
HEADER = [
    "indicator",
    "agency",
    "period",
    "value",
    "numerator",
    "denominator",
    "note",
    "stt",
    "ten_don_vi",
    "ghi_chu_2",
]

READERS = {
    # name: (imports, not timed; the read, timed)
    "csv": ("import polars as pl", "pl.read_csv(PATH)"),
    "fastexcel": ("import fastexcel", "fastexcel.read_excel(PATH).load_sheet(0).to_polars()"),
    "calamine": (
        "import python_calamine as pc",
        "pc.CalamineWorkbook.from_path(PATH).get_sheet_by_index(0).to_python()",
    ),
    "openpyxl": (
        "import openpyxl",
        "wb = openpyxl.load_workbook(PATH, read_only=True, data_only=True)\n"
        "for row in wb.worksheets[0].iter_rows(values_only=True): pass",
    ),
    "kpitui": (
        "from kpitui.core.model import CsvOptions\nfrom kpitui.core.workbook import read_workbook",
        "t = read_workbook(PATH, CsvOptions())\n"
        "assert t.frame.height == ROWS, (t.frame.height, t.findings[:3])",
    ),
}
"""Each reader gets every cell of the sheet (kpitui: the 7 canonical columns, typed)."""


def generate(folder: Path, rows: int) -> tuple[Path, Path]:
    """Write obs-<rows>.xlsx and obs-<rows>.csv with the same cells."""
    import random

    import polars as pl
    import xlsxwriter

    rnd = random.Random(rows)
    data = {
        "indicator": [f"ind_{r % 100:03d}" for r in range(rows)],
        "agency": [f"p{r % 34:02d}c{r % 98:03d}" for r in range(rows)],
        "period": [f"2024-{1 + r % 12:02d}" for r in range(rows)],
        "value": [round(rnd.random() * 100, 2) for _ in range(rows)],
        "numerator": [float(rnd.randint(0, 1000)) for _ in range(rows)],
        "denominator": [1000.0] * rows,
        "note": ["ghi chú" if r % 7 == 0 else None for r in range(rows)],
        "stt": [float(r + 1) for r in range(rows)],
        "ten_don_vi": [f"Xã {r % 98}" for r in range(rows)],
        "ghi_chu_2": ["" for _ in range(rows)],
    }
    xlsx = folder / f"obs-{rows}.xlsx"
    book = xlsxwriter.Workbook(str(xlsx), {"constant_memory": True})
    ws = book.add_worksheet("BC thang")
    ws.write_row(0, 0, HEADER)
    columns = [data[h] for h in HEADER]
    for r in range(rows):
        for c, col in enumerate(columns):
            value = col[r]
            if value is None or value == "":
                continue
            if isinstance(value, float):
                ws.write_number(r + 1, c, value)
            else:
                ws.write_string(r + 1, c, value)
    book.close()
    csv = folder / f"obs-{rows}.csv"
    pl.DataFrame(data).write_csv(csv)
    return xlsx, csv


def run(reader: str, path: Path, rows: int) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds, peak RSS in MiB) of one read in a fresh process.

    CPU time (user + system) is the steadier figure on a shared machine; the peak is the
    process's high-water mark (VmHWM), imports included.
    """
    setup, code = READERS[reader]
    code = code.replace("PATH", repr(str(path))).replace("ROWS", str(rows))
    script = (
        "import resource, time\n"
        f"{setup}\n"
        "r0 = resource.getrusage(resource.RUSAGE_SELF)\n"
        "t0 = time.perf_counter()\n"
        f"{code}\n"
        "wall = time.perf_counter() - t0\n"
        "r1 = resource.getrusage(resource.RUSAGE_SELF)\n"
        "cpu = r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime\n"
        "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1]\n"
        "print(wall, cpu, hwm)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    if out.returncode != 0:
        raise SystemExit(f"{reader} failed on {path}:\n{out.stderr}")
    wall, cpu, hwm_kib = out.stdout.split()
    return float(wall), float(cpu), int(hwm_kib) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", default="10000,100000,1000000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--readers", default=",".join(READERS))
    parser.add_argument("--big", action="store_true", help="also a ~50 MB workbook")
    parser.add_argument("--keep", metavar="DIR", help="write the files here and keep them")
    args = parser.parse_args()
    sizes = [int(c) for c in args.cells.split(",") if c]
    if args.big:
        sizes.append(10_300_000)  # about 50 MB of xlsx
    readers = args.readers.split(",")
    folder = Path(args.keep or tempfile.mkdtemp(prefix="kpitui-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cpus, load {os.getloadavg()[0]:.1f}")
    print(
        f"{'cells':>10} {'xlsx MB':>8} {'reader':>10} {'wall s':>8} {'cpu s':>8} "
        f"{'cpu s/M':>8} {'x csv':>7} {'peak MiB':>9}"
    )
    for cells in sizes:
        rows = cells // COLUMNS
        t0 = time.perf_counter()
        xlsx, csv = generate(folder, rows)
        made = time.perf_counter() - t0
        size = xlsx.stat().st_size / 1e6
        floor = None
        for reader in readers:
            if reader == "openpyxl" and cells > 2_000_000:
                continue  # minutes; its rate is known from the smaller files
            path = csv if reader == "csv" else xlsx
            runs = [run(reader, path, rows) for _ in range(args.repeat)]
            wall = statistics.median(r[0] for r in runs)
            cpu = statistics.median(r[1] for r in runs)
            peak = max(r[2] for r in runs)
            if reader == "csv":
                floor = cpu
            ratio = f"{cpu / floor:7.1f}" if floor else f"{'':>7}"
            print(
                f"{cells:>10} {size:>8.1f} {reader:>10} {wall:>8.3f} {cpu:>8.3f} "
                f"{cpu / cells * 1e6:>8.3f} {ratio} {peak:>9.0f}",
                flush=True,
            )
        print(f"{'':>10} (generated in {made:.1f} s; {folder})")
    if not args.keep:
        for p in folder.iterdir():
            p.unlink()
        folder.rmdir()


if __name__ == "__main__":
    main()
