"""Sign-in sessions and the throttle of failed sign-ins, on a clock the test moves."""

from __future__ import annotations

from kpitui.serve.auth import MAX_KEYS, Guard, Sessions, Throttle, token_key


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_sessions_are_random_server_side_and_expire() -> None:
    clock = Clock()
    sessions = Sessions(lifetime=60, clock=clock)
    token, session = sessions.create("lan", "$scrypt$hash")
    other, _ = sessions.create("lan", "$scrypt$hash")
    assert token != other and len(token) >= 43  # 32 random bytes, base64
    assert session.key == token_key(token) and token not in session.key
    assert sessions.get(token) is session
    assert sessions.get(token[:-1] + ("A" if token[-1] != "A" else "B")) is None  # forged
    assert (
        sessions.get("") is None and sessions.get(None) is None and sessions.get("x" * 500) is None
    )
    clock.now += 59.9
    assert sessions.get(token) is session
    clock.now += 0.2
    assert sessions.get(token) is None  # expired, and forgotten
    assert session.key not in sessions


def test_ending_and_pruning_sessions() -> None:
    clock = Clock()
    sessions = Sessions(lifetime=60, clock=clock)
    a, sa = sessions.create("lan", "h1")
    b, sb = sessions.create("minh", "h2")
    assert sessions.end(sa.key) is sa and sessions.get(a) is None
    gone = sessions.prune(lambda s: s.name != "minh")  # minh was removed from the users file
    assert gone == [sb] and sessions.get(b) is None and len(sessions) == 0


def test_the_throttle_locks_out_after_free_failures_with_a_doubling_window() -> None:
    clock = Clock()
    throttle = Throttle(free=3, base=2.0, cap=10.0, forget=100.0, clock=clock)
    for n in (1, 2, 3):
        assert throttle.failed("lan") == n and throttle.wait("lan") == 0
    throttle.failed("lan")  # the 4th: locked for 2 s
    assert throttle.wait("lan") == 2.0
    clock.now += 2.0
    assert throttle.wait("lan") == 0
    throttle.failed("lan")  # the 5th: 4 s
    assert throttle.wait("lan") == 4.0
    clock.now += 4.0
    throttle.failed("lan")  # the 6th: 8 s
    assert throttle.wait("lan") == 8.0
    clock.now += 8.0
    throttle.failed("lan")  # the 7th: capped at 10 s
    assert throttle.wait("lan") == 10.0
    assert throttle.wait("minh") == 0  # other keys are not affected


def test_the_throttle_forgets_and_a_success_clears() -> None:
    clock = Clock()
    throttle = Throttle(free=1, base=1.0, forget=100.0, clock=clock)
    throttle.failed("lan")
    throttle.failed("lan")
    assert throttle.wait("lan") > 0
    throttle.succeeded("lan")
    assert throttle.wait("lan") == 0 and throttle.failed("lan") == 1
    clock.now += 100.5
    assert throttle.failed("lan") == 1  # forgotten after a quiet while


def test_the_throttle_remembers_a_bounded_number_of_keys() -> None:
    throttle = Throttle(free=0, base=1.0, clock=Clock())
    for i in range(MAX_KEYS + 50):
        throttle.failed(f"name{i}")
    assert len(throttle._records) == MAX_KEYS
    assert throttle.wait("name0") == 0 and throttle.wait(f"name{MAX_KEYS + 49}") > 0


def test_the_guard_throttles_names_and_addresses_apart() -> None:
    clock = Clock()
    guard = Guard(Throttle(free=2, clock=clock), Throttle(free=4, clock=clock))
    for name in ("a", "b", "c", "d"):
        guard.failed(name, "10.0.0.1")
    assert guard.wait("e", "10.0.0.1") == 0  # 4 failures from the address are still free
    guard.failed("e", "10.0.0.1")
    assert guard.wait("f", "10.0.0.1") > 0  # the address is locked for any name
    assert guard.wait("f", "10.0.0.2") == 0
    guard.failed("a", "10.0.0.2")
    guard.failed("a", "10.0.0.3")
    assert guard.wait("a", "10.0.0.9") > 0  # the name is locked from any address
