"""TOML definitions (SPEC §2.1): defaults, validation, merging, and findings with line:col."""

from __future__ import annotations

import textwrap
import unicodedata
from datetime import date
from pathlib import Path

import pytest

from kpitui.core.definitions import load_definitions, merge, parse_file
from kpitui.core.load.loader import build_snapshot
from kpitui.core.model import Aggregate, Direction

BAD = Path(__file__).resolve().parents[1] / "data" / "bad"


def parse(text: str, path: str = "defs.toml"):
    return parse_file(path, textwrap.dedent(text).encode("utf-8"))


def findings(text: str) -> list[str]:
    return [f.format() for f in parse(text).findings]


# --------------------------------------------------------------------------- defaults


def test_defaults_and_dashboard_inheritance():
    f = parse(
        """
        [dashboard]
        title = "Chuyển đổi số"
        lang = "vi"
        warn = 0.7
        deadline = 2023-12-31

        [[group]]
        id = "g"
        name = "Group"

        [[indicator]]
        id = "pct"
        name = "Percent"
        unit = "%"
        group = "g"

        [[indicator]]
        id = "count"
        name = "Count"
        target = 10
        warn = 0.9
        deadline = "2023-06-30"
        baseline = 2
        direction = "lower"
        """
    )
    assert f.findings == []
    defs = merge([f]).definitions
    pct, count = defs.indicators
    assert (pct.direction, pct.aggregate, pct.scale, pct.target) == (
        Direction.HIGHER,
        Aggregate.RATIO,
        100.0,
        None,
    )
    assert (pct.warn, pct.deadline) == (0.7, date(2023, 12, 31))  # from [dashboard]
    assert (count.aggregate, count.scale) == (Aggregate.SUM, 1.0)
    assert (count.warn, count.deadline, count.baseline) == (0.9, date(2023, 6, 30), 2.0)
    assert count.direction is Direction.LOWER
    assert defs.dashboard.title == "Chuyển đổi số"
    assert defs.dashboard.lang == "vi"
    assert defs.group_name("g") == "Group"
    assert pct.line == 12  # the [[indicator]] header (line 1 of the text is empty)


def test_without_dashboard_warn_is_0_8_and_no_deadline():
    (ind,) = merge([parse('[[indicator]]\nid = "a"\nname = "A"\n')]).definitions.indicators
    assert (ind.warn, ind.deadline) == (0.8, None)


def test_text_is_normalised_to_nfc():
    nfd = unicodedata.normalize("NFD", "Tỷ lệ hồ sơ")
    assert nfd != "Tỷ lệ hồ sơ"
    f = parse(
        f'[[indicator]]\nid = "a"\nname = "{nfd}"\n\n[[agency]]\nid = "hòa"\nname = "{nfd}"\n'
    )
    defs = merge([f]).definitions
    assert defs.indicators[0].name == "Tỷ lệ hồ sơ"
    assert defs.agencies[0].name == "Tỷ lệ hồ sơ"


def test_control_characters_in_names_are_replaced():
    f = parse('[[indicator]]\nid = "a"\nname = "A\\u001b[31m red\\tB"\n')
    assert f.indicators[0].name == "A\ufffd[31m red B"


def test_agency_fields_and_roots():
    f = parse(
        """
        [[agency]]
        id = "p"
        name = "Province"
        parent = ""
        kind = "province"

        [[agency]]
        id = "d"
        name = "District"
        parent = "p"
        """
    )
    p, d = merge([f]).definitions.agencies
    assert (p.parent, p.kind) == (None, "province")
    assert (d.parent, d.kind) == ("p", None)


# --------------------------------------------------------------------------- positions


def test_toml_syntax_error_has_line_and_column():
    (finding,) = parse('[[indicator]]\nid = "a"\nname = "A\n').findings
    assert (finding.line, finding.col) == (3, 10)
    assert finding.message.startswith("invalid TOML: ")


def test_unknown_key_has_the_line_and_column_of_the_key():
    (finding,) = parse(
        '[[indicator]]\nid = "a"\nname = "A"\n\n'
        '[[indicator]]\nid = "b"\nname = "B"\n  direciton = "lower"\n'
    ).findings
    assert (finding.line, finding.col) == (8, 3)
    assert finding.message == "indicator 'b': unknown key 'direciton' (did you mean 'direction'?)"


