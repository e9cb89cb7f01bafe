"""Keys in one terminal read (a fast typist, a paste, a laggy SSH link), in a real pty:
what follows '/' is searched, never run as commands; Esc then a key is two keys."""

from __future__ import annotations

import time

from .ptyutil import DEMO, PtyApp, started


def test_slash_and_a_word_in_one_write_search_the_word() -> None:
    with PtyApp([str(DEMO), "--lang", "en"], cols=120, rows=40) as app:
        started(app, "e-ID account activation rate")
        mark = len(app.output)
        app.write("/quang")  # 'q' alone would quit; 'd' would open the details
        assert app.wait_for(lambda out: b"quang" in out[mark:], timeout=10)
        app.settle(quiet=0.5, timeout=5)
        assert app.alive(), "the burst quit the app"
        assert "Fiber" in app.text()[mark:] or "fibre" in app.text()[mark:].lower()
        # Esc and 'j' in one write (read by the terminal parser as Alt+j): the box closes,
        # the search is cancelled and the cursor moves.
        mark = len(app.output)
        app.write("\x1bj")
        app.settle(quiet=0.5, timeout=5)
        assert app.alive()
        assert "search: quang" not in app.text()[mark:]
        app.write("q")
        code = app.wait_exit(10)
        assert code == 0


def test_a_pasted_search_with_spaces_and_a_slash() -> None:
    with PtyApp([str(DEMO), "--lang", "en"], cols=120, rows=40) as app:
        started(app, "e-ID account activation rate")
        mark = len(app.output)
        app.write("/r r/s")  # 'r' would reload, '/' would reopen the box
        app.write(b"\r")
        assert app.wait_for(lambda out: b"search: r r/s" in out[mark:], timeout=10)
        time.sleep(0.2)
        assert app.alive()
