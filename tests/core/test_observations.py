"""Observation files (SPEC §2.2): formats, encodings, several files, findings with lines."""

from __future__ import annotations

import csv
import io
import itertools
import random
import unicodedata

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from kpitui.core import views
from kpitui.core.load.loader import build_snapshot
from kpitui.core.text import is_clean

DEFS = """
[dashboard]
deadline = "2023-12-31"

[[indicator]]
id = "dd"
name = "Kích hoạt định danh điện tử"
unit = "%"
target = 100

[[indicator]]
id = "hs"
name = "Hồ sơ số hóa"
unit = "%"
aggregate = "mean"
target = 100

[[indicator]]
id = "cnt"
name = "Số người"
unit = "người"

[[agency]]
id = "p"
name = "Tỉnh"

[[agency]]
id = "c1"
name = "Xã Hòa Long"
parent = "p"

[[agency]]
id = "c2"
name = "Phường Phước Hưng"
parent = "p"
"""

PLAIN = '''\
indicator,agency,period,value,numerator,denominator,note
dd,c1,2023-07,,100000,290000,
dd,c2,2023-07,,150000,300000,
hs,c1,2023-07,40.1,,,
hs,c2,2023-07,60,,,
cnt,c1,2023-07,7000,,,
cnt,c2,2023-07,1000.5,,,
dd,c1,2023-08,,150000,300000,
dd,c2,2023-08,,159104,315198,"Ghi chú; đã nộp hồ sơ, ""Hòa Long"""
hs,c1,2023-08,50.2,,,
hs,c2,2023-08,69.88,,,
cnt,c1,2023-08,7999,,,
cnt,c2,2023-08,1234.5,,,Phước Hưng
'''

VI_CSV_OPTIONS = """
[csv]
delimiter = ";"
decimal = ","
thousands = "."
encoding = "{encoding}"

[csv.columns]
"Mã chỉ tiêu" = "indicator"
"Đơn vị" = "agency"
"Kỳ báo cáo" = "period"
"Giá trị" = "value"
"Tử số" = "numerator"
"Mẫu số" = "denominator"
"Ghi chú" = "note"
"""

# The same data as PLAIN, the way Excel writes it on a Vietnamese Windows.
VIETNAMESE = (
    "Mã chỉ tiêu;Đơn vị;Kỳ báo cáo;Giá trị;Tử số;Mẫu số;Ghi chú\r\n"
    "dd;c1;2023-07;;100.000;290.000;\r\n"
    "dd;c2;2023-07;;150.000;300.000;\r\n"
    "hs;c1;2023-07;40,1%;;;\r\n"
    "hs;c2;2023-07;60 %;;;\r\n"
    "cnt;c1;2023-07;7.000;;;\r\n"
    "cnt;c2;2023-07;1.000,5;;;\r\n"
    "dd;c1;2023-08;;150.000;300.000;\r\n"
    'dd;c2;2023-08;;159.104;315.198;"Ghi chú; đã nộp hồ sơ, ""Hòa Long"""\r\n'
    "hs;c1;2023-08;50,2%;;;\r\n"
    "hs;c2;2023-08;69,88;;;\r\n"
    "cnt;c1;2023-08;7.999;;;\r\n"
    "cnt;c2;2023-08;1.234,5;;;Phước Hưng\r\n"
)


def to_cp1258(text: str) -> bytes:
    """Encode NFC text as cp1258, which writes many Vietnamese letters with combining marks."""
    out = b""
    for ch in unicodedata.normalize("NFC", text):
        base, *marks = unicodedata.normalize("NFD", ch)
        for n in range(len(marks), -1, -1):
            for keep in itertools.combinations(range(len(marks)), n):
                head = unicodedata.normalize("NFC", base + "".join(marks[i] for i in keep))
                rest = "".join(m for i, m in enumerate(marks) if i not in keep)
                try:
                    out += (head + rest).encode("cp1258")
                except UnicodeEncodeError:
                    continue
                break
            else:
                continue
            break
        else:  # pragma: no cover - every Vietnamese letter has a cp1258 spelling
            raise ValueError(ch)
    return out