@pytest.mark.parametrize(
    ("table", "key", "message"),
    [
        ("[dashboard]", "titel", "[dashboard]: unknown key 'titel' (did you mean 'title'?)"),
        ("[csv]", "delimter", "[csv]: unknown key 'delimter' (did you mean 'delimiter'?)"),
        ('[[group]]\nid = "g"\nname = "G"', "colour", "group 'g': unknown key 'colour'"),
        (
            '[[agency]]\nid = "a"\nname = "A"',
            "parnet",
            "agency 'a': unknown key 'parnet' (did you mean 'parent'?)",
        ),
    ],
)
def test_unknown_keys_in_every_table(table, key, message):
    text = f'{table}\n{key} = "x"\n'
    (finding,) = parse(text).findings
    assert finding.message == message
    assert finding.line == text.count("\n")
    assert finding.col == 1


def test_unknown_top_level_table():
    (finding,) = parse('[[indicatr]]\nid = "a"\n').findings
    assert finding.line == 1
    assert finding.message == "unknown table 'indicatr' (did you mean 'indicator'?)"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('target = "50"', "indicator 'a': 'target' must be a number, not a string"),
        ("target = true", "indicator 'a': 'target' must be a number, not a boolean"),
        ("target = nan", "indicator 'a': 'target' must be a finite number"),
        ("name_en = 5", "indicator 'a': 'name_en' must be a string, not an integer"),
        (
            'direction = "up"',
            "indicator 'a': 'direction' must be one of 'higher', 'lower', not 'up'",
        ),
        (
            'aggregate = "median"',
            "indicator 'a': 'aggregate' must be one of 'ratio', 'sum', 'mean', 'min', 'max',"
            " not 'median'",
        ),
        ("scale = 0", "indicator 'a': 'scale' must be greater than 0, not 0"),
        ("warn = 1.5", "indicator 'a': 'warn' must be between 0 (excluded) and 1, not 1.5"),
        (
            'deadline = "31/12/2023"',
            "indicator 'a': 'deadline' must be a date like 2023-12-31, not '31/12/2023'",
        ),
        ("baseline = [1]", "indicator 'a': 'baseline' must be a number, not an array"),
    ],
)
def test_bad_values_point_at_their_key(line, message):
    (finding,) = parse(f'[[indicator]]\nid = "a"\nname = "A"\n\n{line}\n').findings
    assert finding.message == message
    assert (finding.line, finding.col) == (5, 1)
    assert finding.is_error


def test_bad_ids_and_missing_required_keys():
    got = findings(
        """\
        [[indicator]]
        id = "Bad Id"
        name = "X"

        [[indicator]]
        id = "ok"

        [[agency]]
        id = "*"
        name = "All"
        """
    )
    assert got == [
        "defs.toml:2:1: error: indicator 'Bad Id': id must use only a-z, 0-9, '_', '.', '-'",
        "defs.toml:5: error: indicator 'ok': missing required key 'name'",
        "defs.toml:9:1: error: agency id '*' is reserved for all agencies together",
    ]


def test_csv_options_are_validated():
    got = sorted(
        findings(
            """\
        [csv]
        delimiter = ","
        decimal = ","
        thousands = ","
        encoding = "latin-1"

        [csv.columns]
        "Mã" = "indicatorx"
        """
        )
    )
    assert got == [
        "defs.toml:2:1: error: [csv]: 'delimiter' must differ from 'decimal'",
        "defs.toml:4:1: error: [csv]: 'thousands' must differ from 'decimal'",
        "defs.toml:5:1: error: [csv]: 'encoding' must be one of 'utf-8', 'cp1258', 'utf-16',"
        " not 'latin-1'",
        "defs.toml:8:1: error: [csv.columns]: 'Mã' must map to one of indicator, agency, period, "
        "value, numerator, denominator, note, not 'indicatorx'",
    ]


