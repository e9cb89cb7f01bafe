"""Shared fixtures of the core and CLI tests (the UI tests add theirs in tests/ui/conftest.py)."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "data"
BAD = Path(__file__).resolve().parent / "data" / "bad"

Files = Mapping[str, "str | bytes"]


@pytest.fixture
def dataset(tmp_path: Path) -> Callable[..., Path]:
    """``dataset({"defs.toml": "...", "obs.csv": "..."})`` -> a new folder with those files.

    Text is dedented and written as UTF-8 bytes exactly (no newline translation); bytes are
    written as given. Each call makes a fresh folder under ``tmp_path``.
    """
    count = 0

    def make(files: Files, name: str | None = None) -> Path:
        nonlocal count
        count += 1
        folder = tmp_path / (name or f"ds{count}")
        folder.mkdir()
        for fname, content in files.items():
            data = content if isinstance(content, bytes) else textwrap.dedent(content).encode()
            (folder / fname).write_bytes(data)
        return folder

    return make
