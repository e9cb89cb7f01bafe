"""``kpitui serve`` over HTTP (SPEC §11.1), against the real server on a loopback port:
sign-in, cookies, Origin, forged cookies, the throttle, the terminal socket, sign-out,
downloads, and the users file read while serving."""

from __future__ import annotations

import asyncio
import io
import os
import secrets
import time
from pathlib import Path

import openpyxl
import pytest

from kpitui.demo import demo_path
from kpitui.serve.auth import token_key
from kpitui.serve.users import set_password

from .conftest import OTHER_PASSWORD
from .helpers import (
    DEMO_TITLE,
    PASSWORD,
    ServeProcess,
    alive,
    call,
    sign_in,
    terminal,
    wait_until,
    ws_status,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def addr(prefix: str) -> dict[str, str]:
    """Headers of a visitor at a fresh address behind the (loopback) reverse proxy."""
    return {"X-Forwarded-For": f"{prefix}.{secrets.randbelow(250) + 1}"}


# --------------------------------------------------------------------------- no session


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/"),
        ("HEAD", "/"),
        ("GET", "/?fontsize=20"),
        ("GET", "/static/js/textual.js"),
        ("GET", "/static/css/xterm.css"),
        ("GET", "/download/0123456789abcdef"),
        ("GET", "/no/such/page"),
        ("POST", "/logout"),
    ],
)
async def test_every_page_without_a_session_goes_to_the_sign_in(
    server: ServeProcess, method: str, path: str
) -> None:
    reply = await call(server.url, method, path)
    assert reply.status == 303 and reply.headers["Location"] == "/login"
    assert "textual" not in reply.text


async def test_the_terminal_socket_without_a_session_is_401(server: ServeProcess) -> None:
    assert await ws_status(server.url, None, server.origin) == 401
    assert await ws_status(server.url, secrets.token_urlsafe(32), server.origin) == 401
    assert not server.children()


async def test_the_sign_in_form(server: ServeProcess) -> None:
    reply = await call(server.url, "GET", "/login")
    assert reply.status == 200 and reply.headers["Content-Type"].startswith("text/html")
    page = reply.text
    assert 'method="post" action="/login"' in page
    assert 'name="name"' in page and 'name="password"' in page and 'type="password"' in page
    assert "Đăng nhập" in page and DEMO_TITLE in page  # the demo data set speaks Vietnamese
    assert reply.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in reply.headers["Content-Security-Policy"]
    assert reply.headers["Cache-Control"] == "no-store"
    assert "http://" not in page and "https://" not in page  # nothing from other hosts


# --------------------------------------------------------------------------- signing in


async def test_signing_in_gives_a_random_strict_http_only_cookie(server: ServeProcess) -> None:
    form = {"name": "lan", "password": PASSWORD}
    reply = await call(server.url, "POST", "/login", form=form, headers=addr("10.1.0"))
    assert reply.status == 303 and reply.headers["Location"] == "/"
    jar = reply.cookie()
    morsel = jar["kpitui_session"]
    assert morsel["httponly"] is True
    assert morsel["samesite"] == "Strict"
    assert morsel["path"] == "/"
    assert int(morsel["max-age"]) == 12 * 3600
    assert not morsel["secure"]  # plain http on loopback
    token = morsel.value
    assert len(token) >= 43
    again = await call(server.url, "POST", "/login", form=form, headers=addr("10.1.0"))
    assert again.cookie()["kpitui_session"].value != token

    page = await call(server.url, "GET", "/", token=token)
    assert page.status == 200
    assert f'data-session-websocket-url="ws://{server.url[len("http://") :]}/ws"' in page.text
    assert '<span class="user">lan</span>' in page.text
    assert 'action="/logout"' in page.text
    assert (await call(server.url, "GET", "/login", token=token)).headers["Location"] == "/"
    assert (await call(server.url, "GET", "/static/js/textual.js", token=token)).status == 200