def frames(snap) -> dict[str, pl.DataFrame]:
    out = {"summary": views.summary(snap)}
    for ind in ("dd", "hs", "cnt"):
        out[ind] = views.breakdown(snap, ind, subtree=True)
        out[ind + "-07"] = views.breakdown(snap, ind, subtree=True, as_of="2023-07")
    return out


def clean_snapshot(folder):
    snap = build_snapshot([str(folder)])
    assert snap.findings == (), [f.format() for f in snap.findings]
    return snap


@pytest.fixture
def plain(dataset):
    return frames(clean_snapshot(dataset({"defs.toml": DEFS, "obs.csv": PLAIN})))


def test_plain_figures(plain):
    summary = {r["indicator"]: r for r in plain["summary"].iter_rows(named=True)}
    assert summary["dd"]["value"] == pytest.approx(100 * 309104 / 615198, rel=1e-12)
    assert (summary["dd"]["numerator"], summary["dd"]["denominator"]) == (309104.0, 615198.0)
    assert summary["hs"]["value"] == pytest.approx((50.2 + 69.88) / 2, rel=1e-12)
    assert summary["cnt"]["value"] == pytest.approx(7999 + 1234.5)
    note = plain["dd"].filter(pl.col("agency") == "c2")["note"][0]
    assert note == 'Ghi chú; đã nộp hồ sơ, "Hòa Long"'


@pytest.mark.parametrize(
    ("encoding", "encode"),
    [
        ("utf-8", lambda text: b"\xef\xbb\xbf" + text.encode("utf-8")),  # with a BOM
        ("utf-8", lambda text: text.encode("utf-8")),
        ("cp1258", to_cp1258),
        ("utf-16", lambda text: text.encode("utf-16")),  # BOM + little endian
        ("utf-16", lambda text: b"\xfe\xff" + text.encode("utf-16-be")),
        ("utf-16", lambda text: text.encode("utf-16-le")),  # no BOM: little endian
    ],
    ids=["utf8-bom", "utf8", "cp1258", "utf16", "utf16-be", "utf16-le-no-bom"],
)
def test_vietnamese_excel_csv_gives_exactly_the_plain_figures(dataset, plain, encoding, encode):
    folder = dataset(
        {
            "defs.toml": DEFS + VI_CSV_OPTIONS.format(encoding=encoding),
            "obs.csv": encode(VIETNAMESE),
        }
    )
    got = frames(clean_snapshot(folder))
    assert got.keys() == plain.keys()
    for key in plain:
        assert_frame_equal(got[key], plain[key])


def test_cp1258_text_is_normalised_to_nfc(dataset):
    folder = dataset(
        {
            "defs.toml": DEFS + VI_CSV_OPTIONS.format(encoding="cp1258"),
            "obs.csv": to_cp1258(VIETNAMESE),
        }
    )
    assert b"\xd2" in to_cp1258("chỉ")  # combining hook above: the file is decomposed
    snap = clean_snapshot(folder)
    note = views.breakdown(snap, "cnt").filter(pl.col("agency") == "c2")["note"][0]
    assert note == "Phước Hưng"
    assert unicodedata.is_normalized("NFC", note)


def test_several_files_are_concatenated(dataset, plain):
    lines = PLAIN.splitlines(keepends=True)
    header, body = lines[0], lines[1:]
    folder = dataset(
        {
            "defs.toml": DEFS,
            "obs-2023-07.csv": header + "".join(body[:6]),
            "obs-2023-08.csv": header + "".join(body[6:]),
        }
    )
    snap = clean_snapshot(folder)
    assert snap.observations == 12
    got = frames(snap)
    for key in plain:
        assert_frame_equal(got[key], plain[key])


def test_files_given_one_by_one_and_columns_in_any_order(dataset, plain):
    records = list(csv.reader(io.StringIO(PLAIN)))
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([list(reversed(r)) for r in records])
    assert buf.getvalue().startswith("note,denominator,numerator,value,period,agency,indicator\n")
    folder = dataset({"defs.toml": DEFS, "a.csv": buf.getvalue()})
    snap = build_snapshot([str(folder / "defs.toml"), str(folder / "a.csv")])
    assert snap.findings == ()
    got = frames(snap)
    for key in plain:
        assert_frame_equal(got[key], plain[key])


