"""The loader's per-file states under the folder events that used to blank the dashboard or
keep stale figures (SPEC §7); the state machine in test_live_invariant.py covers sequences."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import polars as pl
import pytest
from tests.demo import copy_csv_demo

from kpitui.core import views
from kpitui.core.cache import PartialCache
from kpitui.core.load import version as version_module
from kpitui.core.load.loader import Loader, build_snapshot
from kpitui.core.snapshot import Snapshot

DEMO = Path(__file__).resolve().parents[2] / "data"


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    return copy_csv_demo(tmp_path / "data")


def figures(snap: Snapshot) -> pl.DataFrame:
    return views.summary(snap).select("indicator", "period", "value", "status")


def touch(path: Path, text: str, later_by: int) -> None:
    path.write_text(text, encoding="utf-8")
    st = os.stat(path)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + later_by))


def test_a_copied_file_is_set_aside_and_changes_nothing(demo: Path) -> None:
    loader = Loader([str(demo)], in_memory=True)
    before = figures(loader.load())
    shutil.copyfile(demo / "obs-2023-08.csv", demo / "obs-2023-08 (1).csv")
    touch(demo / "obs-2023-08 (1).csv", (demo / "obs-2023-08.csv").read_text("utf-8"), 10**9)
    snap = loader.load()
    assert figures(snap).equals(before)
    (copy,) = [f for f in snap.files if f.path.endswith("(1).csv")]
    assert copy.state == "error" and copy.line.endswith("obs-2023-08 (1).csv:2")
    dup = next(f for f in snap.findings if f.path.endswith("(1).csv"))
    assert "duplicate row for" in dup.message and "obs-2023-08.csv:2)" in dup.message
    assert figures(build_snapshot([str(demo)])).equals(before)  # the CLI agrees


def test_a_row_copied_into_an_older_file_sets_that_file_aside(demo: Path) -> None:
    loader = Loader([str(demo)], in_memory=True)
    before = loader.load()
    august = (demo / "obs-2023-08.csv").read_text("utf-8").splitlines()
    july = demo / "obs-2023-07.csv"
    touch(july, july.read_text("utf-8") + august[1] + "\n", 10**10)  # now the newest file
    live = loader.load()
    states = {Path(f.path).name: f.state for f in live.files if f.is_observations}
    assert states["obs-2023-07.csv"] == "stale" and states["obs-2023-08.csv"] == "ok"
    assert figures(live).equals(figures(before))  # July's last good version stays
    fresh = build_snapshot([str(demo)])
    assert {Path(f.path).name: f.state for f in fresh.files}["obs-2023-07.csv"] == "error"


def test_renaming_an_id_and_back_leaves_no_stale_error(demo: Path) -> None:
    loader = Loader([str(demo)], in_memory=True)
    before = figures(loader.load())
    toml = demo / "indicators.toml"
    good = toml.read_text("utf-8")
    toml.write_text(good.replace('id = "dd_kich_hoat"', 'id = "dd_kich_hoat_2"'), "utf-8")
    renamed = loader.load()
    assert any("unknown indicator 'dd_kich_hoat'" in f.message for f in renamed.findings)
    toml.write_text(good, "utf-8")
    back = loader.load()
    assert [f for f in back.findings if f.is_error] == []
    assert figures(back).equals(before)


def test_a_csv_option_change_reparses_every_file(tmp_path: Path) -> None:
    (tmp_path / "d.toml").write_text(
        '[csv]\ndelimiter = ";"\nthousands = "."\ndecimal = ","\n'
        '[[indicator]]\nid = "cnt"\nname = "c"\n',
        "utf-8",
    )
    (tmp_path / "o.csv").write_text("indicator;agency;period;value\ncnt;a;2023-08;4.000\n", "utf-8")
    loader = Loader([str(tmp_path)], in_memory=True)
    assert views.summary(loader.load())["value"].to_list() == [4000]
    (tmp_path / "d.toml").write_text(
        '[csv]\ndelimiter = ";"\n[[indicator]]\nid = "cnt"\nname = "c"\n', "utf-8"
    )
    assert views.summary(loader.load())["value"].to_list() == [4.0]


def test_a_long_note_is_judged_the_same_on_every_path(tmp_path: Path) -> None:
    (tmp_path / "d.toml").write_text('[[indicator]]\nid = "cnt"\nname = "c"\n', "utf-8")
    long = "n" * 5000
    (tmp_path / "a.csv").write_text(
        f"indicator,agency,period,value,note\ncnt,a,2023-08,1,{long}\n", "utf-8"
    )
    alone = build_snapshot([str(tmp_path)])
    (tmp_path / "b.csv").write_text("indicator,agency,period,value\ncnt,b,2023-08,x\n", "utf-8")
    with_other = build_snapshot([str(tmp_path)])
    verdict = [f.format() for f in alone.findings if f.path.endswith("a.csv")]
    assert verdict == [f.format() for f in with_other.findings if f.path.endswith("a.csv")]
    assert verdict == [f"{tmp_path}/a.csv:2: error: a field is longer than 4096 characters"]


def test_the_cache_never_stores_figures_under_a_later_stamp(
    demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A save that lands between the read of a file and the storing of its statistics."""
    cache = PartialCache(tmp_path / "cache")
    august = demo / "obs-2023-08.csv"
    original = august.read_text("utf-8")
    changed = original.replace(",4186,9610,", ",9000,9610,")
    real_partial = version_module.partial
    saved: list[bool] = []

    def partial_then_save(*args, **kwargs):  # type: ignore[no-untyped-def]
        out = real_partial(*args, **kwargs)
        if not saved:  # the colleague's save, while the first file is being read
            saved.append(True)
            touch(august, changed, 10**9)
        return out

    monkeypatch.setattr(version_module, "partial", partial_then_save)
    Loader([str(demo)], in_memory=True, cache=cache, keep_bytes=0).load()
    monkeypatch.setattr(version_module, "partial", real_partial)
    warm = Loader([str(demo)], in_memory=True, cache=cache, keep_bytes=0).load()
    assert figures(warm).equals(figures(build_snapshot([str(demo)])))
    row = views.breakdown(warm, "dd_kich_hoat", "ba_ria").filter(pl.col("agency") == "phuoc_hung")
    assert row["numerator"].to_list() == [9000]


