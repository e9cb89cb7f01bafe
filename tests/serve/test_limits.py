"""The bounds of ``kpitui serve``: no start without a usable users file, at most
``--max-sessions`` processes, expiring sessions, and no process left behind."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from kpitui.serve.auth import Guard, Throttle
from kpitui.serve.users import hash_password

from .helpers import (
    DEMO_TITLE,
    PYTHON,
    ServeProcess,
    alive,
    await_until,
    call,
    clean_env,
    in_process,
    sign_in,
    terminal,
    wait_until,
    ws_status,
)

# --------------------------------------------------------------------------- refusals


def serve_once(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PYTHON, "-m", "kpitui", "serve", "--port", "0", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=clean_env(home),
        cwd=home,
        timeout=60,
    )


def refusals(tmp_path: Path) -> dict[str, tuple[list[str], str]]:
    (tmp_path / "empty.toml").write_text("# nobody\n")
    (tmp_path / "broken.toml").write_text('[[user]]\nname = "lan"\npassword = "plain"\n')
    (tmp_path / "folder").mkdir()
    return {
        "no --users": (
            [],
            "kpitui serve: error: --users FILE is required: nobody gets in without signing in "
            "(create it with: kpitui passwd NAME --users FILE)",
        ),
        "missing": (
            ["--users", "nope.toml"],
            "kpitui serve: nope.toml: error: no such file "
            "(create it with: kpitui passwd NAME --users nope.toml)",
        ),
        "empty": (
            ["--users", "empty.toml"],
            "kpitui serve: empty.toml: error: no [[user]] entries "
            "(add one with: kpitui passwd NAME --users empty.toml)",
        ),
        "broken": (
            ["--users", "broken.toml"],
            "kpitui serve: broken.toml:1: error: user 'lan': 'password' is not a scrypt hash "
            "(set it with: kpitui passwd lan --users broken.toml)",
        ),
        "folder": (
            ["--users", "folder"],
            "kpitui serve: folder: error: is a folder, not a users file",
        ),
    }


@pytest.mark.parametrize("case", ["no --users", "missing", "empty", "broken", "folder"])
def test_serve_refuses_to_start_without_a_usable_users_file(tmp_path: Path, case: str) -> None:
    args, message = refusals(tmp_path)[case]
    done = serve_once(tmp_path, *args)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [message]
    assert "Traceback" not in done.stderr


def test_serve_refuses_a_bad_limit_and_a_taken_port(tmp_path: Path) -> None:
    users = tmp_path / "users.toml"
    users.write_text(f'[[user]]\nname = "lan"\npassword = "{hash_password("x" * 8)}"\n')
    users.chmod(0o600)
    done = serve_once(tmp_path, "--users", str(users), "--max-sessions", "0")
    assert done.returncode == 2
    assert done.stderr.strip() == "kpitui serve: error: --max-sessions must be at least 1"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = serve_once(tmp_path, "--users", str(users), "--port", str(port))
    assert done.returncode == 1
    assert done.stderr.splitlines()[-1] == (
        f"kpitui serve: error: cannot listen on 127.0.0.1:{port}: address already in use"
    )


def test_a_users_file_others_can_read_is_warned_about(tmp_path: Path) -> None:
    users = tmp_path / "users.toml"
    users.write_text(f'[[user]]\nname = "lan"\npassword = "{hash_password("x" * 8)}"\n')
    users.chmod(0o644)
    proc = ServeProcess(tmp_path, ["--users", str(users)]).start()
    try:
        assert "can be read by other users (chmod 600 it)" in proc.log()
        assert proc.url.startswith("http://127.0.0.1:")  # loopback unless --host says otherwise
    finally:
        assert proc.stop() == 0


# --------------------------------------------------------------------------- max sessions


@pytest.fixture(scope="module")
def small(home: Path, users: Path):  # type: ignore[no-untyped-def]
    """A server that allows two processes."""
    proc = ServeProcess(home, ["--users", str(users), "--max-sessions", "2"]).start()
    yield proc
    assert proc.stop() == 0
    started = proc.started_pids()
    assert wait_until(lambda: not any(alive(p) for p in started), 10), "orphans left behind"


async def test_more_than_max_sessions_are_refused_with_a_page(small: ServeProcess) -> None:
    from .conftest import OTHER_PASSWORD

    a = await sign_in(small.url)
    b = await sign_in(small.url, "minh", OTHER_PASSWORD)
    c = await sign_in(small.url)
    async with terminal(small.url, a) as one, terminal(small.url, b) as two:
        for term in (one, two):
            assert await term.wait_for(lambda t: DEMO_TITLE in t.text())
        assert len(small.children()) == 2
        page = await call(small.url, "GET", "/", token=c)
        assert page.status == 503
        assert "Máy chủ đang mở 2 phiên, bằng giới hạn cho phép." in page.text
        assert int(page.headers["Retry-After"]) > 0
        started = time.monotonic()
        assert await ws_status(small.url, c, small.origin) == 503
        assert time.monotonic() - started >= 2.5  # it waited a moment for a place
        assert len(small.children()) == 2
        pids = small.children()
        await one.ws.close()
        assert await await_until(lambda: len(small.children()) == 1, 8)
        for _ in range(50):  # the place is free once its process is gone
            if (await call(small.url, "GET", "/", token=c)).status == 200:
                break
            await asyncio.sleep(0.1)
        assert (await call(small.url, "GET", "/", token=c)).status == 200
        async with terminal(small.url, c) as three:
            assert await three.wait_for(lambda t: DEMO_TITLE in t.text())
            assert len(small.children()) == 2
    assert await await_until(lambda: not small.children(), 8)
    assert not any(alive(p) for p in pids)


async def test_a_reload_waits_for_the_place_its_closing_tab_frees(small: ServeProcess) -> None:
    a = await sign_in(small.url)
    b = await sign_in(small.url)
    async with terminal(small.url, a) as one, terminal(small.url, b) as two:
        for term in (one, two):
            assert await term.wait_for(lambda t: DEMO_TITLE in t.text())
        # The page of a session that has a terminal is served even at the limit (a reload)...
        assert (await call(small.url, "GET", "/", token=a)).status == 200
        await one.ws.close()  # ...its old tab closes as the new one connects
        async with terminal(small.url, a) as again:
            assert await again.wait_for(lambda t: DEMO_TITLE in t.text())
            assert len(small.children()) <= 2


# --------------------------------------------------------------------------- stopping


def test_stopping_the_server_ends_every_process(home: Path, users: Path) -> None:
    proc = ServeProcess(home, ["--users", str(users)]).start()

    async def open_two() -> list[int]:
        token = await sign_in(proc.url)
        async with terminal(proc.url, token) as one, terminal(proc.url, token) as two:
            for term in (one, two):
                assert await term.wait_for(lambda t: DEMO_TITLE in t.text())
            pids = proc.children()
            assert len(pids) == 2
            os.kill(proc.pid, signal.SIGTERM)
            for term in (one, two):
                assert await term.wait_for(lambda t: t.closed, 15)
            return pids

    pids = asyncio.run(open_two())
    assert proc.stop() == 0
    assert wait_until(lambda: not any(alive(p) for p in pids), 5)
    assert "kpitui serve: stopping" in proc.log()


def test_a_killed_server_leaves_no_process_behind(home: Path, users: Path) -> None:
    proc = ServeProcess(home, ["--users", str(users)]).start()

    async def open_one() -> int:
        token = await sign_in(proc.url)
        async with terminal(proc.url, token) as term:
            assert await term.wait_for(lambda t: DEMO_TITLE in t.text())
            (pid,) = proc.children()
            os.kill(proc.pid, signal.SIGKILL)  # no chance to stop anything
            assert await term.wait_for(lambda t: t.closed, 15)
            return pid

    pid = asyncio.run(open_one())
    assert proc.stop() == -signal.SIGKILL
    ended = wait_until(lambda: not alive(pid), 5)
    if not ended:
        os.kill(pid, signal.SIGKILL)  # not left running after a failure
    assert ended, "the process outlived its server"


# --------------------------------------------------------------------------- expiry


async def test_an_expired_session_cookie_is_refused(home: Path, users: Path) -> None:
    async with in_process(users, home, session_seconds=1.0) as srv:
        token = await sign_in(srv.url)
        reply = await call(srv.url, "GET", "/", token=token)
        assert reply.status == 200
        await asyncio.sleep(1.2)
        reply = await call(srv.url, "GET", "/", token=token)
        assert reply.status == 303 and reply.headers["Location"] == "/login"
        assert await ws_status(srv.url, token, srv.origin) == 401


async def test_an_expired_session_ends_its_terminal(home: Path, users: Path) -> None:
    async with in_process(users, home, session_seconds=5.0, sweep=0.3) as srv:
        signed_in = time.monotonic()
        token = await sign_in(srv.url)
        async with terminal(srv.url, token) as term:
            assert await term.wait_for(lambda t: len(srv.children()) == 1, 5)
            (pid,) = srv.children()
            assert await term.wait_for(lambda t: t.closed, 15)
            assert time.monotonic() - signed_in >= 4.9  # at expiry, not before
        assert await await_until(lambda: not alive(pid), 8)


async def test_the_lock_out_window_passes(home: Path, users: Path) -> None:
    from .helpers import PASSWORD

    guard = Guard(Throttle(free=1, base=0.5), Throttle(free=100))
    async with in_process(users, home, guard=guard) as srv:
        for _ in range(2):
            reply = await call(
                srv.url, "POST", "/login", form={"name": "lan", "password": "not it at all"}
            )
            assert reply.status == 401
        form = {"name": "lan", "password": PASSWORD}
        assert (await call(srv.url, "POST", "/login", form=form)).status == 429
        await asyncio.sleep(0.6)
        assert (await call(srv.url, "POST", "/login", form=form)).status == 303
