"""Exports from the dashboard: what is on screen, through the same ``core.export`` as the CLI.

The screen in front describes what it shows (``export_context()``); the table is made,
rendered and written in a thread worker (rendering 50,000 agencies takes seconds), and a
notification says where it went, or why not. In a web browser (``kpitui serve``) the file is
offered as a download instead of being written on the server.
"""

from __future__ import annotations

import io
import os
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from kpitui.core import export
from kpitui.core.text import clean
from kpitui.i18n import t

if TYPE_CHECKING:
    from kpitui.core.snapshot import Snapshot
    from kpitui.ui.app import KpiApp
    from kpitui.ui.screens.base import ExportContext
    from kpitui.ui.screens.export_dialog import ExportChoice

NAME_TRIES = 100


def context(app: KpiApp) -> ExportContext | None:
    """What the screen in front would export (None: it shows nothing to export)."""
    describe = getattr(app.screen, "export_context", None)
    if describe is None or app.snapshot is None:
        return None
    ctx: ExportContext = describe()
    return ctx


def open_dialog(app: KpiApp) -> None:
    """``e``: ask for a format, a name and a folder, then export."""
    ctx = context(app)
    if ctx is None:
        return
    from kpitui.ui.screens.export_dialog import ExportDialog

    snap, config = app.snapshot, app.config
    first = config.export_formats[0] if config.export_formats else "xlsx"

    def chosen(choice: ExportChoice | None) -> None:
        if choice is not None and snap is not None:
            start(app, snap, ctx, choice.fmt, choice.folder, choice.name)

    app.push_screen(
        ExportDialog(ctx.view, app.lang, first, config.export_folder, app.clock()), chosen
    )


def quick_export(app: KpiApp) -> None:
    """``ctrl+s``: each configured format, under a default name, in the configured folder."""
    ctx = context(app)
    if ctx is None or app.snapshot is None:
        return
    for fmt in app.config.export_formats:
        start(app, app.snapshot, ctx, fmt, app.config.export_folder)


def start(
    app: KpiApp,
    snap: Snapshot,
    ctx: ExportContext,
    fmt: str,
    folder: str,
    name: str | None = None,
) -> None:
    """Export in a worker; an svg (a picture of the screen) is taken now, on the UI thread."""
    picture = None
    if fmt == "svg":
        picture = app.export_screenshot(title=snap.definitions.dashboard.title or "kpitui")
    job = partial(_export, app, snap, ctx, fmt, folder, name, picture, app.lang, app.clock())
    app.run_worker(job, thread=True, group="export", exit_on_error=False)


def _export(
    app: KpiApp,
    snap: Snapshot,
    ctx: ExportContext,
    fmt: str,
    folder: str,
    name: str | None,
    picture: str | None,
    lang: str,
    when: datetime,
) -> None:
    try:
        if picture is not None:
            data = picture.encode("utf-8")
        else:
            table = export.make_table(snap, ctx.view, ctx.frame, lang, **ctx.details)
            data = export.render(table, fmt)
        if app.is_web:
            app.call_from_thread(deliver, app, data, fmt, ctx.view, name)
            return
        path = write(data, fmt, ctx.view, folder, name, when)
    except (export.ExportError, OSError) as exc:
        app.call_from_thread(
            app.notify,
            t("msg.export_failed", lang, error=clean(str(exc))),
            severity="error",
            timeout=10,
            markup=False,
        )
        return
    shown = os.path.abspath(path)  # say where, whatever the current folder
    app.call_from_thread(
        app.notify, t("msg.exported", lang, path=clean(shown)), timeout=8, markup=False
    )


def write(data: bytes, fmt: str, view: str, folder: str, name: str | None, when: datetime) -> str:
    """Under the user's ``name`` in ``folder`` (``name-2``, ``name-3``... when taken), or under
    a fresh default name."""
    if not name:
        return export.write(data, fmt, view, folder=folder, when=when)
    base = Path(os.path.expanduser(folder or "."))
    if not base.is_dir():
        raise export.ExportError(f"{base} is not a folder")
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    for n in range(1, NAME_TRIES + 1):
        candidate = name if n == 1 else (f"{stem}-{n}.{ext}" if ext else f"{stem}-{n}")
        path = base / candidate
        if path.exists():
            continue
        try:
            return export.write(data, fmt, view, output=str(path))
        except export.ExportError:
            if not path.exists():  # not taken meanwhile: a real failure
                raise
    raise export.ExportError(f"cannot find a free file name in {base}")


def deliver(app: KpiApp, data: bytes, fmt: str, view: str, output: str | None) -> str:
    """In a web browser (``kpitui serve``): offer the export as a download with a suggested
    name, instead of writing it on the server where the visitor cannot reach it."""
    name = export.safe_name(os.path.basename(output or "")) if output else ""
    name = name or export.default_name(view, fmt, app.clock())
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