async def test_behind_an_https_proxy_the_cookie_is_secure_and_the_socket_wss(
    server: ServeProcess,
) -> None:
    host = server.url[len("http://") :]
    headers = {"X-Forwarded-Proto": "https", "Origin": f"https://{host}", **addr("10.1.1")}
    reply = await call(
        server.url, "POST", "/login", form={"name": "lan", "password": PASSWORD}, headers=headers
    )
    assert reply.status == 303 and reply.cookie()["kpitui_session"]["secure"] is True
    token = reply.cookie()["kpitui_session"].value
    page = await call(server.url, "GET", "/", token=token, headers={"X-Forwarded-Proto": "https"})
    assert f'data-session-websocket-url="wss://{host}/ws"' in page.text


async def test_a_failed_sign_in_is_401_and_logged_without_the_password(
    server: ServeProcess,
) -> None:
    wrong = "wrong-" + secrets.token_hex(8)
    for name in ("lan", "nobody"):
        reply = await call(
            server.url,
            "POST",
            "/login",
            form={"name": name, "password": wrong},
            headers={"X-Forwarded-For": "10.1.2.3"},
        )
        assert reply.status == 401 and not reply.set_cookies
        assert "Sai tên đăng nhập hoặc mật khẩu." in reply.text  # the same for both
    assert wait_until(lambda: "name 'nobody' from 10.1.2.3" in server.log(), 5)
    assert "sign-in failed: name 'lan' from 10.1.2.3" in server.log()
    assert wrong not in server.log()
    missing = await call(server.url, "POST", "/login", form={"name": "lan"}, headers=addr("10.1.3"))
    assert missing.status == 401


async def test_forged_and_foreign_cookies_are_refused(server: ServeProcess) -> None:
    token = await sign_in(server.url, headers=addr("10.1.4"))
    flipped = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    for forged in (secrets.token_urlsafe(32), flipped, token_key(token), token + "x", ""):
        reply = await call(server.url, "GET", "/", token=forged)
        assert reply.status == 303 and reply.headers["Location"] == "/login"
    assert (await call(server.url, "GET", "/", token=token)).status == 200


async def test_cross_site_forms_are_refused(server: ServeProcess) -> None:
    form = {"name": "lan", "password": PASSWORD}
    for headers in (
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Origin": server.url.replace("127.0.0.1", "localhost")},
        {"Referer": "https://evil.example/page"},
    ):
        reply = await call(server.url, "POST", "/login", form=form, headers=headers)
        assert reply.status == 403 and not reply.set_cookies, headers
    token = await sign_in(server.url, headers={"Origin": server.origin, **addr("10.1.5")})
    refused = await call(
        server.url, "POST", "/logout", token=token, headers={"Origin": "https://evil.example"}
    )
    assert refused.status == 403
    assert (await call(server.url, "GET", "/", token=token)).status == 200  # still signed in


# --------------------------------------------------------------------------- the throttle


async def test_failed_sign_ins_lock_a_name_out_for_a_doubling_window(
    server: ServeProcess,
) -> None:
    start = time.monotonic()
    statuses = []
    for _ in range(6):  # 5 free failures, the 6th locks the name for 1 s
        reply = await call(
            server.url, "POST", "/login", form={"name": "minh", "password": "guess1234"},
            headers=addr("10.2.0"),
        )  # fmt: skip
        statuses.append(reply.status)
    assert statuses == [401] * 6
    locked = await call(
        server.url, "POST", "/login", form={"name": "minh", "password": OTHER_PASSWORD},
        headers=addr("10.2.1"),
    )  # fmt: skip
    assert locked.status == 429 and not locked.set_cookies  # even the right password
    assert int(locked.headers["Retry-After"]) >= 1
    assert "Đăng nhập sai quá nhiều lần" in locked.text
    assert wait_until(
        lambda: "name 'minh' from" in server.log() and "locked out" in server.log(), 5
    )
    # Another name from the same addresses is not locked.
    assert await sign_in(server.url, headers={"X-Forwarded-For": "10.2.0.7"})
    # After the window, the right password gets in (and clears the count).
    await asyncio.sleep(max(0.0, 1.2 - (time.monotonic() - start)))
    await asyncio.sleep(1.1)
    assert await sign_in(server.url, "minh", OTHER_PASSWORD, headers=addr("10.2.2"))


