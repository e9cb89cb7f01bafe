"""Definitions of the reporting calendar: per-agency targets (SPEC §9.4) and dissolved and
merged agencies (SPEC §9.5)."""

from __future__ import annotations

import dataclasses
import textwrap
from datetime import date

import pytest

from kpitui.core.definitions import merge, parse_file
from kpitui.core.model import Target

INDICATORS = """\
[[indicator]]
id = "tk_vneid"
name = "Tài khoản VNeID"
target = 50000
deadline = 2024-12-31

[[indicator]]
id = "dvc"
name = "DVC trực tuyến"
unit = "%"
target = 80
"""

AGENCIES = """\
[[agency]]
id = "dong_nai"
name = "Tỉnh Đồng Nai"

[[agency]]
id = "bien_hoa"
name = "TP Biên Hòa"
parent = "dong_nai"

[[agency]]
id = "long_khanh"
name = "TP Long Khánh"
parent = "dong_nai"
"""


def parse(text: str, path: str = "defs.toml"):
    return parse_file(path, textwrap.dedent(text).encode("utf-8"))


def messages(*texts: str) -> list[str]:
    files = [parse(t, f"f{i}.toml") for i, t in enumerate(texts, start=1)]
    return [f.format() for f in merge(files).findings]


# --------------------------------------------------------------------------- [[target]]


def test_targets_are_read_in_order_with_their_place():
    text = (
        INDICATORS
        + AGENCIES
        + """
[[target]]
indicator = "tk_vneid"
agency = "bien_hoa"
target = 12000
deadline = "2024-06-30"

[[target]]
indicator = "tk_vneid"
agency = "long_khanh"
target = 3500.5

[[target]]
indicator = "dvc"
agency = "bien_hoa"
target = 90
deadline = 2024-12-31
"""
    )
    f = parse(text)
    assert f.findings == []
    merged = merge([f])
    assert merged.findings == []
    first_line = text.split("\n").index("[[target]]") + 1
    assert merged.definitions.targets == (
        Target("tk_vneid", "bien_hoa", 12000.0, date(2024, 6, 30), "defs.toml", first_line),
        Target("tk_vneid", "long_khanh", 3500.5, None, "defs.toml", first_line + 6),
        Target("dvc", "bien_hoa", 90.0, date(2024, 12, 31), "defs.toml", first_line + 11),
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        merged.definitions.targets[0].target = 1  # type: ignore[misc]


def test_targets_across_files_and_the_agencies_of_the_observations():
    # Targets, indicators and agencies may live in different files.
    targets = '[[target]]\nindicator = "dvc"\nagency = "bien_hoa"\ntarget = 95\n'
    assert messages(INDICATORS, AGENCIES, targets) == []
    # Without any [[agency]], agencies are the ids of the observations: not checked here.
    f = merge([parse(INDICATORS + "\n" + targets.replace("bien_hoa", "xa_a"))])
    assert f.findings == []
    assert [(t.indicator, t.agency, t.target) for t in f.definitions.targets] == [
        ("dvc", "xa_a", 95.0)
    ]


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (
            'indicator = "nope"\nagency = "bien_hoa"\ntarget = 1',
            "f1.toml:27:1: error: target for 'nope' at 'bien_hoa': unknown indicator 'nope'",
        ),
        (
            'indicator = "dvc"\ntarget = 1\nagency = "nope"',
            "f1.toml:29:1: error: target for 'dvc' at 'nope': unknown agency 'nope'",
        ),
        (
            'indicator = "dvc"\nagency = "bien_hoa"',
            "f1.toml:26: error: target for 'dvc' at 'bien_hoa': missing required key 'target'",
        ),
        (
            'indicator = "dvc"\nagency = "bien_hoa"\ntarget = "90"',
            "f1.toml:29:1: error: target for 'dvc' at 'bien_hoa': 'target' must be a number,"
            " not a string",
        ),
        (
            'indicator = "dvc"\nagency = "bien_hoa"\ntarget = inf',
            "f1.toml:29:1: error: target for 'dvc' at 'bien_hoa': 'target' must be a finite number",
        ),
        (
            'indicator = "dvc"\nagency = "bien_hoa"\ntarget = 1\ndeadline = "31/12/2024"',
            "f1.toml:30:1: error: target for 'dvc' at 'bien_hoa': 'deadline' must be a date like"
            " 2023-12-31, not '31/12/2024'",
        ),
        (
            'indicator = "dvc"\nagency = "bien_hoa"\ntarget = 1\ndeadlin = 2024-12-31',
            "f1.toml:30:1: error: target for 'dvc' at 'bien_hoa': unknown key 'deadlin'"
            " (did you mean 'deadline'?)",
        ),
        (
            'agency = "bien_hoa"\ntarget = 1',
            "f1.toml:26: error: target #1: missing required key 'indicator'",
        ),
        (
            'indicator = "dvc"\nagency = "*"\ntarget = 1',
            "f1.toml:28:1: error: target for 'dvc' at '*': agency '*' is reserved for all"
            " agencies together",
        ),
        (
            'indicator = "dvc"\nagency = "bien\\u001b[2Jhoa"\ntarget = 1',
            "f1.toml:28:1: error: target for 'dvc' at 'bien\ufffd[2Jhoa': 'agency' must not"
            " contain control characters",
        ),
    ],
)
def test_bad_targets(table, message):
    text = INDICATORS + AGENCIES + "\n[[target]]\n" + table + "\n"
    assert text.split("\n")[25] == "[[target]]"  # line 26
    assert messages(text) == [message]


