"""Load test of `kpitui serve` on loopback: concurrent visitors, first paint and memory.

Generates a data set on the fly (see bench_export.generate; nothing is committed), writes a
users file, starts `kpitui serve` on a free 127.0.0.1 port, then:

  terminal          the floor: `kpitui DIR` in a local pseudo-terminal (120x40), warm cache
  alone, no cache   one visitor, the server started with KPITUI_NO_CACHE=1
  alone             one visitor with the on-disk cache the server warmed at start-up
  N at once         --visitors visitors sign in and open the dashboard at the same moment

A first paint is the time until the terminal has received the dashboard's title and its
first indicator row: for a visitor, from its sign-in request (so it includes the password
check and the process start). While all N are open, the
memory of each kpitui process is read from /proc: RSS, and PSS (shared pages divided among
the processes that share them). Then every socket closes and the time until the last
process has ended is measured. Every wait is bounded (--timeout); traffic goes only to
127.0.0.1. Usage:

    python bench/bench_serve.py [--visitors 8] [--months 1] [--timeout 120]
"""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import os
import re
import select
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).parent))
from bench_export import _generate_in_child

PASSWORD = "bench password"
ESCAPES = re.compile(rb"\x1b(\[[0-9;?<>=]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|.)")


def kib(pid: int, field: str, source: str = "status") -> int:
    try:
        with open(f"/proc/{pid}/{source}") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def children(pid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    fields = fh.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] != "Z":
                out.append(int(entry))
    return out


