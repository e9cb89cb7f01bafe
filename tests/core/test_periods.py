"""Periods (SPEC §2.2): parsing, end dates and order."""

from __future__ import annotations

from datetime import date

import pytest

from kpitui.core.periods import end_of, parse_period, period_table


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2023", date(2023, 1, 1), date(2023, 12, 31)),
        ("2023-Q1", date(2023, 1, 1), date(2023, 3, 31)),
        ("2024-Q1", date(2024, 1, 1), date(2024, 3, 31)),
        ("2023-Q2", date(2023, 4, 1), date(2023, 6, 30)),
        ("2023-Q4", date(2023, 10, 1), date(2023, 12, 31)),
        ("2023-02", date(2023, 2, 1), date(2023, 2, 28)),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29)),
        ("2023-12", date(2023, 12, 1), date(2023, 12, 31)),
        ("2024-02-29", date(2024, 2, 29), date(2024, 2, 29)),
    ],
)
def test_parse_period(text, start, end):
    assert parse_period(text) == (start, end)
    assert end_of(text) == end


@pytest.mark.parametrize(
    "text",
    [
        "2023-13",
        "2023-00",
        "2023-Q0",
        "2023-Q5",
        "2023-02-29",
        "2023-1",
        "23",
        "2023-W01",
        " 2023",
        "0000",
        "",
        "2023-06-31",
    ],
)
def test_not_periods(text):
    assert parse_period(text) is None
    assert end_of(text) is None


def test_period_table_orders_by_end_then_start():
    frame, invalid = period_table(
        ["2023-12-31", "2023-12", "2023", "2023-Q4", "2023-01", "bad", "2023-13"]
    )
    assert frame["period"].to_list() == ["2023-01", "2023", "2023-Q4", "2023-12", "2023-12-31"]
    assert frame["order"].to_list() == [0, 1, 2, 3, 4]
    assert invalid == ["2023-13", "bad"]
