"""Shared fixtures of the core and CLI tests (the UI tests add theirs in tests/ui/conftest.py)."""

from __future__ import annotations

import re
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


README = REPO / "README.md"


def merger_files() -> dict[str, str]:
    """The TOML and CSV of the README's example of the 2025 merger (SPEC §9.5): the
    documentation is the data set the tests compute by hand."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("### Merged and dissolved agencies") :]
    toml = re.search(r"```toml\n(.*?)```", section, re.S)
    rows = re.search(r"```csv\n(.*?)```", section, re.S)
    assert toml and rows
    return {"defs.toml": toml.group(1), "obs.csv": rows.group(1)}


@pytest.fixture
def merger() -> dict[str, str]:
    """A fresh copy of :func:`merger_files`, to add rows to."""
    return merger_files()
