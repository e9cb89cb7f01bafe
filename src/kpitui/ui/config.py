"""The user's config file: key remapping and export defaults.

``$XDG_CONFIG_HOME/kpitui/config.toml`` (default ``~/.config/kpitui/config.toml``)::

    [keys]                      # binding id = "key[,key...]"  (ids are listed by `?`)
    "screen.sort" = "o"
    "app.quick_export" = "ctrl+s,f2"

    [export]
    formats = ["xlsx", "csv"]   # what ctrl+s writes
    folder = "~/bao-cao"        # where exports go (default: the current folder)

    [ui]
    lang = "vi"                 # default language when the data set does not say
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # pragma: no cover
    import tomli as tomllib  # type: ignore[no-redef, import-not-found]

EXPORT_FORMATS = ("csv", "json", "xlsx", "md", "html", "svg")


@dataclass(frozen=True)
class Config:
    keys: dict[str, str] = field(default_factory=dict)
    export_formats: tuple[str, ...] = ("xlsx",)
    export_folder: str = "."
    lang: str | None = None
    problems: tuple[str, ...] = ()
    path: str = ""


def config_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "kpitui" / "config.toml"


def load_config(path: str | Path | None = None) -> Config:
    """Read the config; a missing file is the defaults, a broken one the defaults + problems."""
    p = Path(path) if path else config_path()
    if not p.exists():
        return Config(path=str(p))
    try:
        doc = tomllib.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return Config(problems=(f"{p}: {exc}",), path=str(p))
    problems: list[str] = []
    keys: dict[str, str] = {}
    for k, v in (doc.get("keys") or {}).items():
        if isinstance(v, str) and v.strip():
            keys[str(k)] = v.strip()
        else:
            problems.append(f'{p}: [keys] {k!r} must be a string like "ctrl+s"')
    export = doc.get("export") or {}
    formats = export.get("formats", ["xlsx"])
    if isinstance(formats, str):
        formats = [formats]
    good = tuple(f for f in formats if f in EXPORT_FORMATS)
    for f in formats:
        if f not in EXPORT_FORMATS:
            problems.append(f"{p}: [export] unknown format {f!r}")
    folder = os.path.expanduser(str(export.get("folder", ".")))
    lang = (doc.get("ui") or {}).get("lang")
    if lang not in (None, "vi", "en"):
        problems.append(f'{p}: [ui] lang must be "vi" or "en"')
        lang = None
    for section in doc:
        if section not in ("keys", "export", "ui"):
            problems.append(f"{p}: unknown section [{section}]")
    return Config(keys, good or ("xlsx",), folder, lang, tuple(problems), str(p))
