"""The HTML of ``kpitui serve``: the sign-in form, the "no free place" page, the terminal page.

Every value put into a page goes through :func:`html.escape` after
:func:`kpitui.core.text.clean` (titles come from data files, names from browsers). The pages
load nothing from other hosts: the terminal's script, style sheet and font are
textual-serve's own files under ``/static``.
"""

from __future__ import annotations

from html import escape

from kpitui.core.text import clean

STRINGS: dict[str, tuple[str, str]] = {
    "sign_in": ("Đăng nhập", "Sign in"),
    "name": ("Tên đăng nhập", "User name"),
    "password": ("Mật khẩu", "Password"),
    "failed": ("Sai tên đăng nhập hoặc mật khẩu.", "Wrong user name or password."),
    "locked": (
        "Đăng nhập sai quá nhiều lần. Hãy thử lại sau {seconds} giây.",
        "Too many failed sign-ins. Try again in {seconds} seconds.",
    ),
    "full_title": ("Hết chỗ", "No free place"),
    "full": (
        "Máy chủ đang mở {count} phiên, bằng giới hạn cho phép. "
        "Hãy đóng một thẻ kpitui khác hoặc thử lại sau ít phút.",
        "The server is running {count} sessions, its limit. "
        "Close another kpitui tab or try again in a few minutes.",
    ),
    "retry": ("Thử lại", "Try again"),
    "sign_out": ("Đăng xuất", "Sign out"),
    "ended": ("Phiên làm việc đã kết thúc.", "The session has ended."),
    "reopen": ("Mở lại", "Open again"),
    "forbidden": (
        "Yêu cầu bị từ chối: nó không đến từ trang của máy chủ này.",
        "Refused: the request did not come from this server's own page.",
    ),
    "not_found": ("Không có trang này.", "No such page."),
}


def s(key: str, lang: str, **values: object) -> str:
    pair = STRINGS[key]
    text = pair[0] if lang == "vi" else pair[1]
    return text.format(**values) if values else text


def _e(value: object) -> str:
    return escape(clean(str(value)), quote=True)


_BASE_CSS = """
html, body { margin: 0; height: 100%; background: #0c181f; color: #e8eef2;
  font-family: system-ui, "Segoe UI", Roboto, "Noto Sans", sans-serif; }
main { max-width: 26rem; margin: 12vh auto 0; padding: 2rem; background: #12232d;
  border-radius: .5rem; }
h1 { font-size: 1.3rem; margin: 0 0 .3rem; }
p.sub { margin: 0 0 1.5rem; color: #9fb3bf; }
label { display: block; margin: 1rem 0 .3rem; }
input { box-sizing: border-box; width: 100%; padding: .6rem; font-size: 1rem;
  border: 1px solid #3a5566; border-radius: .3rem; background: #0c181f; color: inherit; }
button, a.button { margin-top: 1.5rem; padding: .6rem 1.4rem; font-size: 1rem; border: 0;
  border-radius: .3rem; background: #2f7fb8; color: #fff; cursor: pointer;
  text-decoration: none; display: inline-block; }
button.quiet { background: transparent; border: 1px solid #3a5566; }
p.error { color: #ffb4a8; margin: 1rem 0 0; }
form.inline { display: inline; }
"""


def _page(title: str, body: str, lang: str) -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="{_e(lang)}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(title)}</title>\n<style>{_BASE_CSS}</style>\n</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    )


def login_page(lang: str, title: str, *, error: str = "", name: str = "") -> str:
    message = f'<p class="error" role="alert">{_e(error)}</p>' if error else ""
    body = f"""<main>
<h1>{_e(s("sign_in", lang))}</h1>
<p class="sub">kpitui · {_e(title)}</p>
<form method="post" action="/login">
<label for="name">{_e(s("name", lang))}</label>
<input id="name" name="name" autocomplete="username" required autofocus value="{_e(name)}">
<label for="password">{_e(s("password", lang))}</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
{message}
<button type="submit">{_e(s("sign_in", lang))}</button>
</form>
</main>"""
    return _page(f"{s('sign_in', lang)} · kpitui", body, lang)


