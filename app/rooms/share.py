"""How students reach a room: the join link, its QR code, and where this server can be reached."""

from __future__ import annotations

import io
import ipaddress
import socket
import struct
from dataclasses import dataclass
from urllib.parse import quote

import segno

from app.config import Settings

SIOCGIFADDR = 0x8915  # Linux ioctl: an interface's IPv4 address (asks the kernel, sends nothing)
WILDCARD_HOSTS = {"0.0.0.0", "", "::", "[::]"}
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}


def join_link(base_url: str, code: str) -> str:
    """The link students open (the page reads `room`)."""
    return f"{base_url.rstrip('/')}/?room={quote(code)}"


def teacher_link(base_url: str, code: str, teacher_token: str) -> str:
    """The teacher's own link: the token rides in the fragment, never sent in a request line,
    a Referer or a server log."""
    return f"{join_link(base_url, code)}#teacher={quote(teacher_token)}"


def qr_svg(url: str) -> str:
    """`url` as an SVG QR code: no script, no size (it fills the box the page gives it).

    Scannable from the back row when shown large: error level M on a short link keeps the
    modules few and big (a 40-character link is 33 x 33 modules with the quiet zone), and
    the light quiet zone is drawn, so it reads on a dark page too.
    """
    code = segno.make(url, error="m", micro=False, boost_error=False)
    out = io.BytesIO()
    code.save(
        out,
        kind="svg",
        xmldecl=False,
        omitsize=True,
        border=4,
        dark="#000",
        light="#fff",
        svgclass="room-qr",
        lineclass=None,
        title="Join link QR code",
        nl=False,
    )
    return out.getvalue().decode()


def lan_addresses() -> list[str]:
    """This machine's IPv4 addresses on its networks, loopback and link-local left out.

    Read from the kernel interface by interface (Linux); no packet is sent and no name looked
    up. Elsewhere: an empty list (the page then says to look the address up).
    """
    try:
        import fcntl
    except ImportError:  # not a POSIX system
        return []
    found = set()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        for _, name in socket.if_nameindex():
            request = struct.pack("256s", name.encode()[:15])
            try:
                reply = fcntl.ioctl(probe.fileno(), SIOCGIFADDR, request)
            except OSError:  # down, or no IPv4 address
                continue
            address = ipaddress.IPv4Address(reply[20:24])
            if not (address.is_loopback or address.is_link_local or address.is_unspecified):
                found.add(address)
    return [str(address) for address in sorted(found)]


@dataclass(frozen=True)
class ServeHint:
    """What the room panel says about reaching this server."""

    on_network: bool  # students on other machines can reach it
    urls: list[str]  # addresses to type or scan (empty when not on the network)
    command: str | None  # how to serve the class on the network, when it is not
    message: str


def serve_hint(settings: Settings, addresses: list[str] | None = None) -> ServeHint:
    """The panel's text for this server's `host` and `port` (`addresses`: lan_addresses())."""
    host, port = settings.host, settings.port
    if host in LOOPBACK_HOSTS:
        command = "make run HOST=0.0.0.0" + ("" if port == 8000 else f" PORT={port}")
        message = (
            f"This server listens on {host} only: other computers cannot reach it. "
            "To serve the class on your network, stop it and run:"
        )
        return ServeHint(False, [], command, message)
    if host in WILDCARD_HOSTS:
        found = lan_addresses() if addresses is None else addresses
        urls = [f"http://{address}:{port}/" for address in found]
        if not urls:
            message = "Listening on every network, but no network address was found here."
            return ServeHint(True, [], None, message)
        return ServeHint(True, urls, None, "Students open one of these addresses:")
    shown = f"[{host}]" if ":" in host and not host.startswith("[") else host
    return ServeHint(True, [f"http://{shown}:{port}/"], None, "Students open this address:")