async def test_a_burst_of_guesses_at_once_gets_no_more_tries(server: ServeProcess) -> None:
    name = "burst" + secrets.token_hex(3)
    replies = await asyncio.gather(
        *(
            call(server.url, "POST", "/login", form={"name": name, "password": f"guess{i:04}"},
                 headers=addr("10.4.0"))
            for i in range(24)
        )
    )  # fmt: skip
    statuses = [r.status for r in replies]
    assert statuses.count(401) <= 5 + 1 + 2  # free, the one that locks, the checks under way
    assert statuses.count(429) >= 16


async def test_failed_sign_ins_lock_an_address_out(server: ServeProcess) -> None:
    address = {"X-Forwarded-For": "10.3.0.1"}
    for i in range(21):  # 20 free failures per address, the 21st locks it
        reply = await call(
            server.url, "POST", "/login", form={"name": f"user{i}", "password": "guess1234"},
            headers=address,
        )  # fmt: skip
        assert reply.status == 401
    locked = await call(
        server.url, "POST", "/login", form={"name": "lan", "password": PASSWORD}, headers=address
    )
    assert locked.status == 429
    assert await sign_in(server.url, headers={"X-Forwarded-For": "10.3.0.2"})


# --------------------------------------------------------------------------- the terminal


async def test_the_terminal_socket_checks_the_origin(server: ServeProcess) -> None:
    token = await sign_in(server.url, headers=addr("10.5.0"))
    foreign = (
        None,
        "https://evil.example",
        "null",
        server.url.replace("127.0.0.1", "localhost"),
        server.url.replace("http://", "https://"),
        server.url + "0",
    )
    for origin in foreign:
        assert await ws_status(server.url, token, origin) == 403, origin
    assert not server.children()


async def test_a_terminal_runs_the_dashboard_and_ends_with_its_socket(
    server: ServeProcess,
) -> None:
    token = await sign_in(server.url, headers=addr("10.6.0"))
    async with terminal(server.url, token) as term:
        assert await term.wait_for(lambda t: DEMO_TITLE in t.text()), term.text()[-2000:]
        kids = server.children()
        assert len(kids) == 1
        with open(f"/proc/{kids[0]}/cmdline", "rb") as fh:
            argv = fh.read().split(b"\0")
        demo = os.path.abspath(demo_path()).encode()  # no PATH given: the bundled demo
        assert argv[1:4] == [b"-m", b"kpitui", demo]  # the dashboard itself
        await term.keys("\r")  # Enter: the breakdown of the first indicator
        assert await term.wait_for(lambda t: "Văn phòng UBND tỉnh" in t.text())
    # The tab is closed: its process ends within seconds.
    assert wait_until(lambda: not alive(kids[0]), 8), "the process outlived its tab"
    assert not server.children()


async def test_signing_out_ends_the_session_and_its_process(server: ServeProcess) -> None:
    token = await sign_in(server.url, headers=addr("10.7.0"))
    async with terminal(server.url, token) as term:
        assert await term.wait_for(lambda t: DEMO_TITLE in t.text())
        (pid,) = server.children()
        reply = await call(
            server.url, "POST", "/logout", token=token, headers={"Origin": server.origin}
        )
        assert reply.status == 303 and reply.headers["Location"] == "/login"
        morsel = reply.cookie()["kpitui_session"]
        assert morsel.value == "" and int(morsel["max-age"]) == 0
        assert await term.wait_for(lambda t: t.closed, 10)  # the server closed the terminal
    assert not alive(pid)
    assert (await call(server.url, "GET", "/", token=token)).status == 303
    assert await ws_status(server.url, token, server.origin) == 401