def test_a_removed_file_is_reported_and_its_figures_go(demo: Path) -> None:
    loader = Loader([str(demo)], in_memory=True)
    loader.load()
    (demo / "obs-2023-08.csv").unlink()
    snap = loader.load()
    assert snap.removed == (str(demo / "obs-2023-08.csv"),)
    assert "2023-08" not in snap.period_list()
    assert figures(snap).equals(figures(build_snapshot([str(demo)])))


def test_a_vanished_folder_keeps_the_last_figures(demo: Path, tmp_path: Path) -> None:
    loader = Loader([str(demo)], in_memory=True)
    before = figures(loader.load())
    shutil.move(demo, tmp_path / "elsewhere")
    gone = loader.load()
    assert gone.unavailable and figures(gone).equals(before)
    assert any("not found" in f.message for f in gone.findings if f.is_error)
    shutil.move(tmp_path / "elsewhere", demo)
    back = loader.load()
    assert not back.unavailable and figures(back).equals(before)


def test_a_broken_large_file_keeps_its_rows_not_the_disk(demo: Path) -> None:
    loader = Loader([str(demo)], in_memory=True, keep_bytes=0)
    loader.load()
    august = demo / "obs-2023-08.csv"
    touch(august, august.read_text("utf-8").replace(",4186,9610,", ',1,9610,\n"oops'), 10**9)
    snap = loader.load()
    row = views.breakdown(snap, "dd_kich_hoat", "ba_ria").filter(pl.col("agency") == "phuoc_hung")
    assert row["numerator"].to_list() == [4186]
    assert {Path(f.path).name: f.state for f in snap.files}["obs-2023-08.csv"] == "stale"
    loader.close()
    assert loader.store is None


def test_a_reported_total_in_a_wide_tree_is_not_a_duplicate(tmp_path: Path) -> None:
    """More than 256 leaves under one parent: the duplicate check reads the parent's bitmap
    words, and a row of the parent itself is not one of its leaves."""
    agencies = '[[agency]]\nid = "p"\nname = "p"\n[[agency]]\nid = "w"\nname = "w"\nparent = "p"\n'
    agencies += "".join(
        f'[[agency]]\nid = "l{i}"\nname = "l{i}"\nparent = "w"\n' for i in range(300)
    )
    (tmp_path / "d.toml").write_text('[[indicator]]\nid = "cnt"\nname = "c"\n' + agencies)
    (tmp_path / "o.csv").write_text(
        "indicator,agency,period,value\ncnt,w,2024-01,5\ncnt,l1,2024-01,2\ncnt,l299,2024-01,3\n"
    )
    snap = build_snapshot([str(tmp_path)])
    assert snap.findings == () and snap.observations == 3
    (tmp_path / "o.csv").write_text(
        "indicator,agency,period,value\ncnt,w,2024-01,5\ncnt,l299,2024-01,2\ncnt,l299,2024-01,3\n"
    )
    (dup,) = build_snapshot([str(tmp_path)]).findings
    assert dup.line == 4 and dup.message.startswith("duplicate row for 'cnt' at 'l299'")


@pytest.mark.parametrize("keep_bytes", [0, 8 * 1024**2])
def test_sound_files_are_judged_by_the_statistics_pass_alone(demo: Path, keep_bytes: int) -> None:
    """The careful read is for files with problems: a sound CSV file never costs it (a silent
    fall-back to it would make national-scale loads ten times slower). Workbooks are read
    carefully only, by design."""
    loader = Loader([str(demo)], in_memory=True, keep_bytes=keep_bytes)
    snap = loader.load()
    assert snap.errors == 0
    states = loader._states.values()
    assert states and all(
        s.current is not None and not s.current.evaluate(_context(snap)).careful for s in states
    )
    loader.close()


def _context(snap: Snapshot):  # type: ignore[no-untyped-def]
    from kpitui.core.load.version import Context

    return Context.of(snap.definitions)
