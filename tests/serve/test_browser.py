"""``kpitui serve`` in a real browser: Playwright drives Debian's headless Chromium.

The terminal is drawn by xterm.js on a canvas, so the tests read what it shows in two
honest ways: the pixels of a screenshot (the status colours of the product's palette), and
the bytes the page's terminal received on its websocket (escape sequences removed)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import polars as pl
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Response, sync_playwright

from kpitui.core import views
from kpitui.core.load.loader import build_snapshot
from kpitui.palette import STATUS_COLOURS

from .helpers import (
    DEMO,
    DEMO_TITLE,
    PASSWORD,
    ServeProcess,
    alive,
    colour_counts,
    screen_text,
    wait_until,
)

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
def browser(chromium: str) -> Iterator[Browser]:
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=chromium, args=ARGS)
        try:
            yield launched
        finally:
            launched.close()


class Visit:
    """One browser tab on the server: what its terminal received, what it downloaded."""

    def __init__(self, context: BrowserContext, page: Page) -> None:
        self.context, self.page = context, page
        self.received = bytearray()
        self.downloads: list[Any] = []
        self.responses: list[Response] = []
        page.on("websocket", lambda ws: ws.on("framereceived", self._frame))
        # The terminal opens each download in a new tab; Chromium reports it on the tab
        # that opened it, or on the new one.
        page.on("download", lambda d: self.downloads.append(d))
        context.on("page", lambda p: p.on("download", lambda d: self.downloads.append(d)))
        context.on("response", lambda r: self.responses.append(r))

    def _frame(self, payload: bytes | str) -> None:
        if isinstance(payload, bytes):
            self.received += payload

    def text(self) -> str:
        return screen_text(bytes(self.received))

    def wait(self, check: Callable[[], bool], timeout: float = 30.0) -> bool:
        for _ in range(int(timeout * 10)):
            if check():
                return True
            self.page.wait_for_timeout(100)
        return check()

    def sign_in(self, url: str, name: str = "lan", password: str = PASSWORD) -> None:
        self.page.goto(url + "/")
        assert self.page.url == url + "/login"  # sent to the sign-in first
        self.page.fill("#name", name)
        self.page.fill("#password", password)
        self.page.click("button[type=submit]")

    def press(self, *keys: str) -> None:
        self.page.focus(".xterm-helper-textarea")  # the terminal's keyboard input
        for key in keys:
            self.page.keyboard.press(key)
            self.page.wait_for_timeout(300)

    def download(self, count: int) -> tuple[Any, Response]:
        assert self.wait(lambda: len(self.downloads) >= count, 20), "no download arrived"
        download = self.downloads[count - 1]
        response = next(r for r in reversed(self.responses) if r.url == download.url)
        return download, response


@pytest.fixture
def visit(browser: Browser) -> Iterator[Visit]:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, accept_downloads=True)
    try:
        yield Visit(context, context.new_page())
    finally:
        context.close()


@dataclass
class Demo:
    """What the core computes for the demo data set (not what the server says)."""

    statuses: set[str]
    row: int
    """The first summary row whose indicator has at least three reporting agencies."""
    indicator: str
    reporters: set[str]
    """The names of the agencies with a value for that indicator."""
    agencies: set[str]
    """The names of every agency of its breakdown."""


def demo_figures() -> Demo:
    snap = build_snapshot([str(DEMO)])
    statuses = set(views.summary(snap)["status"].to_list())
    for row, ind in enumerate(snap.definitions.indicators):
        frame = views.breakdown(snap, ind.id, None)
        reporters = set(frame.filter(pl.col("value").is_not_null())["agency_name"].to_list())
        if len(reporters) >= 3:
            return Demo(statuses, row, ind.id, reporters, set(frame["agency_name"].to_list()))
    raise AssertionError("the demo has no indicator with three reporting agencies")


def test_sign_in_and_see_the_live_dashboard(
    server: ServeProcess, visit: Visit, tmp_path: Path
) -> None:
    page = visit.page
    visit.sign_in(server.url, password="wrong password")
    assert "Sai tên đăng nhập hoặc mật khẩu." in page.content()
    visit.sign_in(server.url)
    page.wait_for_selector("body.-first-byte", timeout=30_000)
    assert page.url == server.url + "/"
    assert visit.wait(lambda: DEMO_TITLE in visit.text()), visit.text()[-2000:]
    assert visit.wait(lambda: "trực tiếp" in visit.text())  # live, in Vietnamese
    page.wait_for_timeout(500)  # let xterm.js draw the last frame
    shot = page.screenshot(path=str(tmp_path / "dashboard.png"))
    statuses = demo_figures().statuses
    shown = {s: STATUS_COLOURS[s] for s in ("met", "near", "behind") if s in statuses}
    assert len(shown) == 3
    counts = colour_counts(shot, list(shown.values()))
    assert all(n >= 200 for n in counts.values()), counts  # the attainment bars, coloured
    assert server.children() and len(server.children()) == 1, server.log()


def test_keys_drill_down_and_exports_arrive_as_downloads(
    server: ServeProcess, visit: Visit, home: Path
) -> None:
    demo = demo_figures()
    visit.sign_in(server.url)
    assert visit.wait(lambda: DEMO_TITLE in visit.text())
    assert not any(name in visit.text() for name in demo.reporters)
    visit.press(*["ArrowDown"] * demo.row, "Enter")  # that indicator's breakdown
    assert visit.wait(lambda: all(name in visit.text() for name in demo.reporters))

    visit.press("e")  # the export dialog, xlsx first
    assert visit.wait(lambda: "Xuất báo cáo" in visit.text())
    visit.press("Tab", "Enter")
    download, response = visit.download(1)
    assert response.status == 200
    assert response.headers["content-type"] == XLSX
    assert download.suggested_filename.startswith("kpitui-breakdown-")
    assert download.suggested_filename.endswith(".xlsx")
    data = Path(download.path()).read_bytes()
    assert data.startswith(b"PK")  # a zip, as xlsx files are
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    rows = list(book["data"].iter_rows(values_only=True))  # the machine columns
    book.close()
    assert rows[0][:3] == ("agency", "agency_name", "parent")
    exported = {r[1] for r in rows[1:]}
    assert demo.reporters <= exported <= demo.agencies

    visit.press("e", "Enter", "ArrowDown", "Enter")  # choose csv in the format list
    assert visit.wait(lambda: ".csv" in visit.text())
    visit.press("Tab", "Enter")
    download, response = visit.download(2)
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert download.suggested_filename.endswith(".csv")
    table = list(csv.DictReader(io.StringIO(Path(download.path()).read_text("utf-8-sig"))))
    assert {r["agency_name"] for r in table} == exported
    assert {r["indicator"] for r in table} == {demo.indicator}
    assert not list(home.rglob("kpitui-breakdown-*"))  # nothing was written on the server


def test_closing_the_tab_ends_its_process(server: ServeProcess, visit: Visit) -> None:
    visit.sign_in(server.url)
    assert visit.wait(lambda: DEMO_TITLE in visit.text())
    assert visit.wait(lambda: len(server.children()) == 1, 10)
    (pid,) = server.children()
    visit.page.close()
    assert wait_until(lambda: not alive(pid), 8), "the process outlived its tab"
    assert not server.children()


def test_the_sign_out_button(server: ServeProcess, visit: Visit) -> None:
    visit.sign_in(server.url)
    assert visit.wait(lambda: DEMO_TITLE in visit.text())
    assert visit.wait(lambda: len(server.children()) == 1, 10)
    (pid,) = server.children()
    visit.page.click("text=Đăng xuất")
    visit.page.wait_for_url(server.url + "/login")
    assert wait_until(lambda: not alive(pid), 8)
    visit.page.goto(server.url + "/")
    assert visit.page.url == server.url + "/login"  # the cookie is gone
