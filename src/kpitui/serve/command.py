"""``kpitui serve``: check the users file, read the data once (warming the on-disk cache for
the first visitor), then serve until SIGINT or SIGTERM, which end every visitor's process."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
import time
from collections.abc import Sequence

from aiohttp import web

from kpitui.core.text import clean
from kpitui.serve.server import KpiServer, ServeConfig
from kpitui.serve.users import UsersError, UsersStore, is_private

log = logging.getLogger("kpitui.serve")


def _set_up_logging() -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        logging.Formatter("%(asctime)s kpitui serve: %(message)s", "%Y-%m-%dT%H:%M:%S")
    )
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False


async def _serve(server: KpiServer, host: str, port: int) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    runner = web.AppRunner(server.make_app(), handle_signals=False, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    try:
        await site.start()
    except OSError as exc:
        await runner.cleanup()
        print(
            f"kpitui serve: error: cannot listen on {host}:{port}: "
            f"{os.strerror(exc.errno).lower() if exc.errno else exc}",
            file=sys.stderr,
        )
        return 1
    addresses = runner.addresses
    bound = addresses[0][1] if addresses else port
    shown = f"[{host}]" if ":" in host else host
    print(
        f"kpitui serve: listening on http://{shown}:{bound}/ "
        f"({len(server.users.current())} users, at most {server.config.max_sessions} sessions)",
        file=sys.stderr,
        flush=True,
    )
    try:
        await stop.wait()
    finally:
        print("kpitui serve: stopping", file=sys.stderr, flush=True)
        await runner.cleanup()
    return 0


def child_command(paths: Sequence[str], options: Sequence[str]) -> list[str]:
    """The command of one visitor's process: the dashboard itself, ``kpitui PATH...``."""
    return [sys.executable, "-m", "kpitui", *(os.path.abspath(p) for p in paths), *options]


def prepare_data(paths: Sequence[str]) -> tuple[str | None, str, str]:
    """Read the data set once, as the dashboard does, so that its on-disk cache is warm for
    the first visitor: (data set language, title, summary line)."""
    from kpitui.core.cache import PartialCache, default_dir
    from kpitui.core.load.loader import Loader

    loader = Loader(list(paths), in_memory=True, cache=PartialCache(default_dir()))
    try:
        snap = loader.load()
    finally:
        loader.close()
    dashboard = snap.definitions.dashboard
    return dashboard.lang, dashboard.title or "kpitui", snap.summary_line()


def serve_command(
    paths: Sequence[str],
    *,
    users_path: str | None,
    host: str,
    port: int,
    max_sessions: int,
    lang: str | None,
    options: Sequence[str],
) -> int:
    """``kpitui serve``: 0 after a clean stop; 2 when it cannot start (one line why)."""
    if not users_path:
        print(
            "kpitui serve: error: --users FILE is required: nobody gets in without signing in "
            "(create it with: kpitui passwd NAME --users FILE)",
            file=sys.stderr,
        )
        return 2
    if max_sessions < 1:
        print("kpitui serve: error: --max-sessions must be at least 1", file=sys.stderr)
        return 2
    try:
        users = UsersStore(users_path)
    except UsersError as exc:
        print(f"kpitui serve: {exc}", file=sys.stderr)
        return 2
    from kpitui.i18n import detect_lang

    if not is_private(users_path):
        print(
            f"kpitui serve: warning: {clean(users_path)} can be read by other users (chmod 600 it)",
            file=sys.stderr,
        )
    started = time.perf_counter()
    data_lang, title, summary = prepare_data(paths)
    print(
        f"kpitui serve: data read in {time.perf_counter() - started:.1f} s: {summary}",
        file=sys.stderr,
    )
    config = ServeConfig(
        command=child_command(paths, options),
        users_path=users_path,
        max_sessions=max_sessions,
        lang=detect_lang(lang, data_lang),
        title=title,
    )
    _set_up_logging()

    async def main() -> int:
        return await _serve(KpiServer(config, users), host, port)

    return asyncio.run(main())
