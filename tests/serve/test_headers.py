"""What the server reads from request headers: the origin (behind a proxy too), the
visitor's address, and the file name of a download."""

from __future__ import annotations

from urllib.parse import unquote

import pytest
from aiohttp.test_utils import make_mocked_request

from kpitui.serve.headers import client_address, content_disposition, own_origin, same_origin


class Transport:
    """The peer address a request came from."""

    def __init__(self, peer: str) -> None:
        self.peer = peer

    def get_extra_info(self, name: str, default: object = None) -> object:
        return (self.peer, 50000) if name == "peername" else default

    def is_closing(self) -> bool:
        return False


def request(headers: dict[str, str], peer: str = "127.0.0.1", method: str = "POST"):  # type: ignore[no-untyped-def]
    return make_mocked_request(method, "/login", headers=headers, transport=Transport(peer))


@pytest.mark.parametrize(
    ("headers", "origin"),
    [
        ({"Host": "127.0.0.1:8470"}, "http://127.0.0.1:8470"),
        ({"Host": "KPI.tinh.gov.vn", "X-Forwarded-Proto": "https"}, "https://kpi.tinh.gov.vn"),
        ({"Host": "kpi.tinh.gov.vn:443", "X-Forwarded-Proto": "https, http"}, "https://kpi.tinh.gov.vn"),
        ({"Host": "kpi:80", "X-Forwarded-Proto": "gopher"}, "http://kpi"),
    ],
)  # fmt: skip
def test_own_origin(headers: dict[str, str], origin: str) -> None:
    assert own_origin(request(headers)) == origin


def test_same_origin() -> None:
    host = {"Host": "kpi.tinh.gov.vn", "X-Forwarded-Proto": "https"}
    ok = "https://kpi.tinh.gov.vn"
    assert same_origin(request({**host, "Origin": ok}), required=True)
    assert same_origin(request({**host, "Origin": ok + ":443"}), required=True)
    for bad in ("http://kpi.tinh.gov.vn", "https://kpi.tinh.gov.vn.evil.example", "null", ""):
        assert not same_origin(request({**host, "Origin": bad}), required=False), bad
    assert not same_origin(request(host), required=True)  # a socket must say where from
    assert same_origin(request(host), required=False)  # a form from curl says nothing
    assert same_origin(request({**host, "Referer": ok + "/login"}), required=False)
    assert not same_origin(request({**host, "Referer": "https://evil.example/"}), required=False)


def test_the_address_behind_a_proxy_on_this_machine_only() -> None:
    xff = {"X-Forwarded-For": "203.0.113.9, 10.0.0.7"}
    assert client_address(request(xff, peer="127.0.0.1")) == "10.0.0.7"  # what nginx added
    assert client_address(request(xff, peer="::1")) == "10.0.0.7"
    assert client_address(request(xff, peer="198.51.100.4")) == "198.51.100.4"  # not believed
    assert client_address(request({"X-Forwarded-For": "junk"})) == "127.0.0.1"


def test_the_download_name_is_safe_in_the_header() -> None:
    header = content_disposition('báo cáo "tháng" 8;\x1b[2J.xlsx')
    assert header.startswith('attachment; filename="b_o c_o _th_ng_ 8_')
    assert "\x1b" not in header and "\n" not in header
    star = header.split("filename*=UTF-8''", 1)[1]
    assert unquote(star) == 'báo cáo "tháng" 8;\ufffd[2J.xlsx'
    assert content_disposition("../../etc/passwd").startswith('attachment; filename="passwd"')
