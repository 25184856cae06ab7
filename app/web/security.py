"""Who may talk to the server, and the headers every page carries: an ASGI middleware.

A classroom server listens on the room's network, so two attacks matter. DNS rebinding: a page
on evil.example, its name re-pointed at this server, could read it as "same origin"; so the
`Host` of every request (HTTP and websocket) must be a name or address of this server. And
cross-site use: a websocket or non-GET request whose `Origin` is another site is refused.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from typing import Any
from urllib.parse import urlsplit

from app.config import Settings

log = logging.getLogger("app.security")

Scope = dict[str, Any]
Message = dict[str, Any]
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def split_host(host: str) -> str:
    """'Example.org:8000' -> 'example.org', '[::1]:80' -> '::1'; lower case, no port."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host[1:]
    if host.count(":") == 1:
        return host.split(":", 1)[0]
    return host


class HostPolicy:
    """The names and addresses a request's `Host` may carry (see the module docstring)."""

    def __init__(self, settings: Settings) -> None:
        hostname = socket.gethostname().lower()
        allowed = {split_host(name) for name in settings.allowed_hosts}
        self.any = "*" in allowed
        self.names = {"localhost", hostname, f"{hostname}.local"} | allowed
        self._local: set[str] = set()  # addresses known to be this machine's

    def allows(self, host: str | None) -> bool:
        if host is None:
            return False  # HTTP/1.1 requires one; a client that sends none is not a browser
        name = split_host(host)
        if self.any or name in self.names or name.endswith(".localhost"):
            return True
        return self._is_local_address(name)

    def _is_local_address(self, name: str) -> bool:
        """An address literal of one of this machine's interfaces (a LAN IP when serving on
        0.0.0.0): binding a socket to it succeeds exactly then. A name an attacker controls
        is never an address literal, so rebinding cannot pass here."""
        try:
            address = ipaddress.ip_address(name)
        except ValueError:
            return False
        if address.is_loopback or str(address) in self._local:
            return True
        family = socket.AF_INET6 if address.version == 6 else socket.AF_INET
        try:
            with socket.socket(family, socket.SOCK_DGRAM) as probe:
                probe.bind((str(address), 0))
        except OSError:
            return False
        if len(self._local) < 256:
            self._local.add(str(address))
        return True


def origin_allowed(origin: str | None, host: str | None, settings: Settings) -> bool:
    """Same origin as the request's (already allowed) Host, or a listed origin; clients that
    send no Origin are not browsers, so no other site's page can be behind them."""
    if origin is None or "*" in settings.allowed_origins or origin in settings.allowed_origins:
        return True
    return host is not None and urlsplit(origin).netloc.lower() == host.strip().lower()


def security_headers(settings: Settings) -> list[tuple[bytes, bytes]]:
    """Headers for every HTTP response: the page runs only its own scripts and styles, and is
    framed only by the sites in `frame_ancestors` (a course site embedding it), else by none."""
    ancestors = " ".join(settings.frame_ancestors) or "'none'"
    policy = (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
        f"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
        f"frame-ancestors {ancestors}"
    )
    headers = [
        (b"content-security-policy", policy.encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"same-origin"),
        (b"cross-origin-opener-policy", b"same-origin"),
    ]
    if not settings.frame_ancestors:  # X-Frame-Options cannot name a list of sites
        headers.append((b"x-frame-options", b"DENY"))
    return headers


class SecurityMiddleware:
    """Refuses disallowed hosts, origins and header floods; adds the security headers."""

    def __init__(self, app: Any, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.hosts = HostPolicy(settings)
        self.headers = security_headers(settings)

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers: dict[str, str] = {}
        for key, value in scope["headers"]:
            headers.setdefault(key.decode("latin-1").lower(), value.decode("latin-1"))
        problem = self._problem(scope, headers)
        if problem is not None:
            status, text = problem
            log.warning("refused %s %s: %s", scope["type"], scope.get("path", ""), text)
            await self._refuse(scope, send, status, text)
            return
        if scope["type"] == "websocket":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *self.headers]}
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _problem(self, scope: Scope, headers: dict[str, str]) -> tuple[int, str] | None:
        if len(scope["headers"]) > self.settings.max_headers:
            count, limit = len(scope["headers"]), self.settings.max_headers
            return 431, f"{count} request headers, more than the limit of {limit}"
        # h11 stops reading a head that grows past the limit; one that arrived whole is
        # measured here.
        size = sum(len(key) + len(value) + 4 for key, value in scope["headers"])
        if size > self.settings.max_header_bytes:
            limit = self.settings.max_header_bytes
            return 431, f"request headers of {size} bytes, more than the limit of {limit}"
        host = headers.get("host")
        if not self.hosts.allows(host):
            return 421, (
                f"host {host!r} is not one of this server's names; "
                "add it to PLAYGROUND_ALLOWED_HOSTS to serve under it"
            )
        checks_origin = scope["type"] == "websocket" or scope.get("method") not in SAFE_METHODS
        if checks_origin and not origin_allowed(headers.get("origin"), host, self.settings):
            return 403, (
                f"origin {headers.get('origin')!r} may not use this server; "
                "add it to PLAYGROUND_ALLOWED_ORIGINS to allow it"
            )
        return None

    async def _refuse(self, scope: Scope, send: Any, status: int, text: str) -> None:
        if scope["type"] == "websocket":
            # Before the handshake is accepted, a close becomes an HTTP 403 response.
            await send({"type": "websocket.close", "code": 1008, "reason": text[:120]})
            return
        body = text.encode()
        start = {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                *self.headers,
            ],
        }
        await send(start)
        await send({"type": "http.response.body", "body": body})
