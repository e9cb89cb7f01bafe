"""What a reload says: files removed, broken (set aside, or their last good version kept) or
sound again — one notification each, only when their state changes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kpitui.core.snapshot import Snapshot
from kpitui.core.text import clean
from kpitui.i18n import t

if TYPE_CHECKING:
    from kpitui.ui.app import KpiApp

BROKEN = ("stale", "error")


def announce(app: KpiApp, before: Snapshot | None, after: Snapshot) -> None:
    if before is None or after.unavailable:
        return
    lang = app.lang
    for path in after.removed:
        app.notify(t("msg.file_removed", lang, path=clean(path)), timeout=8, markup=False)
    old = {f.path: f.state for f in before.files}
    for info in after.files:
        was = old.get(info.path)
        if info.state in BROKEN and was not in BROKEN:
            key = "msg.file_stale" if info.state == "stale" else "msg.file_left_out"
            app.notify(
                t(key, lang, path=clean(info.path), where=clean(info.line or info.path)),
                severity="warning",
                timeout=10,
                markup=False,
            )
        elif info.state == "ok" and was in BROKEN:
            app.notify(t("msg.file_back", lang, path=clean(info.path)), markup=False)
