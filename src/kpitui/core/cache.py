"""An on-disk cache of per-file roll-up statistics, for the dashboard's next start.

A monthly report folder changes a file or two a day; re-reading 12 M unchanged rows at every
start is wasted time. The dashboard stores each large file's statistics (``rollup.partial``:
about one row per indicator × period × parent agency) as Parquet, keyed by the file's path
and its stamp (modification time, size and inode) *taken before the file was read* — a save
that lands while the file is being read can never be stored under the new stamp — by the
definitions they were computed with and by the kpitui version; any change misses the cache.
Parquet holds data, never code.

Location: ``$XDG_CACHE_HOME/kpitui/partials`` (default ``~/.cache/kpitui/partials``);
``KPITUI_NO_CACHE=1`` turns it off. A cache that cannot be written is silently skipped.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path

import polars as pl

from kpitui import __version__

MAX_ENTRIES = 256


def default_dir() -> Path | None:
    if os.environ.get("KPITUI_NO_CACHE"):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "kpitui" / "partials"


class PartialCache:
    def __init__(self, folder: Path | None) -> None:
        self.folder = folder

    def _name(self, path: str, stamp: tuple[int, int, int], key: object) -> Path | None:
        if self.folder is None:
            return None
        ident = repr((os.path.realpath(path), stamp, key, __version__))
        return self.folder / (
            hashlib.sha256(ident.encode("utf-8", "replace")).hexdigest() + ".parquet"
        )

    def get(self, path: str, stamp: tuple[int, int, int], key: object) -> pl.DataFrame | None:
        """The statistics stored for ``path`` as it was at ``stamp`` (the stamp of the version
        at hand, taken before it was read), or None."""
        name = self._name(path, stamp, key)
        if name is None or not name.exists():
            return None
        try:
            return pl.read_parquet(name)
        except (OSError, pl.exceptions.PolarsError, pl.exceptions.PanicException):
            with contextlib.suppress(OSError):
                name.unlink()
            return None

    def put(self, path: str, stamp: tuple[int, int, int], key: object, frame: pl.DataFrame) -> None:
        """Store the statistics of ``path`` as it was at ``stamp`` (taken before reading)."""
        name = self._name(path, stamp, key)
        if name is None:
            return
        try:
            name.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".parquet", dir=name.parent)
            os.close(fd)
            try:
                frame.write_parquet(tmp)
                os.replace(tmp, name)
            finally:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(tmp)
            self._prune(name.parent)
        except (OSError, pl.exceptions.PolarsError):
            return

    @staticmethod
    def _prune(folder: Path) -> None:
        entries = sorted(folder.glob("*.parquet"), key=lambda p: p.stat().st_mtime)
        for old in entries[:-MAX_ENTRIES]:
            with contextlib.suppress(OSError):
                old.unlink()
