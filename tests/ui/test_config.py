"""config.toml is checked like the data: ``path:line: error: ...``, defaults for what is
wrong, and never a remap that takes away the only way to quit."""

from __future__ import annotations

from pathlib import Path

import pytest

from kpitui.ui.bindings import binding_table, is_key, key_list
from kpitui.ui.config import Config, load_config

from .conftest import demo_app, ready


def check(tmp_path: Path, text: str) -> Config:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return load_config(path, bindings=binding_table())


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("# my keys\n\nkeys = 5\n", 3, "keys must be a table"),
        ('export = "x"\n', 1, "export must be a table"),
        ("ui = 3\n", 1, "ui must be a table"),
        ("[export]\nfolder = '~'\nformats = 5\n", 3, "formats must be a list"),
        ('[export]\nformats = ["xlsx", "pdf"]\n', 2, "unknown format 'pdf'"),
        ("[export]\nfolder = 7\n", 2, "folder must be a folder name"),
        ("[export]\nfromats = ['csv']\n", 2, "unknown key 'fromats'"),
        ('[ui]\nlang = "fr"\n', 2, 'lang must be "vi" or "en"'),
        ('[ui]\ntheme = "dark"\n', 2, "unknown key 'theme'"),
        ("[colours]\nmet = 1\n", 1, "unknown section [colours]"),
        ('[keys]\n"screen.sort" = "!!!,,,"\n', 2, "'!!!,,,' is not a key name"),
        ('[keys]\n"screen.sort" = ""\n', 2, "is not a key name"),
        ('[keys]\n"screen.sort" = 5\n', 2, "must be a string"),
        ('[keys]\n\n"screen.srot" = "o"\n', 3, "unknown binding id 'screen.srot'"),
        ('[keys]\n"screen.sort" = "q"\n', 2, "that key quits kpitui"),
        ('[keys]\n"app.quit" = "s"\n', 2, "'s' is already 'screen.sort'"),
    ],
)
def test_each_problem_is_a_finding_on_its_line(
    tmp_path: Path, text: str, line: int, words: str
) -> None:
    config = check(tmp_path, text)
    assert len(config.problems) == 1, config.problems
    (problem,) = config.problems
    assert problem.startswith(f"{tmp_path / 'config.toml'}:{line}: error: "), problem
    assert words in problem
    # What is wrong falls back to its default.
    assert config.keys == {} and config.export_formats == ("xlsx",) and config.lang is None


def test_the_good_parts_are_kept(tmp_path: Path) -> None:
    config = check(
        tmp_path,
        '[keys]\n"screen.sort" = "o"\n"app.quick_export" = "ctrl+s, f2"\n"nope" = "x"\n'
        '[export]\nformats = ["csv", "md", "pdf"]\nfolder = "~/bao-cao"\n'
        '[ui]\nlang = "en"\n',
    )
    assert config.keys == {"screen.sort": "o", "app.quick_export": "ctrl+s,f2"}
    assert config.export_formats == ("csv", "md")
    assert config.export_folder.endswith("/bao-cao") and not config.export_folder.startswith("~")
    assert config.lang == "en"
    assert len(config.problems) == 2


def test_broken_toml_and_missing_file(tmp_path: Path) -> None:
    config = check(tmp_path, '[keys]\n"screen.sort" = "o\n')
    (problem,) = config.problems
    assert problem.startswith(f"{tmp_path / 'config.toml'}:2: error: invalid TOML")
    assert load_config(tmp_path / "none.toml").problems == ()


def test_key_names() -> None:
    for good in ("o", "?", "f2", "ctrl+s", "shift+tab", "question_mark", "ctrl+shift+up", "G"):
        assert is_key(good), good
    for bad in ("!!!", "", "ctrl+", "ctlr+s", "f99", "ctrl+ctrl+s", "no such key", ","):
        assert not is_key(bad), bad
    assert key_list("ctrl+s, f2") == ["ctrl+s", "f2"]
    assert key_list("!!!,,,") is None


def test_every_binding_has_an_id_in_the_table() -> None:
    table = binding_table()
    for ident in ("app.quit", "app.help", "screen.sort", "table.down", "quality.kind"):
        assert ident in table
    assert table["app.quit"] == "q"


async def test_the_dashboard_starts_with_a_broken_config_and_says_why(tmp_path: Path) -> None:
    config = check(tmp_path, '[keys]\n"screen.sort" = "q"\n"screen.filter" = "!!!,,,"\nui = 3\n')
    assert len(config.problems) == 3
    app = demo_app(config=config)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await ready(pilot, app)
        shown = [str(n.message) for n in app._notifications]
        assert all(any(p in m for m in shown) for p in config.problems), shown
        await pilot.press("s")  # sorting keeps its key
        assert app.screen.sort_index == 1  # type: ignore[attr-defined]
        await pilot.press("q")  # and q still quits
        await pilot.pause()
    assert app.return_code == 0
