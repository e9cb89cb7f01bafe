"""Fixtures for the dashboard tests: the demo data set, a frozen clock, no watcher."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from tests.demo import copy_csv_demo

from kpitui.ui.app import KpiApp, make_app
from kpitui.ui.config import Config
from kpitui.ui.workers import views_done

DEMO = Path(__file__).resolve().parents[2] / "data"
FROZEN = datetime(2023, 9, 14, 8, 30, 0)


def frozen_clock() -> datetime:
    return FROZEN


def demo_app(
    lang: str = "vi",
    paths: list[str] | None = None,
    watch: bool = False,
    config: Config | None = None,
    poll: float | None = None,
) -> KpiApp:
    return make_app(
        paths or [str(DEMO)], lang=lang, watch=watch, config=config, clock=frozen_clock, poll=poll
    )


async def ready(pilot, app: KpiApp, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    """Wait until the first snapshot is on screen."""
    waited = 0.0
    while app.snapshot is None and waited < timeout:
        await pilot.pause(0.05)
        waited += 0.05
    assert app.snapshot is not None, "the data set did not load"
    await settled(pilot, app)


async def settled(pilot, app: KpiApp) -> None:  # type: ignore[no-untyped-def]
    """Wait until the views computed in workers are on screen."""
    for _ in range(3):
        await views_done(app)
        await pilot.pause()


@pytest.fixture
def demo_copy(tmp_path: Path) -> Path:
    """A private copy of the demo data set that a test may change."""
    return copy_csv_demo(tmp_path / "data")