def test_trailing_percent_and_blank_lines_in_a_plain_file(dataset):
    folder = dataset(
        {
            "defs.toml": DEFS,
            "obs.csv": "indicator,agency,period,value\n"
            "hs,c1,2023-08,50.2%\n\nhs,c2,2023-08, 69.88 % \n",
        }
    )
    snap = clean_snapshot(folder)
    assert views.breakdown(snap, "hs")["value"].to_list() == [50.2, 69.88]


def test_header_names_are_case_insensitive_canonical_names(dataset):
    folder = dataset(
        {"defs.toml": DEFS, "obs.csv": "Indicator,AGENCY,Period,Value\ncnt,c1,2023-08,3\n"}
    )
    snap = clean_snapshot(folder)
    assert views.summary(snap).filter(pl.col("indicator") == "cnt")["value"][0] == 3.0


def test_value_only_files_and_fraction_only_files(dataset):
    folder = dataset(
        {
            "defs.toml": DEFS,
            "values.csv": "indicator,agency,period,value\ncnt,c1,2023-08,3\n",
            "fractions.csv": "indicator,agency,period,numerator,denominator\ndd,c1,2023-08,1,4\n",
        }
    )
    snap = clean_snapshot(folder)
    rows = {r["indicator"]: r["value"] for r in views.summary(snap).iter_rows(named=True)}
    assert rows["cnt"] == 3.0
    assert rows["dd"] == 25.0


# --------------------------------------------------------------------------- findings


def bad(
    dataset, body: str, header: str = "indicator,agency,period,value,numerator,denominator,note\n"
):
    folder = dataset({"defs.toml": DEFS, "obs.csv": header + body})
    snap = build_snapshot([str(folder)])
    return snap, [f.format().replace(str(folder) + "/", "") for f in snap.findings]


def test_decimal_mark_hint(dataset):
    _, lines = bad(dataset, "cnt,c1,2023-08,69,88\n", header="indicator,agency,period,value\n")
    assert lines == ["obs.csv:2: error: row has 5 fields, the header has 4"]
    _, lines = bad(dataset, 'cnt,c1,2023-08,"69,88"\n', header="indicator,agency,period,value\n")
    assert lines == [
        "obs.csv:2: error: column 'value': cannot read '69,88' as a number"
        ' (the decimal mark is "."; for 69,88 set [csv] decimal = ",")'
    ]


def test_thousands_grouping_must_be_by_three(dataset):
    folder = dataset(
        {
            "defs.toml": DEFS + VI_CSV_OPTIONS.format(encoding="utf-8"),
            "obs.csv": "Mã chỉ tiêu;Đơn vị;Kỳ báo cáo;Giá trị\n"
            "cnt;c1;2023-08;1.000\ncnt;c2;2023-08;12.34\n",
        }
    )
    snap = build_snapshot([str(folder)])
    (finding,) = snap.findings
    assert finding.line == 3
    assert "column 'value': cannot read '12.34' as a number" in finding.message


COMMA_DEFS = DEFS + '\n[csv]\ndelimiter = ";"\ndecimal = ","\n'


@pytest.mark.parametrize(
    ("value", "expected"),
    [("69,88", 69.88), ("50,2%", 50.2), ("-1,5", -1.5), ("1234,5", 1234.5), ("7", 7.0)],
)
def test_decimal_comma_without_thousands(dataset, value, expected):
    folder = dataset(
        {
            "defs.toml": COMMA_DEFS,
            "obs.csv": f"indicator;agency;period;value\ncnt;c1;2023-08;{value}\n",
        }
    )
    snap = clean_snapshot(folder)
    assert views.breakdown(snap, "cnt")["value"].to_list() == [expected, None]


@pytest.mark.parametrize("value", ["309.104", "50.2", "1.234,5"])
def test_decimal_comma_refuses_a_dot_that_is_not_a_thousands_mark(dataset, value):
    # "309.104" in a Vietnamese file means 309104: without [csv] thousands = "." it must not
    # be read silently as 309.104.
    folder = dataset(
        {
            "defs.toml": COMMA_DEFS,
            "obs.csv": f"indicator;agency;period;value\ncnt;c2;2023-07;1\ncnt;c1;2023-08;{value}\n",
        }
    )
    snap = build_snapshot([str(folder)])
    (finding,) = snap.findings
    assert finding.line == 3
    assert finding.message.startswith(f"column 'value': cannot read '{value}' as a number")
    assert snap.observations == 0


