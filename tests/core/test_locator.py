"""The TOML locator (positions of tables and keys) and the bounds checked before parsing."""

from __future__ import annotations

import textwrap
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpitui.core.definitions import parse_file
from kpitui.core.locator import MAX_KEY_PARTS, MAX_NESTING, Locator


def parse(text: str, path: str = "defs.toml"):
    return parse_file(path, textwrap.dedent(text).encode("utf-8"))


def only(text: str) -> tuple[int, int, str]:
    (finding,) = parse(text).findings
    return finding.line, finding.col, finding.message


# --------------------------------------------------------------------------- strings


def test_a_typo_after_a_multiline_string_is_reported_on_its_own_line():
    text = '''\
        [[indicator]]
        id = "a"
        name = "A"
        description = """
        Mô tả nhiều dòng.
        [[indicator]]
        id = "fake"
        direciton = "lower"
        """

        [[indicator]]
        id = "b"
        name = "B"
        direciton = "lower"
        '''
    assert only(text) == (
        14,
        1,
        "indicator 'b': unknown key 'direciton' (did you mean 'direction'?)",
    )


@pytest.mark.parametrize(
    "value",
    [
        '"""\n[[indicator]]\nname = 1\n"""',
        "'''\n[[indicator]]\nname = 1\n'''",
        "'''\n\"\"\"\n[[indicator]]\n'''",  # a basic opener inside a literal string
        '"""\n\\"""\n[[indicator]]\n"""',  # an escaped quote does not end the string
        '"""\n\\\\"""',  # an escaped backslash does: the string is just "\"
        '"""\n[[indicator]]\n""""',  # one quote more belongs to the string
        '"""\n[[indicator]]\n"""""',  # two more too
        '\'it"""s\'',  # a basic opener inside a one-line literal string
        "\"it'''s\"",
        '"a [b] = c"',
        "[\n  [1, 2],\n  [3],\n]",  # lines of a multi-line array that look like headers
        '[\n  "x",\n  """\n[[indicator]]\n""",\n]',
        "{ a = [1, 2], b = { c = 3 } }",
        '"""a\u2028b\u2029c\x85d"""',  # line separators that are not newlines in TOML
        "1 # \"\"\" in a comment opens nothing\n# [[indicator]]\n# '''",
    ],
)
def test_strings_comments_and_arrays_hide_no_table_or_key(value):
    text = (
        '[[indicator]]\nid = "a"\nname = "A"\n'
        f"description_x = {value}\n\n"
        '[[indicator]]\nid = "b"\nname = "B"\nnote = 1\n'
    )
    lines = text.split("\n")
    typo_a = 4
    typo_b = lines.index("note = 1") + 1
    got = [(f.line, f.col, f.message) for f in parse_file("d.toml", text.encode()).findings]
    assert got == [
        (typo_a, 1, "indicator 'a': unknown key 'description_x' (did you mean 'description'?)"),
        (typo_b, 1, "indicator 'b': unknown key 'note'"),
    ]


def test_locator_sections_and_keys():
    text = (
        "title = 1\n"  # 1
        "[dashboard]\n"  # 2
        '  lang = "vi"\n'  # 3
        '[ "csv" . columns ]\n'  # 4
        '"Mã" = "agency"\n'  # 5
        "[[agency]]\r\n"  # 6: CRLF
        'id = """\r\n'  # 7
        "[[agency]]\r\n"  # 8: inside the string
        'x = 1"""\r\n'  # 9
        "[[agency]]\n"  # 10
        "parent = 'p'\n"  # 11
    )
    loc = Locator(text)
    assert [(n, i, a, b) for n, i, a, b in loc.sections] == [
        ("dashboard", 0, 2, 3),
        ("csv.columns", 0, 4, 5),
        ("agency", 0, 6, 9),
        ("agency", 1, 10, 12),
    ]
    assert loc.excess is None
    assert loc.key("", 0, "title") == (1, 1)
    assert loc.key("dashboard", 0, "lang") == (3, 3)
    assert loc.key("csv.columns", 0, "Mã") == (5, 1)
    assert loc.key("agency", 0, "id") == (7, 1)
    assert loc.key("agency", 0, "x") == (6, 0)  # inside the string: not a key; the header
    assert loc.key("agency", 1, "parent") == (11, 1)
    assert loc.section("agency", 2) == (0, 0)


# --------------------------------------------------------------------------- bounds


