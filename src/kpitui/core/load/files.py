"""The files of a data set: which ones, their stamps, and a consistent copy of each one read.

A *stamp* (modification time, size, inode) is taken before a file is read and again after;
a read whose stamps differ is thrown away and done again, so what was read is exactly the
file at that stamp (a save landing in the middle of a read can never be taken for it).

What was read is kept as the file's :class:`Content`: its bytes (files up to
``keep_bytes``) or, for larger files in the live dashboard, a private copy in a
:class:`Store` (a copy of 400 MB takes about 0.1 s from the page cache, far less than parsing
it). Every figure of a file version is computed from its content, never from the file on disk,
so a file that is saved broken later still has its last good version intact.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat as stat_module
import tempfile
import time
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from kpitui.core import findings as fnd
from kpitui.core.findings import Finding

Stamp = tuple[int, int, int]
"""(modification time in ns, size, inode) of a file."""

DEFINITION_SUFFIXES = (".toml",)
OBSERVATION_KINDS = {
    ".csv": "csv",
    ".parquet": "parquet",
    ".xlsx": "workbook",
    ".xlsm": "workbook",
    ".ods": "workbook",
    ".xls": "workbook",
}
"""File name endings (lower case) of observation files, and how each is read."""

KEEP_BYTES = 8 * 1024**2
"""Files up to this size are read into memory whole; larger ones are copied (live) or
streamed from disk (one-shot commands)."""
MAX_FILE_BYTES = 2 * 1024**3
"""A larger observation file is refused (a clear message beats running out of memory)."""
READ_ATTEMPTS = 4


def stamp(path: str) -> Stamp | None:
    """The stamp of a regular file, or None (missing, a folder, a FIFO, a device...)."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    if not stat_module.S_ISREG(st.st_mode):
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def observation_kind(path: str) -> str | None:
    """How an observation file is read, from its name; None when it is not one."""
    name = os.path.basename(path).lower()
    for suffix, kind in OBSERVATION_KINDS.items():
        if name.endswith(suffix):
            return kind
    return None


def is_data_name(name: str) -> bool:
    """A name kpitui reads in a folder: not hidden, not an Office lock file (``~$x.xlsx``)."""
    if name.startswith((".", "~$")):
        return False
    lower = name.lower()
    return lower.endswith(DEFINITION_SUFFIXES) or observation_kind(lower) is not None


# --------------------------------------------------------------------------- discovery


@dataclass(frozen=True)
class Discovery:
    """The files of a data set, in a stable order (folders by name, then files as given)."""

    definitions: tuple[str, ...]
    observations: tuple[str, ...]
    problems: tuple[Finding, ...]
    unavailable: tuple[str, ...] = ()
    """Given paths that are gone (deleted, moved) or are no longer what they were."""


def _describe(mode: int) -> str:
    if stat_module.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat_module.S_ISCHR(mode) or stat_module.S_ISBLK(mode):
        return "a device"
    if stat_module.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def discover(paths: Sequence[str]) -> Discovery:
    """The TOML and observation files of the given folders and files.

    Never opens a file (a FIFO would block): only names and ``stat``.
    """
    tomls: list[str] = []
    observations: list[str] = []
    problems: list[Finding] = []
    unavailable: list[str] = []
    for given in paths:
        try:
            st = os.stat(given)
        except (OSError, ValueError):
            problems.append(fnd.error(given, 0, "no such file or folder (moved or deleted?)"))
            unavailable.append(given)
            continue
        if stat_module.S_ISDIR(st.st_mode):
            try:
                names = sorted(os.listdir(given))
            except OSError as exc:
                problems.append(fnd.error(given, 0, f"cannot list folder: {exc.strerror or exc}"))
                unavailable.append(given)
                continue
            before = len(tomls) + len(observations)
            for name in names:
                if not is_data_name(name):
                    continue
                full = os.path.join(given, name)
                try:
                    mode = os.stat(full).st_mode
                except (OSError, ValueError):
                    continue  # vanished between listdir and stat
                if stat_module.S_ISDIR(mode):
                    continue
                if not stat_module.S_ISREG(mode):
                    problems.append(
                        fnd.warning(full, 0, f"{_describe(mode)}, not a data file: skipped")
                    )
                    continue
                (tomls if name.lower().endswith(DEFINITION_SUFFIXES) else observations).append(full)
            if len(tomls) + len(observations) == before:
                problems.append(fnd.error(given, 0, "no .toml or observation file in this folder"))
        elif stat_module.S_ISREG(st.st_mode):
            lower = given.lower()
            if lower.endswith(DEFINITION_SUFFIXES):
                tomls.append(given)
            elif observation_kind(lower) is not None:
                observations.append(given)
            else:
                problems.append(
                    fnd.error(given, 0, "not a data file (.toml, .csv, .parquet, .xlsx, .ods)")
                )
        else:
            problems.append(fnd.error(given, 0, f"{_describe(st.st_mode)}, not a data file"))
    return Discovery(
        tuple(_unique(tomls)), tuple(_unique(observations)), tuple(problems), tuple(unavailable)
    )


