"""Getting in from another site: Host and Origin checks, security headers, bounded headers."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest
from serverproc import ServerProcess, start_server
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect
from wsclient import Client

from app.config import Settings
from app.web.security import HostPolicy, split_host


@pytest.fixture(scope="module")
def embeddable() -> Iterator[ServerProcess]:
    """A server a course site may embed, also serving under one more name."""
    proc = start_server(
        PLAYGROUND_FRAME_ANCESTORS="https://lms.example", PLAYGROUND_ALLOWED_HOSTS="class.example"
    )
    yield proc
    proc.stop()


def as_host(server: ServerProcess, host: str) -> dict[str, object]:
    """connect() arguments for a websocket to `server` whose handshake names `host`, as a
    browser sends it when a name (say a rebinding attacker's) points at this server."""
    return {"uri": f"ws://{host}/ws", "sock": socket.create_connection(("127.0.0.1", server.port))}


def test_split_host() -> None:
    assert split_host("Example.ORG:8000") == "example.org"
    assert split_host("[::1]:80") == "::1"
    assert split_host("::1") == "::1"
    assert split_host("localhost") == "localhost"


def test_host_policy_names_and_addresses() -> None:
    policy = HostPolicy(Settings())
    for host in [
        "localhost:8000",
        "127.0.0.1:8000",
        "[::1]:9",
        "app.localhost",
        socket.gethostname(),
    ]:
        assert policy.allows(host), host
    for host in ["evil.example:8000", "8.8.8.8:8000", "[2001:db8::1]:80", None, ""]:
        assert not policy.allows(host), host
    lan = [
        address.address
        for addresses in psutil.net_if_addrs().values()
        for address in addresses
        if address.family == socket.AF_INET and not address.address.startswith("127.")
    ]
    for address in lan:  # what a student types when the server listens on 0.0.0.0
        assert policy.allows(f"{address}:8000"), address
    assert HostPolicy(Settings(allowed_hosts=["class.example"])).allows("CLASS.example:80")
    assert HostPolicy(Settings(allowed_hosts=["*"])).allows("anything.example")


def test_dns_rebinding_is_refused_for_http_and_websocket(server: ServerProcess) -> None:
    evil = f"evil.example:{server.port}"
    page = httpx.get(server.url, headers={"Host": evil})
    assert page.status_code == 421 and "PLAYGROUND_ALLOWED_HOSTS" in page.text
    with pytest.raises(InvalidStatus) as refused:
        connect(**as_host(server, evil), origin=f"http://{evil}")  # type: ignore[arg-type]
    assert refused.value.response.status_code == 403
    assert httpx.get(f"{server.url}/healthz").status_code == 200  # the server is unharmed


def test_a_listed_host_is_served(embeddable: ServerProcess) -> None:
    named = f"class.example:{embeddable.port}"
    assert httpx.get(embeddable.url, headers={"Host": named}).status_code == 200
    target = as_host(embeddable, named)
    client = Client(str(target.pop("uri")), origin=f"http://{named}", **target)
    assert client.hello["type"] == "hello"
    client.close()


def test_foreign_origin_on_an_allowed_host_is_refused(server: ServerProcess) -> None:
    with pytest.raises(InvalidStatus) as refused:
        connect(server.ws_url, origin=f"http://localhost:{server.port + 1}")
    assert refused.value.response.status_code == 403
    cross_post = httpx.post(f"{server.url}/healthz", headers={"Origin": "http://evil.example"})
    assert cross_post.status_code == 403


def test_security_headers_on_every_response(server: ServerProcess) -> None:
    for path in ["/", "/static/js/main.js", "/api/catalog", "/healthz", "/no-such-page"]:
        headers = httpx.get(server.url + path).headers
        policy = headers["content-security-policy"]
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy, path
        assert "unsafe-inline" not in policy
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
        assert headers["referrer-policy"] == "same-origin"
        assert headers["cross-origin-opener-policy"] == "same-origin"


def test_embedding_is_a_setting(embeddable: ServerProcess) -> None:
    headers = httpx.get(embeddable.url).headers
    assert "frame-ancestors https://lms.example" in headers["content-security-policy"]
    assert "x-frame-options" not in headers


def test_oversized_and_numerous_headers_are_refused(server: ServerProcess) -> None:
    try:  # a head arriving in pieces is cut off by h11 (400, or a reset: unread bytes)
        big = httpx.get(server.url, headers={"X-Big": "a" * 100_000})
        assert big.status_code in (400, 431)
    except (httpx.ReadError, httpx.RemoteProtocolError, httpx.WriteError):
        pass
    medium = httpx.get(server.url, headers={"X-Big": "a" * 20_000})
    assert medium.status_code == 431 and "limit of 16384" in medium.text
    many = httpx.get(server.url, headers=[(f"X-H{i}", "1") for i in range(200)])
    assert many.status_code == 431 and "limit of 100" in many.text
    assert httpx.get(f"{server.url}/healthz").status_code == 200


def test_a_huge_header_is_cut_off_not_read_in_full(server: ServerProcess) -> None:
    """32 MB of header: the server answers and closes after its limit, long before the end."""
    chunk = b"X-Big: " + b"a" * (1 << 20) + b"\r\n"
    sent = 0
    with socket.create_connection(("127.0.0.1", server.port)) as raw:
        raw.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        try:
            for _ in range(32):
                raw.sendall(chunk)
                sent += len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass
        raw.settimeout(30)
        try:
            answer = raw.recv(200)
        except ConnectionResetError:
            answer = b""
    assert sent < 32 * len(chunk) or answer.startswith(b"HTTP/1.1 4"), (sent, answer)
    assert httpx.get(f"{server.url}/healthz").status_code == 200


@pytest.mark.parametrize("doc", ["README.md", "docs/protocol.md"])
def test_the_header_limits_are_documented(doc: str) -> None:
    text = (Path(__file__).resolve().parent.parent / doc).read_text()
    settings = Settings()
    assert settings.max_header_bytes == 16 * 1024 and "16 KiB" in text
    assert f"{settings.max_headers} headers" in text
    assert "PLAYGROUND_MAX_HEADER_BYTES" in text and "PLAYGROUND_MAX_HEADERS" in text
