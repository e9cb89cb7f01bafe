"""File names are untrusted text too: every finding about definitions prints them cleaned.

A file name can hold an escape sequence (a window title, an OSC 52 clipboard write), a C1
control or a bidi override. Each case below makes one kind of definitions finding, with
files named that way, and checks that no control character reaches the printed line, in
the location or inside the message (``first defined at PATH``, ``the first is at PATH``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kpitui.core.definitions import MAX_TOML_BYTES, merge, parse_file
from kpitui.core.text import clean, has_controls

EVIL = "d\x1b[31m\x1b]0;pwned\x07\x1b]52;c;ZXZpbA==\x07\x9b2J\u202e\u2066x\x7f"
"""SGR, OSC 0 (window title), OSC 52 (clipboard), C1 CSI, RLO, LRI, DEL."""

IND = '[[indicator]]\nid = "a"\nname = "A"\n'
AG = '[[agency]]\nid = "p"\nname = "P"\n'

CASES: dict[str, list[str | bytes]] = {
    "invalid TOML": ['[[indicator]]\nid = "a\n'],
    "not UTF-8": [b'[[indicator]]\nid = "\xff"\n'],
    "too large": [b" " * (MAX_TOML_BYTES + 1)],
    "long dotted key": ["a" + ".a" * 100 + " = 1\n"],
    "deep nesting": ["x = " + "[" * 40 + "]" * 40 + "\n"],
    "unknown table": ['[[indicatr]]\nid = "a"\n'],
    "not a table": ["dashboard = 5\n"],
    "unknown key": [IND + "direciton = 1\n"],
    "missing key": ['[[indicator]]\nid = "a"\n'],
    "not a string": [IND + "unit = 5\n"],
    "empty": ['[[indicator]]\nid = "a"\nname = ""\n'],
    "control characters in an id": ['[[indicator]]\nid = "a\\u001b"\nname = "A"\n'],
    "not a number": [IND + 'target = "5"\n'],
    "not finite": [IND + "target = nan\n"],
    "out of range": [IND + "warn = 2\n"],
    "not a choice": [IND + 'direction = "up"\n'],
    "not a date": [IND + 'deadline = "31/12"\n'],
    "bad id": ['[[indicator]]\nid = "A B"\nname = "A"\n'],
    "csv options": ['[csv]\ndecimal = ","\nthousands = ","\nencoding = "latin1"\ncolumns = 1\n'],
    "csv columns": ['[csv.columns]\n"x" = "nope"\n"y" = "agency"\n"z" = "agency"\n'],
    "reserved agency": ['[[agency]]\nid = "*"\nname = "All"\n'],
    "duplicate in a file": [IND + IND],
    "duplicate across files": [IND, IND],
    "second dashboard": ["[dashboard]\nwarn = 0.5\n", "[dashboard]\nwarn = 0.6\n"],
    "second csv": ['[csv]\ndecimal = ","\n', '[csv]\ndecimal = "."\n'],
    "unknown group": [IND + 'group = "g"\n'],
    "unknown parent": [AG + 'parent = "q"\n'],
    "cyclic parent": [
        '[[agency]]\nid = "u"\nname = "U"\nparent = "v"\n'
        '[[agency]]\nid = "v"\nname = "V"\nparent = "u"\n'
    ],
    "successor without until": [AG + 'successor = "p"\n'],
    "unknown successor": [AG + 'until = 2025-06-30\nsuccessor = "q"\n'],
    "cyclic successor": [AG + 'until = 2025-06-30\nsuccessor = "p"\n'],
    "successor dissolved first": [
        AG + 'until = 2025-06-30\nsuccessor = "q"\n'
        '[[agency]]\nid = "q"\nname = "Q"\nuntil = 2024-01-01\n'
    ],
    "parent dissolved": [
        AG + 'until = 2025-06-30\n[[agency]]\nid = "c"\nname = "C"\nparent = "p"\n'
    ],
    "target: unknown indicator and agency": [
        AG + '[[target]]\nindicator = "zz"\nagency = "q"\ntarget = 1\n'
    ],
    "target: missing and reserved": [IND + '[[target]]\nindicator = "a"\nagency = "*"\n'],
    "target: duplicate across files": [
        IND + AG + '[[target]]\nindicator = "a"\nagency = "p"\ntarget = 1\n',
        '[[target]]\nindicator = "a"\nagency = "p"\ntarget = 2\n',
    ],
}

UNSAFE = ("\x1b", "\x07", "\x9b", "\u202e", "\u2066", "\x7f")


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_definitions_finding_prints_file_names_cleaned(case):
    contents = CASES[case]
    paths = [f"{EVIL}/{i}{EVIL}.toml" for i in range(len(contents))]
    files = [
        parse_file(path, data if isinstance(data, bytes) else data.encode())
        for path, data in zip(paths, contents, strict=True)
    ]
    findings = merge(files).findings
    assert findings, case
    for finding in findings:
        line = finding.format()
        assert not has_controls(line), (case, line)
        assert not any(c in line for c in UNSAFE), (case, line)
        assert line.startswith(clean(finding.path))
    if len(contents) > 1:  # a message that names the first file names it cleaned
        assert f"at {clean(paths[0])}:" in findings[-1].message, findings[-1].message


def test_a_file_that_cannot_be_read(tmp_path: Path):
    folder = tmp_path / EVIL.replace("/", "_")
    folder.mkdir()
    (folder / "defs.toml").mkdir()  # a folder where a file is expected: EISDIR
    missing = str(folder / "missing.toml")
    for path in (missing, str(folder / "defs.toml")):
        (finding,) = parse_file(path).findings
        assert finding.message.startswith("cannot read file: ")
        assert not has_controls(finding.format())
