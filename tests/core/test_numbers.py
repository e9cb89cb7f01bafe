"""Numbers for people (SPEC §10): vi ``50,24%`` ``309.104``; en ``50.24%`` ``309,104``."""

from __future__ import annotations

import pytest

from kpitui.core import numbers


@pytest.mark.parametrize(
    ("x", "vi", "en"),
    [
        (309104, "309.104", "309,104"),
        (1234567.891, "1.234.567,89", "1,234,567.89"),
        (50.2, "50,2", "50.2"),
        (69.88, "69,88", "69.88"),
        (100.0, "100", "100"),
        (0.005, "0,01", "0.01"),
        (0.004, "0", "0"),
        (-0.004, "0", "0"),  # no "-0"
        (-2.5, "-2,5", "-2.5"),
        (-1234.5, "-1.234,5", "-1,234.5"),
        (None, "", ""),
        (float("nan"), "", ""),
        (float("inf"), "", ""),
    ],
)
def test_number(x, vi, en):
    assert numbers.number(x, "vi") == vi
    assert numbers.number(x, "en") == en


def test_number_decimals_and_strip():
    assert numbers.number(2.5, "en", decimals=0) == "2"  # banker's rounding of the format
    assert numbers.number(1.5, "vi", decimals=3, strip=False) == "1,500"


@pytest.mark.parametrize(
    ("x", "vi", "en"),
    [
        (50.24, "50,24%", "50.24%"),
        (10.5, "10,5%", "10.5%"),
        (105.48, "105,48%", "105.48%"),
        (-0.5, "-0,5%", "-0.5%"),
        (1234.5, "1.234,5%", "1,234.5%"),
        (None, "", ""),
    ],
)
def test_percent(x, vi, en):
    assert numbers.percent(x, "vi") == vi
    assert numbers.percent(x, "en") == en


def test_value_and_with_unit():
    assert numbers.value(7999.0, "người", "vi") == "7.999"
    assert numbers.value(7999.5, "người", "vi") == "7.999,5"
    assert numbers.value(50.2, "%", "en") == "50.2%"
    assert numbers.with_unit(7999.0, "người", "vi") == "7.999 người"
    assert numbers.with_unit(50.2, "%", "vi") == "50,2%"
    assert numbers.with_unit(3.0, "", "en") == "3"
    assert numbers.with_unit(None, "người", "vi") == ""


@pytest.mark.parametrize(
    ("x", "vi", "en"),
    [
        (1.2409, "124%", "124%"),
        (1.0548, "105%", "105%"),
        (0.0766, "7,7%", "7.7%"),
        (0.0764, "7,6%", "7.6%"),
        (0.21, "21%", "21%"),
        (0.0, "0%", "0%"),
        (None, "", ""),
    ],
)
def test_attainment(x, vi, en):
    assert numbers.attainment(x, "vi") == vi
    assert numbers.attainment(x, "en") == en


@pytest.mark.parametrize(
    ("x", "unit", "vi", "en"),
    [
        (2.9, "%", "+2,9", "+2.9"),
        (-0.2, "%", "-0,2", "-0.2"),
        (0.0, "%", "0", "0"),
        (0.001, "%", "0", "0"),
        (1200.0, "người", "+1.200", "+1,200"),
        (-3.0, "người", "-3", "-3"),
        (None, "%", "", ""),
    ],
)
def test_change(x, unit, vi, en):
    assert numbers.change(x, unit, "vi") == vi
    assert numbers.change(x, unit, "en") == en


def test_the_seed_articles_percentages_are_written_as_it_writes_them():
    # SPEC §1 and §10: the e-ID share of the seed article, 309.104 of 615.198 accounts.
    share = 309104 * 100 / 615198
    assert numbers.percent(share, "vi") == "50,24%"
    assert numbers.with_unit(share, "%", "vi") == "50,24%"
    assert numbers.fraction(309104.0, 615198.0, "vi") == "309.104 / 615.198"
    assert " %" not in numbers.attainment(0.5024, "vi")


@pytest.mark.parametrize(
    ("x", "unit", "vi", "en"),
    [
        (1200.0, "người", "+1.200 người", "+1,200 người"),
        (-0.5, "ngày", "-0,5 ngày", "-0.5 ngày"),
        (2.9, "%", "+2,9", "+2.9"),  # percentage points, beside a value in %
        (0.0, "người", "0", "0"),
        (None, "người", "", ""),
    ],
)
def test_change_with_unit(x, unit, vi, en):
    assert numbers.change_with_unit(x, unit, "vi") == vi
    assert numbers.change_with_unit(x, unit, "en") == en


def test_fraction():
    assert numbers.fraction(309104.0, 615198.0, "vi") == "309.104 / 615.198"
    assert numbers.fraction(309104.0, 615198.0, "en") == "309,104 / 615,198"
    assert numbers.fraction(1.5, 2.0, "vi") == "1,5 / 2"
    assert numbers.fraction(None, 2.0, "vi") == ""
