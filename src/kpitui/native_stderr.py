"""Keep what native code writes to file descriptor 2 off the user's terminal.

polars is Rust: a panic prints ``thread '...' panicked at crates/polars-io/...`` and a
backtrace straight to file descriptor 2, whatever Python does. kpitui turns every panic into
a finding, so that text is noise at best; in the dashboard it would be painted over the
screen (Textual draws on ``sys.__stderr__``, which is descriptor 2 too).

* :func:`captured` (one-shot commands): descriptor 2 goes to a temporary file while the data
  is read; Python's own messages are printed after, as usual.
* :func:`terminal_apart` (the dashboard): the terminal moves to a new descriptor that
  Textual draws on, and descriptor 2 goes to ``$XDG_STATE_HOME/kpitui/native.log``
  (``~/.local/state/kpitui/native.log``) for the whole session.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

MAX_LOG_BYTES = 1 << 20


def log_path() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(
        os.path.expanduser("~"), ".local", "state"
    )
    return Path(base) / "kpitui" / "native.log"


def _usable_fd2() -> bool:
    try:
        os.fstat(2)
    except OSError:
        return False
    return True


@contextlib.contextmanager
def captured() -> Iterator[None]:
    """Descriptor 2 to a temporary file for the duration (not when it is closed already)."""
    if not _usable_fd2():
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)


@contextlib.contextmanager
def terminal_apart() -> Iterator[None]:
    """The terminal on a descriptor of its own for Textual; descriptor 2 to a log file."""
    original = sys.__stderr__
    if original is None or not _usable_fd2():
        yield
        return
    path = log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if path.exists() and path.stat().st_size > MAX_LOG_BYTES:
            path.unlink()
        log = open(path, "ab")  # noqa: SIM115 - kept open for the whole session
    except OSError:
        log = open(os.devnull, "ab")  # noqa: SIM115
    original.flush()
    saved = os.dup(2)
    terminal = os.fdopen(
        os.dup(2), "w", buffering=1, encoding=original.encoding, errors=original.errors
    )
    sys.__stderr__ = terminal  # type: ignore[misc]
    os.dup2(log.fileno(), 2)
    try:
        yield
    finally:
        with contextlib.suppress(OSError, ValueError):
            terminal.flush()
        os.dup2(saved, 2)
        os.close(saved)
        sys.__stderr__ = original  # type: ignore[misc]
        with contextlib.suppress(OSError, ValueError):
            terminal.close()
        log.close()
