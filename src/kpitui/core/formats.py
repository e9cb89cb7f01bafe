"""The export formats: one registry for the command line, the dashboard and the writers.

Light on purpose (no polars): ``kpitui --help`` builds its choices from it. A renderer is
named, not imported, and loaded the first time a table is rendered in that format.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


class ExportError(Exception):
    """An export that cannot be made or written; the message is for the user."""


@dataclass(frozen=True)
class Format:
    name: str
    extension: str
    text: bool
    """Text that can go to stdout (``--output -``)."""
    for_people: bool
    """Speaks the UI language: headings, status words, names, periods, units (SPEC §10).
    Otherwise machine columns and values (SPEC §5.2)."""
    hashes: bool
    """Lists the input files with their SHA-256 (computed only when rendering this format)."""
    renderer: str
    """``module:function`` taking an ``ExportTable``; empty when the dashboard draws it."""

    def render(self, table: Any) -> bytes:
        if not self.renderer:
            raise ExportError(f"{self.name} is a picture of the dashboard; the dashboard draws it")
        module, _, function = self.renderer.partition(":")
        fn: Callable[[Any], bytes] = getattr(importlib.import_module(module), function)
        return fn(table)


_EXPORT = "kpitui.core.export"
FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("csv", "csv", True, False, False, f"{_EXPORT}.machine:render_csv"),
        Format("json", "json", True, False, True, f"{_EXPORT}.machine:render_json"),
        Format("xlsx", "xlsx", False, True, True, f"{_EXPORT}.workbook:render_xlsx"),
        Format("md", "md", True, True, True, f"{_EXPORT}.markup:render_md"),
        Format("html", "html", True, True, True, f"{_EXPORT}.markup:render_html"),
        Format("svg", "svg", True, True, False, ""),  # a picture of the screen (ui.screenshot)
    )
}
NAMES: tuple[str, ...] = tuple(FORMATS)
"""Every format, in the order of SPEC §5.2."""


def get(name: str) -> Format:
    try:
        return FORMATS[name]
    except KeyError:
        raise ExportError(f"unknown format {name!r}; choose one of {', '.join(NAMES)}") from None
