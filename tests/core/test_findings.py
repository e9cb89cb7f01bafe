"""Findings: the compiler-style lines of `kpitui check`."""

from __future__ import annotations

from kpitui.core import findings as fnd


def test_format_with_and_without_line_and_column():
    assert fnd.error("a.toml", 42, "boom", col=9).format() == "a.toml:42:9: error: boom"
    assert fnd.warning("a.csv", 17, "hmm").format() == "a.csv:17: warning: hmm"
    assert (
        str(fnd.error("dir", 0, "no such file or folder")) == "dir: error: no such file or folder"
    )
    assert fnd.error("a", 0, "x", col=3).location() == "a"  # no line: no column either


def test_sort_count_and_plural():
    items = [
        fnd.warning("b.csv", 2, "w"),
        fnd.error("b.csv", 2, "e"),
        fnd.error("a.csv", 10, "e"),
        fnd.error("a.csv", 10, "e"),  # duplicates collapse
        fnd.error("a.csv", 9, "e", col=4),
    ]
    ordered = fnd.sort_findings(items)
    assert [f.format() for f in ordered] == [
        "a.csv:9:4: error: e",
        "a.csv:10: error: e",
        "b.csv:2: error: e",
        "b.csv:2: warning: w",
    ]
    assert fnd.count(ordered) == (3, 1)
    assert (fnd.plural(1, "error"), fnd.plural(0, "error"), fnd.plural(2, "warning")) == (
        "1 error",
        "0 errors",
        "2 warnings",
    )


def test_location_is_safe_to_print():
    finding = fnd.error("data/o\x1b]52;c;x\x07.csv", 3, "boom")
    assert finding.format() == "data/o\ufffd]52;c;x\ufffd.csv:3: error: boom"
    assert finding.path == "data/o\x1b]52;c;x\x07.csv"  # kept as is for opening the file
