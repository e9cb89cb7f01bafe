"""The demo data set as every test of the loader knows it: all observation files as CSV.

The shipped demo (``data/``) holds July as a workbook and part of August as a wide form
(``tests/data/demo_workbooks.py`` made them from ``tests/data/demo_source/``); tests that
edit, break or copy the demo's files work on this all-CSV copy, whose figures are the same.
"""

from __future__ import annotations

import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "data"
SOURCE = Path(__file__).resolve().parent / "data" / "demo_source"


def copy_csv_demo(target: Path) -> Path:
    shutil.copytree(DATA, target, ignore=shutil.ignore_patterns("README.md", "*.xlsx"))
    for path in SOURCE.glob("*.csv"):
        shutil.copyfile(path, target / path.name)
    return target


def csv_demo_bytes() -> dict[str, bytes]:
    """Name -> bytes of the TOML and CSV files of the all-CSV demo."""
    out = {p.name: p.read_bytes() for p in DATA.glob("*") if p.suffix in (".toml", ".csv")}
    out.update({p.name: p.read_bytes() for p in SOURCE.glob("*.csv")})
    return out
