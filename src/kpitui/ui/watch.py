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
SUFFIXES = (".toml", ".csv")


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


def _stamp(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size)


def relevant(path: str) -> bool:
    name = os.path.basename(path)
    return name.lower().endswith(SUFFIXES) and not name.startswith(".")


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

    def _scan(self) -> dict[str, tuple[int, int] | None]:
        stamps: dict[str, tuple[int, int] | None] = {}
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

    def _emit(self, changed: set[str]) -> None:
        settle(changed, self.settle_seconds, stop=self._stop)
        if self._stop.is_set():
            return
        self._stamps = self._scan()
        self.on_change(changed)

    def _rescan(self) -> None:
        now = self._scan()
        if now != self._stamps:
            changed = {p for p in set(now) | set(self._stamps) if now.get(p) != self._stamps.get(p)}
            self._emit(changed)

    def _run(self) -> None:
        try:
            from watchfiles import watch
        except ImportError:  # pragma: no cover - watchfiles is a dependency
            self._poll_loop()
            return
        last_rescan = time.monotonic()
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
                elif time.monotonic() - last_rescan >= self.rescan_seconds:
                    self._rescan()
                    last_rescan = time.monotonic()
        except (OSError, RuntimeError):
            # The OS watcher failed (too many watches, a vanished folder): fall back to polling.
            self._poll_loop()

    def _poll_loop(self) -> None:
        while not self._stop.wait(self.poll_seconds):
            self._rescan()