async def test_an_export_is_a_download_for_its_own_session_only(
    server: ServeProcess, home: Path
) -> None:
    token = await sign_in(server.url, headers=addr("10.8.0"))
    other = await sign_in(server.url, "minh", OTHER_PASSWORD, headers=addr("10.8.1"))
    async with terminal(server.url, token) as term:
        assert await term.wait_for(lambda t: DEMO_TITLE in t.text())
        await term.keys("\r")
        assert await term.wait_for(lambda t: "Văn phòng UBND tỉnh" in t.text())
        await term.keys("e")
        assert await term.wait_for(lambda t: "Xuất báo cáo" in t.text())
        await term.keys("\t", "\r")  # to the file name, then export (xlsx)
        assert await term.wait_for(
            lambda t: any(m[0] == "deliver_file_start" for m in t.messages), 20
        ), term.messages
        key = next(m[1] for m in term.messages if m[0] == "deliver_file_start")
        assert isinstance(key, str)
        assert (await call(server.url, "GET", f"/download/{key}")).status == 303
        assert (await call(server.url, "GET", f"/download/{key}", token=other)).status == 404
        reply_task = asyncio.create_task(call(server.url, "GET", f"/download/{key}", token=token))
        while not reply_task.done():
            await term.pump(0.1)  # the chunks come through this terminal's process
        reply = reply_task.result()
    assert reply.status == 200
    assert reply.headers["Content-Type"] == XLSX
    disposition = reply.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="kpitui-breakdown-')
    assert disposition.endswith(".xlsx")
    assert not list(home.rglob("kpitui-breakdown-*"))  # nothing written on the server
    assert (await call(server.url, "GET", f"/download/{key}", token=token)).status == 404  # once


async def test_the_download_bytes_are_the_breakdown(server: ServeProcess) -> None:
    token = await sign_in(server.url, headers=addr("10.9.0"))
    async with terminal(server.url, token) as term:
        assert await term.wait_for(lambda t: DEMO_TITLE in t.text())
        await term.keys("\r")
        assert await term.wait_for(lambda t: "Văn phòng UBND tỉnh" in t.text())
        await term.keys("e")
        assert await term.wait_for(lambda t: "Xuất báo cáo" in t.text())
        await term.keys("\t", "\r")
        assert await term.wait_for(lambda t: any(m[0] == "deliver_file_start" for m in t.messages))
        key = next(m[1] for m in term.messages if m[0] == "deliver_file_start")
        import aiohttp

        async with (
            aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as client,
        ):
            fetch = asyncio.create_task(_fetch_bytes(client, f"{server.url}/download/{key}", token))
            while not fetch.done():
                await term.pump(0.1)
            data = fetch.result()
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    assert book.worksheets[0].title == "Chi tiết theo đơn vị"  # the view, in the UI language
    rows = list(book["data"].iter_rows(values_only=True))  # and its machine columns
    assert rows[0][:3] == ("agency", "agency_name", "parent")
    assert "Văn phòng UBND tỉnh" in {r[1] for r in rows[1:]}
    book.close()


async def _fetch_bytes(client, url: str, token: str) -> bytes:  # type: ignore[no-untyped-def]
    async with client.get(url, headers={"Cookie": f"kpitui_session={token}"}) as r:
        assert r.status == 200
        return bytes(await r.read())


# --------------------------------------------------------------------------- the users file


async def test_the_users_file_is_read_again_while_serving(
    server: ServeProcess, users: Path
) -> None:
    set_password(users, "thu", "thu's first password")
    token = await sign_in(server.url, "thu", "thu's first password", headers=addr("10.10.0"))
    assert (await call(server.url, "GET", "/", token=token)).status == 200
    set_password(users, "thu", "thu's second password")
    assert (await call(server.url, "GET", "/", token=token)).status == 303  # a new password ends it
    assert await sign_in(server.url, "thu", "thu's second password", headers=addr("10.10.1"))
    good = users.read_text("utf-8")
    users.write_text(good + "[[user]\n", "utf-8")  # broken: the last good version stays
    try:
        assert await sign_in(server.url, "thu", "thu's second password", headers=addr("10.10.2"))
        assert wait_until(lambda: "the previous version stays in effect" in server.log(), 5)
    finally:
        users.write_text(good, "utf-8")
