"""The pages show text from data files and browsers literally: escaped, without controls."""

from __future__ import annotations

from kpitui.serve import pages

HOSTILE = "<script>alert(1)</script>\"'\x1b[2J\u202e"


def test_untrusted_text_is_escaped_and_cleaned() -> None:
    for page in (
        pages.login_page("vi", HOSTILE, error="x", name=HOSTILE),
        pages.terminal_page("en", HOSTILE, HOSTILE, "ws://h/ws", 16),
    ):
        assert "<script>alert" not in page and "\x1b" not in page and "\u202e" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#x27;" in page
    assert pages.login_page("vi", "t").count("<script") == 0  # the form needs no script


def test_the_pages_speak_the_data_set_language() -> None:
    assert "Mật khẩu" in pages.login_page("vi", "t") and "Password" in pages.login_page("en", "t")
    assert "8 phiên" in pages.full_page("vi", 8) and "8 sessions" in pages.full_page("en", 8)
