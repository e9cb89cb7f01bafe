"""Fixtures of the ``kpitui serve`` tests: a users file and the real server on loopback."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from kpitui.serve.users import set_password

from .helpers import PASSWORD, ServeProcess, alive, wait_until

OTHER_PASSWORD = "another secret"


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder for the server's cache and config, and the users file."""
    return tmp_path_factory.mktemp("serve")


@pytest.fixture(scope="module")
def users(home: Path) -> Path:
    """A users file with ``lan`` (PASSWORD) and ``minh`` (OTHER_PASSWORD)."""
    path = home / "users.toml"
    set_password(path, "lan", PASSWORD)
    set_password(path, "minh", OTHER_PASSWORD)
    return path


@pytest.fixture(scope="module")
def server(home: Path, users: Path) -> Iterator[ServeProcess]:
    """``kpitui serve --users users.toml`` on the demo data set, for the whole module."""
    proc = ServeProcess(home, ["--users", str(users)]).start()
    try:
        yield proc
    finally:
        code = proc.stop()
        assert code == 0, proc.log()
        assert "Traceback" not in proc.log() and "Warning" not in proc.log(), proc.log()
        started = proc.started_pids()
        assert wait_until(lambda: not any(alive(p) for p in started), 10), "orphans left behind"


CHROMIUM_PACKAGE = "chromium-headless-shell"
CHROMIUM = "/usr/bin/chromium-headless-shell"


def _find_chromium() -> str | None:
    return CHROMIUM if os.access(CHROMIUM, os.X_OK) else shutil.which(CHROMIUM_PACKAGE)


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's headless Chromium for Playwright (which cannot download browsers here):
    installed with apt-get when missing and the tests run as root; otherwise a failure that
    names the package."""
    found = _find_chromium()
    if found is None and os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        install = ["apt-get", "install", "-y", "-qq", CHROMIUM_PACKAGE]
        if subprocess.run(install, env=env, capture_output=True).returncode != 0:
            subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True)
            subprocess.run(install, env=env, capture_output=True)
        found = _find_chromium()
    if found is None:
        pytest.fail(
            f"the browser tests need Debian's {CHROMIUM_PACKAGE} at {CHROMIUM}: "
            f"apt-get install {CHROMIUM_PACKAGE}"
        )
    return found