def test_crlf_line_numbers(dataset):
    _, lines = bad(dataset, "cnt,c1,2023-07,1,,,\r\ncnt,c1,2023-08,x1,,,\r\n".replace("\n", "\n"))
    assert lines == ["obs.csv:3: error: column 'value': cannot read 'x1' as a number"]


def test_multiline_notes_before_several_bad_rows(dataset):
    body = (
        'cnt,c1,2023-07,1,,,"one\ntwo"\n'  # lines 2-3
        "cnt,c2,2023-07,zz,,,\n"  # line 4
        'cnt,c1,2023-08,1,,,"a\n\nb\nc"\n'  # lines 5-8
        "cnt,c2,2023-08,1,,,\n"  # line 9
        "cnt,c2,2023-08,2,,,\n"  # line 10: duplicate of line 9
    )
    _, lines = bad(dataset, body)
    assert lines == [
        "obs.csv:4: error: column 'value': cannot read 'zz' as a number",
        "obs.csv:10: error: duplicate row for 'cnt' at 'c2' '2023-08' (first on line 9)",
    ]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "cnt,c1,2023-08,,,,\n",
            "obs.csv:2: error: row has neither a value nor a numerator and denominator",
        ),
        ("dd,c1,2023-08,,5,,\n", "obs.csv:2: error: numerator without denominator"),
        ("dd,c1,2023-08,,,5,\n", "obs.csv:2: error: denominator without numerator"),
        (",c1,2023-08,1,,,\n", "obs.csv:2: error: column 'indicator' is empty"),
        ("cnt,,2023-08,1,,,\n", "obs.csv:2: error: column 'agency' is empty"),
        ("cnt,c1,,1,,,\n", "obs.csv:2: error: column 'period' is empty"),
        (
            "cnt,c1,2023-08,-inf,,,\n",
            "obs.csv:2: error: column 'value': '-inf' is not a finite number",
        ),
        (
            "dd,c1,2023-08,,NaN,5,\n",
            "obs.csv:2: error: column 'numerator': 'NaN' is not a finite number",
        ),
        (
            "cnt,c1,2023-02-30,1,,,\n",
            "obs.csv:2: error: column 'period': '2023-02-30' is not a period",
        ),
        ("cnt,c1,2023-Q5,1,,,\n", "obs.csv:2: error: column 'period': '2023-Q5' is not a period"),
        ("cnt,c1,23-08,1,,,\n", "obs.csv:2: error: column 'period': '23-08' is not a period"),
        (
            "cnt,c1,2023-08,,2,1,\n",
            "obs.csv:2: warning: 'cnt' at 'c1' 2023-08: numerator exceeds denominator",
        ),
    ],
)
def test_row_findings(dataset, body, expected):
    _, lines = bad(dataset, "cnt,c2,2023-08,1,,,\n" + body)
    expected = expected.replace("obs.csv:2", "obs.csv:3")
    assert len(lines) == 1, lines
    assert lines[0].startswith(expected)


def test_control_characters_in_data_are_quoted_safely(dataset):
    _, lines = bad(dataset, "cnt,c1,2023-08,\x1b[2J1,,,\n")
    assert len(lines) == 1
    assert "\x1b" not in lines[0]
    assert "cannot read '\ufffd[2J1' as a number" in lines[0]


def test_a_file_with_errors_is_set_aside_and_the_others_stay(dataset):
    header = "indicator,agency,period,value\n"
    folder = dataset(
        {
            "defs.toml": DEFS,
            "good.csv": header + "cnt,c1,2023-07,5\ncnt,c2,2023-07,6\n",
            "worse.csv": header + "cnt,c1,2023-08,7\ncnt,c2,2023-08,12a\n",
        }
    )
    snap = build_snapshot([str(folder)])
    assert snap.errors == 1
    assert snap.observations == 2
    head = views.summary(snap).filter(pl.col("indicator") == "cnt").row(0, named=True)
    assert head["period"] == "2023-07"  # no row of worse.csv is in effect, not even line 2
    assert head["value"] == 11.0
    states = {f.path.rsplit("/", 1)[-1]: f.state for f in snap.files}
    assert states == {"defs.toml": "ok", "good.csv": "ok", "worse.csv": "error"}


