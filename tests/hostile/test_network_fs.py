"""Network file systems and missed events: mount detection, --poll, the periodic rescan."""

from __future__ import annotations

import functools
import os
import threading
import time
from pathlib import Path

import pytest

from kpitui.ui import watch
from kpitui.ui.watch import Watcher, filesystem_type, needs_polling

MOUNTS = """\
/dev/sda1 / ext4 rw,relatime 0 0
proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0
tmpfs /tmp tmpfs rw,nosuid,nodev 0 0
nas:/export/kpi /srv/nfs nfs4 rw,relatime,vers=4.2 0 0
nas:/export/old /srv/nfs3 nfs rw,relatime,vers=3 0 0
//fileserver/reports /srv/smb cifs rw,relatime,vers=3.0 0 0
//fileserver/local /srv/smb/local ext4 rw 0 0
user@host:/data /srv/ssh fuse.sshfs rw,nosuid,nodev 0 0
nas:/export/space /srv/with\\040space nfs4 rw 0 0
"""


@pytest.fixture
def mounts(tmp_path: Path) -> str:
    path = tmp_path / "mounts"
    path.write_text(MOUNTS, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    ("path", "fstype"),
    [
        ("/srv/nfs", "nfs4"),
        ("/srv/nfs/data/obs.csv", "nfs4"),
        ("/srv/nfs3/data", "nfs"),  # not under /srv/nfs: a prefix is not a parent
        ("/srv/nfsx/data", "ext4"),
        ("/srv/smb/reports", "cifs"),
        ("/srv/smb/local/data", "ext4"),  # the longest mount point wins
        ("/srv/ssh/kpi", "fuse.sshfs"),
        ("/srv/with space/kpi", "nfs4"),  # \040 in /proc/mounts is a space
        ("/home/user/data", "ext4"),
        ("/tmp/x", "tmpfs"),
    ],
)
def test_filesystem_type_from_a_mounts_file(mounts: str, path: str, fstype: str) -> None:
    assert filesystem_type(path, mounts=mounts) == fstype


def test_needs_polling(mounts: str) -> None:
    assert needs_polling(["/srv/nfs/data"], mounts=mounts)
    assert needs_polling(["/srv/smb/x"], mounts=mounts)
    assert needs_polling(["/srv/ssh/x"], mounts=mounts)
    assert needs_polling(["/home/u/data", "/srv/ssh/x"], mounts=mounts)  # any of them
    assert not needs_polling(["/home/u/data", "/srv/smb/local/x"], mounts=mounts)
    assert not needs_polling([], mounts=mounts)


def test_an_unreadable_or_garbled_mounts_file_means_no_polling(tmp_path: Path) -> None:
    missing = str(tmp_path / "nope")
    assert filesystem_type("/srv/nfs", mounts=missing) is None
    assert not needs_polling(["/srv/nfs"], mounts=missing)
    garbled = tmp_path / "garbled"
    garbled.write_bytes(b"\xff\xfe\x00 half\n\n/only-two fields\n\x00\x01\x02\n   \n")
    assert filesystem_type("/srv/nfs", mounts=str(garbled)) is None  # never raises
    assert not needs_polling(["/srv/nfs"], mounts=str(garbled))


def test_other_octal_escapes_in_mount_points(tmp_path: Path) -> None:
    path = tmp_path / "mounts"
    path.write_text(
        "/dev/sda1 / ext4 rw 0 0\nnas:/a /srv/tab\\011dir nfs4 rw 0 0\nnas:/b /srv/back\\134slash cifs rw 0 0\n",
        encoding="utf-8",
    )
    assert filesystem_type("/srv/tab\tdir/x", mounts=str(path)) == "nfs4"
    assert filesystem_type("/srv/back\\slash/x", mounts=str(path)) == "cifs"


def test_a_network_folder_makes_the_watcher_poll(
    monkeypatch: pytest.MonkeyPatch, mounts: str, tmp_path: Path
) -> None:
    """The Watcher asks needs_polling() about its folders: on NFS it polls (every 2 s)."""
    monkeypatch.setattr(watch, "needs_polling", functools.partial(needs_polling, mounts=mounts))
    w = Watcher(["/srv/nfs/kpi"], lambda _p: None)
    assert w.polling and w.poll_seconds == 2.0
    local = Watcher([str(tmp_path)], lambda _p: None)
    assert not local.polling


