"""The layering the project promises: the core never imports the UI libraries, and the
command line starts without loading polars or Textual for --version/--help."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import kpitui.core

CORE = sorted(m.name for m in pkgutil.walk_packages(kpitui.core.__path__, prefix="kpitui.core."))
"""Every module of the core package, found by walking it (a new module is checked too)."""


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys\nprint('\\n'.join(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
    )
    return set(out.stdout.split())


def test_core_never_imports_textual_or_rich() -> None:
    assert len(CORE) > 15 and "kpitui.core.load.loader" in CORE
    loaded = _modules_after("\n".join(f"import {m}" for m in CORE))
    assert not {m for m in loaded if m.split(".")[0] in ("textual", "rich")}
    assert "kpitui.ui" not in loaded


def test_core_computes_without_the_ui(tmp_path) -> None:  # type: ignore[no-untyped-def]
    code = (
        "from kpitui.core.load.loader import build_snapshot\n"
        "from kpitui.core import views, export\n"
        "from kpitui.demo import demo_path\n"
        "s = build_snapshot([demo_path()])\n"
        "t = export.make_table(s, 'summary', views.summary(s), 'vi')\n"
        "for f in ('csv', 'json', 'md', 'html', 'xlsx'): export.render(t, f)\n"
    )
    loaded = _modules_after(code)
    assert not {m for m in loaded if m.split(".")[0] in ("textual", "rich")}


def test_version_is_light() -> None:
    loaded = _modules_after("from kpitui.cli import build_parsers\nbuild_parsers()")
    assert "polars" not in loaded and "textual" not in loaded
