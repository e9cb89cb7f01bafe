"""Fixtures of the ``kpitui serve`` tests: a users file and the real server on loopback."""

from __future__ import annotations

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
        started = proc.started_pids()
        assert wait_until(lambda: not any(alive(p) for p in started), 10), "orphans left behind"
