"""Run the real ``kpitui`` in a pseudo-terminal: write keys, read every byte it writes.

The child runs in its own session with the pty as its *controlling* terminal (so closing
the master side sends it SIGHUP, as a dropped SSH connection does), with TERM=xterm-256color
and a fixed window size set with TIOCSWINSZ before it starts.

Reads are non-blocking (``select``); every wait has a generous timeout; ``close()`` always
kills the child. Use it as a context manager.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Callable, Sequence
from pathlib import Path

PYTHON = sys.executable
REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "data"

# Make the pty the controlling terminal of the new session, then become kpitui.
_WRAPPER = (
    "import fcntl, os, sys, termios\n"
    "fcntl.ioctl(0, termios.TIOCSCTTY, 0)\n"
    "os.execv(sys.argv[1], sys.argv[1:])\n"
)

KEYS = {
    "up": b"\x1b[A",
    "down": b"\x1b[B",
    "right": b"\x1b[C",
    "left": b"\x1b[D",
    "enter": b"\r",
    "escape": b"\x1b",
    "tab": b"\t",
    "backspace": b"\x7f",
    "ctrl+s": b"\x13",
}


def set_size(fd: int, cols: int, rows: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


def cpu_seconds(pid: int) -> float | None:
    """utime + stime of a live (or zombie) process, from /proc/<pid>/stat."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            stat = fh.read().decode("ascii", "replace")
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


