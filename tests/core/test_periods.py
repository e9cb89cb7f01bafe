"""Periods (SPEC §2.2, §9.1, §9.2): spellings, canonical forms, dates, order, display, last year.

Every expected value below is worked out by hand from the calendar, not computed by the module.
"""

from __future__ import annotations

import random
import unicodedata
from datetime import date, datetime

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpitui.core.periods import (
    ACCEPTED_FORMS,
    canonical,
    canonical_expr,
    canonical_map,
    display,
    end_of,
    from_date,
    kind_of,
    last_year,
    parse_period,
    period_table,
    sort_key,
)
from kpitui.core.text import has_controls

D = date

# --------------------------------------------------------------------------- canonical forms


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2023", D(2023, 1, 1), D(2023, 12, 31)),
        ("2023-Q1", D(2023, 1, 1), D(2023, 3, 31)),
        ("2024-Q1", D(2024, 1, 1), D(2024, 3, 31)),
        ("2023-Q2", D(2023, 4, 1), D(2023, 6, 30)),
        ("2023-Q3", D(2023, 7, 1), D(2023, 9, 30)),
        ("2023-Q4", D(2023, 10, 1), D(2023, 12, 31)),
        ("2023-02", D(2023, 2, 1), D(2023, 2, 28)),
        ("2024-02", D(2024, 2, 1), D(2024, 2, 29)),  # 2024 is a leap year
        ("1900-02", D(1900, 2, 1), D(1900, 2, 28)),  # divisible by 100: not a leap year
        ("2000-02", D(2000, 2, 1), D(2000, 2, 29)),  # divisible by 400: a leap year
        ("2023-04", D(2023, 4, 1), D(2023, 4, 30)),
        ("2023-12", D(2023, 12, 1), D(2023, 12, 31)),
        ("2024-02-29", D(2024, 2, 29), D(2024, 2, 29)),
        ("2024-H1", D(2024, 1, 1), D(2024, 6, 30)),
        ("2024-H2", D(2024, 7, 1), D(2024, 12, 31)),
        ("2024-YTD01", D(2024, 1, 1), D(2024, 1, 31)),
        ("2024-YTD02", D(2024, 1, 1), D(2024, 2, 29)),
        ("2023-YTD02", D(2023, 1, 1), D(2023, 2, 28)),
        ("2024-YTD09", D(2024, 1, 1), D(2024, 9, 30)),
        ("2024-YTD11", D(2024, 1, 1), D(2024, 11, 30)),
        ("2024-YTD12", D(2024, 1, 1), D(2024, 12, 31)),
        ("0001", D(1, 1, 1), D(1, 12, 31)),
        ("9999-12-31", D(9999, 12, 31), D(9999, 12, 31)),
    ],
)
def test_canonical_forms(text, start, end):
    assert canonical(text) == text
    assert parse_period(text) == (start, end)
    assert end_of(text) == end


# --------------------------------------------------------------------------- spellings

