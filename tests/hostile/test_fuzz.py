"""Fuzzing the loaders: arbitrary bytes and mutated real files never raise.

* hypothesis: arbitrary bytes as a CSV or a TOML, demo files with bytes flipped, inserted and
  deleted and lines dropped, doubled and swapped, and [csv] options in every combination, fed
  to ``parse_file``, ``build_snapshot`` (the CLI's loader) and an in-memory ``Loader`` reloading
  (the dashboard's): always a Snapshot with findings, never an exception;
* 150 randomly mutated copies of the demo data set (fixed seeds) through ``kpitui check``
  in-process: exit 0 or 1, never a traceback or an "unexpected error";
* 10 of them through a real ``python -m kpitui check`` with a timeout: no hang.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpitui.cli import main
from kpitui.core import views
from kpitui.core.definitions import parse_file
from kpitui.core.load.loader import Loader, build_snapshot
from kpitui.core.snapshot import Snapshot

from .ptyutil import DEMO

FUZZ = settings(
    max_examples=50,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
TOMLS = ["kpitui.toml", "indicators.toml", "agencies.toml"]
CSVS = sorted(p.name for p in DEMO.glob("obs-*.csv"))
DEMO_BYTES = {name: (DEMO / name).read_bytes() for name in TOMLS + CSVS}
SPICE = [
    b'"',
    b",",
    b";",
    b"\t",
    b"\n",
    b"\r",
    b"\r\n",
    b"\x00",
    b"\xef\xbb\xbf",
    b"\xff",
    b"\xc3",
    b"%",
    b".",
    b"-",
    b"+",
    b"e",
    b"1e308",
    b"-0",
    b"nan",
    b"inf",
    b"9" * 40,
    b"=",
    b"[",
    b"]",
    b"[[",
    b"{",
    b"'",
    b"\\",
    b"\\u0000",
    b"#",
    b"2023-13",
    b"2023-Q5",
    b"0000-00-00",
    "\u0301".encode(),
    b"\x1b]52;c;X\x07",
    "\u202e".encode(),
    b" ",
    b"",
    b"indicator,agency,period,value",
]


@contextmanager
def folder_with(files: dict[str, bytes]) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="kpitui-fuzz-") as tmp:
        root = Path(tmp)
        for name, data in files.items():
            (root / name).write_bytes(data)
        yield root


def use(snap: Snapshot) -> None:
    """What the CLI and the dashboard do next with a snapshot: none of it may raise."""
    assert isinstance(snap, Snapshot)
    for f in snap.findings:
        line = f.format()
        assert "\x1b" not in line and "\u202e" not in line
    snap.summary_line()
    views.summary(snap)


# --------------------------------------------------------------------------- mutations

positions = st.integers(min_value=0, max_value=10**7)
mutation = st.one_of(
    st.tuples(st.just("flip"), positions, st.integers(1, 255)),
    st.tuples(
        st.just("insert"), positions, st.one_of(st.sampled_from(SPICE), st.binary(max_size=12))
    ),
    st.tuples(st.just("delete"), positions, st.integers(1, 64)),
    st.tuples(st.just("drop_line"), positions, st.just(0)),
    st.tuples(st.just("dup_line"), positions, st.just(0)),
    st.tuples(st.just("swap_lines"), positions, positions),
    st.tuples(st.just("truncate"), positions, st.just(0)),
)


def mutate(data: bytes, ops: list[tuple[str, int, object]]) -> bytes:
    buf = bytearray(data)
    for op, pos, arg in ops:
        n = len(buf)
        if op == "flip" and n:
            buf[pos % n] ^= int(arg)  # type: ignore[call-overload]
        elif op == "insert":
            i = pos % (n + 1)
            buf[i:i] = arg  # type: ignore[assignment]
        elif op == "delete" and n:
            i = pos % n
            del buf[i : i + int(arg)]  # type: ignore[call-overload]
        elif op in ("drop_line", "dup_line", "swap_lines"):
            lines = bytes(buf).split(b"\n")
            i = pos % len(lines)
            if op == "drop_line":
                del lines[i]
            elif op == "dup_line":
                lines.insert(i, lines[i])
            else:
                j = int(arg) % len(lines)  # type: ignore[call-overload]
                lines[i], lines[j] = lines[j], lines[i]
            buf = bytearray(b"\n".join(lines))
        elif op == "truncate" and n:
            del buf[pos % n :]
    return bytes(buf)


def random_ops(rng: random.Random, count: int) -> list[tuple[str, int, object]]:
    ops: list[tuple[str, int, object]] = []
    for _ in range(count):
        kind = rng.choice(
            [
                "flip",
                "insert",
                "delete",
                "drop_line",
                "dup_line",
                "swap_lines",
                "truncate",
                "insert",
            ]
        )
        pos = rng.randrange(10**7)
        arg: object = {
            "flip": rng.randrange(1, 256),
            "insert": rng.choice(SPICE)
            if rng.random() < 0.7
            else rng.randbytes(rng.randrange(1, 9)),
            "delete": rng.randrange(1, 65),
            "swap_lines": rng.randrange(10**7),
        }.get(kind, 0)
        if kind == "truncate" and rng.random() < 0.7:
            kind = "flip"  # truncation is drastic: keep it rarer
            arg = rng.randrange(1, 256)
        ops.append((kind, pos, arg))
    return ops


# --------------------------------------------------------------------------- hypothesis


@FUZZ
@given(st.binary(max_size=3000))
def test_arbitrary_bytes_as_a_csv(data: bytes) -> None:
    files = {name: DEMO_BYTES[name] for name in TOMLS}
    files["obs.csv"] = data
    with folder_with(files) as root:
        use(build_snapshot([str(root)]))


@FUZZ
@given(st.binary(max_size=3000))
def test_arbitrary_bytes_as_a_toml(data: bytes) -> None:
    with folder_with({"x.toml": data, "obs-2023-08.csv": DEMO_BYTES["obs-2023-08.csv"]}) as root:
        parsed = parse_file(str(root / "x.toml"))
        assert parsed.path.endswith("x.toml")
        parse_file(str(root / "x.toml"), data)
        use(build_snapshot([str(root)]))


@FUZZ
@given(
    st.sampled_from(TOMLS + CSVS[-2:]),
    st.lists(mutation, min_size=1, max_size=8),
)
def test_mutated_demo_files(name: str, ops: list[tuple[str, int, object]]) -> None:
    files = {n: DEMO_BYTES[n] for n in TOMLS + CSVS[-2:]}
    files[name] = mutate(files[name], ops)
    with folder_with(files) as root:
        if name.endswith(".toml"):
            parse_file(str(root / name))
        use(build_snapshot([str(root)]))


@FUZZ
@given(
    st.sampled_from([",", ";", "\\t", "|", ""]),
    st.sampled_from([".", ",", ""]),
    st.sampled_from(["", ".", ",", " "]),
    st.sampled_from(["utf-8", "cp1258", "utf-16", "latin-1"]),
    st.sampled_from(["utf-8", "utf-16", "cp1258", "utf-8-sig"]),
    st.lists(mutation, max_size=4),
)
def test_csv_options_in_every_combination(
    delimiter: str,
    decimal: str,
    thousands: str,
    encoding: str,
    written: str,
    ops: list[tuple[str, int, object]],
) -> None:
    """[csv] options (valid or not) against files written in another encoding and mutated."""
    options = (
        f'[csv]\ndelimiter = "{delimiter}"\ndecimal = "{decimal}"\n'
        f'thousands = "{thousands}"\nencoding = "{encoding}"\n'
    ).encode()
    text = DEMO_BYTES["obs-2023-08.csv"].decode("utf-8")
    if delimiter in (";", "\\t"):
        text = text.replace(",", ";" if delimiter == ";" else "\t")
    try:
        raw = text.encode(written)
    except UnicodeEncodeError:
        raw = text.encode(written, "replace")
    files = {n: DEMO_BYTES[n] for n in ("indicators.toml", "agencies.toml")}
    files["kpitui.toml"] = DEMO_BYTES["kpitui.toml"] + b"\n" + options
    files["obs.csv"] = mutate(raw, ops)
    with folder_with(files) as root:
        use(build_snapshot([str(root)]))


@settings(
    max_examples=20, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    st.lists(
        st.tuples(
            st.sampled_from([*CSVS[-2:], "agencies.toml"]),
            st.lists(mutation, min_size=1, max_size=5),
        ),
        min_size=1,
        max_size=4,
    )
)
def test_the_dashboards_loader_reloading_mutated_versions(
    steps: list[tuple[str, list[tuple[str, int, object]]]],
) -> None:
    """The in-memory loader of the dashboard, reloading one mutated version after another (and
    the original at the end): never raises; back on the original files, the figures are back."""
    files = {n: DEMO_BYTES[n] for n in TOMLS + CSVS[-2:]}
    with folder_with(files) as root:
        loader = Loader([str(root)], in_memory=True)
        first = loader.load()
        use(first)
        tick = time.time()
        for name, ops in steps:
            path = root / name
            path.write_bytes(mutate(DEMO_BYTES[name], ops))
            tick += 10
            os.utime(path, (tick, tick))  # a new stamp even within one clock tick
            use(loader.load())
        for name in {n for n, _ in steps}:
            (root / name).write_bytes(DEMO_BYTES[name])
            tick += 10
            os.utime(root / name, (tick, tick))
        last = loader.load()
        use(last)
        assert last.observations == first.observations
        assert (
            views.summary(last)
            .select("indicator", "value")
            .equals(views.summary(first).select("indicator", "value"))
        )


# --------------------------------------------------------------------------- kpitui check


def mutated_copy(seed: int, target: Path) -> Path:
    """A copy of the demo data set with 1-3 files mutated by 1-6 random edits (fixed seed)."""
    rng = random.Random(seed)
    shutil.copytree(DEMO, target, ignore=shutil.ignore_patterns("README.md"))
    names = sorted(p.name for p in target.iterdir())
    for name in rng.sample(names, rng.randint(1, 3)):
        path = target / name
        path.write_bytes(mutate(path.read_bytes(), random_ops(rng, rng.randint(1, 6))))
    return target


@pytest.mark.parametrize("seed", range(150))
def test_check_on_a_mutated_data_set(
    seed: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = mutated_copy(seed, tmp_path / "data")
    code = main(["check", str(folder)])
    out, err = capsys.readouterr()
    assert code in (0, 1), f"exit {code}\n{out}\n{err}"
    assert "Traceback" not in out + err
    assert "unexpected error" not in err, err
    lines = out.splitlines()
    assert lines and " indicator" in lines[-1] and " error" in lines[-1], lines[-1:]
    assert (code == 1) == any(": error: " in line for line in lines[:-1])
    assert "\x1b" not in out and "\u202e" not in out


def test_check_in_a_subprocess_never_hangs(tmp_path: Path) -> None:
    seeds = [1000 + i for i in range(10)]
    folders = [mutated_copy(seed, tmp_path / f"d{seed}") for seed in seeds]
    env = {k: v for k, v in os.environ.items() if k != "KPITUI_DEBUG"}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "kpitui", "check", str(folder)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        for folder in folders
    ]
    try:
        for seed, proc in zip(seeds, procs, strict=True):
            try:
                out, err = proc.communicate(timeout=60)
            except subprocess.TimeoutExpired:
                pytest.fail(f"seed {seed}: kpitui check hung for 60 s")
            text = (out + err).decode("utf-8", "replace")
            assert proc.returncode in (0, 1), f"seed {seed}: exit {proc.returncode}\n{text}"
            assert "Traceback" not in text and "unexpected error" not in text, text
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