def test_duplicate_across_files_sets_the_later_file_aside(dataset):
    header = "indicator,agency,period,value\n"
    folder = dataset(
        {
            "defs.toml": DEFS,
            "a.csv": header + "cnt,c1,2023-07,5\n",
            "b.csv": header + "cnt,c2,2023-07,6\ncnt,c1,2023-07,9\n",
        }
    )
    snap = build_snapshot([str(folder)])
    (finding,) = snap.findings
    assert finding.path.endswith("b.csv") and finding.line == 3
    assert (
        finding.message == f"duplicate row for 'cnt' at 'c1' '2023-07' (first at {folder}/a.csv:2)"
    )
    assert views.summary(snap).filter(pl.col("indicator") == "cnt")["value"][0] == 5.0


def test_file_names_are_not_glob_patterns(dataset):
    header = "indicator,agency,period,value\n"
    folder = dataset(
        {
            "defs.toml": DEFS,
            "obs*.csv": header + "cnt,c1,2023-08,1\n",
            "obs-a.csv": header + "cnt,c2,2023-08,2\n",
            "báo cáo [tháng 8].csv": header + "cnt,c1,2023-07,4\n",
            "o[x.csv": header + "cnt,c2,2023-07,8\n",
        }
    )
    snap = clean_snapshot(folder)
    assert snap.observations == 4
    frame = views.summary(snap).filter(pl.col("indicator") == "cnt")
    assert frame.select("value", "previous_value").row(0) == (3.0, 12.0)


def test_control_characters_in_file_names_do_not_reach_the_terminal(dataset):
    folder = dataset(
        {"defs.toml": DEFS, "o\x1b[2Jx.csv": "indicator,agency,period,value\ncnt,c1,2023-08,1x\n"}
    )
    (finding,) = build_snapshot([str(folder)]).findings
    assert "\x1b" not in finding.format()
    assert finding.format().endswith(
        "o\ufffd[2Jx.csv:2: error: column 'value': cannot read '1x' as a number"
    )


def test_unknown_agency_is_accepted_without_agency_definitions(dataset):
    defs = DEFS.split("[[agency]]")[0]
    folder = dataset(
        {"defs.toml": defs, "obs.csv": "indicator,agency,period,value\ncnt,anyone,2023-08,1\n"}
    )
    snap = clean_snapshot(folder)
    assert snap.tree.ids == ("anyone",)


def test_agency_ids_in_another_unicode_form_match(dataset):
    defs = DEFS + '\n[[agency]]\nid = "hòa_long"\nname = "Hòa Long"\nparent = "p"\n'
    nfd = unicodedata.normalize("NFD", "hòa_long")
    assert nfd != "hòa_long"
    folder = dataset(
        {"defs.toml": defs, "obs.csv": f"indicator,agency,period,value\ncnt,{nfd},2023-08,4\n"}
    )
    snap = clean_snapshot(folder)
    assert views.summary(snap).filter(pl.col("indicator") == "cnt")["value"][0] == 4.0


def test_a_row_repeated_in_two_unicode_forms_is_a_duplicate(dataset):
    defs = DEFS + '\n[[agency]]\nid = "hòa_long"\nname = "Hòa Long"\nparent = "p"\n'
    nfd = unicodedata.normalize("NFD", "hòa_long")
    header = "indicator,agency,period,value\n"
    one = dataset(
        {"defs.toml": defs, "obs.csv": f"{header}cnt,hòa_long,2023-08,1\ncnt,{nfd},2023-08,2\n"}
    )
    snap = build_snapshot([str(one)])
    assert [f.format().replace(str(one) + "/", "") for f in snap.findings] == [
        "obs.csv:3: error: duplicate row for 'cnt' at 'hòa_long' '2023-08' (first on line 2)"
    ]
    two = dataset(
        {
            "defs.toml": defs,
            "a.csv": f"{header}cnt,hòa_long,2023-08,1\ncnt,c1,2023-08,5\n",
            "b.csv": f"{header}cnt,{nfd},2023-08,2\n",
        }
    )
    snap = build_snapshot([str(two)])
    assert [f.format().replace(str(two) + "/", "") for f in snap.findings] == [
        "b.csv:2: error: duplicate row for 'cnt' at 'hòa_long' '2023-08' (first at a.csv:2)"
    ]
    assert snap.observations == 2  # a.csv stays in effect
    assert views.summary(snap).filter(pl.col("indicator") == "cnt")["value"][0] == 6.0


