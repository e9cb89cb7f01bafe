"""Waiting for the views computed in workers (headless rendering and tests)."""

from __future__ import annotations

import contextlib
from typing import Any

from textual.app import App
from textual.worker import WorkerCancelled, WorkerFailed


async def views_done(app: App[Any]) -> None:
    """Return once no worker of the app is running. A view replaced by a newer one is
    cancelled on purpose, and a failed view has already said so: neither is an error here."""
    for _ in range(10):
        workers = [w for w in app.workers if not w.is_finished]
        if not workers:
            return
        for worker in workers:
            with contextlib.suppress(WorkerCancelled, WorkerFailed):
                await worker.wait()