def test_a_200000_part_dotted_key_is_refused_before_parsing():
    # The hostile file of the report: 400 KB, which the parser would take minutes over.
    text = '[[indicator]]\nid = "a"\nname = "A"\n\n' + "a" + ".a" * 199_999 + " = 1\n"
    assert len(text) > 400_000
    started = time.perf_counter()
    (finding,) = parse_file("big.toml", text.encode()).findings
    elapsed = time.perf_counter() - started
    assert finding.format() == (
        f"big.toml:5:{2 * MAX_KEY_PARTS}: error: not read: a key or table name"
        f" with more than {MAX_KEY_PARTS} dotted parts"
    )
    print(f"refused in {elapsed * 1000:.1f} ms")  # shown with -s; no timing assertion


@pytest.mark.parametrize(
    ("line", "col"),
    [
        (".".join(["a"] * (MAX_KEY_PARTS + 1)) + " = 1", 2 * MAX_KEY_PARTS),
        ("[" + ".".join(["t"] * 1000) + "]", 1 + 2 * MAX_KEY_PARTS),
        ("[[" + ".".join(["t"] * 1000) + "]]", 2 + 2 * MAX_KEY_PARTS),
        (".".join(['"a"'] * 1000) + " = 1", 4 * MAX_KEY_PARTS),
        ("x = { " + ".".join(["a"] * 1000) + " = 1 }", 6 + 2 * MAX_KEY_PARTS),
        ("x = [{ " + " . ".join(["a"] * 1000) + " = 1 }]", 6 + 4 * MAX_KEY_PARTS),
    ],
)
def test_long_dotted_keys_and_headers_are_refused_at_their_line(line, col):
    text = f'[dashboard]\ntitle = "T"\n\n{line}\n'
    assert only(text) == (
        4,
        col,
        f"not read: a key or table name with more than {MAX_KEY_PARTS} dotted parts",
    )


def test_dotted_keys_up_to_the_bound_are_parsed():
    key = ".".join(["a"] * MAX_KEY_PARTS)
    assert only(f"{key} = 1\n") == (1, 1, "unknown table 'a'")


@pytest.mark.parametrize(
    "line",
    [
        'description = "1.2.3.4.5.6.7.8.9.10.11.12"',  # dots in a string
        "description = '1.2.3.4.5.6.7.8.9.10.11.12'",
        'description = """\n1.2.3.4.5.6.7.8.9.10.11.12\n"""',
        "baseline = 1.5 # a.b.c.d.e.f.g.h.i.j.k",  # in a comment
    ],
)
def test_dots_outside_keys_are_not_counted(line):
    text = f'[[indicator]]\nid = "a"\nname = "A"\n{line}\n'
    assert parse(text).findings == []


def test_many_floats_on_one_line_are_not_a_long_key():
    floats = ", ".join(f"{i}.5" for i in range(100))
    assert only(f"x = [{floats}]\n") == (1, 1, "unknown table 'x'")


def test_deep_nesting_is_refused_at_its_line():
    deep = "[" * (MAX_NESTING + 1) + "]" * (MAX_NESTING + 1)
    assert only(f'[dashboard]\ntitle = "T"\nx = {deep}\n') == (
        3,
        5 + MAX_NESTING,
        f"not read: arrays or tables nested more than {MAX_NESTING} deep",
    )
    inline = "{a = " * (MAX_NESTING + 1) + "1" + "}" * (MAX_NESTING + 1)
    line, _, message = only(f"x = {inline}\n")
    assert (line, message) == (1, f"not read: arrays or tables nested more than {MAX_NESTING} deep")
    across = "x = [\n" + "[\n" * MAX_NESTING + "]\n" * (MAX_NESTING + 1)
    assert only(across)[:2] == (MAX_NESTING + 1, 1)


def test_nesting_up_to_the_bound_is_parsed():
    ok = "[" * MAX_NESTING + "]" * MAX_NESTING
    assert only(f"x = {ok}\n") == (1, 1, "unknown table 'x'")


@pytest.mark.parametrize(
    "text",
    [
        'a = "unterminated\nb = 1\n',
        "a = 'unterminated\n",
        'a = """never closed\n[[x]]\n',
        "a = '''never closed\n",
        'a = "\\',
        'a = """\\',
        "[[",
        "a = [[[",
        "]]]]",
        "a = [\n" * 20,
    ],
)
def test_broken_toml_gives_one_finding_never_an_exception(text):
    findings = parse_file("x.toml", text.encode()).findings
    assert len(findings) == 1
    assert findings[0].is_error


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                *['"', "'", '"""', "'''", "\\", "[", "]", "{", "}", "\n", "\r\n", "=", ","],
                *[".", "#", "a", " ", "x = ", "[[agency]]\n", "é", "\u2028"],
            ]
        ),
        max_size=60,
    ).map("".join)
)
def test_locator_never_raises(text):
    loc = Locator(text)
    for name, index, first, last in loc.sections:
        assert 1 <= first <= last <= len(loc.lines)
        assert loc.section(name, index) == (first, last)
    parse_file("fuzz.toml", text.encode())
