"""Exports from the dashboard: what is on screen, through the same ``core.export`` as the CLI."""

from __future__ import annotations

import io
import os
from typing import TYPE_CHECKING, Any

from kpitui.core import export
from kpitui.core.text import clean
from kpitui.i18n import t

if TYPE_CHECKING:
    from kpitui.ui.app import KpiApp
    from kpitui.ui.screens.base import TableScreen


def screen_table(app: KpiApp, screen: TableScreen) -> export.ExportTable:
    """The export table of a screen: its view, period, filter, search and sort as shown."""
    from kpitui.ui.screens.breakdown import BreakdownScreen
    from kpitui.ui.screens.dashboard import IndicatorScreen
    from kpitui.ui.widgets.frame_table import FrameTable

    snap = app.snapshot
    assert snap is not None
    frame = screen.query_one(FrameTable).frame
    details: dict[str, Any] = {"as_of": app.as_of}
    if isinstance(screen, BreakdownScreen):
        view = "breakdown"
        details.update(indicator=screen.indicator, agency=screen.under)
    elif isinstance(screen, IndicatorScreen) and screen.agency:
        view = "agency"
        details.update(agency=screen.agency)
    else:
        view = "summary"
    if screen.status_filter:
        details["filters"] = screen.status_filter
    if screen.group_filter:
        details["filters"] = ", ".join(
            str(x) for x in (details.get("filters"), f"group={screen.group_filter}") if x
        )
    if screen.search_text:
        details["search"] = screen.search_text
    if screen.sort_options and (screen.sort_index or screen.reverse):
        details["sort"] = screen.sort_options[screen.sort_index][0].split(".", 1)[1] + (
            " desc" if screen.reverse else ""
        )
    details["heading"] = " › ".join(screen.crumbs())
    return export.make_table(snap, view, frame.drop("_fold", strict=False), app.lang, **details)


def deliver(app: KpiApp, data: bytes, fmt: str, view: str, output: str | None) -> str:
    """In a web browser (``kpitui serve``): offer the export as a download with a suggested
    name, instead of writing it on the server where the visitor cannot reach it."""
    name = export.safe_name(os.path.basename(output or "")) or export.default_name(
        view, fmt, app.clock()
    )
    mime = {
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "csv": "text/csv; charset=utf-8",
        "json": "application/json; charset=utf-8",
        "md": "text/markdown; charset=utf-8",
        "html": "text/html; charset=utf-8",
        "svg": "image/svg+xml; charset=utf-8",
    }.get(fmt, "application/octet-stream")
    app.deliver_binary(io.BytesIO(data), save_filename=name, mime_type=mime)
    app.notify(t("msg.exported", app.lang, path=clean(name)), timeout=8, markup=False)
    return name


def export_screen(
    app: KpiApp, screen: TableScreen, fmt: str, folder: str = ".", output: str | None = None
) -> str | None:
    """Write one export and say where (or why not) in a notification. Never raises."""
    try:
        table = screen_table(app, screen)
        if fmt == "svg":
            data = app.export_screenshot(title=table.title or "kpitui").encode("utf-8")
        else:
            data = export.render(table, fmt)
        if app.is_web:
            return deliver(app, data, fmt, table.view, output)
        path = export.write(data, fmt, table.view, output=output, folder=folder, when=app.clock())
    except export.ExportError as exc:
        app.notify(
            t("msg.export_failed", app.lang, error=clean(str(exc))),
            severity="error",
            timeout=10,
            markup=False,
        )
        return None
    except OSError as exc:
        app.notify(
            t("msg.export_failed", app.lang, error=clean(str(exc))),
            severity="error",
            timeout=10,
            markup=False,
        )
        return None
    shown = os.path.abspath(path)  # say where, whatever the current folder
    app.notify(t("msg.exported", app.lang, path=clean(shown)), timeout=8, markup=False)
    return path
