"""What a request's headers say (its origin, the visitor's address, whether it came through
HTTPS) and a safe ``Content-Disposition`` for a download.

Behind a reverse proxy the browser's view is in the proxy's headers: the scheme in
``X-Forwarded-Proto``, the host in ``Host`` (the proxy passes it on), the visitor's address
last in ``X-Forwarded-For`` — believed only from a proxy on this machine (a loopback peer).
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import unicodedata
from urllib.parse import quote as url_quote
from urllib.parse import urlsplit

from aiohttp import web

from kpitui.core.text import clean


def _is_loopback(address: str | None) -> bool:
    try:
        return ipaddress.ip_address(address or "").is_loopback
    except ValueError:
        return False


def forwarded_proto(request: web.Request) -> str:
    proto = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
    return proto if proto in ("http", "https") else request.scheme


def _normal_origin(scheme: str, netloc: str) -> str:
    netloc = netloc.lower()
    default = {"http": ":80", "https": ":443"}.get(scheme, "")
    if default and netloc.endswith(default):
        netloc = netloc[: -len(default)]
    return f"{scheme}://{netloc}"


def own_origin(request: web.Request) -> str:
    """The origin of this server as the browser sees it: the scheme (the proxy's
    X-Forwarded-Proto when there is one) and the Host header."""
    return _normal_origin(forwarded_proto(request), request.host)


def _origin_of(url: str) -> str | None:
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return _normal_origin(parts.scheme, parts.netloc)


def same_origin(request: web.Request, *, required: bool) -> bool:
    """Whether the request came from this server's own page: its ``Origin`` (or, for a
    form without one, its ``Referer``) is ours. Without either header, ``required`` decides
    (browsers always send ``Origin`` with a websocket and with a cross-site POST)."""
    origin = request.headers.get("Origin")
    if origin is None and not required:
        referer = request.headers.get("Referer")
        if referer is None:
            return True
        origin = referer
    if origin is None:
        return False
    return _origin_of(origin) == own_origin(request)


def client_address(request: web.Request) -> str:
    """The visitor's address; behind a reverse proxy on this machine (a loopback peer), the
    last address its X-Forwarded-For added."""
    peer = request.remote or "?"
    forwarded = request.headers.get("X-Forwarded-For")
    if forwarded and _is_loopback(peer):
        last = forwarded.split(",")[-1].strip()
        with contextlib.suppress(ValueError):
            return str(ipaddress.ip_address(last))
    return peer


def content_disposition(file_name: str) -> str:
    """``attachment`` with an ASCII fallback and the UTF-8 name (RFC 6266)."""
    name = unicodedata.normalize("NFC", clean(os.path.basename(file_name))) or "kpitui-export"
    ascii_name = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\;' else "_" for c in name
    )
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{url_quote(name, safe='')}"