def local_terminal(folder: Path, home: Path, marks: tuple[bytes, ...], timeout: float) -> float:
    """Seconds from starting `kpitui DIR` in a pseudo-terminal to its first paint."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEXTUAL", "KPITUI"))}
    env.update(
        TERM="xterm-256color",
        COLORTERM="truecolor",
        XDG_CACHE_HOME=str(home / "cache"),
        XDG_CONFIG_HOME=str(home / "config"),
    )
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "kpitui", str(folder), "--lang", "en"],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        start_new_session=True,
    )
    os.close(slave)
    data = bytearray()
    try:
        while not all(m in ESCAPES.sub(b" ", bytes(data)) for m in marks):
            if time.perf_counter() - start > timeout:
                raise SystemExit("the local dashboard did not paint in time")
            ready, _, _ = select.select([master], [], [], 0.05)
            if ready:
                try:
                    data += os.read(master, 65536)
                except OSError:
                    raise SystemExit("the local dashboard ended") from None
        return time.perf_counter() - start
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        os.close(master)


class Server:
    def __init__(self, folder: Path, users: Path, home: Path, visitors: int, cache: bool):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TEXTUAL", "KPITUI"))}
        env.update(XDG_CACHE_HOME=str(home / "cache"), XDG_CONFIG_HOME=str(home / "config"))
        if not cache:
            env["KPITUI_NO_CACHE"] = "1"
        cmd = [sys.executable, "-m", "kpitui", "serve", str(folder), "--users", str(users)]
        cmd += ["--port", "0", "--max-sessions", str(visitors), "--lang", "en"]
        self.proc = subprocess.Popen(
            cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        assert self.proc.stderr is not None
        self.url = ""
        for line in self.proc.stderr:
            m = re.search(r"listening on (http://\S+?)/ ", line)
            if m:
                self.url = m.group(1)
                break
        if not self.url:
            raise SystemExit("the server did not start")

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        if self.proc.stderr is not None:
            self.proc.stderr.close()


async def visit(
    url: str,
    marks: tuple[bytes, ...],
    timeout: float,
    hold: asyncio.Event | None = None,
    painted: list[tuple[float, float]] | None = None,
) -> tuple[float, float]:
    """Seconds to the first paint from the sign-in request and from the socket's opening
    (also appended to ``painted``); the tab stays open until ``hold`` is set."""
    start = time.perf_counter()
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as client:
        form = {"name": "bench", "password": PASSWORD}
        async with client.post(f"{url}/login", data=form, allow_redirects=False) as reply:
            if reply.status != 303:
                raise SystemExit(f"sign-in failed: {reply.status}")
            token = reply.cookies["kpitui_session"].value
        headers = {"Cookie": f"kpitui_session={token}", "Origin": url}
        async with client.ws_connect(
            f"{url}/ws?width=120&height=40", headers=headers, heartbeat=None
        ) as ws:
            opened = time.perf_counter()
            data = bytearray()
            deadline = start + timeout
            while not all(m in ESCAPES.sub(b" ", bytes(data)) for m in marks):
                left = deadline - time.perf_counter()
                if left <= 0:
                    raise SystemExit("a visitor saw no first paint in time")
                msg = await ws.receive(timeout=left)
                if msg.type == aiohttp.WSMsgType.BINARY:
                    data += msg.data
                elif msg.type != aiohttp.WSMsgType.TEXT:
                    raise SystemExit(f"the terminal closed: {msg.type}")
            now = time.perf_counter()
            seconds = (now - start, now - opened)
            if painted is not None:
                painted.append(seconds)
            if hold is not None:
                drain = asyncio.create_task(_drain(ws))
                await asyncio.wait_for(hold.wait(), timeout)
                drain.cancel()
            return seconds


async def _drain(ws: aiohttp.ClientWebSocketResponse) -> None:
    async for _ in ws:
        pass


async def crowd(server: Server, n: int, marks: tuple[bytes, ...], timeout: float) -> dict:
    """N visitors at once; memory is read once all have painted."""
    hold = asyncio.Event()
    painted: list[tuple[float, float]] = []
    tasks = [
        asyncio.create_task(visit(server.url, marks, timeout, hold, painted)) for _ in range(n)
    ]
    deadline = time.perf_counter() + timeout
    while len(painted) < n:
        failed = [t for t in tasks if t.done() and t.exception()]
        if failed:
            raise failed[0].exception()  # type: ignore[misc]
        if time.perf_counter() > deadline:
            raise SystemExit(f"only {len(painted)} of {n} visitors painted in time")
        await asyncio.sleep(0.05)
    await asyncio.sleep(2.0)  # let every process settle after its first paint
    pids = children(server.proc.pid)
    rss = [kib(p, "VmRSS") for p in pids]
    pss = [kib(p, "Pss", "smaps_rollup") for p in pids]
    server_rss = kib(server.proc.pid, "VmRSS")
    hold.set()
    await asyncio.gather(*tasks)
    closed = time.perf_counter()
    while children(server.proc.pid) and time.perf_counter() - closed < timeout:
        await asyncio.sleep(0.05)
    return {
        "paints": painted,
        "rss": rss,
        "pss": pss,
        "server_rss": server_rss,
        "ended": time.perf_counter() - closed,
        "left": len(children(server.proc.pid)),
    }


def mib(k: float) -> str:
    return f"{k / 1024:.0f} MiB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--visitors", type=int, default=8)
    parser.add_argument("--months", type=int, default=1, help="months of data (1 = 333 k rows)")
    parser.add_argument("--provinces", type=int, default=34)
    parser.add_argument("--communes", type=int, default=98)
    parser.add_argument("--indicators", type=int, default=100)
    parser.add_argument("--timeout", type=float, default=120.0)
    args = parser.parse_args()
    if not 1 <= args.visitors <= 32:
        raise SystemExit("--visitors: 1 to 32")

    with tempfile.TemporaryDirectory(prefix="kpitui-bench-serve-") as tmp:
        root = Path(tmp)
        folder = root / "data"
        folder.mkdir()
        rows = _generate_in_child(folder, args)
        users = root / "users.toml"
        subprocess.run(
            [sys.executable, "-m", "kpitui", "passwd", "bench", "--users", str(users)],
            input=PASSWORD,
            text=True,
            check=True,
            capture_output=True,
        )
        marks = (b"National benchmark", b"Indicator 0", b"%")  # a figure, not just names
        print(f"data: {rows:,} rows; {os.cpu_count()} cores; {args.visitors} visitors at once")

        results: dict[str, tuple[float, float]] = {}
        for label, cache in (("alone, no cache", False), ("alone", True), ("alone", True)):
            server = Server(folder, users, root, 1, cache)
            try:
                results[label] = asyncio.run(visit(server.url, marks, args.timeout, None))
            finally:
                server.stop()
            total, socket = results[label]
            print(
                f"first paint, {label:<16} {total:6.2f} s ({socket:.2f} s after the socket opened)"
            )
        floor = min(local_terminal(folder, root, marks, args.timeout) for _ in range(2))
        print(f"first paint, local terminal {floor:6.2f} s (the floor: no browser, no sign-in)")

        server = Server(folder, users, root, args.visitors, True)
        try:
            out = asyncio.run(crowd(server, args.visitors, marks, args.timeout))
        finally:
            server.stop()
        paints = sorted(p[0] for p in out["paints"])
        sockets = sorted(p[1] for p in out["paints"])
        print(
            f"first paint, {args.visitors} at once     median {statistics.median(paints):.2f} s, "
            f"slowest {paints[-1]:.2f} s (after the socket opened: median "
            f"{statistics.median(sockets):.2f} s, slowest {sockets[-1]:.2f} s)"
        )
        rss, pss = out["rss"], out["pss"]
        print(
            f"memory per visitor: RSS median {mib(statistics.median(rss))}, max {mib(max(rss))}; "
            f"PSS median {mib(statistics.median(pss))} (shared pages split); "
            f"server {mib(out['server_rss'])}"
        )
        print(f"all {len(rss)} processes {mib(sum(pss))} PSS in all")
        print(
            f"tabs closed -> every process ended in {out['ended']:.2f} s "
            f"({out['left']} left behind)"
        )


if __name__ == "__main__":
    main()
