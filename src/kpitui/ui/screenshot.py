"""`kpitui export --format svg`: a picture of the dashboard, rendered headless."""

from __future__ import annotations

import argparse
import asyncio
import re
from typing import TYPE_CHECKING

from kpitui.core.export import ExportError

if TYPE_CHECKING:
    from kpitui.core.snapshot import Snapshot


def parse_size(text: str) -> tuple[int, int]:
    m = re.fullmatch(r"(\d{2,3})x(\d{1,3})", text.strip())
    if not m:
        raise ExportError(f"--size must look like 120x40, not {text!r}")
    width, height = int(m.group(1)), int(m.group(2))
    if not (40 <= width <= 400 and 10 <= height <= 200):
        raise ExportError("--size must be between 40x10 and 400x200")
    return width, height


def render_svg(snap: Snapshot, args: argparse.Namespace, lang: str) -> bytes:
    """The screen the dashboard would show for these options, as SVG."""
    from kpitui.core.load.loader import Preload
    from kpitui.ui.app import make_app
    from kpitui.ui.screens.breakdown import BreakdownScreen
    from kpitui.ui.screens.dashboard import IndicatorScreen
    from kpitui.ui.workers import views_done

    size = parse_size(args.size)
    app = make_app(list(snap.paths), lang, watch=False, preload=Preload.of(snap))
    result: dict[str, str] = {}

    async def pilot_run(pilot) -> None:  # type: ignore[no-untyped-def]
        for _ in range(200):
            if app.snapshot is not None:
                break
            await pilot.pause(0.05)
        app.as_of = args.period
        if args.indicator and app.snapshot is not None:
            await app.push_screen(
                BreakdownScreen(args.indicator, args.agency or app.snapshot.tree.headline)
            )
        elif args.agency:
            await app.push_screen(IndicatorScreen(agency=args.agency))
        for _ in range(3):
            await views_done(app)
            await pilot.pause()
        result["svg"] = app.export_screenshot(title=snap.definitions.dashboard.title or "kpitui")
        app.exit(0)

    asyncio.run(app.run_async(headless=True, size=size, auto_pilot=pilot_run))
    if "svg" not in result:
        raise ExportError("could not render the screen")
    return result["svg"].encode("utf-8")
