"""Shared helpers of the "hostile world" tests: hostile text, a hostile data set, the demo copy.

Hostile text: every piece is followed by a unique marker ``Z<kind><where>`` (e.g. ``ZOSNA`` =
the OSC 52 payload in an indicator name), so a test can find the spot in the bytes the app
wrote and check what came right before it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.demo import copy_csv_demo

from .ptyutil import PtyApp

# kind -> (text before the marker, text after it)
PIECES: dict[str, tuple[str, str]] = {
    "CL": ("[/]", ""),  # a closing tag with nothing to close (MarkupError if parsed)
    "BO": ("[bold]", ""),  # markup
    "QU": ("[@click=app.quit]", "[/]"),  # an action link
    "OS": ("\x1b]52;c;", "\x07"),  # OSC 52: write the clipboard
    "LK": ("\x1b]8;;http://evil\x07", "\x1b]8;;\x07"),  # OSC 8 hyperlink
    "CS": ("\x1b[2J", ""),  # CSI: clear the screen
    "C1": ("\u009b", ""),  # the one-byte C1 CSI
    "RL": ("\u202e", ""),  # right-to-left override
    "ES": ("\x1b", ""),  # a bare ESC
}
MARKUP_KINDS = ("CL", "BO", "QU")
CONTROL_KINDS = ("OS", "LK", "CS", "C1", "RL", "ES")


def marker(kind: str, where: str) -> str:
    return f"Z{kind}{where}"


def hostile(where: str, kinds: tuple[str, ...] = tuple(PIECES)) -> str:
    """Every hostile piece, each followed by its marker, separated by spaces."""
    return " ".join(f"{PIECES[k][0]}{marker(k, where)}{PIECES[k][1]}" for k in kinds)


def toml_string(value: str) -> str:
    """A TOML basic string; control characters as \\uXXXX escapes (TOML forbids them raw)."""
    out = []
    for ch in value:
        code = ord(ch)
        if code < 0x20 or 0x7F <= code <= 0x9F or ch in "\u202e":
            out.append(f"\\u{code:04x}")
        elif ch in '"\\':
            out.append("\\" + ch)
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


# An agency id that is markup (ids with control characters are a separate bug, see
# test_untrusted_text.test_agency_id_with_a_control_character_matches_its_rows).
MARKUP_ID = "[bold]ZBOID[@click=app.quit]ZQUID[/]"
UNKNOWN_AGENCY = "unk" + "\x1b]52;c;ZOSUK\x07" + "\u202eZRLUK" + "\u009bZC1UK" + "[bold]ZBOUK"
EVIL_FILE = "bad" + "\x1b]52;c;ZOSFN\x07" + "\u202eZRLFN" + "\u009bZC1FN" + ".csv"


def write_hostile_dataset(folder: Path) -> Path:
    """A small data set with hostile text in every field the dashboard shows.

    * title (TI), group name (GR), indicator name (NA), name_en (NE), owner (OW), source (SO),
      description (DE), agency names (AG: has children; LF: a leaf), notes (NO);
    * an agency whose id is markup (MARKUP_ID) and that is a missing reporter, so the
      data-quality panel quotes its id;
    * a CSV whose *file name* carries OSC 52, RLO and C1 CSI (EVIL_FILE) and whose only row
      names an unknown agency carrying them too, so the error line quotes both.
    """
    folder.mkdir(parents=True, exist_ok=True)
    defs = f"""\
[dashboard]
title = {toml_string("T " + hostile("TI"))}
lang = "en"
deadline = "2023-12-31"

[[group]]
id = "g1"
name = {toml_string(hostile("GR"))}

[[indicator]]
id = "ind_a"
name = {toml_string(hostile("NA"))}
group = "g1"
unit = "%"
target = 80
owner = {toml_string(hostile("OW"))}
source = {toml_string(hostile("SO"))}
description = {toml_string(hostile("DE"))}

[[indicator]]
id = "ind_b"
name = "plain B"
name_en = {toml_string(hostile("NE"))}
group = "g1"
unit = "%"
target = 50

[[agency]]
id = "root"
name = "Root"

[[agency]]
id = "dist"
name = {toml_string(hostile("AG"))}
parent = "root"

[[agency]]
id = "leaf1"
name = {toml_string(hostile("LF"))}
parent = "dist"

[[agency]]
id = {toml_string(MARKUP_ID)}
name = "Agency with a markup id"
parent = "root"
"""
    (folder / "defs.toml").write_text(defs, encoding="utf-8")
    rows = [
        "indicator,agency,period,value,numerator,denominator,note",
        f"ind_a,leaf1,2023-01,,5,10,{hostile('NO')}",
        f"ind_a,leaf1,2023-02,,6,10,{hostile('NO')}",
        f"ind_a,{MARKUP_ID},2023-01,,1,2,",
        "ind_b,leaf1,2023-01,,2,10,",
        "ind_b,leaf1,2023-02,,3,10,",
    ]
    (folder / "obs.csv").write_bytes(("\n".join(rows) + "\n").encode("utf-8"))
    bad = [
        "indicator,agency,period,value,numerator,denominator,note",
        f"ind_a,{UNKNOWN_AGENCY},2023-02,1,,,",
    ]
    (folder / EVIL_FILE).write_bytes(("\n".join(bad) + "\n").encode("utf-8"))
    return folder


# --------------------------------------------------------------------------- fixtures


@pytest.fixture
def demo_copy(tmp_path: Path) -> Path:
    """A private copy of the demo data set that a test may change."""
    return copy_csv_demo(tmp_path / "data")


@pytest.fixture
def pty_app() -> Iterator[type[PtyApp]]:
    """``pty_app(args, ...)`` -> a started PtyApp; every one is killed at the end of the test."""
    started: list[PtyApp] = []

    class Tracked(PtyApp):
        def start(self) -> PtyApp:
            started.append(self)
            return super().start()

    try:
        yield Tracked
    finally:
        for app in started:
            app.close()