SPELLINGS = [
    # SPEC §9.1, the table
    ("Tháng 6/2024", "2024-06"),
    ("T6/2024", "2024-06"),
    ("06/2024", "2024-06"),
    ("6/2024", "2024-06"),
    ("Quý II/2024", "2024-Q2"),
    ("Quý 2/2024", "2024-Q2"),
    ("Q2/2024", "2024-Q2"),
    ("Q2-2024", "2024-Q2"),
    ("6 tháng đầu năm 2024", "2024-H1"),
    ("6 tháng cuối năm 2024", "2024-H2"),
    ("9 tháng 2024", "2024-YTD09"),
    ("9 tháng đầu năm 2024", "2024-YTD09"),
    ("lũy kế 9 tháng 2024", "2024-YTD09"),
    ("luỹ kế 9 tháng 2024", "2024-YTD09"),
    ("Năm 2024", "2024"),
    ("30/06/2024", "2024-06-30"),
    # every quarter in Roman and Arabic numerals
    ("Quý I/2024", "2024-Q1"),
    ("Quý III/2023", "2023-Q3"),
    ("Quý IV/2024", "2024-Q4"),
    ("Q4/2024", "2024-Q4"),
    ("Quý 1/2025", "2025-Q1"),
    # months with one and two digits, both ends of the year
    ("Tháng 1/2024", "2024-01"),
    ("Tháng 12/2024", "2024-12"),
    ("T12/2023", "2023-12"),
    ("01/2024", "2024-01"),
    ("12/2024", "2024-12"),
    # cumulative periods of other lengths; "6 tháng" alone is cumulative, not the half year
    ("1 tháng 2024", "2024-YTD01"),
    ("3 tháng đầu năm 2024", "2024-YTD03"),
    ("6 tháng 2024", "2024-YTD06"),
    ("lũy kế 6 tháng 2024", "2024-YTD06"),
    ("lũy kế 6 tháng đầu năm 2024", "2024-YTD06"),
    ("12 tháng 2024", "2024-YTD12"),
    ("06 tháng đầu năm 2024", "2024-H1"),
    # days
    ("01/01/2024", "2024-01-01"),
    ("1/1/2024", "2024-01-01"),
    ("29/02/2024", "2024-02-29"),
    ("31/12/2023", "2023-12-31"),
    # the formal spellings of official documents
    ("Tháng 6 năm 2024", "2024-06"),
    ("Quý II năm 2024", "2024-Q2"),
    ("9 tháng năm 2024", "2024-YTD09"),
    ("ngày 30/6/2024", "2024-06-30"),
    ("Ngày 30 tháng 6 năm 2024", "2024-06-30"),
    # case and accents ignored
    ("THÁNG 6/2024", "2024-06"),
    ("thang 6/2024", "2024-06"),
    ("t6/2024", "2024-06"),
    ("QUÝ ii/2024", "2024-Q2"),
    ("quy 2/2024", "2024-Q2"),
    ("q2/2024", "2024-Q2"),
    ("6 THANG DAU NAM 2024", "2024-H1"),
    ("6 Tháng Cuối Năm 2024", "2024-H2"),
    ("Luy Ke 9 Thang 2024", "2024-YTD09"),
    ("nam 2024", "2024"),
    ("2024-q2", "2024-Q2"),
    ("2024-h1", "2024-H1"),
    ("2024-ytd09", "2024-YTD09"),
    # separators: '/', '-' or a space, spaces around '/' and '-', spaces around the text
    ("Tháng 6-2024", "2024-06"),
    ("Tháng 6 2024", "2024-06"),
    ("Tháng 6 / 2024", "2024-06"),
    ("Q2 2024", "2024-Q2"),
    ("Quý II-2024", "2024-Q2"),
    ("30-06-2024", "2024-06-30"),
    ("30 06 2024", "2024-06-30"),
    ("6-2024", "2024-06"),
    ("2024/06", "2024-06"),
    ("2024 06 30", "2024-06-30"),
    ("2024 Q2", "2024-Q2"),
    ("  2024-06  ", "2024-06"),
    ("\t2024\t", "2024"),
    ("Tháng\u00a06/2024", "2024-06"),  # a no-break space, as word processors type it
    ("6  tháng   đầu năm 2024", "2024-H1"),
]


@pytest.mark.parametrize(("text", "expected"), SPELLINGS)
def test_spellings(text, expected):
    assert canonical(text) == expected
    assert parse_period(text) == parse_period(expected)


def test_decomposed_accents_are_read():
    # macOS writes "Tháng" decomposed: a + U+0301
    nfd = unicodedata.normalize("NFD", "Tháng 6/2024")
    assert nfd != "Tháng 6/2024"
    assert canonical(nfd) == "2024-06"
    assert canonical(unicodedata.normalize("NFD", "lũy kế 9 tháng đầu năm 2024")) == "2024-YTD09"


