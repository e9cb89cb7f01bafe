"""Sign-in sessions and the throttle of failed sign-ins (no I/O here: the server calls these).

A session is a random 256-bit token in a cookie; the server keeps only its SHA-256, so a
lookup by the hash of what the browser sent leaks nothing useful through timing, and a copy
of the server's memory holds no usable cookie. A session ends at its expiry, at sign-out, or
when its user is removed from the users file or gets a new password.

Failed sign-ins are counted per user name and per client address. After ``free`` failures in
a row, each further failure locks that name (or address) out for a window that doubles, up to
``cap`` seconds; while locked, sign-ins are refused without checking the password. A success
clears the name's count. Counts are forgotten after ``forget`` seconds without a failure, and
at most ``MAX_KEYS`` names and addresses are remembered (the stalest go first).
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

Clock = Callable[[], float]
SESSION_SECONDS = 12 * 3600
MAX_SESSIONS_KEPT = 10_000
MAX_KEYS = 10_000


def token_key(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


@dataclass(slots=True)
class Session:
    key: str
    """SHA-256 of the cookie's token."""
    name: str
    password: str
    """The user's hash string when signed in: a new password ends the session."""
    expires: float


class Sessions:
    """The server-side store of sign-in sessions."""

    def __init__(self, lifetime: float = SESSION_SECONDS, clock: Clock = time.time) -> None:
        self.lifetime = lifetime
        self.clock = clock
        self._by_key: dict[str, Session] = {}

    def create(self, name: str, password: str) -> tuple[str, Session]:
        """A new session for a user who just signed in: (cookie token, session)."""
        self.prune()
        while len(self._by_key) >= MAX_SESSIONS_KEPT:  # the oldest sign-ins go first
            del self._by_key[next(iter(self._by_key))]
        token = secrets.token_urlsafe(32)
        session = Session(token_key(token), name, password, self.clock() + self.lifetime)
        self._by_key[session.key] = session
        return token, session

    def get(self, token: str | None) -> Session | None:
        """The live session of a cookie token, or None (unknown, forged or expired)."""
        if not token or len(token) > 128:
            return None
        session = self._by_key.get(token_key(token))
        if session is None:
            return None
        if session.expires <= self.clock():
            del self._by_key[session.key]
            return None
        return session

    def end(self, key: str) -> Session | None:
        return self._by_key.pop(key, None)

    def prune(self, valid: Callable[[Session], bool] | None = None) -> list[Session]:
        """Drop expired sessions (and those ``valid`` rejects); returns the dropped ones."""
        now = self.clock()
        gone = [s for s in self._by_key.values() if s.expires <= now or (valid and not valid(s))]
        for session in gone:
            del self._by_key[session.key]
        return gone

    def __len__(self) -> int:
        return len(self._by_key)

    def __contains__(self, key: object) -> bool:
        return key in self._by_key


@dataclass(slots=True)
class _Record:
    failures: int = 0
    last: float = 0.0
    locked_until: float = 0.0


@dataclass
class Throttle:
    """Failed sign-ins of one kind of key (user names, or client addresses)."""

    free: int = 5
    """Failures in a row allowed before the first lock-out."""
    base: float = 1.0
    """The first lock-out window, in seconds; each further failure doubles it."""
    cap: float = 900.0
    forget: float = 3600.0
    clock: Clock = time.monotonic
    _records: OrderedDict[str, _Record] = field(default_factory=OrderedDict)

    def _record(self, key: str) -> _Record | None:
        record = self._records.get(key)
        if record is not None and self.clock() - record.last > self.forget:
            del self._records[key]
            return None
        return record

    def wait(self, key: str) -> float:
        """Seconds until ``key`` may try again (0 = now)."""
        record = self._record(key)
        return 0.0 if record is None else max(0.0, record.locked_until - self.clock())

    def failed(self, key: str) -> int:
        """Count a failure; returns the failures in a row."""
        now = self.clock()
        record = self._record(key) or _Record()
        record.failures += 1
        record.last = now
        over = record.failures - self.free
        if over > 0:
            record.locked_until = now + min(self.cap, self.base * 2 ** min(over - 1, 30))
        self._records[key] = record
        self._records.move_to_end(key)
        while len(self._records) > MAX_KEYS:
            self._records.popitem(last=False)
        return record.failures

    def succeeded(self, key: str) -> None:
        self._records.pop(key, None)


@dataclass
class Guard:
    """Both throttles: per user name and per client address (offices share an address, so
    an address gets more free failures than a name)."""

    names: Throttle = field(default_factory=lambda: Throttle(free=5))
    addresses: Throttle = field(default_factory=lambda: Throttle(free=20))

    def wait(self, name: str, address: str) -> float:
        return max(self.names.wait(name), self.addresses.wait(address))

    def failed(self, name: str, address: str) -> tuple[int, int]:
        return self.names.failed(name), self.addresses.failed(address)

    def succeeded(self, name: str) -> None:
        self.names.succeeded(name)
