"""Definitions files: what the TOML scan costs next to the parser, and how fast a hostile
file is refused.

Prints, for files generated on the fly (best of ``--repeat`` runs):

* a data set of ``--agencies`` ``[[agency]]`` tables (the size of a national commune list
  and more): ``tomllib.loads`` alone (the floor), the :class:`Locator` scan, and
  ``parse_file`` (scan + parse + validation);
* the same with a multi-line ``kind`` in every table (every table then needs the token
  scan);
* the hostile file of the report: a 400 KB dotted key of 200,000 parts, refused by
  ``parse_file`` before the parser sees it (the parser alone would take minutes: it is
  quadratic, so ``--parts`` parts are timed for scale).

Usage:  python bench/bench_toml.py [--agencies 100000] [--parts 10000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import time
import tomllib
from collections.abc import Callable

from kpitui.core.definitions import parse_file
from kpitui.core.locator import Locator


def best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def agencies(n: int, rich: bool) -> str:
    extra = 'kind = """\nXã\n(đến 30/6/2025)\n"""\n' if rich else ""
    return "".join(
        f'[[agency]]\nid = "xa_{i}"\nname = "Xã số {i}"\nparent = "p"\n{extra}\n' for i in range(n)
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--agencies", type=int, default=100_000)
    ap.add_argument("--parts", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    for rich in (False, True):
        text = agencies(args.agencies, rich)
        data = text.encode()
        floor = best(lambda: tomllib.loads(text), args.repeat)  # noqa: B023
        scan = best(lambda: Locator(text), args.repeat)  # noqa: B023
        whole = best(lambda: parse_file("bench.toml", data), args.repeat)  # noqa: B023
        label = "multi-line strings" if rich else "plain"
        print(
            f"{args.agencies:,} agencies, {label} ({len(data) / 2**20:.1f} MiB):"
            f" tomllib {floor:.2f} s, scan {scan:.2f} s ({scan / floor:.0%} of the parse),"
            f" parse_file {whole:.2f} s"
        )

    bomb = ("a" + ".a" * 199_999 + " = 1\n").encode()
    refused = best(lambda: parse_file("bomb.toml", bomb), args.repeat)
    (finding,) = parse_file("bomb.toml", bomb).findings
    print(f"200,000-part key ({len(bomb) / 1000:.0f} KB): refused in {refused * 1000:.1f} ms")
    print(f"  {finding.format()}")
    small = "a" + ".a" * (args.parts - 1) + " = 1\n"
    parsed = best(lambda: tomllib.loads(small), 1)
    print(
        f"for scale, tomllib on {args.parts:,} parts: {parsed:.2f} s"
        f" (quadratic: x{(200_000 / args.parts) ** 2:,.0f} for 200,000 parts)"
    )


if __name__ == "__main__":
    main()