@pytest.mark.parametrize(
    "text",
    [
        # months, quarters, halves, YTD out of range
        "2024-13",
        "2024-00",
        "Tháng 13/2024",
        "Tháng 0/2024",
        "13/2024",
        "0/2024",
        "00/2024",
        "2024-Q0",
        "2024-Q5",
        "Q5/2024",
        "Quý V/2024",
        "Quý 5/2024",
        "2024-H0",
        "2024-H3",
        "2024-YTD13",
        "2024-YTD00",
        "2024-YTD9",  # canonical forms keep their width
        "13 tháng 2024",
        "0 tháng 2024",
        "7 tháng cuối năm 2024",
        # days that do not exist
        "2023-02-29",
        "29/02/2023",
        "2024-06-31",
        "31/06/2024",
        "32/01/2024",
        "1900-02-29",
        # year 0, short or long years
        "0000",
        "Năm 0000",
        "0000-06",
        "6/0000",
        "23",
        "Tháng 6/24",
        "10000",
        # other shapes
        "2023-1",
        "2024-6-30",
        "2023-W01",
        "2024.06",
        "30.06.2024",
        "August",
        "Jun 2024",
        "lũy kế 2024",
        "6 tháng đầu năm",
        "Tháng 6",
        "Quý II",
        "2024-06-30-01",
        "2024-Q2-01",
        "2024/2025",
        "6//2024",
        "2024--06",
        "-2024",
        "2024-",
        "2024-06/",
        "Tháng 6/2024.",
        "2024 06 30 12",
        # empty
        "",
        " ",
        "\t \t",
        # non-ASCII digits: full-width, Arabic-Indic, Devanagari, superscripts, mixed
        "２０２３-０８",
        "２０２３",
        "2023-０８",
        "٢٠٢٣-٠٨",
        "2023-٠٨",
        "२०२३-०८",
        "Tháng ６/2024",
        "2024-0²",
        # letters that look like ours, and characters that hide
        "Ｑ2/2024",
        "2024\u200b-06",
        "2024\x1b-06",
        "2024-06\x00",
        "Quý Ⅱ/2024",  # U+2161 ROMAN NUMERAL TWO
        "2024–06",  # an en dash
        # too long to be a period
        "Tháng 6/2024" + " " * 100,
        "9" * 10_000,
    ],
)
def test_not_periods(text):
    assert canonical(text) is None
    assert parse_period(text) is None
    assert end_of(text) is None
    assert kind_of(text) is None
    assert sort_key(text) is None
    assert last_year(text) is None


def test_canonical_map_and_the_vectorised_column():
    values = ["Tháng 6/2024", "2024-06", "Q2/2024", "bad", "Tháng 6/2024", "２０２４-０６"]
    mapping = canonical_map([*values, None])
    assert mapping == {
        "Tháng 6/2024": "2024-06",
        "2024-06": "2024-06",
        "Q2/2024": "2024-Q2",
        "bad": None,
        "２０２４-０６": None,
    }
    frame = pl.DataFrame({"period": [*values, None]})
    out = frame.lazy().select(canonical_expr(pl.col("period"), mapping)).collect()
    assert out["period"].to_list() == [
        "2024-06",
        "2024-06",
        "2024-Q2",
        None,
        "2024-06",
        None,
        None,
    ]
    # A value the mapping does not know is null, never passed through unchecked.
    other = pl.DataFrame({"period": ["2024-07"]}).select(canonical_expr(pl.col("period"), {}))
    assert other["period"].to_list() == [None]


def test_kind_of():
    assert [
        kind_of(p)
        for p in (
            "2024",
            "Năm 2024",
            "2024-H2",
            "Quý I/2024",
            "9 tháng 2024",
            "T6/2024",
            "1/6/2024",
        )
    ] == ["year", "year", "half", "quarter", "ytd", "month", "day"]


# --------------------------------------------------------------------------- order


