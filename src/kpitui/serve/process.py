"""One visitor's dashboard process: textual-serve's app service, started without a shell
(paths may hold spaces) in a process group of its own, and stopped for sure: asked to quit,
then SIGTERM, then SIGKILL to its group.

Should the server itself be killed (SIGKILL, the OOM killer), its processes must not live
on: Textual's web driver does not quit when its input ends. So each starts through a
launcher that asks Linux to kill it when the server dies (``PR_SET_PDEATHSIG``, which
survives ``exec``), then becomes ``kpitui PATH...``. The launcher is a fresh interpreter
without threads, where that call is safe (unlike ``preexec_fn`` in the threaded server).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import Sequence
from typing import Any

from textual_serve.app_service import AppService

QUIT_GRACE = 3.0
"""Seconds a process has to quit by itself before it is sent SIGTERM (then SIGKILL)."""

_LAUNCHER = """\
import os, sys
try:
    import ctypes, signal
    ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL), 0, 0, 0)  # PDEATHSIG
except (ImportError, OSError, AttributeError):
    pass  # not Linux: the server's stop still ends the process
if os.getppid() != int(sys.argv[1]):
    sys.exit(0)  # the server died before the call above
os.execv(sys.argv[2], sys.argv[2:])
"""


def launched(argv: Sequence[str]) -> list[str]:
    """``argv`` behind the launcher that ties the process's life to this one's."""
    return [sys.executable, "-I", "-S", "-c", _LAUNCHER, str(os.getpid()), *argv]


class KpiAppService(AppService):
    """textual-serve's app service for one ``kpitui PATH...`` process."""

    def __init__(self, argv: Sequence[str], **kwargs: Any) -> None:
        super().__init__(" ".join(argv), **kwargs)
        self.argv = list(argv)

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    async def _open_app_process(self, width: int = 80, height: int = 24) -> Any:
        environment = self._build_environment(width=width, height=height)
        self._process = process = await asyncio.create_subprocess_exec(
            *launched(self.argv),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=environment,
            start_new_session=True,
        )
        assert process.stdin is not None
        self._stdin = process.stdin
        return process

    async def run(self) -> None:
        await super().run()
        # The app quit (q) or died: the browser's terminal closes too.
        with contextlib.suppress(Exception):
            await self.remote_close()

    async def on_data(self, payload: bytes) -> None:
        # A browser that went away must not stop the reading of the process's output.
        with contextlib.suppress(ConnectionError, RuntimeError):
            await self.remote_write_bytes(payload)

    async def on_meta(self, data: bytes) -> None:
        with contextlib.suppress(ConnectionError, RuntimeError):
            await super().on_meta(data)

    def _signal(self, signum: int) -> None:
        if self._process is not None and self._process.returncode is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self._process.pid, signum)

    async def stop(self) -> None:
        """Ask the app to quit; SIGTERM, then SIGKILL its process group if it does not."""
        process = self._process
        if process is None:
            return
        await self._download_manager.cancel_app_downloads(app_service_id=self.app_service_id)
        if process.returncode is None:
            await self.send_meta({"type": "quit"})
            for signum, wait in ((signal.SIGTERM, QUIT_GRACE), (signal.SIGKILL, 2.0), (0, 5.0)):
                try:
                    await asyncio.wait_for(process.wait(), wait)
                    break
                except TimeoutError:
                    if signum:
                        self._signal(signum)
        self._signal(signal.SIGKILL)  # anything the app left behind in its group
        if self._task is not None:
            try:
                await asyncio.wait_for(self._task, 2.0)
            except TimeoutError:
                self._task.cancel()
            self._task = None
