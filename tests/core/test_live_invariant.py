"""SPEC §7, the live-load invariant, checked by a stateful property test.

A hypothesis state machine drives the dashboard's loader (``Loader(in_memory=True)``)
through random sequences of folder events — add, replace by rename, append in place,
truncate, break a number, break quoting, fix, delete, copy as ``x (1).csv``, rename an id in
the TOML, break and fix the TOML, make a file unreadable — on small files and on files above
the in-memory threshold, and after every step compares the live snapshot with an oracle. One
commune is dissolved into another (SPEC §9.5): its rows after its end break a file.

The oracle never looks at the live loader. It is built from *fresh* loads (the one-shot
loader of ``kpitui export``) of a scratch folder holding, for every file, its current
content, or — where a fresh load says that content is broken or set aside — the last content
the oracle itself saw in effect (a file never seen good is left out). That is the invariant:
the dashboard shows exactly what ``export`` computes, except that each file broken now keeps
its last good version in effect; and every such file is named with its first problem.

``KPITUI_SOAK_EXAMPLES=n`` runs n examples (the CI runs a few dozen).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import polars as pl
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    initialize,
    invariant,
    rule,
)
from polars.testing import assert_frame_equal

from kpitui.core import views
from kpitui.core.load.loader import Loader, build_snapshot
from kpitui.core.snapshot import Snapshot

EXAMPLES = int(os.environ.get("KPITUI_SOAK_EXAMPLES", "15"))
STEPS = int(os.environ.get("KPITUI_SOAK_STEPS", "15"))
STATS = {"steps": 0, "examples": 0, "broken": 0, "stale": 0, "conflicts": 0}

DEFS = """\
[dashboard]
title = "live"
deadline = "2023-12-31"

[[indicator]]
id = "{cnt}"
name = "count"
target = 100

[[indicator]]
id = "dd"
name = "rate"
unit = "%"
target = 50