def test_a_second_target_of_one_indicator_at_one_agency():
    target = '[[target]]\nindicator = "dvc"\nagency = "bien_hoa"\ntarget = {}\n'
    # In one file:
    assert messages(INDICATORS + AGENCIES + "\n" + target.format(1) + "\n" + target.format(2)) == [
        "f1.toml:31: error: duplicate target for 'dvc' at 'bien_hoa' (first defined at f1.toml:26)"
    ]
    # In two files: the later file is set aside, the first target stays.
    files = [parse(INDICATORS + AGENCIES, "a.toml"), parse(target.format(1), "b.toml")]
    files.append(parse(target.format(2), "c.toml"))
    merged = merge(files)
    assert [f.format() for f in merged.findings] == [
        "c.toml:1: error: duplicate target for 'dvc' at 'bien_hoa' (first defined at b.toml:1)"
    ]
    assert [t.target for t in merged.definitions.targets] == [1.0]
    assert merged.used == ["a.toml", "b.toml"]
    # The same agency for another indicator, or another agency: no conflict.
    other = target.format(3).replace('"dvc"', '"tk_vneid"')
    assert messages(INDICATORS + AGENCIES, target.format(1), other) == []


# --------------------------------------------------------------------------- until, successor

MERGER = """\
[[agency]]
id = "dong_nai"
name = "Tỉnh Đồng Nai"

[[agency]]
id = "long_khanh"
name = "TP Long Khánh"
parent = "dong_nai"
until = 2025-06-30

[[agency]]
id = "xa_bao_quang"
name = "Xã Bảo Quang"
parent = "long_khanh"
until = "2025-06-30"
successor = "phuong_bao_vinh"

[[agency]]
id = "xa_cu"
name = "Xã cũ (nhập năm 2019)"
parent = "long_khanh"
until = 2019-12-31
successor = "xa_bao_quang"

[[agency]]
id = "phuong_bao_vinh"
name = "Phường Bảo Vinh"
parent = "dong_nai"
"""


def test_until_and_successor_with_a_chain():
    f = parse(MERGER)
    merged = merge([f])
    assert merged.findings == []
    ag = {a.id: a for a in merged.definitions.agencies}
    assert (ag["dong_nai"].until, ag["dong_nai"].successor) == (None, None)
    # A dissolved district without successor: its parent is kept, its history stays.
    assert (ag["long_khanh"].until, ag["long_khanh"].successor) == (date(2025, 6, 30), None)
    assert (ag["xa_bao_quang"].until, ag["xa_bao_quang"].successor) == (
        date(2025, 6, 30),
        "phuong_bao_vinh",
    )
    assert ag["xa_bao_quang"].parent == "long_khanh"  # a dissolved parent of a dissolved unit
    # A chain: xa_cu -> xa_bao_quang -> phuong_bao_vinh.
    assert (ag["xa_cu"].until, ag["xa_cu"].successor) == (date(2019, 12, 31), "xa_bao_quang")
    assert ag["phuong_bao_vinh"].until is None


