"""Untrusted text in a REAL terminal: no escape or control sequence from the data reaches it.

The app runs in a pty (``python -m kpitui DIR --no-watch``, TERM=xterm-256color, a fixed
size); the test presses keys through every view that shows data text and reads every byte
the app writes. Then, for every marker placed right after a hostile piece:

* the byte before it is never ESC (0x1b) nor the C1 CSI (raw 0x9b or UTF-8 c2 9b), and the
  hostile piece itself never precedes it;
* U+202E (e2 80 ae) and U+009B never appear at all, nor OSC 52 or the evil OSC 8 link;
* its text appears (the data was really shown) — markup literally (``[bold]ZBO..``);
* the app is still running (``[@click=app.quit]`` in a name did not quit it).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kpitui.core.load.loader import build_snapshot

from .conftest import (
    MARKUP_ID,
    MARKUP_KINDS,
    PIECES,
    marker,
    write_hostile_dataset,
)
from .ptyutil import started

COLS, ROWS = 140, 60

FORBIDDEN = {
    b"\xe2\x80\xae": "U+202E (RLO)",
    b"\xc2\x9b": "U+009B (C1 CSI) as UTF-8",
    b"\x1b]52;": "OSC 52 (clipboard write)",
    b"\x1b]8;;http://evil": "the data's OSC 8 hyperlink",
    b"\x1b[2JZ": "the data's clear-screen",
}


def all_markers(where: str, kinds: tuple[str, ...] = tuple(PIECES)) -> list[str]:
    return [marker(k, where) for k in kinds]


def assert_no_leaks(out: bytes, markers: list[str]) -> None:
    for raw, what in FORBIDDEN.items():
        at = out.find(raw)
        assert at < 0, f"{what} reached the terminal: {out[max(0, at - 40) : at + 40]!r}"
    text = out.decode("utf-8", "surrogateescape")
    assert "\x9b" not in text, "U+009B reached the terminal"
    assert "\udc9b" not in text, "a raw 0x9b byte (8-bit CSI) reached the terminal"
    for m in markers:
        needle = m.encode()
        kind = m[1:3]
        before = PIECES[kind][0]
        raw_piece = before.encode("utf-8") + needle
        if kind not in MARKUP_KINDS:  # markup is meant to be shown as typed
            assert raw_piece not in out, f"raw {raw_piece!r} reached the terminal"
        start = 0
        while (i := out.find(needle, start)) >= 0:
            start = i + 1
            context = out[max(0, i - 40) : i + len(needle)]
            assert out[i - 1 : i] not in (b"\x1b", b"\x9b"), (
                f"{m} follows a raw control byte: {context!r}"
            )
            assert out[i - 2 : i] != b"\xc2\x9b", f"{m} follows U+009B: {context!r}"


def assert_shown(out: bytes, markers: list[str], what: str) -> None:
    missing = [m for m in markers if m.encode() not in out]
    assert not missing, f"{what}: never shown: {missing}"


def test_hostile_text_never_reaches_the_terminal(tmp_path: Path, pty_app) -> None:  # type: ignore[no-untyped-def]
    write_hostile_dataset(tmp_path / "d")
    app = pty_app(["d", "--no-watch"], cols=COLS, rows=ROWS, cwd=tmp_path).start()
    started(app, "ZBOTI")
    out = lambda: bytes(app.output)  # noqa: E731

    # The main view: title, indicator names (name without name_en, and a name_en), the error
    # line (a file name and an unknown agency id), all shown literally.
    assert_shown(out(), ["ZCLTI", "ZBOTI", "ZCLNA", "ZBONA", "ZCLNE", "ZBONE"], "main view")
    assert b"[bold]ZBOTI" in out() and b"[/]ZCLNA" in out(), "markup in data was interpreted"
    assert_shown(
        out(), ["ZOSFN", "ZRLFN", "ZC1FN", "ZOSUK", "ZRLUK", "ZC1UK", "ZBOUK"], "error line"
    )

    # Clicks along the title, where "[@click=app.quit]ZQUTI" is shown: if it were markup,
    # a click would run app.quit.
    for x in range(3, 70, 3):
        app.write(f"\x1b[<0;{x};1M\x1b[<0;{x};1m")
    app.settle(0.3, timeout=2.0)
    assert app.wait_exit(1.0) is None, "a click on data text quit the app"

    # `d`: details of ind_a (name, group, owner, source, description), then of ind_b (name_en).
    app.press("d", pause=0.4)
    for where in ("NA", "GR", "OW", "SO", "DE"):
        assert_shown(out(), all_markers(where), f"details panel ({where})")
    assert b"[@click=app.quit]ZQUOW" in out()
    app.press("down", pause=0.4)
    assert_shown(out(), all_markers("NE"), "details panel (name_en)")

    # Enter: the breakdown by agency (an agency with children), then one level down (a leaf
    # with a note); the details panel follows the cursor; the crumbs show the names.
    app.press("up", "enter", pause=0.4)
    assert_shown(out(), all_markers("AG"), "breakdown (agency name)")
    app.press("enter", pause=0.4)
    assert_shown(out(), all_markers("LF") + all_markers("NO"), "breakdown (leaf name, note)")
    assert app.alive()

    # `!`: the data-quality panel quotes the markup agency id, the file name, the unknown id.
    app.press("escape", "escape", "!", pause=0.4)
    assert_shown(out(), ["ZBOID", "ZQUID"], "data-quality panel (agency id)")
    assert MARKUP_ID.encode() in out(), "an agency id was parsed as markup"
    app.press("escape", pause=0.4)

    # `/`: typed markup, RLO and C1 CSI, and a bracketed paste carrying escape sequences.
    app.press("/", pause=0.3)
    app.write("[bold]ZBOSE [/]ZCLSE [@click=app.quit]ZQUSE \u202eZRLSE \u009bZC1SE ")
    app.settle(0.3, timeout=1.5)  # the input's cursor blinks: never fully quiet
    app.write(b"\x1b[200~\x1b]52;c;ZOSPA\x07 \x1b[2JZCSPA \x1bZESPA \xe2\x80\xaeZRLPA\x1b[201~")
    app.settle(0.3, timeout=1.5)
    app.press("enter", pause=0.4)
    assert_shown(out(), ["ZBOSE", "ZCLSE", "ZQUSE", "ZOSPA", "ZCSPA", "ZESPA", "ZRLPA"], "search")
    app.press("escape", pause=0.4)

    code = app.wait_exit(1.5)
    assert code is None, f"the app ended ({code}); it wrote:\n{app.text()[-2000:]}"
    every = [
        marker(k, w)
        for w in (
            "TI",
            "GR",
            "NA",
            "NE",
            "OW",
            "SO",
            "DE",
            "AG",
            "LF",
            "NO",
            "SE",
            "PA",
            "FN",
            "UK",
            "ID",
        )
        for k in PIECES
    ]
    assert_no_leaks(out(), every)


def test_enter_on_a_leaf_agency_with_markup_in_its_name(tmp_path: Path, pty_app) -> None:  # type: ignore[no-untyped-def]
    write_hostile_dataset(tmp_path / "d")
    app = pty_app(["d", "--no-watch"], cols=COLS, rows=ROWS, cwd=tmp_path).start()
    started(app, "ZBOTI")
    app.press("enter", pause=0.4)  # ind_a by agency: "dist"
    app.press("enter", pause=0.4)  # one level down: "leaf1"
    mark = len(app.output)
    app.press("enter", pause=0.4)  # a leaf: "has no agencies below" in a notification
    code = app.wait_exit(3.0)
    assert code is None, f"the app ended ({code}): {app.text()[-400:]}"
    note = bytes(app.output[mark:])
    assert b"[/]ZCLLF" in note, "the notification does not show the name literally"
    assert_no_leaks(bytes(app.output), all_markers("LF"))


def test_the_leak_checker_catches_leaks() -> None:
    """The checks above would fail on a terminal stream that carried the data raw."""
    clean_stream = (
        b"\x1b[1;3H\x1b[0m[bold]ZBONA \xef\xbf\xbd]52;c;ZOSNA\xef\xbf\xbdZRLNA \xe1\xbb\x9b"
    )
    assert_no_leaks(clean_stream, ["ZBONA", "ZOSNA", "ZRLNA"])
    for leak, name in [
        (b"\x1bZESNA", "ZESNA"),
        (b"\x1b[2JZCSNA", "ZCSNA"),
        (b"\x9bZC1NA", "ZC1NA"),
        (b"\xc2\x9bZC1NA", "ZC1NA"),
        (b"\xe2\x80\xaeZRLNA", "ZRLNA"),
        (b"\x1b]52;c;ZOSNA\x07", "ZOSNA"),
        (b"\x1b]8;;http://evil\x07ZLKNA", "ZLKNA"),
    ]:
        with pytest.raises(AssertionError):
            assert_no_leaks(clean_stream + leak, [name])


# --------------------------------------------------------------------------- ids in the core


def test_agency_id_with_a_control_character_matches_its_rows(dataset) -> None:  # type: ignore[no-untyped-def]
    ident = "ag\x1bx"
    folder = dataset(
        {
            "d.toml": (
                '[[indicator]]\nid = "i"\nname = "I"\n\n[[agency]]\nid = "ag\\u001bx"\nname = "A"\n'
            ),
            "o.csv": f"indicator,agency,period,value\ni,{ident},2023-01,1\n".encode(),
        }
    )
    snap = build_snapshot([str(folder)])
    csv_errors = [f for f in snap.findings if f.is_error and f.path.endswith(".csv")]
    # Either the rows match the (cleaned) id, or the definition itself is rejected.
    toml_errors = [f for f in snap.findings if f.is_error and f.path.endswith(".toml")]
    assert not csv_errors or toml_errors, [f.format() for f in snap.findings]


def test_control_characters_in_ids_are_quoted_clean(dataset) -> None:  # type: ignore[no-untyped-def]
    """Whatever the verdict on such ids, findings never carry the raw control characters."""
    folder = dataset(
        {
            "d.toml": '[[indicator]]\nid = "i"\nname = "I"\n\n[[agency]]\nid = "a"\nname = "A"\n',
            "o.csv": "indicator,agency,period,value\ni,b\x1b]52;c;X\x07\u202e\u009b,2023-01,1\n".encode(),
        }
    )
    snap = build_snapshot([str(folder)])
    assert snap.errors == 1
    for f in snap.findings:
        line = f.format()
        assert not any(c in line for c in "\x1b\x07\u202e\u009b"), repr(line)
