"""The web server of ``kpitui serve``: textual-serve's processes and terminal behind a sign-in.

Each browser tab that opens the terminal socket gets its own ``kpitui PATH...`` process, run
by textual-serve's :class:`AppService` under Textual's web driver (the same app, keys and
live reload as in a terminal; an export becomes a browser download). What this module adds
to textual-serve:

- a sign-in in front of every route (``/login``, server-side sessions, a throttle);
- the terminal socket checks the session (401) and the ``Origin`` (403);
- at most ``max_sessions`` processes; a closed tab, a sign-out or an expired session ends
  the process within seconds (quit, then SIGTERM, then SIGKILL to its process group);
- downloads only for the session whose process offered them, with a safe file name;
- pages that load nothing from other hosts.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import ipaddress
import json
import logging
import os
import signal
import sys
import time
import unicodedata
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote as url_quote
from urllib.parse import urlsplit

import textual_serve
from aiohttp import WSMsgType, web
from textual_serve.app_service import AppService
from textual_serve.download_manager import DownloadManager

from kpitui.core.text import clean, quote
from kpitui.serve import pages
from kpitui.serve.auth import Guard, Session, Sessions
from kpitui.serve.users import User, UsersError, hash_password, load_users, verify_password

log = logging.getLogger("kpitui.serve")

COOKIE = "kpitui_session"
STATIC = Path(textual_serve.__file__).parent / "static"
"""textual-serve's terminal: its script (xterm.js and the protocol), style sheet and fonts."""
HEARTBEAT = 10.0
"""Seconds between websocket pings: a tab that vanished without closing is noticed in two."""
QUIT_GRACE = 3.0
"""Seconds a process has to quit by itself before it is sent SIGTERM (then SIGKILL)."""
PLACE_WAIT = 3.0
"""Seconds a new terminal waits for a place that a just-closed tab is freeing."""
SWEEP = 15.0
"""Seconds between checks for expired sessions whose processes must end."""
HASH_SLOTS = 2
"""Password checks at once (each takes ~0.15 s and 32 MiB)."""


# --------------------------------------------------------------------------- the users file


