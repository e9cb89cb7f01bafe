"""The string table: every key in both languages, every key used, every key used exists."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from kpitui import i18n as ui_i18n
from kpitui.core import i18n
from kpitui.core.model import Aggregate, Direction, Status

SRC = Path(__file__).resolve().parents[2] / "src" / "kpitui"
TABLE = SRC / "core" / "i18n.py"

# Keys built at run time from a prefix and a value of a known set: f"status.{status}".
FAMILIES = {
    "status.": {s.value for s in Status},
    "short.": {s.value for s in Status},
    "aggregate.": {a.value for a in Aggregate},
    "details.direction_": {d.value for d in Direction},
}


def _sources() -> dict[Path, str]:
    """Every source file; of the table's module, the code after the table."""
    texts = {p: p.read_text(encoding="utf-8") for p in SRC.rglob("*.py")}
    table = texts[TABLE]
    texts[TABLE] = table[table.index("\n}\n", table.index("STRINGS: dict")) :]
    return texts


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


@pytest.mark.parametrize("key", sorted(i18n.STRINGS))
def test_every_key_has_both_languages_with_the_same_placeholders(key: str) -> None:
    pair = i18n.STRINGS[key]
    assert len(pair) == len(i18n.LANGS) == 2
    vi, en = pair
    assert vi.strip() and en.strip()
    assert _fields(vi) == _fields(en)
    assert vi == vi.strip() and en == en.strip()


def test_no_key_is_unused() -> None:
    text = "\n".join(_sources().values())
    literals = set(re.findall(r"[\"']([a-z0-9_.]+)[\"']", text))
    prefixes = set(re.findall(r"f[\"']([a-z0-9_.]+)\{", text))
    unknown = prefixes - set(FAMILIES)
    used = set()
    for key in i18n.STRINGS:
        if key in literals:
            used.add(key)
        for prefix in prefixes & set(FAMILIES):
            if key.startswith(prefix) and key[len(prefix) :] in FAMILIES[prefix]:
                used.add(key)
    unused = sorted(set(i18n.STRINGS) - used)
    assert not unused, f"keys used nowhere in src/ (prefixes seen: {sorted(unknown)})"


# Namespaces that only the string table uses (binding ids use app., screen., export., help.).
KEY_ONLY = ("key", "col", "head", "view", "meta", "file", "status", "short", "pace", "bar", "msg")
KEY_ONLY += ("sort", "details", "report")


def test_every_key_the_code_asks_for_exists() -> None:
    asked: dict[str, list[str]] = {}
    namespaces = "|".join(KEY_ONLY)
    for path, text in _sources().items():
        # t("key", ...), and any literal in a namespace of the table (binding descriptions,
        # column headings and names kept in constants).
        found = re.findall(r"\bt\(\s*[\"']([^\"']+)[\"']", text)
        found += re.findall(rf"[\"']((?:{namespaces})\.[a-z0-9_]+)[\"']", text)
        for key in found:
            asked.setdefault(key, []).append(path.name)
    assert asked  # the scan finds the calls
    missing = {k: v for k, v in asked.items() if k not in i18n.STRINGS}
    assert not missing


def test_every_family_value_has_its_key() -> None:
    for prefix, values in FAMILIES.items():
        for value in values:
            assert f"{prefix}{value}" in i18n.STRINGS


def test_the_ui_module_is_the_core_table() -> None:
    assert ui_i18n.STRINGS is i18n.STRINGS
    assert ui_i18n.t is i18n.t and ui_i18n.status_word is i18n.status_word


def test_t_formats_and_falls_back() -> None:
    assert i18n.t("msg.exported", "vi", path="/x") == "Đã xuất: /x"
    assert i18n.t("msg.exported", "en", path="/x") == "Exported: /x"
    assert i18n.t("no.such_key", "vi") == "no.such_key"
