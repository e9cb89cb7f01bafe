"""Messages between the loader, the watcher and the screens."""

from __future__ import annotations

from dataclasses import dataclass, field

from textual.message import Message

from kpitui.core.snapshot import Snapshot


@dataclass
class SnapshotLoaded(Message):
    """A new snapshot is ready (from the loader worker)."""

    snapshot: Snapshot
    changed: frozenset[str] = field(default_factory=frozenset)
    """Files whose change caused this load (empty for the first load or a manual reload)."""


@dataclass
class LoadFailed(Message):
    """Loading raised (it should not: problems become findings); the last snapshot stays."""

    error: str


@dataclass
class FilesChanged(Message):
    """Data files changed on disk and have stopped changing (from the watcher thread)."""

    paths: frozenset[str]

    def can_replace(self, message: Message) -> bool:
        # A burst of changes collapses into one reload; the paths are merged by the app.
        return isinstance(message, FilesChanged)
