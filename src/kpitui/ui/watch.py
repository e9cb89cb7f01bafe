"""Watching the data folders: OS events (or polling), a settle delay, and an mtime rescan.

Editors save by writing a new file and renaming it over the old one, so the *folders* are
watched (not the files). A changed file is handed on only once it has stopped changing
(same size and modification time for ``settle`` seconds), so a slow writer never yields a
half-written table. Network file systems (NFS, CIFS, sshfs...) get no reliable events: they
are detected from ``/proc/mounts`` and polled. A periodic rescan of modification times
catches anything the events missed.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Callable, Iterable, Sequence

from kpitui.core.load.files import is_data_name, observation_kind

NETWORK_FS = {
    "nfs",
    "nfs4",
    "cifs",
    "smbfs",
    "smb3",
    "fuse.sshfs",
    "sshfs",
    "9p",
    "afs",
    "ceph",
    "glusterfs",
    "fuse.glusterfs",
    "fuse.rclone",
    "davfs",
    "fuse.davfs2",
}
INCOMPLETE_WINDOW = 2.0
"""A file modified this recently that does not look finished (a CSV without its last line
end, a workbook without its zip directory) is given more time to settle."""
MIN_POLL, MAX_POLL = 0.1, 3600.0


def filesystem_type(path: str, mounts: str = "/proc/mounts") -> str | None:
    """The type of the file system that holds ``path`` (longest matching mount point)."""
    try:
        with open(mounts, encoding="utf-8", errors="replace") as fh:
            entries = [line.split() for line in fh]
    except OSError:
        return None
    real = os.path.realpath(path)
    best, fstype = "", None
    for entry in entries:
        if len(entry) < 3:
            continue
        # /proc/mounts writes space, tab, newline and backslash as octal escapes.
        point = re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), entry[1])
        if (real == point or real.startswith(point.rstrip("/") + "/")) and len(point) >= len(best):
            best, fstype = point, entry[2]
    return fstype


def needs_polling(paths: Iterable[str], mounts: str = "/proc/mounts") -> bool:
    return any(filesystem_type(p, mounts) in NETWORK_FS for p in paths)


def _stamp(path: str) -> tuple[int, int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def relevant(path: str) -> bool:
    return is_data_name(os.path.basename(path))


def looks_incomplete(path: str, now: float | None = None) -> bool:
    """A file that was just written and does not look finished: a CSV whose last line has
    no line end yet, a workbook or parquet file without its closing directory/footer."""
    try:
        st = os.stat(path)
        if st.st_size == 0 or (now or time.time()) - st.st_mtime > INCOMPLETE_WINDOW:
            return False
        with open(path, "rb") as fh:
            fh.seek(max(0, st.st_size - 65536))
            tail = fh.read()
    except OSError:
        return False
    kind = observation_kind(path)
    if kind == "csv":
        return not tail.endswith((b"\n", b"\r"))
    if kind == "workbook" and path.lower().endswith((".xlsx", ".xlsm", ".ods")):
        return b"PK\x05\x06" not in tail  # the zip's end of central directory
    if kind == "parquet":
        return not tail.endswith(b"PAR1")
    return False


def check_poll(seconds: float) -> float:
    """A polling interval the watcher can keep (raises ValueError with the reason)."""
    if not (seconds == seconds) or seconds in (float("inf"), float("-inf")):
        raise ValueError("--poll must be a number of seconds")
    if not MIN_POLL <= seconds <= MAX_POLL:
        raise ValueError(f"--poll must be between {MIN_POLL:g} and {MAX_POLL:g} seconds")
    return seconds


def settle(
    paths: Iterable[str], quiet: float, timeout: float = 10.0, stop: threading.Event | None = None
) -> None:
    """Return once no file in ``paths`` has changed for ``quiet`` seconds (or after ``timeout``)."""
    paths = list(paths)
    last = {p: _stamp(p) for p in paths}
    calm_since = time.monotonic()
    deadline = calm_since + timeout
    while time.monotonic() < deadline:
        if stop is not None and stop.wait(min(0.05, quiet)):
            return
        if stop is None:
            time.sleep(min(0.05, quiet))
        now = {p: _stamp(p) for p in paths}
        if now != last:
            last = now
            calm_since = time.monotonic()
        elif time.monotonic() - calm_since >= quiet:
            return


class Watcher:
    """Calls ``on_change(paths)`` (from a thread) when data files change and have settled."""

    def __init__(
        self,
        paths: Sequence[str],
        on_change: Callable[[set[str]], None],
        poll: float | None = None,
        settle_seconds: float = 0.25,
        rescan_seconds: float = 15.0,
    ) -> None:
        self.paths = [os.path.abspath(p) for p in paths]
        self.folders = sorted({p if os.path.isdir(p) else os.path.dirname(p) for p in self.paths})
        self.files = {p for p in self.paths if not os.path.isdir(p)}
        self.dirs = {p for p in self.paths if os.path.isdir(p)}
        self.on_change = on_change
        self.polling = poll is not None or needs_polling(self.folders)
        self.poll_seconds = poll if poll is not None else 2.0
        self.settle_seconds = settle_seconds
        self.rescan_seconds = rescan_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._stamps = self._scan()

    def _wanted(self, path: str) -> bool:
        """A data file given by name, or a data file directly inside a given folder."""
        path = os.path.abspath(path)
        return relevant(path) and (path in self.files or os.path.dirname(path) in self.dirs)

    def _scan(self) -> dict[str, tuple[int, int, int] | None]:
        stamps: dict[str, tuple[int, int, int] | None] = {}
        for folder in self.folders:
            try:
                names = os.listdir(folder)
            except OSError:
                continue
            for name in names:
                full = os.path.join(folder, name)
                if self._wanted(full):
                    stamps[full] = _stamp(full)
        for f in self.files:
            stamps[f] = _stamp(f)
        return stamps

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="kpitui-watch", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 1.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def alive(self) -> bool:
        """Whether changes are still being watched (the thread did not die)."""
        return self._thread is None or self._thread.is_alive() or self._stop.is_set()

    def _emit(self, changed: set[str]) -> None:
        settle(changed, self.settle_seconds, stop=self._stop)
        deadline = time.monotonic() + 10.0
        while (
            not self._stop.is_set()
            and time.monotonic() < deadline
            and any(looks_incomplete(p) for p in changed)
        ):
            settle(changed, max(self.settle_seconds, 0.5), stop=self._stop)
        if self._stop.is_set():
            return
        self._stamps = self._scan()
        self.on_change(changed)

    def _folders_state(self) -> dict[str, int | None]:
        """The identity (inode) of each watched folder; None when it is missing."""
        out: dict[str, int | None] = {}
        for folder in self.folders:
            try:
                st = os.stat(folder)
                out[folder] = st.st_ino if os.path.isdir(folder) else None
            except OSError:
                out[folder] = None
        return out

    def _rescan(self) -> None:
        now = self._scan()
        if now != self._stamps:
            changed = {p for p in set(now) | set(self._stamps) if now.get(p) != self._stamps.get(p)}
            self._emit(changed)

    def _run(self) -> None:
        """Watch until stopped; start again when a watched folder vanishes or is replaced
        (an OS watch dies with its folder), polling quickly while one is missing."""
        while not self._stop.is_set():
            folders = self._folders_state()
            if any(v is None for v in folders.values()):
                self._rescan()
                while not self._stop.wait(0.5):
                    if self._folders_state() != folders:
                        break
                self._rescan()
                continue
            self._watch(folders)

    def _watch(self, folders: dict[str, int | None]) -> None:
        try:
            from watchfiles import watch
        except ImportError:  # pragma: no cover - watchfiles is a dependency
            self._poll_loop()
            return
        last_rescan = time.monotonic()
        first = True
        try:
            for changes in watch(
                *self.folders,
                watch_filter=lambda _change, path: self._wanted(path),
                stop_event=self._stop,
                recursive=False,
                force_polling=self.polling,
                poll_delay_ms=int(self.poll_seconds * 1000),
                debounce=200,
                step=50,
                rust_timeout=1000,
                yield_on_timeout=True,
                raise_interrupt=False,
            ):
                if self._stop.is_set():
                    return
                changed = {path for _change, path in changes}
                if changed:
                    self._emit(changed)
                    last_rescan = time.monotonic()
                elif first or time.monotonic() - last_rescan >= self.rescan_seconds:
                    # The first time round, the watch is in place: what changed while it was
                    # being set up (since the watcher was made) is found by a rescan.
                    self._rescan()
                    last_rescan = time.monotonic()
                first = False
                if self._folders_state() != folders:
                    self._rescan()
                    return  # a folder vanished or was replaced: watch again
        except (OSError, RuntimeError):
            # The OS watcher failed (too many watches, a vanished folder): poll a while.
            if not self._stop.wait(self.poll_seconds):
                self._rescan()

    def _poll_loop(self) -> None:  # pragma: no cover - without watchfiles
        while not self._stop.wait(self.poll_seconds):
            self._rescan()
