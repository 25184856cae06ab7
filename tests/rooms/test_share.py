"""The join link's QR code, this server's LAN addresses and the 'serve on the network' hint."""

from __future__ import annotations

import ipaddress
import re
import xml.etree.ElementTree as ET

import pytest
import segno

from app.config import Settings
from app.rooms.share import join_link, lan_addresses, qr_svg, serve_hint, teacher_link

URL = "http://192.168.1.20:8000/?room=ABC234"


def test_join_and_teacher_links() -> None:
    assert join_link("http://h:8000/", "ABC234") == "http://h:8000/?room=ABC234"
    link = teacher_link("http://h:8000", "ABC234", "s3cr-t_")
    assert link == "http://h:8000/?room=ABC234#teacher=s3cr-t_"  # the token only in the fragment


def test_qr_is_plain_scalable_svg() -> None:
    svg = qr_svg(URL)
    root = ET.fromstring(svg)  # well-formed XML, no declaration
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert "width" not in root.attrib and "height" not in root.attrib  # the page sizes it
    expected = segno.make(URL, error="m", boost_error=False)
    size = expected.symbol_size(border=4)[0]
    assert root.attrib["viewBox"] == f"0 0 {size} {size}"
    assert not re.search(r"<script|<style|style=|\son\w+=|javascript:|href", svg, re.IGNORECASE)
    assert 'fill="#fff"' in svg  # the quiet zone is drawn: it reads on a dark page


def test_qr_stays_coarse_enough_for_the_back_row() -> None:
    """Few modules: a short join link is a version 3 or 4 code (29 or 33 modules a side), so on a
    projector each module is large."""
    code = segno.make(URL, error="m", boost_error=False)
    assert code.error == "M" and int(code.version) <= 4


def test_lan_addresses_are_this_machines_without_loopback() -> None:
    addresses = lan_addresses()
    for text in addresses:
        address = ipaddress.IPv4Address(text)
        assert not address.is_loopback and not address.is_link_local
    assert addresses == sorted(set(addresses), key=ipaddress.IPv4Address)


@pytest.mark.parametrize(("host", "port"), [("127.0.0.1", 8000), ("localhost", 9000)])
def test_loopback_only_says_so_and_gives_the_command(host: str, port: int) -> None:
    hint = serve_hint(Settings(host=host, port=port))
    assert not hint.on_network and hint.urls == []
    assert f"listens on {host} only" in hint.message
    assert hint.command == ("make run HOST=0.0.0.0" + ("" if port == 8000 else f" PORT={port}"))


def test_every_interface_lists_the_lan_urls() -> None:
    hint = serve_hint(Settings(host="0.0.0.0", port=9000), ["192.168.1.20", "10.0.0.5"])
    assert hint.on_network and hint.command is None
    assert hint.urls == ["http://192.168.1.20:9000/", "http://10.0.0.5:9000/"]
    alone = serve_hint(Settings(host="0.0.0.0"), [])
    assert alone.urls == [] and "no network address" in alone.message


def test_one_address_is_that_address() -> None:
    assert serve_hint(Settings(host="192.168.1.20")).urls == ["http://192.168.1.20:8000/"]
    assert serve_hint(Settings(host="fd00::1")).urls == ["http://[fd00::1]:8000/"]
