"""Untrusted text: cleaning for display, quoting in messages, accent-insensitive search keys."""

from __future__ import annotations

import unicodedata

import polars as pl
import pytest

from kpitui.core import text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("plain ascii", "plain ascii"),
        ("a\tb\nc\rd", "a b c d"),
        ("\x1b[2Jclear", "\ufffd[2Jclear"),
        ("\x1b]52;c;SGVsbG8=\x07", "\ufffd]52;c;SGVsbG8=\ufffd"),  # OSC 52 clipboard write
        ("a\x00b\x7fc\x85d\x9be", "a\ufffdb\ufffdc\ufffdd\ufffde"),
        ("abc\u202edcba", "abc\ufffddcba"),  # right-to-left override
        ("x\u2066y\u2069z\u200f", "x\ufffdy\ufffdz\ufffd"),
        (unicodedata.normalize("NFD", "Hoà Long"), "Hoà Long"),
        ("[bold]markup[/]", "[bold]markup[/]"),  # markup is the UI's business, kept as typed
        ("Đắk Lắk ✓", "Đắk Lắk ✓"),
    ],
)
def test_clean(raw, expected):
    assert text.clean(raw) == expected
    assert text.is_clean(expected)


def test_clean_expr_matches_clean():
    raw = ["a\tb", "\x1b[31mred", "abc\u202edcba", unicodedata.normalize("NFD", "Phước Hưng"), None]
    got = pl.DataFrame({"s": raw}).select(text.clean_expr(pl.col("s")))["s"].to_list()
    assert got == [text.clean(s) if s is not None else None for s in raw]


def test_is_clean():
    assert text.is_clean("Hòa Long")
    assert not text.is_clean("a\nb")
    assert not text.is_clean(unicodedata.normalize("NFD", "Hòa"))


def test_quote():
    assert text.quote("12a") == "'12a'"
    assert text.quote("\x1b[2J") == "'\ufffd[2J'"
    assert text.quote(5) == "'5'"
    long = text.quote("x" * 100)
    assert long == "'" + "x" * 59 + "…'"
    assert len(long) == 62


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("Đắk Lắk", "dak lak"),
        ("dịch vụ công", "dich vu cong"),
        ("ĐĂNG KÝ", "dang ky"),
        ("Hòa Long", "hoa long"),
        (unicodedata.normalize("NFD", "Hòa Long"), "hoa long"),
        ("đ", "d"),
    ],
)
def test_fold(raw, folded):
    assert text.fold(raw) == folded
    assert pl.Series([raw]).to_frame("s").select(text.fold_expr(pl.col("s")))["s"][0] == folded


def test_fold_finds_accented_text_with_plain_queries():
    names = ["Tỷ lệ hồ sơ trực tuyến", "Dịch vụ công trực tuyến", "Định danh điện tử"]
    assert [n for n in names if text.fold("dich vu cong") in text.fold(n)] == [names[1]]
    assert [n for n in names if text.fold("d") in text.fold(n)] == names[1:]