def test_a_successor_dissolved_the_same_day_is_a_chain_too():
    text = MERGER.replace("until = 2019-12-31", "until = 2025-06-30")
    assert messages(text) == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ('successor = "phuong_bao_vinh"', 'successor = "xa_bao_quang"'),
            "f1.toml:16:1: error: agency 'xa_bao_quang': cyclic successor:"
            " 'xa_bao_quang' -> 'xa_bao_quang'",
        ),
        (
            ('successor = "phuong_bao_vinh"', 'successor = "xa_cu"'),
            "f1.toml:16:1: error: agency 'xa_bao_quang': cyclic successor:"
            " 'xa_bao_quang' -> 'xa_cu' -> 'xa_bao_quang'",
        ),
        (
            ('successor = "phuong_bao_vinh"', 'successor = "phuong_bao_vin"'),
            "f1.toml:16:1: error: agency 'xa_bao_quang': unknown successor 'phuong_bao_vin'",
        ),
        (
            ('until = "2025-06-30"\n', ""),
            "f1.toml:15:1: error: agency 'xa_bao_quang': 'successor' needs 'until',"
            " the day the agency was dissolved",
        ),
        (
            ('until = "2025-06-30"', 'until = "30/06/2025"'),
            "f1.toml:15:1: error: agency 'xa_bao_quang': 'until' must be a date like 2023-12-31,"
            " not '30/06/2025'",
        ),
        (
            ("until = 2019-12-31", "until = 2025-07-01"),
            "f1.toml:23:1: error: agency 'xa_cu': successor 'xa_bao_quang' was dissolved on"
            " 2025-06-30, before 'xa_cu' (2025-07-01)",
        ),
        (
            ('name = "Phường Bảo Vinh"\nparent = "dong_nai"', 'name = "P"\nparent = "long_khanh"'),
            "f1.toml:28:1: error: agency 'phuong_bao_vinh': parent 'long_khanh' was dissolved"
            " on 2025-06-30; give 'phuong_bao_vinh' a parent that still exists"
            " (or an 'until' of its own)",
        ),
        (
            ('successor = "phuong_bao_vinh"', 'successor = "phuong\\u202ebao_vinh"'),
            "f1.toml:16:1: error: agency 'xa_bao_quang': 'successor' must not contain control"
            " characters",
        ),
        (
            ('parent = "dong_nai"\nuntil', 'parent = "dong\\u0007nai"\nuntil'),
            "f1.toml:8:1: error: agency 'long_khanh': 'parent' must not contain control characters",
        ),
    ],
)
def test_bad_endings(change, message):
    old, new = change
    assert old in MERGER
    assert messages(MERGER.replace(old, new, 1)) == [message]


def test_references_to_successors_across_files():
    old = MERGER.split('[[agency]]\nid = "phuong_bao_vinh"')[0]
    new = '[[agency]]\nid = "phuong_bao_vinh"\nname = "Phường Bảo Vinh"\nparent = "dong_nai"\n'
    assert messages(old, new) == []


def test_cyclic_parents_through_graphlib_start_at_the_first_defined():
    # Three agencies in a cycle and one hanging from it: the finding is at the first one of
    # the cycle in definition order, and follows its parents.
    text = (
        '[[agency]]\nid = "t"\nname = "T"\nparent = "v"\n\n'
        '[[agency]]\nid = "v"\nname = "V"\nparent = "u"\n\n'
        '[[agency]]\nid = "u"\nname = "U"\nparent = "w"\n\n'
        '[[agency]]\nid = "w"\nname = "W"\nparent = "v"\n'
    )
    assert messages(text) == [
        "f1.toml:9:1: error: agency 'v': cyclic parent: 'v' -> 'u' -> 'w' -> 'v'"
    ]