def test_period_table_orders_by_end_then_start():
    frame, invalid = period_table(
        ["2023-12-31", "2023-12", "2023", "2023-Q4", "2023-01", "bad", "2023-13"]
    )
    assert frame["period"].to_list() == ["2023-01", "2023", "2023-Q4", "2023-12", "2023-12-31"]
    assert frame["order"].to_list() == [0, 1, 2, 3, 4]
    assert invalid == ["2023-13", "bad"]


ORDERED = [
    "2023-12",  # ends 2023-12-31
    "2024-YTD01",  # ends 2024-01-31, same days as 2024-01: the cumulative one first
    "2024-01",
    "2024-02-29",
    "2024-YTD03",  # ends 2024-03-31, same days as the quarter
    "2024-Q1",
    "2024-03",
    "2024-YTD06",  # ends 2024-06-30: starts 01-01, 01-01, 04-01, 06-01, 06-30
    "2024-H1",
    "2024-Q2",
    "2024-06",
    "2024-06-30",
    "2024-YTD09",  # ends 2024-09-30: starts 01-01, 07-01
    "2024-Q3",
    "2024-YTD12",  # ends 2024-12-31: 01-01 (YTD, then year), 07-01, 10-01, 12-01, 12-31
    "2024",
    "2024-H2",
    "2024-Q4",
    "2024-12",
    "2024-12-31",
    "2025-01-01",
]


def test_period_table_order_of_every_kind():
    shuffled = ORDERED[:]
    random.Random(7).shuffle(shuffled)
    frame, invalid = period_table(shuffled)
    assert invalid == []
    assert frame["period"].to_list() == ORDERED
    assert frame["order"].to_list() == list(range(len(ORDERED)))
    assert frame.row(ORDERED.index("2024-H1"), named=True) == {
        "period": "2024-H1",
        "start": D(2024, 1, 1),
        "end": D(2024, 6, 30),
        "order": ORDERED.index("2024-H1"),
    }
    assert sorted(shuffled, key=sort_key) == ORDERED  # type: ignore[arg-type]


def test_spec_example_order():
    frame, _ = period_table(["2024-12", "2024-Q4", "2024", "2024-H2"])
    assert frame["period"].to_list() == ["2024", "2024-H2", "2024-Q4", "2024-12"]


def test_period_table_keeps_the_text_given_and_each_text_once():
    frame, invalid = period_table(["Tháng 6/2024", "Tháng 6/2024", "2024-05", "Quý 5/2024"])
    assert frame["period"].to_list() == ["2024-05", "Tháng 6/2024"]
    assert invalid == ["Quý 5/2024"]


# --------------------------------------------------------------------------- display


@pytest.mark.parametrize(
    ("period", "vi", "en"),
    [
        ("2024-06", "Tháng 6/2024", "Jun 2024"),
        ("2024-01", "Tháng 1/2024", "Jan 2024"),
        ("2024-12", "Tháng 12/2024", "Dec 2024"),
        ("2024-Q2", "Quý 2/2024", "Q2 2024"),
        ("2024-H1", "6 tháng đầu năm 2024", "H1 2024"),
        ("2024-H2", "6 tháng cuối năm 2024", "H2 2024"),
        ("2024-YTD09", "9 tháng 2024", "Jan–Sep 2024"),
        ("2024-YTD02", "2 tháng 2024", "Jan–Feb 2024"),
        ("2024-YTD12", "12 tháng 2024", "Jan–Dec 2024"),
        ("2024-YTD01", "1 tháng 2024", "Jan 2024 (YTD)"),
        ("2024", "Năm 2024", "2024"),
        ("2024-06-30", "30/06/2024", "30 Jun 2024"),
        ("2024-03-01", "01/03/2024", "1 Mar 2024"),
    ],
)
def test_display(period, vi, en):
    assert display(period, "vi") == vi
    assert display(period, "en") == en
    # What the Vietnamese UI shows reads back as the same period.
    assert canonical(vi) == period