def test_empty_file_and_header_only_file(dataset):
    folder = dataset(
        {"defs.toml": DEFS, "empty.csv": b"", "header.csv": "indicator,agency,period,value\n"}
    )
    snap = build_snapshot([str(folder)])
    lines = [f.format().replace(str(folder) + "/", "") for f in snap.findings]
    assert lines == ["empty.csv:1: error: no header line (the file is empty)"]
    assert snap.observations == 0


def test_missing_value_columns_and_half_pairs_in_the_header(dataset):
    folder = dataset(
        {
            "defs.toml": DEFS,
            "a.csv": "indicator,agency,period,note\ncnt,c1,2023-08,x\n",
            "b.csv": "indicator,agency,period,value,numerator\ncnt,c1,2023-08,1,1\n",
            "c.csv": "indicator;agency;period;value\ncnt;c1;2023-08;1\n",
        }
    )
    snap = build_snapshot([str(folder)])
    lines = [f.format().replace(str(folder) + "/", "") for f in snap.findings]
    assert lines == [
        "a.csv:1: error: needs a 'value' column or both 'numerator' and 'denominator'",
        "b.csv:1: error: has a 'numerator' column but no 'denominator' column",
        "c.csv:1: error: missing required column 'indicator', 'agency', 'period'; the header has "
        "'indicator;agency;period;value' (is [csv] delimiter right?)",
    ]


# --------------------------------------------------------------------------- no traceback, ever

FUZZ_HEADER = b"indicator,agency,period,value,numerator,denominator,note\n"


def _assert_sane(snap) -> None:
    for f in snap.findings:
        text = f.format()
        assert is_clean(text), text
        assert f.severity in ("error", "warning")


@pytest.mark.parametrize("seed", range(8))
def test_random_bytes_as_csv_and_toml_never_raise(tmp_path, seed):
    rng = random.Random(seed)
    junk = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 2000)))
    folder = tmp_path / "junk"
    folder.mkdir()
    (folder / "defs.toml").write_text(DEFS, encoding="utf-8")
    (folder / "junk.csv").write_bytes(junk)
    snap = build_snapshot([str(folder)])
    _assert_sane(snap)
    assert snap.errors >= 1
    (folder / "junk.csv").unlink()
    (folder / "junk.toml").write_bytes(junk)
    snap = build_snapshot([str(folder)])
    _assert_sane(snap)
    assert snap.errors >= 1
    assert any(f.path.endswith("junk.toml") and f.is_error for f in snap.findings)


