"""The user's config file: key remapping, export defaults, the UI language.

``$XDG_CONFIG_HOME/kpitui/config.toml`` (default ``~/.config/kpitui/config.toml``)::

    [keys]                      # binding id = "key[,key...]"  (ids are listed by `?`)
    "screen.sort" = "o"
    "app.quick_export" = "ctrl+s,f2"

    [export]
    formats = ["xlsx", "csv"]   # what ctrl+s writes
    folder = "~/bao-cao"        # where exports go (default: the current folder)

    [ui]
    lang = "vi"                 # the UI language (wins over the data set's)

It is checked like the data: every problem is a finding with its line
(``config.toml:3: error: [export] formats must be a list of format names``), and what is
wrong falls back to its default. A remap never takes away the only way to quit.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kpitui.core import findings as fnd
from kpitui.core import formats
from kpitui.core.findings import Finding
from kpitui.core.locator import Locator
from kpitui.core.text import quote

try:
    import tomllib
except ModuleNotFoundError:  # pragma: no cover
    import tomli as tomllib  # type: ignore[no-redef, import-not-found]

SECTIONS = {
    "keys": "binding id = key names",
    "export": "formats, folder",
    "ui": "lang",
}
QUIT = "app.quit"
_AT_LINE = re.compile(r"\(at line (\d+), column \d+\)")


@dataclass(frozen=True)
class Config:
    keys: dict[str, str] = field(default_factory=dict)
    export_formats: tuple[str, ...] = ("xlsx",)
    export_folder: str = "."
    lang: str | None = None
    problems: tuple[str, ...] = ()
    """Findings about the file, formatted (``path:line: error: ...``)."""
    path: str = ""


def config_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "kpitui" / "config.toml"


class _Checker:
    """Findings about one config file, each on the line to edit."""

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.loc = Locator(text)
        self.found: list[Finding] = []

    def error(self, message: str, section: str = "", key: str = "") -> None:
        if key:
            line = self.loc.key(section, 0, key)[0]
        else:
            line = self.loc.section(section)[0] or self.loc.key("", 0, section)[0]
        self.found.append(fnd.error(self.path, line, message))


def load_config(
    path: str | Path | None = None, bindings: Mapping[str, str] | None = None
) -> Config:
    """Read the config; a missing file is the defaults, a broken one the defaults + problems.

    ``bindings``: every binding id -> its default keys; with it, unknown ids are reported
    and a remap that would take the key of ``app.quit`` is refused.
    """
    p = Path(path) if path else config_path()
    shown = str(path) if path else str(p)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Config(path=shown)
    except (OSError, UnicodeDecodeError) as exc:
        problem = fnd.error(shown, 0, f"cannot read the config file: {exc}")
        return Config(problems=(problem.format(),), path=shown)
    check = _Checker(shown, text)
    try:
        doc = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError, ValueError) as exc:
        where = _AT_LINE.search(str(exc))
        message = _AT_LINE.sub("", str(exc)).strip()
        problem = fnd.error(shown, int(where.group(1)) if where else 0, f"invalid TOML: {message}")
        return Config(problems=(problem.format(),), path=shown)
    for section, value in doc.items():
        if section not in SECTIONS:
            check.error(
                f"unknown section [{section}] (known: {', '.join(SECTIONS)})", section=section
            )
        elif not isinstance(value, dict):
            check.error(f"{section} must be a table [{section}] ({SECTIONS[section]})", key=section)
    keys = _keys(check, _table(doc, "keys"), bindings)
    formats_, folder = _export(check, _table(doc, "export"))
    lang = _ui(check, _table(doc, "ui"))
    problems = tuple(f.format() for f in fnd.sort_findings(check.found))
    return Config(keys, formats_, folder, lang, problems, shown)


def _table(doc: dict[str, Any], name: str) -> dict[str, Any]:
    value = doc.get(name)
    return value if isinstance(value, dict) else {}


def _unknown(check: _Checker, section: str, table: dict[str, Any], known: tuple[str, ...]) -> None:
    for key in table:
        if key not in known:
            check.error(
                f"[{section}] unknown key {quote(key)} (known: {', '.join(known)})",
                section=section,
                key=key,
            )


def _keys(
    check: _Checker, table: dict[str, Any], bindings: Mapping[str, str] | None
) -> dict[str, str]:
    from kpitui.ui.bindings import key_list

    keys: dict[str, str] = {}
    for ident, value in table.items():
        where = {"section": "keys", "key": ident}
        if bindings is not None and ident not in bindings:
            check.error(f"[keys] unknown binding id {quote(ident)} (`?` lists them)", **where)
            continue
        if not isinstance(value, str):
            check.error(f'[keys] {quote(ident)} must be a string like "ctrl+s" or "o,f2"', **where)
            continue
        names = key_list(value)
        if names is None:
            check.error(
                f'[keys] {quote(ident)}: {quote(value)} is not a key name (e.g. "o", "ctrl+s", '
                '"f2", "question_mark"; several: "o,f2")',
                **where,
            )
            continue
        keys[ident] = ",".join(names)
    if bindings is None:
        return keys
    return _keep_quit(check, keys, bindings)


def _normal(keys: str) -> set[str]:
    from textual.keys import _character_to_key

    return {_character_to_key(k) if len(k) == 1 else k for k in keys.split(",") if k}


def _keep_quit(
    check: _Checker, keys: dict[str, str], bindings: Mapping[str, str]
) -> dict[str, str]:
    """Refuse the remaps that would take away the key of ``app.quit``."""
    quit_keys = _normal(keys.get(QUIT, bindings.get(QUIT, "q")))
    taken = {
        k: ident
        for ident, default in bindings.items()
        if ident != QUIT
        for k in _normal(keys.get(ident, default))
    }
    clash = sorted(k for k in quit_keys if k in taken)
    if QUIT in keys and clash:
        check.error(
            f"[keys] {quote(QUIT)}: {quote(clash[0])} is already {quote(taken[clash[0]])}; "
            "quitting keeps its key",
            section="keys",
            key=QUIT,
        )
        del keys[QUIT]
        quit_keys = _normal(bindings.get(QUIT, "q"))
    for ident in [i for i in keys if i != QUIT]:
        if _normal(keys[ident]) & quit_keys:
            check.error(
                f"[keys] {quote(ident)}: that key quits kpitui; choose another",
                section="keys",
                key=ident,
            )
            del keys[ident]
    return keys


def _export(check: _Checker, table: dict[str, Any]) -> tuple[tuple[str, ...], str]:
    _unknown(check, "export", table, ("formats", "folder"))
    chosen: list[str] = []
    value = table.get("formats", ["xlsx"])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(f, str) for f in value):
        check.error(
            f"[export] formats must be a list of format names ({', '.join(formats.NAMES)})",
            section="export",
            key="formats",
        )
        value = []
    for name in value:
        if name in formats.FORMATS:
            chosen.append(name)
        else:
            check.error(
                f"[export] unknown format {quote(name)} (known: {', '.join(formats.NAMES)})",
                section="export",
                key="formats",
            )
    folder = table.get("folder", ".")
    if not isinstance(folder, str) or not folder.strip():
        check.error("[export] folder must be a folder name", section="export", key="folder")
        folder = "."
    return tuple(dict.fromkeys(chosen)) or ("xlsx",), os.path.expanduser(folder)


def _ui(check: _Checker, table: dict[str, Any]) -> str | None:
    _unknown(check, "ui", table, ("lang",))
    lang = table.get("lang")
    if lang not in (None, "vi", "en"):
        check.error('[ui] lang must be "vi" or "en"', section="ui", key="lang")
        return None
    return lang  # type: ignore[no-any-return]