def _sign_out_form(lang: str, css: str = "quiet") -> str:
    return (
        f'<form class="inline" method="post" action="/logout">'
        f'<button class="{css}" type="submit">{_e(s("sign_out", lang))}</button></form>'
    )


def full_page(lang: str, count: int) -> str:
    body = f"""<main>
<h1>{_e(s("full_title", lang))}</h1>
<p>{_e(s("full", lang, count=count))}</p>
<a class="button" href="/">{_e(s("retry", lang))}</a>
{_sign_out_form(lang)}
</main>"""
    return _page(f"{s('full_title', lang)} · kpitui", body, lang)


def message_page(lang: str, key: str) -> str:
    body = f'<main><p>{_e(s(key, lang))}</p><a class="button" href="/">kpitui</a></main>'
    return _page("kpitui", body, lang)


_TERMINAL_CSS = """
@font-face { font-family: "Roboto Mono"; font-style: normal; font-weight: 100 700;
  src: url("/static/fonts/RobotoMono-VariableFont_wght.ttf") format("truetype"); }
@font-face { font-family: "Roboto Mono"; font-style: italic; font-weight: 100 700;
  src: url("/static/fonts/RobotoMono-Italic-VariableFont_wght.ttf") format("truetype"); }
html, body { margin: 0; height: 100%; overflow: hidden; background: #0c181f; color: #e8eef2;
  font-family: system-ui, "Segoe UI", Roboto, "Noto Sans", sans-serif; }
header { height: 28px; box-sizing: border-box; padding: 0 .6rem; display: flex; gap: 1rem;
  align-items: center; font-size: 13px; background: #12232d; color: #9fb3bf; }
header .title { flex: 1; overflow: hidden; white-space: nowrap; text-overflow: ellipsis; }
header button { margin: 0; padding: 2px 10px; font-size: 13px; color: #e8eef2; cursor: pointer;
  background: transparent; border: 1px solid #3a5566; border-radius: 3px; }
#terminal.textual-terminal { width: 100vw; height: calc(100vh - 28px); opacity: 0;
  transition: opacity .2s ease-out; }
body.-first-byte #terminal.textual-terminal { opacity: 1; }
.ended { display: none; position: absolute; inset: 28px 0 0 0; z-index: 10;
  align-items: center; justify-content: center; background: rgba(12, 24, 31, .92); }
body.-closed .ended { display: flex; }
.ended div { padding: 2rem 3rem; background: #12232d; border-radius: .5rem; text-align: center; }
.ended a { display: inline-block; margin-top: 1rem; padding: .5rem 1.2rem; color: #fff;
  background: #2f7fb8; border-radius: .3rem; text-decoration: none; }
"""


def terminal_page(lang: str, title: str, user: str, websocket_url: str, font_size: int) -> str:
    """The page that runs textual-serve's terminal (xterm.js) against ``websocket_url``."""
    return f"""<!DOCTYPE html>
<html lang="{_e(lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(title)} · kpitui</title>
<link rel="preload" href="/static/fonts/RobotoMono-VariableFont_wght.ttf" as="font" type="font/ttf" crossorigin>
<link rel="stylesheet" href="/static/css/xterm.css">
<style>{_TERMINAL_CSS}</style>
<script src="/static/js/textual.js"></script>
</head>
<body>
<header><span class="title">kpitui · {_e(title)}</span><span class="user">{_e(user)}</span>{_sign_out_form(lang)}</header>
<div class="ended"><div><p>{_e(s("ended", lang))}</p><a href="/">{_e(s("reopen", lang))}</a></div></div>
<div id="terminal" class="textual-terminal" data-session-websocket-url="{_e(websocket_url)}" data-font-size="{int(font_size)}"></div>
</body>
</html>
"""
