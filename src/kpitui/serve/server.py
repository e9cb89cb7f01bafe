"""The web server of ``kpitui serve``: textual-serve's processes and terminal behind a sign-in.

Each browser tab that opens the terminal socket gets its own ``kpitui PATH...`` process, run
by textual-serve's app service under Textual's web driver (the same app, keys and live
reload as in a terminal; an export becomes a browser download). What this module adds to
textual-serve:

- a sign-in in front of every route (``/login``, server-side sessions, a throttle);
- the terminal socket checks the session (401) and the ``Origin`` (403);
- at most ``max_sessions`` processes; a closed tab, a sign-out or an expired session ends
  its process within seconds;
- downloads only for the session whose process offered them, with a safe file name;
- pages that load nothing from other hosts.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import os
import time
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import textual_serve
from aiohttp import WSMsgType, web
from textual_serve.download_manager import DownloadManager

from kpitui.core.text import quote
from kpitui.serve import pages
from kpitui.serve.auth import Guard, Session, Sessions
from kpitui.serve.headers import (
    client_address,
    content_disposition,
    forwarded_proto,
    own_origin,
    same_origin,
)
from kpitui.serve.process import QUIT_GRACE, KpiAppService
from kpitui.serve.users import UsersStore, hash_password, verify_password

log = logging.getLogger("kpitui.serve")

COOKIE = "kpitui_session"
STATIC = Path(textual_serve.__file__).parent / "static"
"""textual-serve's terminal: its script (xterm.js and the protocol), style sheet and fonts."""
HEARTBEAT = 10.0
"""Seconds between websocket pings: a tab that vanished without closing is noticed in two."""
PLACE_WAIT = 3.0
"""Seconds a new terminal waits for a place that a just-closed tab is freeing."""
SWEEP = 15.0
"""Seconds between checks for expired sessions whose processes must end."""
HASH_SLOTS = 2
"""Password checks at once (each takes ~0.15 s and 32 MiB)."""


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
            secure=forwarded_proto(request) == "https",
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
        scheme = "wss" if forwarded_proto(request) == "https" else "ws"
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