def test_csv_options_are_read():
    f = parse(
        """
        [csv]
        delimiter = ";"
        decimal = ","
        thousands = "."
        encoding = "windows-1258"

        [csv.columns]
        "Mã chỉ tiêu" = "indicator"
        """
    )
    assert f.findings == []
    opts = merge([f]).definitions.csv
    assert (opts.delimiter, opts.decimal, opts.thousands, opts.encoding) == (
        ";",
        ",",
        ".",
        "cp1258",
    )
    assert opts.column_map == {"Mã chỉ tiêu": "indicator"}


def test_invalid_utf8_in_toml():
    (finding,) = parse_file("defs.toml", b'[[indicator]]\nid = "a"\nname = "\xff"\n').findings
    assert (finding.line, finding.col) == (3, 9)
    assert "not valid UTF-8" in finding.message


# --------------------------------------------------------------------------- merging


def test_duplicate_ids_within_and_across_files():
    one = parse(
        '[[indicator]]\nid = "a"\nname = "A"\n\n[[indicator]]\nid = "a"\nname = "A2"\n', "one.toml"
    )
    merged = merge([one])
    assert [f.format() for f in merged.findings] == [
        "one.toml:5: error: duplicate indicator id 'a' (first defined at one.toml:1)"
    ]
    assert merged.definitions.indicators == ()  # the file is set aside as a whole

    first = parse('[[indicator]]\nid = "a"\nname = "A"\n', "first.toml")
    second = parse(
        '[[indicator]]\nid = "b"\nname = "B"\n\n[[indicator]]\nid = "a"\nname = "A"\n',
        "second.toml",
    )
    merged = merge([first, second])
    assert [f.format() for f in merged.findings] == [
        "second.toml:5: error: duplicate indicator id 'a' (first defined at first.toml:1)"
    ]
    assert [i.id for i in merged.definitions.indicators] == ["a"]  # the later file is set aside
    assert merged.used == ["first.toml"]


def test_references_across_files_and_unknown_references():
    groups = parse(
        '[[group]]\nid = "g"\nname = "G"\n\n[[agency]]\nid = "p"\nname = "P"\n', "a.toml"
    )
    inds = parse(
        '[[indicator]]\nid = "x"\nname = "X"\ngroup = "g"\n\n'
        '[[agency]]\nid = "c"\nname = "C"\nparent = "p"\n',
        "b.toml",
    )
    merged = merge([groups, inds])
    assert merged.findings == []
    assert merged.definitions.indicators[0].group == "g"

    bad = parse(
        '[[indicator]]\nid = "x"\nname = "X"\ngroup = "nope"\n\n'
        '[[agency]]\nid = "c"\nname = "C"\n  parent = "q"\n',
        "c.toml",
    )
    merged = merge([bad])
    assert [f.format() for f in merged.findings] == [
        "c.toml:4:1: error: indicator 'x': unknown group 'nope'",
        "c.toml:9:3: error: agency 'c': unknown parent 'q'",
    ]


def test_cyclic_parents():
    f = parse(
        '[[agency]]\nid = "u"\nname = "U"\nparent = "w"\n\n'
        '[[agency]]\nid = "v"\nname = "V"\nparent = "u"\n\n'
        '[[agency]]\nid = "w"\nname = "W"\nparent = "v"\n'
    )
    merged = merge([f])
    assert [x.format() for x in merged.findings] == [
        "defs.toml:4:1: error: agency 'u': cyclic parent: 'u' -> 'w' -> 'v' -> 'u'"
    ]
    assert merged.definitions.agencies == ()


def test_a_second_dashboard_in_another_file():
    a = parse("[dashboard]\nwarn = 0.5\n", "a.toml")
    b = parse('# comment\n[dashboard]\ntitle = "B"\n', "b.toml")
    merged = merge([a, b])
    assert [f.format() for f in merged.findings] == [
        "b.toml:2: error: a second [dashboard] (the first is at a.toml:1)"
    ]
    assert merged.definitions.dashboard.warn == 0.5