class UsersStore:
    """The users file, re-read when it changes (``kpitui passwd`` while serving takes effect
    at once); a broken new version is logged and the last good one stays in effect."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._stamp = self._stat()
        self._users = load_users(path)

    def _stat(self) -> tuple[int, int, int] | None:
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_size, st.st_ino)

    def current(self) -> dict[str, User]:
        stamp = self._stat()
        if stamp is not None and stamp != self._stamp:
            self._stamp = stamp
            try:
                self._users = load_users(self.path)
                log.info("users file re-read: %d users", len(self._users))
            except UsersError as exc:
                log.error("%s (the previous version stays in effect)", exc)
        return self._users


# --------------------------------------------------------------------------- one process


class KpiAppService(AppService):
    """textual-serve's app service, started without a shell (paths may hold spaces) in a
    process group of its own, and stopped for sure."""

    def __init__(self, argv: Sequence[str], **kwargs: Any) -> None:
        super().__init__(" ".join(argv), **kwargs)
        self.argv = list(argv)

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    async def _open_app_process(self, width: int = 80, height: int = 24) -> Any:
        environment = self._build_environment(width=width, height=height)
        self._process = process = await asyncio.create_subprocess_exec(
            *self.argv,
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


@dataclass(eq=False)
class Place:
    """One of the ``max_sessions`` places: a terminal socket and its process."""

    session_key: str
    websocket: web.WebSocketResponse | None = None
    service: KpiAppService | None = None
    opened: float = field(default_factory=time.monotonic)


# --------------------------------------------------------------------------- the server


@dataclass
class ServeConfig:
    command: list[str]
    """The process of one visitor: ``python -m kpitui PATH... [options]``."""
    users_path: str
    max_sessions: int = 8
    lang: str = "vi"
    title: str = "kpitui"
    session_seconds: float = 12 * 3600
    guard: Guard = field(default_factory=Guard)
    font_size: int = 16
    sweep: float = SWEEP


def _is_loopback(address: str | None) -> bool:
    try:
        return ipaddress.ip_address(address or "").is_loopback
    except ValueError:
        return False


def _forwarded_proto(request: web.Request) -> str:
    proto = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
    return proto if proto in ("http", "https") else request.scheme


def _normal_origin(scheme: str, netloc: str) -> str:
    netloc = netloc.lower()
    default = {"http": ":80", "https": ":443"}.get(scheme, "")
    if default and netloc.endswith(default):
        netloc = netloc[: -len(default)]
    return f"{scheme}://{netloc}"


def own_origin(request: web.Request) -> str:
    """The origin of this server as the browser sees it: the scheme (the proxy's
    X-Forwarded-Proto when there is one) and the Host header."""
    return _normal_origin(_forwarded_proto(request), request.host)


def _origin_of(url: str) -> str | None:
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return _normal_origin(parts.scheme, parts.netloc)


def same_origin(request: web.Request, *, required: bool) -> bool:
    """Whether the request came from this server's own page: its ``Origin`` (or, for a
    form without one, its ``Referer``) is ours. Without either header, ``required`` decides
    (browsers always send ``Origin`` with a websocket and with a cross-site POST)."""
    origin = request.headers.get("Origin")
    if origin is None and not required:
        referer = request.headers.get("Referer")
        if referer is None:
            return True
        origin = referer
    if origin is None:
        return False
    return _origin_of(origin) == own_origin(request)


def client_address(request: web.Request) -> str:
    """The visitor's address; behind a reverse proxy on this machine (a loopback peer), the
    last address its X-Forwarded-For added."""
    peer = request.remote or "?"
    forwarded = request.headers.get("X-Forwarded-For")
    if forwarded and _is_loopback(peer):
        last = forwarded.split(",")[-1].strip()
        with contextlib.suppress(ValueError):
            return str(ipaddress.ip_address(last))
    return peer


def content_disposition(file_name: str) -> str:
    """``attachment`` with an ASCII fallback and the UTF-8 name (RFC 6266)."""
    name = unicodedata.normalize("NFC", clean(os.path.basename(file_name))) or "kpitui-export"
    ascii_name = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\;' else "_" for c in name
    )
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{url_quote(name, safe='')}"


def _int(value: str | None, default: int, low: int, high: int) -> int:
    try:
        return max(low, min(high, int(value or default)))
    except ValueError:
        return default


class KpiServer:
    def __init__(self, config: ServeConfig, users: UsersStore) -> None:
        self.config = config
        self.users = users
        self.sessions = Sessions(config.session_seconds)
        self.guard = config.guard
        self.places: set[Place] = set()
        self.place_freed = asyncio.Event()
        self.download_manager = DownloadManager()
        self._hash_slots = asyncio.Semaphore(HASH_SLOTS)
        self._dummy_hash = hash_password(os.urandom(16).hex())
        self._sweeper: asyncio.Task[None] | None = None

    # -- the application

    def make_app(self) -> web.Application:
        app = web.Application(middlewares=[self._sign_in_first], client_max_size=64 * 1024)
        app.add_routes(
            [
                web.get("/login", self.login_form),
                web.post("/login", self.login),
                web.post("/logout", self.logout),
                web.get("/", self.index),
                web.get("/ws", self.terminal_socket),
                web.get("/download/{key}", self.download),
                web.static("/static", STATIC),
            ]
        )
        app.on_response_prepare.append(self._security_headers)
        app.on_startup.append(self._start_sweeper)
        app.on_shutdown.append(self._shutdown)
        return app

    def session_valid(self, session: Session) -> bool:
        user = self.users.current().get(session.name)
        return user is not None and hmac.compare_digest(user.password, session.password)

    def session_of(self, request: web.Request) -> Session | None:
        session = self.sessions.get(request.cookies.get(COOKIE))
        if session is not None and not self.session_valid(session):
            self.sessions.end(session.key)
            return None
        return session

    def signed_in(self, request: web.Request) -> Session:
        """The session of a request that passed the middleware (it may have ended since)."""
        session = self.session_of(request)
        if session is None:
            raise web.HTTPSeeOther("/login")
        return session

    @web.middleware
    async def _sign_in_first(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        if request.path != "/login" and self.session_of(request) is None:
            if request.path == "/ws":
                return web.Response(status=401, text="sign in first\n")
            raise web.HTTPSeeOther("/login")
        return await handler(request)

    async def _security_headers(self, request: web.Request, response: web.StreamResponse) -> None:
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
        )
        if not request.path.startswith("/static/"):
            headers.setdefault("Cache-Control", "no-store")

    def _page(self, body: str, status: int = 200, **headers: str) -> web.Response:
        return web.Response(
            status=status, text=body, content_type="text/html", charset="utf-8", headers=headers
        )

    # -- sign-in

    async def login_form(self, request: web.Request) -> web.StreamResponse:
        if self.session_of(request) is not None:
            raise web.HTTPSeeOther("/")
        return self._page(pages.login_page(self.config.lang, self.config.title))

    async def login(self, request: web.Request) -> web.StreamResponse:
        lang, title = self.config.lang, self.config.title
        if not same_origin(request, required=False):
            log.warning("sign-in refused: foreign origin from %s", client_address(request))
            return self._page(pages.message_page(lang, "forbidden"), 403)
        form = await request.post()
        name_field, password = form.get("name"), form.get("password")
        if not isinstance(name_field, str) or not isinstance(password, str):
            return self._page(pages.login_page(lang, title, error=pages.s("failed", lang)), 401)
        name = unicodedata.normalize("NFC", name_field.strip())[:200]
        address = client_address(request)
        async with self._hash_slots:
            # Checked once a slot is ours: a burst of guesses queued behind it sees the lock.
            wait = self.guard.wait(name, address)
            if wait > 0:
                log.warning(
                    "sign-in refused: name %s from %s is locked out for %.0f s",
                    quote(name),
                    address,
                    wait,
                )
                seconds = max(1, round(wait + 0.5))
                body = pages.login_page(
                    lang, title, error=pages.s("locked", lang, seconds=seconds), name=name
                )
                return self._page(body, 429, **{"Retry-After": str(seconds)})
            user = self.users.current().get(name)
            encoded = user.password if user is not None else self._dummy_hash
            loop = asyncio.get_running_loop()
            ok = await loop.run_in_executor(None, verify_password, password, encoded)
        if not ok or user is None:
            by_name, by_address = self.guard.failed(name, address)
            log.warning(
                "sign-in failed: name %s from %s (%d in a row for the name, %d for the address)",
                quote(name),
                address,
                by_name,
                by_address,
            )
            body = pages.login_page(lang, title, error=pages.s("failed", lang), name=name)
            return self._page(body, 401)
        self.guard.succeeded(name)
        token, _ = self.sessions.create(user.name, user.password)
        log.info("signed in: %s from %s", quote(user.name), address)
        response = web.Response(status=303, headers={"Location": "/"})
        response.set_cookie(
            COOKIE,
            token,
            max_age=int(self.config.session_seconds),
            path="/",
            httponly=True,
            samesite="Strict",
            secure=_forwarded_proto(request) == "https",
        )
        return response

    async def logout(self, request: web.Request) -> web.StreamResponse:
        session = self.signed_in(request)
        if not same_origin(request, required=False):
            log.warning("sign-out refused: foreign origin from %s", client_address(request))
            return self._page(pages.message_page(self.config.lang, "forbidden"), 403)
        self.sessions.end(session.key)
        ended = await self._end_places(session.key)
        log.info("signed out: %s (%d processes ended)", quote(session.name), ended)
        response = web.Response(status=303, headers={"Location": "/login"})
        response.del_cookie(COOKIE, path="/")
        return response

    # -- the terminal

    def _full(self) -> bool:
        return len(self.places) >= self.config.max_sessions

    def _full_page(self) -> web.Response:
        body = pages.full_page(self.config.lang, self.config.max_sessions)
        return self._page(body, 503, **{"Retry-After": "30"})

    async def index(self, request: web.Request) -> web.StreamResponse:
        session = self.signed_in(request)
        # A reload of a page whose terminal is still closing is not turned away here; the
        # socket waits a moment for that place.
        if self._full() and not any(p.session_key == session.key for p in self.places):
            return self._full_page()
        scheme = "wss" if _forwarded_proto(request) == "https" else "ws"
        body = pages.terminal_page(
            self.config.lang,
            self.config.title,
            session.name,
            f"{scheme}://{request.host}/ws",
            _int(request.query.get("fontsize"), self.config.font_size, 6, 64),
        )
        return self._page(body)

    async def _take_place(self, session_key: str) -> Place | None:
        deadline = time.monotonic() + PLACE_WAIT
        while self._full():
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self.place_freed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.place_freed.wait(), left)
        place = Place(session_key)
        self.places.add(place)
        return place

    def _free_place(self, place: Place) -> None:
        self.places.discard(place)
        self.place_freed.set()

    async def terminal_socket(self, request: web.Request) -> web.StreamResponse:
        session = self.signed_in(request)
        if not same_origin(request, required=True):
            log.warning(
                "terminal refused: origin %s is not %s",
                quote(request.headers.get("Origin", "")),
                own_origin(request),
            )
            return web.Response(status=403, text="foreign origin\n")
        place = await self._take_place(session.key)
        if place is None:
            log.warning(
                "terminal refused for %s: all %d places taken",
                quote(session.name),
                self.config.max_sessions,
            )
            return self._full_page()
        websocket = web.WebSocketResponse(heartbeat=HEARTBEAT, max_msg_size=1 << 20)
        place.websocket = websocket
        service: KpiAppService | None = None
        try:
            await websocket.prepare(request)
            service = KpiAppService(
                self.config.command,
                write_bytes=websocket.send_bytes,
                write_str=websocket.send_str,
                close=websocket.close,
                download_manager=self.download_manager,
            )
            place.service = service
            width = _int(request.query.get("width"), 80, 10, 1000)
            height = _int(request.query.get("height"), 24, 5, 1000)
            await service.start(width, height)
            log.info("terminal opened: %s, process %s", quote(session.name), service.pid)
            await self._relay(websocket, service)
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                await websocket.close()
        except Exception:
            log.exception("terminal failed")
        finally:
            if service is not None:
                await service.stop()
                log.info("terminal closed: %s, process %s ended", quote(session.name), service.pid)
            self._free_place(place)
        return websocket

    async def _relay(self, websocket: web.WebSocketResponse, service: KpiAppService) -> None:
        """Keys, resizes and focus from the browser to the process (textual-serve's protocol);
        anything malformed is ignored."""
        async for message in websocket:
            if message.type != WSMsgType.TEXT:
                continue
            try:
                envelope = json.loads(message.data)
            except ValueError:
                continue
            if not isinstance(envelope, list) or not envelope:
                continue
            kind = envelope[0]
            data = envelope[1] if len(envelope) > 1 else None
            if kind == "stdin" and isinstance(data, str):
                await service.send_bytes(data.encode("utf-8", "replace"))
            elif kind == "resize" and isinstance(data, dict):
                width = _int(str(data.get("width")), 80, 10, 1000)
                height = _int(str(data.get("height")), 24, 5, 1000)
                await service.set_terminal_size(width, height)
            elif kind == "ping" and isinstance(data, str):
                await websocket.send_json(["pong", data[:64]])
            elif kind == "blur":
                await service.blur()
            elif kind == "focus":
                await service.focus()

    async def _end_places(self, session_key: str | None) -> int:
        """Close the terminals of a session (all, for None); returns how many."""
        chosen = [p for p in self.places if session_key is None or p.session_key == session_key]
        for place in chosen:
            if place.websocket is not None:
                with contextlib.suppress(Exception):
                    await place.websocket.close()
        # Each terminal's handler stops its process; wait until they are gone.
        deadline = time.monotonic() + QUIT_GRACE + 8
        while any(p in self.places for p in chosen) and time.monotonic() < deadline:
            self.place_freed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.place_freed.wait(), 0.5)
        return len(chosen)

    # -- downloads

    async def download(self, request: web.Request) -> web.StreamResponse:
        session = self.signed_in(request)
        key = request.match_info["key"]
        try:
            meta = await self.download_manager.get_download_metadata(key)
        except KeyError:
            raise web.HTTPNotFound(text="no such download\n") from None
        owner = next((p for p in self.places if p.service is meta.app_service), None)
        if owner is None or owner.session_key != session.key:
            raise web.HTTPNotFound(text="no such download\n")
        response = web.StreamResponse()
        content_type = meta.mime_type or "application/octet-stream"
        if meta.encoding:
            content_type += f"; charset={meta.encoding}"
        response.headers["Content-Type"] = content_type
        response.headers["Content-Disposition"] = content_disposition(meta.file_name)
        await response.prepare(request)
        async for chunk in self.download_manager.download(key):
            await response.write(chunk)
        await response.write_eof()
        log.info("download: %s took %s", quote(session.name), quote(meta.file_name))
        return response

    # -- life cycle

    async def _start_sweeper(self, app: web.Application) -> None:
        self._sweeper = asyncio.create_task(self._sweep())

    async def _sweep(self) -> None:
        """End the terminals of sessions that expired or whose user was removed."""
        while True:
            await asyncio.sleep(self.config.sweep)
            self.sessions.prune(self.session_valid)
            for key in {p.session_key for p in self.places if p.session_key not in self.sessions}:
                log.info("session ended: its terminals close")
                await self._end_places(key)

    async def _shutdown(self, app: web.Application) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
        await self._end_places(None)


# --------------------------------------------------------------------------- the command


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
    from kpitui.core.snapshot import Loader

    snap = Loader(list(paths), in_memory=True, cache=PartialCache(default_dir())).load()
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
    from kpitui.serve.users import is_private

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