[[agency]]
id = "p"
name = "Province"
[[agency]]
id = "d1"
name = "District 1"
parent = "p"
[[agency]]
id = "d2"
name = "District 2"
parent = "p"
[[agency]]
id = "c0"
name = "Commune 0, merged into Commune 1 at the end of February"
parent = "d1"
until = "2023-02-28"
successor = "c1"
{leaves}
"""
LEAVES = ["c1", "c2", "c3", "c4", "c5"]
PARENT = {"c1": "d1", "c2": "d1", "c3": "d2", "c4": "d2", "c5": "d2"}
PERIODS = ["2023-01", "2023-02", "2023-03", "2023-04"]
HEADER = "indicator,agency,period,value,numerator,denominator,note\n"
NAMES = ["obs-a.csv", "obs-b.csv", "obs-c.csv", "obs-d.csv"]


def defs_text(cnt: str = "cnt", broken: bool = False) -> str:
    leaves = "".join(
        f'[[agency]]\nid = "{c}"\nname = "Commune {c}"\nparent = "{PARENT[c]}"\n' for c in LEAVES
    )
    text = DEFS.format(cnt=cnt, leaves=leaves)
    return text.replace("target = 50", "target = = 50") if broken else text


def row(indicator: str, agency: str, period: str, n: int) -> str:
    if indicator == "dd":
        return f"dd,{agency},{period},,{n},{n + 10},\n"
    return f"cnt,{agency},{period},{n},,,\n"


keys = st.tuples(
    st.sampled_from(["cnt", "dd"]),
    # d1: a reported total; c0: dissolved (its rows of March and April are errors)
    st.sampled_from(["d1", "c0", *LEAVES]),
    st.sampled_from(PERIODS),
)
contents = st.lists(
    st.tuples(keys, st.integers(0, 900)), min_size=1, max_size=8, unique_by=lambda r: r[0]
).map(lambda rows: HEADER + "".join(row(i, a, p, n) for (i, a, p), n in rows))


class LiveFolder(RuleBasedStateMachine):
    """The data folder, the live loader on it, and the oracle's memory of good versions."""

    files = Bundle("files")

    def __init__(self) -> None:
        super().__init__()
        self.root = Path(tempfile.mkdtemp(prefix="kpitui-live-"))
        self.folder = self.root / "data"
        self.folder.mkdir()
        self.clock = 1_700_000_000_000_000_000
        self.good: dict[str, tuple[bytes, int]] = {}
        """The oracle's last good version of each file: its bytes and modification time."""
        self.good_toml: bytes | None = None
        self.loader: Loader | None = None
        self.steps = 0

    # -- writing, with a clock that moves (distinct, increasing modification times)

    def _tick(self) -> int:
        self.clock += 7_000_000
        return self.clock

    def _write(self, name: str, data: bytes, rename: bool = False) -> None:
        path = self.folder / name
        if rename:
            tmp = self.folder / f".{name}.tmp"
            tmp.write_bytes(data)
            stamp = self._tick()
            os.utime(tmp, ns=(stamp, stamp))
            os.replace(tmp, path)
        else:
            with open(path, "r+b" if path.exists() else "wb") as fh:
                fh.seek(0)
                fh.write(data)
                fh.truncate()
            stamp = self._tick()
            os.utime(path, ns=(stamp, stamp))

    @initialize(target=files, first=contents, second=contents, big=st.booleans())
    def start(self, first: str, second: str, big: bool) -> object:
        self._write("defs.toml", defs_text().encode())
        self._write(NAMES[0], first.encode())
        self._write(NAMES[1], second.encode())
        # keep_bytes=0: every file is "large" (a private copy, rows re-read lazily).
        self.loader = Loader([str(self.folder)], in_memory=True, keep_bytes=0 if big else 1 << 20)
        STATS["examples"] += 1
        return NAMES[0]

    def teardown(self) -> None:
        if self.loader is not None:
            self.loader.close()
        shutil.rmtree(self.root, ignore_errors=True)

    def _present(self) -> list[str]:
        return sorted(p.name for p in self.folder.glob("*.csv"))

    # -- events

    @rule(target=files, name=st.sampled_from(NAMES), data=contents)
    def add_or_replace(self, name: str, data: str) -> str:
        self._write(name, data.encode(), rename=True)
        return name

    @rule(name=files, data=contents)
    def append_in_place(self, name: str, data: str) -> None:
        path = self.folder / name
        if path.exists():
            with open(path, "ab") as fh:
                fh.write(data.split("\n", 1)[1].encode())
            stamp = self._tick()
            os.utime(path, ns=(stamp, stamp))

    @rule(name=files, keep=st.integers(0, 200))
    def truncate(self, name: str, keep: int) -> None:
        path = self.folder / name
        if path.exists():
            self._write(name, path.read_bytes()[:keep])

    @rule(name=files, how=st.sampled_from(["number", "quote", "bytes", "period", "id"]))
    def break_file(self, name: str, how: str) -> None:
        path = self.folder / name
        if not path.exists():
            return
        lines = path.read_bytes().split(b"\n")
        if len(lines) < 2 or not lines[1]:
            return
        bad = {
            "number": lines[1].replace(b",", b",12a", 1) if b",," in lines[1] else lines[1] + b"x",
            "quote": b'"' + lines[1],
            "bytes": lines[1] + b"\xff\xfe",
            "period": lines[1].replace(b"2023-", b"2023-1", 1),
            "id": b"zz" + lines[1],
        }[how]
        lines[1] = bad
        self._write(name, b"\n".join(lines))

    @rule(name=consumes(files))
    def delete(self, name: str) -> None:
        path = self.folder / name
        if path.exists():
            path.unlink()

    @rule(target=files, name=files)
    def copy_as_duplicate(self, name: str) -> str:
        path = self.folder / name
        copy = f"{Path(name).stem} (1).csv"
        if path.exists():
            shutil.copyfile(path, self.folder / copy)
            stamp = self._tick()
            os.utime(self.folder / copy, ns=(stamp, stamp))
        return copy

    @rule(how=st.sampled_from(["rename_id", "restore", "break", "fix"]))
    def change_definitions(self, how: str) -> None:
        text = {
            "rename_id": defs_text(cnt="cnt2"),
            "restore": defs_text(),
            "break": defs_text(broken=True),
            "fix": defs_text(),
        }[how]
        self._write("defs.toml", text.encode(), rename=how in ("rename_id", "fix"))

    # -- the invariant

    def _oracle(self) -> tuple[Snapshot, dict[str, str]]:
        """What export computes on the versions in effect, and each file's expected state:
        "ok" (its current version is in effect), "stale" (its last good one) or "error"."""
        scratch = Path(tempfile.mkdtemp(prefix="kpitui-oracle-", dir=self.root))
        try:
            toml = (self.folder / "defs.toml").read_bytes()
            alone = scratch / "toml-alone"
            alone.mkdir()
            (alone / "defs.toml").write_bytes(toml)
            if any(f.is_error for f in build_snapshot([str(alone)]).findings if f.line):
                assert self.good_toml is not None
                toml = self.good_toml
            else:
                self.good_toml = toml
            current: dict[str, tuple[bytes, int]] = {}
            for name in self._present():
                path = self.folder / name
                current[name] = (path.read_bytes(), os.stat(path).st_mtime_ns)
            # A file broken on its own offers its last good version instead (if any) ...
            chosen: dict[str, tuple[bytes, int]] = {}
            for name, version in current.items():
                if _sound_alone(scratch / f"alone-{name}", toml, name, version):
                    chosen[name] = version
                elif name in self.good:
                    chosen[name] = self.good[name]
            # ... then what export computes on those versions; a version set aside for
            # repeating rows of an older one falls back to its last good version, or is left
            # out, and export runs again, until nothing is set aside.
            rounds = 0
            while True:
                rounds += 1
                folder = scratch / f"round{rounds}"
                folder.mkdir()
                (folder / "defs.toml").write_bytes(toml)
                for name, (data, mtime) in chosen.items():
                    (folder / name).write_bytes(data)
                    os.utime(folder / name, ns=(mtime, mtime))
                snap = build_snapshot([str(folder)])
                broken = [
                    Path(f.path).name for f in snap.files if f.is_observations and f.state != "ok"
                ]
                if not broken:
                    break
                STATS["conflicts"] += 1
                for name in broken:
                    good = self.good.get(name)
                    if (
                        chosen[name] == current.get(name)
                        and good is not None
                        and good != chosen[name]
                    ):
                        chosen[name] = good
                    else:
                        del chosen[name]
            self.good.update(chosen)
            for name in list(self.good):
                if name not in current:
                    del self.good[name]  # a file that is gone has no last good version
            states = {
                name: "ok"
                if chosen.get(name) == version
                else "stale"
                if name in chosen
                else "error"
                for name, version in current.items()
            }
            return snap, states
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    @invariant()
    def live_equals_fresh(self) -> None:
        if self.loader is None:
            return
        self.steps += 1
        STATS["steps"] += 1
        live = self.loader.load()
        expected, states = self._oracle()
        assert _figures(live) == _figures(expected)
        assert_frame_equal(_table(live), _table(expected))
        # Every file whose current version is not in effect is named, with its first problem.
        live_states = {Path(f.path).name: f for f in live.files if f.is_observations}
        assert {name: info.state for name, info in live_states.items()} == states
        for name, state in states.items():
            if state != "ok":
                STATS["broken"] += 1
                STATS["stale"] += state == "stale"
                assert live_states[name].line, (name, live_states[name])


