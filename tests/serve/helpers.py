"""Helpers of the ``kpitui serve`` tests: the real server (a subprocess or in this process),
an HTTP client that shows every header, a terminal over the websocket, the process table."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import struct
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path

import aiohttp
from aiohttp import web

from kpitui.serve.command import child_command
from kpitui.serve.server import KpiServer, ServeConfig
from kpitui.serve.users import UsersStore

PYTHON = sys.executable
REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "data"
PASSWORD = "đúng mật khẩu 1"  # not ASCII, on purpose
DEMO_TITLE = "Chuyển đổi số 2023"
ESCAPES = re.compile(
    rb"\x1b(\[[0-9;?<>=]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[()][0-9A-Za-z]|.)"
)


def clean_env(home: Path) -> dict[str, str]:
    """The environment of a server under test: its own cache and config, no test variables."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TEXTUAL", "PYTEST", "NO_COLOR", "COLUMNS", "LINES", "KPITUI"))
    }
    env.update(
        LANG="C.UTF-8",
        LC_ALL="C.UTF-8",
        PYTHONDONTWRITEBYTECODE="1",
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_CACHE_HOME=str(home / "cache"),
    )
    return env


# --------------------------------------------------------------------------- the process table


def children(pid: int) -> list[int]:
    """The live (not zombie) processes whose parent is ``pid``."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read().decode("ascii", "replace")
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(entry))
    return found


def cmdline(pid: int) -> bytes:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return fh.read()
    except OSError:
        return b""


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            return fh.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except OSError:
        return False


def wait_until(check: Callable[[], bool], timeout: float, step: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(step)
    return check()


async def await_until(check: Callable[[], bool], timeout: float, step: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        await asyncio.sleep(step)
    return check()


# --------------------------------------------------------------------------- the server


class ServeProcess:
    """``python -m kpitui serve --port 0 ...`` as a subprocess; its log lines are kept."""

    def __init__(self, home: Path, args: Sequence[str]) -> None:
        self.home = home
        self.args = [PYTHON, "-m", "kpitui", "serve", "--port", "0", *args]
        self.lines: list[str] = []
        self.proc: subprocess.Popen[str] | None = None
        self.url = ""
        self._ready = threading.Event()

    def _read(self) -> None:
        assert self.proc is not None and self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line.rstrip("\n"))
            m = re.search(r"listening on (http://\S+?)/ ", line)
            if m:
                self.url = m.group(1)
                self._ready.set()
        self._ready.set()

    def start(self, timeout: float = 60) -> ServeProcess:
        self.proc = subprocess.Popen(
            self.args,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            env=clean_env(self.home),
            cwd=self.home,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self._ready.wait(timeout)
        assert self.url, "the server did not start:\n" + self.log()
        return self

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    @property
    def origin(self) -> str:
        return self.url

    def log(self) -> str:
        return "\n".join(self.lines)

    def children(self) -> list[int]:
        return children(self.pid)

    def started_pids(self) -> list[int]:
        """Every visitor process the server logged as started."""
        return [
            int(m.group(1)) for m in re.finditer(r"terminal opened: .*, process (\d+)", self.log())
        ]

    def stop(self) -> int:
        """SIGTERM, as a service manager stops it; returns the exit code."""
        proc = self.proc
        assert proc is not None
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        self._reader.join(10)
        if proc.stderr is not None:
            proc.stderr.close()
        return proc.returncode


@dataclass
class InProcess:
    server: KpiServer
    url: str

    @property
    def origin(self) -> str:
        return self.url

    def children(self) -> list[int]:
        """The visitor processes of this server (children of this process that are not
        servers of other tests)."""
        return [p for p in children(os.getpid()) if b"serve" not in cmdline(p).split(b"\0")]


@contextlib.asynccontextmanager
async def in_process(
    users: Path, home: Path, paths: Sequence[str] = (), **config: object
) -> AsyncIterator[InProcess]:
    """The real server application, run by this test's event loop on a free loopback port,
    with settings a test needs (short lifetimes, a small throttle)."""
    saved = {k: os.environ.get(k) for k in ("XDG_CACHE_HOME", "XDG_CONFIG_HOME")}
    os.environ["XDG_CACHE_HOME"] = str(home / "cache")
    os.environ["XDG_CONFIG_HOME"] = str(home / "config")
    settings = ServeConfig(
        command=child_command(paths or [str(DEMO)], []), users_path=str(users), **config
    )  # type: ignore[arg-type]
    server = KpiServer(settings, UsersStore(str(users)))
    runner = web.AppRunner(server.make_app(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield InProcess(server, f"http://127.0.0.1:{runner.addresses[0][1]}")
    finally:
        await runner.cleanup()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


# --------------------------------------------------------------------------- HTTP


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    text: str
    set_cookies: list[str] = field(default_factory=list)

    def cookie(self, name: str = "kpitui_session") -> SimpleCookie:
        for raw in self.set_cookies:
            jar: SimpleCookie = SimpleCookie()
            jar.load(raw)
            if name in jar:
                return jar
        raise AssertionError(f"no {name} cookie in {self.set_cookies}")


async def call(
    base: str,
    method: str,
    path: str,
    *,
    token: str | None = None,
    headers: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
) -> Reply:
    """One request, no redirects followed, no cookie jar: exactly what the server answers."""
    sent = dict(headers or {})
    if token is not None:
        sent["Cookie"] = f"kpitui_session={token}"
    async with (
        aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as client,
        client.request(method, base + path, headers=sent, data=form, allow_redirects=False) as r,
    ):
        text = await r.text(errors="replace")
        return Reply(r.status, dict(r.headers), text, r.headers.getall("Set-Cookie", []))


async def sign_in(
    base: str, name: str = "lan", password: str = PASSWORD, headers: dict[str, str] | None = None
) -> str:
    """Sign in; returns the session token."""
    reply = await call(
        base, "POST", "/login", form={"name": name, "password": password}, headers=headers
    )
    assert reply.status == 303, (reply.status, reply.text[:300])
    return reply.cookie()["kpitui_session"].value


def screen_text(data: bytes) -> str:
    """The text a terminal was sent, escape sequences removed (runs of one style stay whole)."""
    return ESCAPES.sub(b" ", data).decode("utf-8", "replace")


class Terminal:
    """The browser's side of the terminal socket: textual-serve's JSON messages out, the
    app's bytes in."""

    def __init__(self, client: aiohttp.ClientSession, ws: aiohttp.ClientWebSocketResponse):
        self.client, self.ws = client, ws
        self.data = bytearray()
        self.messages: list[list[object]] = []
        self.closed = False

    async def pump(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not self.closed and (left := deadline - time.monotonic()) > 0:
            try:
                msg = await self.ws.receive(timeout=left)
            except TimeoutError:
                return
            if msg.type == aiohttp.WSMsgType.BINARY:
                self.data += msg.data
            elif msg.type == aiohttp.WSMsgType.TEXT:
                self.messages.append(msg.json())
            else:
                self.closed = True

    async def wait_for(self, check: Callable[[Terminal], bool], timeout: float = 30) -> bool:
        deadline = time.monotonic() + timeout
        while not check(self) and not self.closed and time.monotonic() < deadline:
            await self.pump(min(0.2, max(0.0, deadline - time.monotonic())))
        return check(self)

    def text(self) -> str:
        return screen_text(bytes(self.data))

    async def keys(self, *keys: str, pause: float = 0.3) -> None:
        for key in keys:
            await self.ws.send_json(["stdin", key])
            await self.pump(pause)


@contextlib.asynccontextmanager
async def terminal(
    base: str, token: str, origin: str | None = None, size: tuple[int, int] = (120, 40)
) -> AsyncIterator[Terminal]:
    headers = {"Cookie": f"kpitui_session={token}", "Origin": origin or base}
    async with (
        aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as client,
        client.ws_connect(
            f"{base}/ws?width={size[0]}&height={size[1]}", headers=headers, heartbeat=None
        ) as ws,
    ):
        yield Terminal(client, ws)


async def ws_status(base: str, token: str | None, origin: str | None) -> int:
    """The HTTP status of a websocket handshake (101 = accepted; then closed at once)."""
    headers = {} if origin is None else {"Origin": origin}
    if token is not None:
        headers["Cookie"] = f"kpitui_session={token}"
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as client:
        try:
            async with client.ws_connect(f"{base}/ws", headers=headers, heartbeat=None):
                return 101
        except aiohttp.WSServerHandshakeError as exc:
            return exc.status


def png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """(width, height, rows of RGB bytes) of an 8-bit, non-interlaced RGB(A) PNG, as a
    browser's screenshot is; enough to count colours without an imaging library."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat = 8, bytearray()
    width = height = bpp = 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and colour in (2, 6) and interlace == 0
            bpp = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(bytes(idat))
    stride = width * bpp
    rows: list[bytes] = []
    prev = bytearray(stride)
    for y in range(height):
        kind_of_filter = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if kind_of_filter == 1:
                line[i] = (line[i] + a) & 255
            elif kind_of_filter == 2:
                line[i] = (line[i] + b) & 255
            elif kind_of_filter == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind_of_filter == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        prev = line
        rgb = bytes(line) if bpp == 3 else b"".join(line[x : x + 3] for x in range(0, stride, 4))
        rows.append(rgb)
    return width, height, rows


def colour_counts(png: bytes, colours: Sequence[str]) -> dict[str, int]:
    """How many pixels of the screenshot have exactly each ``#RRGGBB`` colour."""
    _, _, rows = png_pixels(png)
    wanted = {bytes.fromhex(c.lstrip("#")): c for c in colours}
    counts = dict.fromkeys(colours, 0)
    for row in rows:
        for x in range(0, len(row), 3):
            hit = wanted.get(row[x : x + 3])
            if hit is not None:
                counts[hit] += 1
    return counts