class PtyApp:
    """``kpitui`` (or any ``python -m kpitui ...`` command line) in a pty."""

    def __init__(
        self,
        args: Sequence[str],
        cols: int = 120,
        rows: int = 40,
        env: dict[str, str] | None = None,
        cwd: str | os.PathLike[str] | None = None,
    ) -> None:
        self.args = [PYTHON, "-m", "kpitui", *args]
        self.cols, self.rows = cols, rows
        base = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("TEXTUAL", "PYTEST", "NO_COLOR", "COLUMNS", "LINES"))
        }
        base.update(
            TERM="xterm-256color",
            COLORTERM="truecolor",
            LANG="C.UTF-8",
            LC_ALL="C.UTF-8",
            PYTHONIOENCODING="utf-8",
            PYTHONDONTWRITEBYTECODE="1",
            # The config file must not come from the user running the tests.
            XDG_CONFIG_HOME=str(cwd or REPO),
        )
        base.update(env or {})
        self.env = base
        self.cwd = str(cwd) if cwd else None
        self.master: int | None = None
        self.proc: subprocess.Popen[bytes] | None = None
        self.output = bytearray()
        self.eof = False

    # -- life cycle

    def start(self) -> PtyApp:
        master, slave = os.openpty()
        set_size(slave, self.cols, self.rows)
        try:
            self.proc = subprocess.Popen(
                [PYTHON, "-c", _WRAPPER, *self.args],
                stdin=slave,
                stdout=slave,
                stderr=slave,
                env=self.env,
                cwd=self.cwd,
                start_new_session=True,
                close_fds=True,
            )
        finally:
            os.close(slave)
        os.set_blocking(master, False)
        self.master = master
        return self

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def close_master(self) -> None:
        """Hang up: close our side of the terminal (what a dropped SSH session does)."""
        if self.master is not None:
            os.close(self.master)
            self.master = None

    def close(self) -> None:
        """Kill the child (its whole session) and close the terminal. Safe to call twice."""
        proc = self.proc
        if proc is not None and proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                proc.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(5)
        self.close_master()

    def __enter__(self) -> PtyApp:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- input and output

    def pump(self, timeout: float = 0.05) -> int:
        """Read what is available within ``timeout``; returns the number of bytes read."""
        if self.master is None or self.eof:
            if timeout:
                time.sleep(timeout)
            return 0
        total = 0
        ready, _, _ = select.select([self.master], [], [], timeout)
        while ready:
            try:
                chunk = os.read(self.master, 65536)
            except BlockingIOError:
                break
            except OSError as exc:  # EIO: the child closed its side
                if exc.errno == errno.EIO:
                    self.eof = True
                    break
                raise
            if not chunk:
                self.eof = True
                break
            self.output += chunk
            total += len(chunk)
            ready, _, _ = select.select([self.master], [], [], 0)
        return total

    def write(self, data: bytes | str) -> None:
        assert self.master is not None
        raw = data.encode("utf-8") if isinstance(data, str) else data
        while raw:
            try:
                n = os.write(self.master, raw)
            except BlockingIOError:
                self.pump(0.01)
                continue
            raw = raw[n:]
            self.pump(0)

    def press(self, *keys: str, pause: float = 0.25) -> None:
        """Press keys by name (see KEYS) or as literal characters; read while waiting."""
        for key in keys:
            self.write(KEYS.get(key, key.encode("utf-8")))
            # A blinking cursor (an open Input) never goes quiet: do not wait for long.
            self.settle(quiet=pause, timeout=max(4 * pause, 2.0))

    def settle(self, quiet: float = 0.3, timeout: float = 10.0) -> bool:
        """Read until nothing arrived for ``quiet`` seconds; False if ``timeout`` came first."""
        end = time.monotonic() + timeout
        calm = time.monotonic()
        while time.monotonic() < end:
            if self.pump(0.02):
                calm = time.monotonic()
            elif time.monotonic() - calm >= quiet:
                return True
            if self.eof:
                return True
        return False

    def wait_for(self, pred: Callable[[bytes], bool] | bytes | str, timeout: float = 20.0) -> bool:
        """Read until ``pred(output)`` holds (or the text appears in the output)."""
        if isinstance(pred, str):
            pred = pred.encode("utf-8")
        if isinstance(pred, bytes):
            needle = pred
            pred = lambda out: needle in out  # noqa: E731
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if pred(bytes(self.output)):
                return True
            self.pump(0.05)
            if self.eof and not pred(bytes(self.output)):
                return False
        return pred(bytes(self.output))

    def wait_exit(self, timeout: float) -> int | None:
        """The exit code, or None if the child is still running after ``timeout``."""
        assert self.proc is not None
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            code = self.proc.poll()
            if code is not None:
                return code
            self.pump(0.02)
        return self.proc.poll()

    def reap(self, timeout: float) -> tuple[int | None, float, float | None]:
        """Wait for the child with ``wait4``: (exit code or None, seconds waited, CPU seconds
        of its whole life from its resource usage, or None if it did not end)."""
        assert self.proc is not None
        start = time.monotonic()
        while time.monotonic() - start < timeout:
            pid, status, usage = os.wait4(self.proc.pid, os.WNOHANG)
            if pid:
                code = os.waitstatus_to_exitcode(status)
                self.proc.returncode = code
                return code, time.monotonic() - start, usage.ru_utime + usage.ru_stime
            self.pump(0.01)
        return None, time.monotonic() - start, None

    def text(self) -> str:
        return self.output.decode("utf-8", "replace")


def started(app: PtyApp, ready_text: str | bytes, timeout: float = 30.0) -> PtyApp:
    """Wait until the dashboard painted ``ready_text`` and stopped writing."""
    assert app.wait_for(ready_text, timeout), (
        f"the app did not show {ready_text!r}; it wrote:\n{app.text()[-3000:]}"
    )
    app.settle(quiet=0.5, timeout=15)
    return app


def change_one_value(folder: Path) -> None:
    """1 000 more e-ID activations in TP Vũng Tàu, saved the way editors do (by rename)."""
    path = folder / "obs-2023-08.csv"
    text = path.read_text(encoding="utf-8")
    line = next(x for x in text.splitlines() if x.startswith("dd_kich_hoat,vung_tau,"))
    fields = line.split(",")
    fields[4] = str(int(fields[4]) + 1000)
    tmp = folder / ".obs-2023-08.csv.swp"
    tmp.write_text(text.replace(line, ",".join(fields)), encoding="utf-8")
    os.replace(tmp, path)