def _sound_alone(folder: Path, toml: bytes, name: str, version: tuple[bytes, int]) -> bool:
    """Whether export finds no error in one file version, alone with the definitions."""
    folder.mkdir()
    (folder / "defs.toml").write_bytes(toml)
    (folder / name).write_bytes(version[0])
    snap = build_snapshot([str(folder)])
    return all(f.state == "ok" for f in snap.files)


def _figures(snap: Snapshot) -> tuple[object, ...]:
    return (
        [i.id for i in snap.definitions.indicators],
        snap.tree.ids,
        snap.observations,
        snap.period_list(),
    )


def _table(snap: Snapshot) -> pl.DataFrame:
    frame = views.table(snap, None, list(snap.tree.ids))
    return frame.select(
        "indicator",
        "agency",
        "period",
        "value",
        "numerator",
        "denominator",
        "reported",
        "status",
        "previous_period",
        "change",
        "history",
        "missing_reporters",
        "target",
        "shortfall",
    ).sort("indicator", "agency")


LiveFolder.TestCase.settings = settings(
    max_examples=EXAMPLES,
    stateful_step_count=STEPS,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
TestLiveFolder = LiveFolder.TestCase


def test_report_soak_figures() -> None:
    """Prints what the state machine ran (visible with -s; the issue note quotes it)."""
    print(f"\nlive invariant: {STATS}")