class Calls:
    def __init__(self) -> None:
        self.paths: list[set[str]] = []
        self.event = threading.Event()

    def __call__(self, paths: set[str]) -> None:
        self.paths.append(set(paths))
        self.event.set()


def test_poll_sees_a_change_without_os_events(demo_copy: Path) -> None:
    calls = Calls()
    w = Watcher([str(demo_copy)], calls, poll=0.2)
    assert w.polling
    w.start()
    try:
        time.sleep(0.5)
        target = demo_copy / "obs-2023-08.csv"
        target.write_text(target.read_text(encoding="utf-8") + "\n", encoding="utf-8")
        assert calls.event.wait(10), "polling never saw the change"
    finally:
        w.stop()
    assert str(target) in set().union(*calls.paths)


def test_rescan_catches_what_the_events_missed(demo_copy: Path) -> None:
    """Changes made while nothing watches: the next _rescan() reports exactly those files."""
    calls = Calls()
    w = Watcher([str(demo_copy)], calls, settle_seconds=0.05)  # never started: no OS events
    target = demo_copy / "obs-2023-03.csv"
    st = target.stat()
    w._rescan()
    assert calls.paths == []  # nothing changed yet

    # The mtime only (a `touch`, or a copy that keeps the size): forward, then back.
    os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    w._rescan()
    assert calls.paths == [{str(target)}]
    os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))
    w._rescan()
    assert calls.paths[-1] == {str(target)}

    # A new file, and a deleted one.
    new = demo_copy / "obs-2023-09.csv"
    new.write_text("indicator,agency,period,value\n", encoding="utf-8")
    (demo_copy / "obs-2023-01.csv").unlink()
    w._rescan()
    assert calls.paths[-1] == {str(new), str(demo_copy / "obs-2023-01.csv")}
    # Other files do not count: hidden, other suffixes.
    (demo_copy / ".obs.csv.swp").write_text("x", encoding="utf-8")
    (demo_copy / "notes.txt").write_text("x", encoding="utf-8")
    before = len(calls.paths)
    w._rescan()
    assert len(calls.paths) == before


def test_the_running_watcher_rescans_when_events_never_come(
    demo_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """OS events that never arrive (e.g. a file changed on the NFS server): the periodic
    rescan (every ``rescan_seconds``) still sees the change."""
    import watchfiles

    def deaf_watch(*_paths, stop_event, **_kw):  # type: ignore[no-untyped-def]
        while not stop_event.wait(0.05):
            yield set()  # a timeout with no events (yield_on_timeout=True)

    monkeypatch.setattr(watchfiles, "watch", deaf_watch)
    calls = Calls()
    w = Watcher([str(demo_copy)], calls, rescan_seconds=0.3, settle_seconds=0.05)
    w.start()
    try:
        time.sleep(0.2)
        target = demo_copy / "obs-2023-05.csv"
        st = target.stat()
        os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
        assert calls.event.wait(5), "the rescan never ran"
    finally:
        w.stop()
    assert calls.paths[0] == {str(target)}


def test_a_failing_os_watcher_falls_back_to_polling(
    demo_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The OS watcher fails (e.g. the inotify watch limit): the Watcher polls instead."""
    import watchfiles

    def broken_watch(*_a, **_kw):  # type: ignore[no-untyped-def]
        raise OSError(28, "inotify watch limit reached")
        yield  # pragma: no cover

    monkeypatch.setattr(watchfiles, "watch", broken_watch)
    calls = Calls()
    w = Watcher([str(demo_copy)], calls, poll=0.2, settle_seconds=0.05)
    w.start()
    try:
        time.sleep(0.3)
        target = demo_copy / "obs-2023-06.csv"
        target.write_text(target.read_text(encoding="utf-8") + "\n", encoding="utf-8")
        assert calls.event.wait(5), "no fallback polling"
    finally:
        w.stop()
    assert str(target) in calls.paths[0]