def test_a_toml_file_with_errors_is_set_aside_the_others_stay(dataset):
    folder = dataset(
        {
            "a.toml": '[[indicator]]\nid = "a"\nname = "A"\n',
            "b.toml": '[[indicator]]\nid = "b"\nname = "B"\ndirection = "up"\n',
            "obs.csv": "indicator,agency,period,value\na,x,2023-01,5\n",
        }
    )
    snap = build_snapshot([str(folder)])
    assert [i.id for i in snap.definitions.indicators] == ["a"]
    assert snap.errors == 1
    assert snap.findings[0].location() == f"{folder}/b.toml:4:1"
    states = {f.path.rsplit("/", 1)[-1]: f.state for f in snap.files}
    assert states == {"a.toml": "ok", "b.toml": "error", "obs.csv": "ok"}
    assert snap.observations == 1


def test_load_definitions_reads_files_in_the_order_given(tmp_path):
    a = tmp_path / "z.toml"
    a.write_text('[[indicator]]\nid = "z"\nname = "Z"\n', encoding="utf-8")
    b = tmp_path / "a.toml"
    b.write_text('[[indicator]]\nid = "a"\nname = "A"\n', encoding="utf-8")
    merged = load_definitions([str(a), str(b)])
    assert [i.id for i in merged.definitions.indicators] == ["z", "a"]
    missing = load_definitions([str(tmp_path / "nope.toml")])
    assert "cannot read file" in missing.findings[0].message


# --------------------------------------------------------------------------- the committed fixtures


@pytest.mark.parametrize(
    ("case", "file", "line", "col", "message"),
    [
        ("toml_syntax", "defs.toml", 9, 20, "invalid TOML: "),
        (
            "unknown_key",
            "defs.toml",
            11,
            1,
            "indicator 'b': unknown key 'direciton' (did you mean 'direction'?)",
        ),
        (
            "wrong_type",
            "defs.toml",
            10,
            1,
            "indicator 'b': 'target' must be a number, not a string",
        ),
        (
            "bad_direction",
            "defs.toml",
            11,
            1,
            "indicator 'b': 'direction' must be one of 'higher', 'lower', not 'up'",
        ),
        ("bad_aggregate", "defs.toml", 11, 1, "indicator 'b': 'aggregate' must be one of"),
        ("duplicate_id", "defs.toml", 26, 0, "duplicate indicator id 'a' (first defined at "),
        (
            "duplicate_id_two_files",
            "more.toml",
            5,
            0,
            "duplicate indicator id 'a' (first defined at ",
        ),
        ("unknown_group", "defs.toml", 11, 1, "indicator 'b': unknown group 'nope'"),
        ("unknown_parent", "defs.toml", 19, 1, "agency 'x': unknown parent 'q'"),
        ("cyclic_parent", "defs.toml", 29, 1, "agency 'u': cyclic parent: 'u' -> 'v' -> 'u'"),
        ("duplicate_target", "defs.toml", 31, 0, "duplicate target for 'b' at 'x' (first "),
        ("unknown_target", "defs.toml", 32, 1, "target for 'bb' at 'y': unknown indicator"),
        ("successor_without_until", "defs.toml", 25, 1, "agency 'y': 'successor' needs 'until'"),
        ("unknown_successor", "defs.toml", 26, 1, "agency 'y': unknown successor 'xx'"),
        ("cyclic_successor", "defs.toml", 26, 1, "agency 'y': cyclic successor: 'y' -> 'z'"),
        ("successor_dissolved_first", "defs.toml", 26, 1, "agency 'y': successor 'z' was"),
        ("parent_dissolved", "defs.toml", 31, 1, "agency 'c': parent 'y' was dissolved"),
        ("key_bomb", "defs.toml", 25, 16, "not read: a key or table name with more than 8"),
        ("deep_nesting", "defs.toml", 25, 24, "not read: arrays or tables nested more than"),
        ("typo_after_multiline", "defs.toml", 29, 1, "agency 'y': unknown key 'parnet'"),
    ],
)
def test_definition_fixtures(case, file, line, col, message):
    snap = build_snapshot([str(BAD / case)])
    mine = [f for f in snap.findings if f.path.endswith(file) and f.line]
    assert len(mine) == 1, [f.format() for f in snap.findings]
    (finding,) = mine
    assert finding.is_error
    assert (finding.line, finding.col) == (line, col)
    assert finding.message.startswith(message)