@settings(
    max_examples=50,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(body=st.binary(max_size=400))
def test_random_rows_after_a_good_header_never_raise(tmp_path_factory, body):
    folder = tmp_path_factory.mktemp("fuzz")
    (folder / "defs.toml").write_text(DEFS, encoding="utf-8")
    (folder / "obs.csv").write_bytes(FUZZ_HEADER + body)
    snap = build_snapshot([str(folder)])
    _assert_sane(snap)


ROW_CHARS = st.sampled_from(list('cnt,dd,c1,c2,2023-08,Q1,0123456789.-+eE%"\n\r ;\tnaif\x00é'))


@settings(
    max_examples=50,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(body=st.lists(ROW_CHARS, max_size=200).map("".join))
def test_random_csv_like_rows_never_raise(tmp_path_factory, body):
    folder = tmp_path_factory.mktemp("fuzz")
    (folder / "defs.toml").write_text(DEFS, encoding="utf-8")
    (folder / "obs.csv").write_bytes(FUZZ_HEADER + body.encode("utf-8"))
    snap = build_snapshot([str(folder)])
    _assert_sane(snap)
    if snap.errors == 0:
        # A sound file is in effect: the views work on it.
        assert views.summary(snap).height == 3


@settings(
    max_examples=50,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(extra=st.text(max_size=200))
def test_random_toml_text_never_raises(tmp_path_factory, extra):
    folder = tmp_path_factory.mktemp("fuzz")
    (folder / "defs.toml").write_text(DEFS + "\n" + extra, encoding="utf-8")
    (folder / "obs.csv").write_bytes(FUZZ_HEADER + b"cnt,c1,2023-08,1,,,\n")
    snap = build_snapshot([str(folder)])
    _assert_sane(snap)


# --------------------------------------------------------------------------- undecodable bytes

ENCODING_DEFS = '[csv]\nencoding = "{}"\n\n[[indicator]]\nid = "cnt"\nname = "C"\n'
TEXT = "indicator,agency,period,value,note\ncnt,a,2023-01,1,\ncnt,b,2023-01,2,"


@pytest.mark.parametrize(
    ("encoding", "data", "where"),
    [
        # 0x81 is not a cp1258 character: line 3, after 18 characters.
        ("cp1258", TEXT.encode("cp1258") + b"ab\x81\n", "3:19"),
        # A lone UTF-16 surrogate: columns count characters, not bytes.
        ("utf-16", TEXT.encode("utf-16") + b"\x00\xd8" + "x\n".encode("utf-16-le"), "3:17"),
        # "Ċ" (U+010A) is the bytes 0A 01 in UTF-16-LE: not a line end.
        (
            "utf-16",
            (TEXT + "Ċ").encode("utf-16") + b"\x00\xd8" + "x\n".encode("utf-16-le"),
            "3:18",
        ),
        # UTF-8: the column counts characters before the bad byte ("Phường" is 6).
        ("utf-8", TEXT.encode() + "Phường".encode() + b"\xff\n", "3:23"),
    ],
    ids=["cp1258", "utf16", "utf16-0a-byte", "utf8"],
)
def test_bytes_invalid_in_the_declared_encoding(dataset, encoding, data, where):
    folder = dataset(
        {
            "defs.toml": ENCODING_DEFS.format(encoding),
            "bad.csv": data,
            "good.csv": "indicator,agency,period,value\ncnt,c,2023-02,5\n".encode(
                "utf-16" if encoding == "utf-16" else "utf-8"
            ),
        }
    )
    snap = build_snapshot([str(folder)])  # never raises
    lines = [f.format().replace(str(folder) + "/", "") for f in snap.findings]
    assert lines == [
        f"bad.csv:{where}: error: bytes that are not valid {encoding} (check [csv] encoding)"
    ]
    # The other file stays in effect.
    assert snap.observations == 1
    assert views.summary(snap)["value"].to_list() == [5.0]


def test_undecodable_header_line(dataset):
    folder = dataset(
        {
            "defs.toml": ENCODING_DEFS.format("cp1258"),
            "bad.csv": b"indicator,agency,period,va\x81ue\n",
        }
    )
    snap = build_snapshot([str(folder)])
    (finding,) = snap.findings
    assert (finding.line, finding.col) == (1, 27)


def test_a_polars_panic_on_a_lone_quote_is_a_finding(dataset):
    # Found by fuzzing: polars' typed float parser panics (a Rust panic, a BaseException)
    # on a lone '"' at the end of the file; the careful path reports the line instead.
    folder = dataset({"defs.toml": DEFS, "obs.csv": FUZZ_HEADER + b'2-,\t,1,,,"'})
    snap = build_snapshot([str(folder)])
    _assert_sane(snap)
    assert [f.format() for f in snap.findings if f.is_error] == [
        f"{folder / 'obs.csv'}:2: error: malformed CSV: a quoted field is not closed "
        "(unexpected end of data)"
    ]


def test_a_row_with_only_a_zero_denominator_is_reported_not_a_crash(dataset):
    # Found by fuzzing: the denominator-0 warning quoted the empty period (None).
    folder = dataset({"defs.toml": DEFS, "obs.csv": FUZZ_HEADER + b",,,,,0"})
    snap = build_snapshot([str(folder)])
    _assert_sane(snap)
    messages = [f.format() for f in snap.findings]
    # The first problem of a row only: no warning about a row that is already an error.
    assert messages == [f"{folder / 'obs.csv'}:2: error: column 'indicator' is empty"]