def _unique(items: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for item in items:
        key = os.path.realpath(item)
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


# --------------------------------------------------------------------------- content


@dataclass(frozen=True, eq=False)
class Content:
    """What was read of one file at one stamp: its bytes, a private copy, or (one-shot
    commands, large files) the file itself."""

    path: str
    stamp: Stamp
    data: bytes | None = None
    copy: str | None = None

    def source(self) -> str | bytes:
        """What a reader reads: the bytes, else an absolute file name (never something a
        reader could take for a URL or a glob)."""
        if self.data is not None:
            return self.data
        return os.path.abspath(self.copy or self.path)

    def head(self, size: int = 1 << 16) -> bytes:
        if self.data is not None:
            return self.data[:size]
        with open(self.copy or self.path, "rb") as fh:
            return fh.read(size)

    def read(self) -> bytes:
        if self.data is not None:
            return self.data
        with open(self.copy or self.path, "rb") as fh:
            return fh.read()

    @property
    def size(self) -> int:
        return self.stamp[1]


class ReadFailure(Exception):
    """A file that cannot be read now; carries the finding that says why."""

    def __init__(self, finding: Finding) -> None:
        super().__init__(finding.format())
        self.finding = finding


class Store:
    """A private folder of copies of large files. A copy lives as long as the
    :class:`Content` that holds it (a snapshot keeps the contents of its rows alive); the
    folder is removed when the store is closed."""

    PREFIX = "kpitui-store-"

    def __init__(self, base: Path | None = None) -> None:
        parent = base if base is not None and _writable(base) else None
        self.folder = Path(tempfile.mkdtemp(prefix=f"{self.PREFIX}{os.getpid()}-", dir=parent))
        _remove_orphans(self.folder.parent)

    def copy(self, path: str) -> str:
        fd, name = tempfile.mkstemp(prefix="v-", dir=self.folder)
        os.close(fd)
        try:
            shutil.copyfile(path, name)
        except BaseException:
            self.drop(name)
            raise
        return name

    def drop(self, name: str | None) -> None:
        if name and os.path.dirname(name) == str(self.folder):
            with contextlib.suppress(OSError):
                os.unlink(name)

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def _remove_orphans(parent: Path) -> None:
    """Remove the stores of kpitui processes that ended without closing theirs."""
    try:
        names = os.listdir(parent)
    except OSError:
        return
    for name in names:
        if not name.startswith(Store.PREFIX):
            continue
        pid = name[len(Store.PREFIX) :].split("-", 1)[0]
        if not pid.isdigit() or _alive(int(pid)):
            continue
        shutil.rmtree(parent / name, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _writable(folder: Path) -> bool:
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError:
        return False
    return os.access(folder, os.W_OK)


def capture(path: str, keep_bytes: int = KEEP_BYTES, store: Store | None = None) -> Content:
    """Read a consistent version of a file (stamp before = stamp after).

    Raises :class:`ReadFailure` when the file is gone, not a regular file, too large,
    unreadable, or keeps changing while it is read (it is being written: read it later).
    """
    for attempt in range(READ_ATTEMPTS):
        before = stamp(path)
        if before is None:
            raise ReadFailure(_gone(path))
        if before[1] > MAX_FILE_BYTES:
            raise ReadFailure(
                fnd.error(path, 0, f"file is larger than {MAX_FILE_BYTES // 2**30} GiB; split it")
            )
        try:
            if before[1] <= keep_bytes:
                with open(path, "rb") as fh:
                    data = fh.read(keep_bytes + 1)
                content = Content(path, before, data=data)
            elif store is not None:
                content = Content(path, before, copy=store.copy(path))
                weakref.finalize(content, store.drop, content.copy)
            else:
                content = Content(path, before)
        except OSError as exc:
            raise ReadFailure(
                fnd.error(path, 0, f"cannot read file: {exc.strerror or exc}")
            ) from None
        after = stamp(path)
        same = after == before and (content.data is None or len(content.data) == before[1])
        if same:
            return content
        if store is not None:
            store.drop(content.copy)
        time.sleep(0.05 * (attempt + 1))
    raise ReadFailure(
        fnd.error(path, 0, "the file kept changing while it was read (is it still being saved?)")
    )


def _gone(path: str) -> Finding:
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return fnd.error(path, 0, "file not found (removed or renamed?)")
    return fnd.error(path, 0, f"{_describe(mode)}, not a data file")
