"""SHA-256 of the input files, for the formats that list them (json, xlsx, md, html).

Each file is hashed at most once per version: the digest is kept under (path, size,
modification time in ns), so a second export, a second format, or a second screen of the
dashboard costs a ``stat`` per file. A file that changed since the snapshot read it gets no
digest: it would name content the figures do not come from. Thread-safe, so that the
dashboard can hash in a worker.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from kpitui.core.export.table import InputFile

CACHE_SIZE = 1024
"""Versions kept; a data set has a few dozen files, a long session sees a few versions each."""
CHUNK = 1 << 20

_Key = tuple[str, int, int]
_cache: OrderedDict[_Key, str] = OrderedDict()
_lock = threading.Lock()
_stats = {"hits": 0, "misses": 0}


def cache_info() -> tuple[int, int]:
    """(hits, files read) since the start, like ``functools.lru_cache``'s."""
    with _lock:
        return _stats["hits"], _stats["misses"]


def _digest(path: str, key: _Key) -> str | None:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(CHUNK), b""):
                digest.update(chunk)
            after = os.fstat(fh.fileno())
    except OSError:
        return None
    if (after.st_size, after.st_mtime_ns) != key[1:]:
        return None  # written to while being read
    return digest.hexdigest()


def sha256(path: str, expected: tuple[int, int] | None = None) -> str | None:
    """The SHA-256 of ``path``; None when it cannot be read, changed while being read, or
    (with ``expected`` = (size, mtime in ns) as loaded) changed since it was loaded."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    if expected is not None and (st.st_size, st.st_mtime_ns) != expected:
        return None
    key = (os.path.abspath(path), st.st_size, st.st_mtime_ns)
    with _lock:
        found = _cache.get(key)
        if found is not None:
            _cache.move_to_end(key)
            _stats["hits"] += 1
            return found
        _stats["misses"] += 1
    digest = _digest(path, key)  # outside the lock: a large file must not block the others
    if digest is not None:
        with _lock:
            _cache[key] = digest
            while len(_cache) > CACHE_SIZE:
                _cache.popitem(last=False)
    return digest


def file_metadata(files: Iterable[InputFile]) -> list[dict[str, Any]]:
    """path, sha256, size, modified (local time with offset) and state of each input file."""
    return [
        {
            "path": f.path,
            "sha256": sha256(f.path, (f.size, f.mtime_ns)),
            "size": f.size,
            "modified": datetime.fromtimestamp(f.mtime).astimezone().isoformat(timespec="seconds")
            if f.mtime
            else None,
            "state": f.state,
        }
        for f in files
    ]
