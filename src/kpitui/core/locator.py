"""Where things are in a TOML source, and whether it is safe to hand to the parser.

``tomllib`` gives values but no positions, so :class:`Locator` scans the source for table
headers and ``key =`` lines to put each finding on the line a user has to edit. The scan
knows TOML's strings (basic, literal, and their multi-line forms, with escapes), comments and
multi-line arrays, so a ``[[indicator]]`` or ``name =`` written inside a multi-line
description is text, not a table or a key.

The same scan bounds what the parser is given. ``tomllib`` takes time quadratic in the
number of parts of a dotted key (``a.a.a… = 1``: 10,000 parts take 0.8 s, 200,000 would take
minutes) and recurses on nested arrays, so before parsing, a key or table name with more
than :data:`MAX_KEY_PARTS` parts, or arrays and inline tables nested deeper than
:data:`MAX_NESTING`, are refused with their line and column (:attr:`Locator.excess`).

The scan is linear, and mostly done by regular expressions: plain lines (``[[agency]]``,
``name = "Xã Long Phước"``, comments) are not read character by character in Python; only
arrays, inline tables, multi-line strings and lines with many dots are.
"""

from __future__ import annotations

import re

MAX_KEY_PARTS = 8
"""A key or table name with more dotted parts is refused (kpitui's own tables need at most 3:
``csv.columns."Mã chỉ tiêu"``)."""
MAX_NESTING = 16
"""The deepest nesting of arrays and inline tables (the brackets of a header ``[[x]]`` count)."""

_HARD = re.compile(rf"=[ \t]*[\[{{]|\"\"\"|'''|\.(?:[^.\n]*\.){{{MAX_KEY_PARTS - 1}}}")
"""What needs a token scan: an array or inline table (its bracket follows ``=``), a
multi-line string, a line with :data:`MAX_KEY_PARTS` dots (a key of one part more). Each
alternative starts with a fixed character, so the search skips plain text at C speed."""
_OUTSIDE = re.compile(r"[\"'#\[\]{}\n=,.]")
_BASIC = re.compile(r'"(?:[^"\\\n]|\\.)*"')
_BASIC_STOP = re.compile(r'[\\"\n]')
_ML_BASIC_STOP = re.compile(r'\\|"""')
_PART = r"""\s*(?:"(?:[^"\\\n]|\\.)*"|'[^'\n]*'|[A-Za-z0-9_-]+)\s*"""
_BRACKET_LINE = re.compile(r"^[ \t]*\[", re.MULTILINE)
_HEADER = re.compile(rf"\s*\[(\[?)({_PART}(?:\.{_PART})*)\](\]?)")
_NAME = re.compile(r""""((?:[^"\\\n]|\\.)*)"|'([^'\n]*)'|([A-Za-z0-9_-]+)""")


class Locator:
    """Lines (and columns) of tables and keys in a TOML source; 1-based, as editors count."""

    def __init__(self, text: str) -> None:
        self.lines = [line.removesuffix("\r") for line in text.split("\n")]
        self._inside, self.excess = _scan(text)
        """(line, col, message) of the first key or nesting past the bounds; None if within."""
        # (name, occurrence index, first line, last line) of every header.
        self.sections: list[tuple[str, int, int, int]] = []
        counts: dict[str, int] = {}
        heads: list[tuple[str, int, int]] = []
        for number in _bracket_lines(text):
            name = None if number in self._inside else _header(self.lines[number - 1])
            if name is not None:
                index = counts.get(name, 0)
                counts[name] = index + 1
                heads.append((name, index, number))
        for i, (name, index, first) in enumerate(heads):
            last = heads[i + 1][2] - 1 if i + 1 < len(heads) else len(self.lines)
            self.sections.append((name, index, first, last))
        self._by_key = {(name, index): (first, last) for name, index, first, last in self.sections}

    def section(self, name: str, index: int = 0) -> tuple[int, int]:
        """(first, last) line of a table; (0, 0) when not found (e.g. an inline table)."""
        return self._by_key.get((name, index), (0, 0))

    def key(self, name: str, index: int, key: str) -> tuple[int, int]:
        """(line, col) of ``key =`` (or ``key.part =``) in a table ("" = the top level); else
        the table's header line."""
        if name:
            first, last = self.section(name, index)
            if not first:
                return 0, 0
        else:
            first = 1
            last = self.sections[0][2] - 1 if self.sections else len(self.lines)
        pattern = re.compile(r"(\s*)[\"']?" + re.escape(key) + r"[\"']?\s*[=.]")
        for number in range(first, last + 1):
            if number not in self._inside:
                m = pattern.match(self.lines[number - 1])
                if m:
                    return number, len(m.group(1)) + 1
        return (first if name else 0), 0


