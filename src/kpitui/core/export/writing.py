"""Putting an export on disk: atomically (temp file in the target folder, fsync, then a link or
rename), never overwriting silently, under a name that cannot leave its folder."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import unicodedata
from datetime import datetime
from pathlib import Path
from typing import Any

from kpitui.core.formats import FORMATS, ExportError, get

FILE_MODE = 0o640
NAME_BYTES = 200
"""The longest file name written, in UTF-8 bytes (file systems allow 255)."""
FREE_NAME_TRIES = 100
FALLBACK_NAME = "kpitui-export"
_RESERVED = set('<>:"|?*')
"""Characters Windows does not allow in a file name (exports are sent on)."""


def _allowed(ch: str) -> bool:
    return not (unicodedata.category(ch)[0] == "C" or ch in _RESERVED or ch in "\u2028\u2029")


def _cut(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` UTF-8 bytes, on a character boundary."""
    return text.encode("utf-8")[:limit].decode("utf-8", "ignore")


def safe_name(name: str) -> str:
    """A file name that cannot leave its folder and reads as typed: ``báo cáo tháng 8.csv``
    stays as it is. NFC; no path separator, control, format (bidi) or Windows-reserved
    character (each becomes ``_``); no leading dot, dash or space; at most ``NAME_BYTES``."""
    name = unicodedata.normalize("NFC", name.replace("\\", "/")).rsplit("/", 1)[-1]
    name = "".join(ch if _allowed(ch) else "_" for ch in name)
    name = name.strip().lstrip(".").strip().rstrip(". ")
    if name.startswith("-"):
        name = "_" + name[1:]
    if len(name.encode("utf-8")) > NAME_BYTES:
        stem, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= 10 and stem:
            name = _cut(stem, NAME_BYTES - len(ext.encode("utf-8")) - 1).rstrip(". ") + "." + ext
        else:
            name = _cut(name, NAME_BYTES)
    return name or FALLBACK_NAME


def default_name(view: str, fmt: str, when: datetime | None = None) -> str:
    """``kpitui-<view>-<YYYYmmdd-HHMMSS>.<ext>`` (SPEC §5.2); reads no data."""
    when = when or datetime.now()
    extension = FORMATS[fmt].extension if fmt in FORMATS else fmt
    return safe_name(f"kpitui-{view}-{when:%Y%m%d-%H%M%S}.{extension}")


def _free_path(folder: Path, name: str) -> Path:
    """``name`` in ``folder``, or ``name-2``, ``name-3``... when taken."""
    path = folder / name
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    n = 2
    while path.exists():
        path = folder / (f"{stem}-{n}.{ext}" if ext else f"{stem}-{n}")
        n += 1
    return path


def write_bytes(data: bytes, path: Path, force: bool = False) -> Path:
    """Atomically create ``path`` with ``data``: a temp file in the same folder, fsync, then a
    rename (``force``) or a hard link that fails if the name was taken meanwhile."""
    folder = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=".kpitui-", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise ExportError(f"cannot write in {folder}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, FILE_MODE)
        if force:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)
            except FileExistsError:
                raise ExportError(f"{path} already exists; use --force to replace it") from None
            except OSError:
                # File systems without hard links: check, then rename (tiny race window).
                if path.exists():
                    raise ExportError(f"{path} already exists; use --force to replace it") from None
                os.replace(tmp, path)
        return path
    except OSError as exc:
        raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def write(
    data: bytes,
    fmt: str,
    view: str,
    output: str | None = None,
    folder: str | None = None,
    force: bool = False,
    stdout: Any = None,
    when: datetime | None = None,
) -> str:
    """Write an export: to ``output`` ("-" = stdout), else a fresh default name in ``folder``.

    Returns the path written ("-" for stdout).
    """
    if output == "-":
        if not get(fmt).text:
            raise ExportError(f"--output - needs a text format, not {fmt}")
        out = stdout or sys.stdout.buffer
        out.write(data)
        out.flush()
        return "-"
    if output:
        path = Path(output)
        if path.is_dir():
            raise ExportError(f"{output} is a folder; give a file name")
        if path.exists() and not force:
            raise ExportError(f"{output} already exists; use --force to replace it")
        return str(write_bytes(data, path, force=force))
    base = Path(folder or ".")
    if not base.is_dir():
        raise ExportError(f"{base} is not a folder")
    name = default_name(view, fmt, when)
    for _ in range(FREE_NAME_TRIES):
        path = _free_path(base, name)
        try:
            return str(write_bytes(data, path, force=False))
        except ExportError:
            if not path.exists():
                raise
    raise ExportError(f"cannot find a free file name in {base}")
