"""The core never imports the web server, and the command line loads it only for `serve`."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import kpitui.core

SERVER = ("kpitui.serve", "aiohttp", "textual_serve")


def loaded_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys\nprint('\\n'.join(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
    )
    return set(out.stdout.split())


def test_the_core_never_imports_the_server() -> None:
    modules = [f"kpitui.core.{m.name}" for m in pkgutil.iter_modules(kpitui.core.__path__)]
    assert len(modules) > 10
    loaded = loaded_after("\n".join(f"import {m}" for m in modules))
    assert not {m for m in loaded if m.startswith(SERVER)}


def test_the_command_line_loads_the_server_only_to_serve() -> None:
    loaded = loaded_after("from kpitui.cli import build_parsers\nbuild_parsers()")
    assert not {m for m in loaded if m.startswith(SERVER)}