def _bracket_lines(text: str) -> list[int]:
    """Numbers of the lines whose first non-blank character is ``[``."""
    numbers = []
    line, last = 1, 0
    for m in _BRACKET_LINE.finditer(text):
        line += text.count("\n", last, m.start())
        last = m.start()
        numbers.append(line)
    return numbers


def _header(line: str) -> str | None:
    """The dotted name of a ``[table]`` or ``[[array]]`` header line, quotes removed."""
    m = _HEADER.match(line)
    if not m or len(m.group(1)) != len(m.group(3)):
        return None
    parts = [a or b or c for a, b, c in _NAME.findall(m.group(2))]
    return ".".join(parts)


def _scan(text: str) -> tuple[set[int], tuple[int, int, str] | None]:
    """The lines that start inside a multi-line string or array (where no header or key can
    be), and the first place past the bounds.

    Only the lines where :data:`_HARD` finds something are read token by token, from their
    start until a line ends outside strings and arrays; the lines between are plain and
    leave nothing open. Stops at the first excess; an unterminated string runs to the end
    of the text (the parser reports it)."""
    inside: set[int] = set()
    n = len(text)
    pos = 0  # read up to here
    line, counted = 1, 0  # the number of the line that holds position ``counted``
    for hard in _HARD.finditer(text):
        if hard.start() < pos:
            continue
        pos = text.rfind("\n", 0, hard.start()) + 1
        line += text.count("\n", counted, pos)
        counted = pos
        depth = dots = 0
        while (m := _OUTSIDE.search(text, pos)) is not None:
            ch, i = m.group(), m.start()
            pos = i + 1
            if ch == "\n":
                line += 1
                counted = pos
                dots = 0
                if depth == 0:
                    break
                inside.add(line)
            elif ch == "#":
                end = text.find("\n", i)
                pos = n if end < 0 else end
            elif ch == '"' or ch == "'":
                end = _string_end(text, i)
                lines = text.count("\n", i, end)
                inside.update(range(line + 1, line + 1 + lines))
                line += lines
                counted = pos = end
            elif ch == "[" or ch == "{":
                depth += 1
                dots = 0
                if depth > MAX_NESTING:
                    message = f"arrays or tables nested more than {MAX_NESTING} deep"
                    return inside, (line, _column(text, i), message)
            elif ch == "]" or ch == "}":
                depth = max(0, depth - 1)
                dots = 0
            elif ch == ".":
                dots += 1
                if dots >= MAX_KEY_PARTS:  # MAX_KEY_PARTS + 1 parts
                    message = f"a key or table name with more than {MAX_KEY_PARTS} dotted parts"
                    return inside, (line, _column(text, i), message)
            else:  # "=" or ","
                dots = 0
        else:
            pos = n
    return inside, None


def _column(text: str, i: int) -> int:
    return i - (text.rfind("\n", 0, i) + 1) + 1


def _string_end(text: str, i: int) -> int:
    """The index just past the string that starts at ``i``; ``len(text)`` when it does not
    end, and the end of its line for a one-line string left open (an error for the parser)."""
    n = len(text)
    quote = text[i]
    if text.startswith(quote * 3, i):
        if quote == "'":
            close = text.find("'''", i + 3)
        else:
            k = i + 3
            while (stop := _ML_BASIC_STOP.search(text, k)) is not None and stop.group() == "\\":
                k = stop.start() + 2
            close = stop.start() if stop is not None else -1
        if close < 0:
            return n
        end = close + 3
        extra = 0  # up to two quotes before the closing three belong to the string
        while end < n and text[end] == quote and extra < 2:
            end += 1
            extra += 1
        return end
    if quote == "'":
        close = text.find("'", i + 1)
        newline = text.find("\n", i + 1)
        if close < 0 or 0 <= newline < close:
            return n if newline < 0 else newline
        return close + 1
    m = _BASIC.match(text, i)
    if m:
        return m.end()
    k = i + 1  # unterminated: find where the line ends, skipping escapes
    while (stop := _BASIC_STOP.search(text, k)) is not None and stop.group() == "\\":
        k = stop.start() + 2
    return n if stop is None else stop.start()
