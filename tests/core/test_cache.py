"""The dashboard's on-disk cache of per-file statistics: hits give the same figures, any
change to the file or the definitions misses."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import polars as pl
from polars.testing import assert_frame_equal
from tests.demo import copy_csv_demo

from kpitui.core import views
from kpitui.core.cache import PartialCache
from kpitui.core.load.loader import Loader

DEMO = Path(__file__).resolve().parents[2] / "data"


def _load(folder: Path, cache: Path) -> tuple[Loader, pl.DataFrame]:
    loader = Loader([str(folder)], in_memory=True, cache=PartialCache(cache), keep_bytes=0)
    return loader, views.summary(loader.load())


def test_a_warm_start_gives_the_same_figures(tmp_path: Path) -> None:
    folder = copy_csv_demo(tmp_path / "data")
    _, cold = _load(folder, tmp_path / "cache")
    entries = list((tmp_path / "cache").glob("*.parquet"))
    assert len(entries) == 8  # one per monthly file (statistics of CSV and parquet files)
    _, warm = _load(folder, tmp_path / "cache")
    assert_frame_equal(cold, warm)
    assert len(list((tmp_path / "cache").glob("*.parquet"))) == 8


def test_a_changed_file_misses_the_cache(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    shutil.copytree(DEMO, folder)
    _load(folder, tmp_path / "cache")
    august = folder / "obs-2023-08.csv"
    text = august.read_text(encoding="utf-8").replace(
        "dd_muc2_cbcc,cong_an,2023-08,", "dd_muc2_cbcc,cong_an,2023-08,1"
    )
    assert text != august.read_text(encoding="utf-8")
    august.write_text(text, encoding="utf-8")
    os.utime(august, ns=(1, 1))  # even with an old modification time: the size changed
    _, after = _load(folder, tmp_path / "cache")
    fresh = views.summary(Loader([str(folder)]).load())
    assert_frame_equal(after, fresh)


def test_a_broken_cache_entry_is_ignored(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    shutil.copytree(DEMO, folder)
    _, cold = _load(folder, tmp_path / "cache")
    for entry in (tmp_path / "cache").glob("*.parquet"):
        entry.write_bytes(b"not parquet")
    _, again = _load(folder, tmp_path / "cache")
    assert_frame_equal(cold, again)


def test_no_cache_folder_means_no_cache(tmp_path: Path) -> None:
    cache = PartialCache(None)
    stamp = (1, 2, 3)
    assert cache.get(str(DEMO / "obs-2023-08.csv"), stamp, "k") is None
    cache.put(str(DEMO / "obs-2023-08.csv"), stamp, "k", pl.DataFrame({"a": [1]}))