def test_display_takes_any_spelling_and_shows_non_periods_safely():
    assert display("Quý II/2024", "en") == "Q2 2024"
    assert display("lũy kế 9 tháng 2024", "vi") == "9 tháng 2024"
    assert display("Tháng\x1b[2J 13", "vi") == "Tháng\ufffd[2J 13"
    assert display("\u202e2024", "en") == "\ufffd2024"


# --------------------------------------------------------------------------- last year


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        ("2024-06", "2023-06"),
        ("2024-01", "2023-01"),
        ("2024-Q2", "2023-Q2"),
        ("2024-H1", "2023-H1"),
        ("2024-H2", "2023-H2"),
        ("2024-YTD09", "2023-YTD09"),
        ("2024", "2023"),
        ("2024-06-30", "2023-06-30"),
        ("2024-02-29", "2023-02-28"),  # 29 February -> 28 February
        ("2028-02-29", "2027-02-28"),
        ("2025-02-28", "2024-02-28"),  # not the 29th, although 2024 had one
        ("2001-03-01", "2000-03-01"),
        ("2024-02", "2023-02"),
        ("2000", "1999"),
        ("Quý III/2024", "2023-Q3"),  # any spelling; the answer is canonical
        ("9 tháng đầu năm 2025", "2024-YTD09"),
        ("0002-01", "0001-01"),
        ("0001", None),  # there is no year 0
        ("0001-06-30", None),
    ],
)
def test_last_year(period, expected):
    assert last_year(period) == expected


# --------------------------------------------------------------------------- workbook dates


@pytest.mark.parametrize(
    ("value", "days", "expected"),
    [
        (D(2024, 6, 30), False, "2024-06"),
        (D(2024, 6, 30), True, "2024-06-30"),
        (D(2024, 6, 1), False, "2024-06"),
        (D(2024, 2, 29), True, "2024-02-29"),
        (datetime(2024, 2, 29, 23, 59, 59), True, "2024-02-29"),
        (datetime(2024, 12, 31, 0, 0), False, "2024-12"),
        (D(1, 1, 1), True, "0001-01-01"),
    ],
)
def test_from_date(value, days, expected):
    assert from_date(value, days) == expected
    assert canonical(expected) == expected


# --------------------------------------------------------------------------- messages


def test_accepted_forms_lists_every_kind_and_each_example_reads():
    for example in (
        "2024",
        "Năm 2024",
        "2024-H1",
        "6 tháng đầu năm 2024",
        "2024-H2",
        "6 tháng cuối năm 2024",
        "2024-Q2",
        "Quý II/2024",
        "Q2/2024",
        "2024-YTD09",
        "9 tháng 2024",
        "lũy kế 9 tháng 2024",
        "2024-06",
        "Tháng 6/2024",
        "T6/2024",
        "06/2024",
        "2024-06-30",
        "30/06/2024",
    ):
        assert example in ACCEPTED_FORMS
        assert canonical(example) is not None
    assert "\n" not in ACCEPTED_FORMS


# --------------------------------------------------------------------------- any text


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=40))
def test_any_text_is_a_canonical_period_or_none(text):
    result = canonical(text)
    if result is not None:
        assert canonical(result) == result  # canonical forms are fixed points
        assert result.isascii() and not has_controls(result)
        assert parse_period(text) == parse_period(result)
        assert canonical(display(result, "vi")) == result
    assert not has_controls(display(text, "vi"))


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from([s for s, _ in SPELLINGS] + ["2024-06", "2024-Q2", "2024-YTD09"]),
    st.integers(min_value=0, max_value=60),
    st.characters(categories=["Nd"]).filter(lambda c: not c.isascii()),
)
def test_a_non_ascii_digit_anywhere_is_refused(text, position, digit):
    index = position % (len(text) + 1)
    assert canonical(text[:index] + digit + text[index:]) is None
    digits = [i for i, c in enumerate(text) if c.isdigit()]
    i = digits[position % len(digits)]
    assert canonical(text[:i] + digit + text[i + 1 :]) is None
