"""The line under the table while the data has problems: the first error in full (file:line),
then every other file whose current version is not in effect."""

from __future__ import annotations

from textual.content import Content

from kpitui.core.snapshot import Snapshot
from kpitui.core.text import clean
from kpitui.i18n import t
from kpitui.ui.glyphs import Marks

SHOWN_FILES = 4


def error_line(snap: Snapshot | None, lang: str, marks: Marks) -> Content:
    if snap is None:
        return Content("")
    definitions = {f.path for f in snap.files if not f.is_observations}
    # A broken definitions file first: it is the cause of everything after it.
    errors = sorted(
        (f for f in snap.findings if f.is_error),
        key=lambda f: (f.path not in definitions, f.kind == "no_indicators"),
    )
    broken = sorted(snap.broken_files(), key=lambda f: f.is_observations)
    if not errors and not broken:
        return Content("")
    first = errors[0] if errors else None
    text = f"{marks.error} " + (
        clean(first.format()) if first else clean(broken[0].line or broken[0].path)
    )
    by_path = {f.path: f for f in broken}
    if first is not None and first.path in by_path:
        label = "msg.stale" if by_path[first.path].state == "stale" else "msg.left_out"
        text += f"  [{t(label, lang)}]"
    others = [f for f in broken if first is None or f.path != first.path]
    if others:
        shown = ", ".join(clean(f.line or f.path) for f in others[:SHOWN_FILES])
        if len(others) > SHOWN_FILES:
            shown += ", " + marks.cut
        text += f"  {marks.dash} " + t("msg.also_broken", lang, files=shown)
    if len(errors) > 1:
        text += f"  {marks.dash} {t('msg.errors', lang, n=len(errors))}"
    return Content.styled(text, "bold $error")
