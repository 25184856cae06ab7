"""What a client gets wrong never crashes, hangs or fools its session (a real uvicorn)."""

from __future__ import annotations

import json
import socket
import time

import pytest
from serverproc import start_server
from websockets.sync.client import connect
from wsclient import Client


def six_class_csv() -> str:
    rows = [f"{(i % 12) - 5.5:g},{(i // 12) % 11 - 5:g},{i % 6}" for i in range(60)]
    return "x1,x2,label\n" + "\n".join(rows)


def test_a_refused_configure_changes_nothing_and_training_goes_on(server) -> None:
    client = Client(server.ws_url)
    client.configure(task="multiclass", dataset="custom", classes=6)
    client.send({"type": "load_csv", "text": six_class_csv()})
    assert client.wait_for("config")["config"]["classes"] == 6
    client.send({"type": "configure", "config": {"classes": 2}})
    error = client.wait_for("error")
    assert error["code"] == "bad_data" and "at least 6" in error["message"], error
    client.send({"type": "step", "epochs": 5})  # killed the connection: IndexError
    assert client.wait_for("status", reason="step")["epoch"] == 5
    header, _ = client.next_frame(where=lambda h: h["epoch"] == 5)
    assert header["sizes"][-1] == 6  # data and network still agree with the config
    client.close()


def test_a_csv_of_more_classes_sets_the_classes_from_its_labels(server) -> None:
    client = Client(server.ws_url)
    client.configure(task="multiclass", dataset="custom", classes=3)
    rows = "\n".join(f"{i % 5 - 2},{i // 5 - 2},{i % 4}" for i in range(20))
    client.send({"type": "load_csv", "text": rows})
    reply = client.wait_for("config")
    assert reply["config"]["classes"] == 4 and "classes set to 4" in reply["message"]
    client.close()


def test_a_binary_csv_with_more_labels_says_what_to_do(server) -> None:
    client = Client(server.ws_url)
    client.send({"type": "load_csv", "text": "1,1,0\n2,2,3\n"})
    error = client.wait_for("error")
    assert error["code"] == "bad_data" and "pick multi-class" in error["message"]
    client.close()


@pytest.mark.parametrize("command", [{"type": "step", "epochs": 5}, {"type": "play"}])
def test_no_training_points_is_a_clear_error(server, command: dict[str, object]) -> None:
    client = Client(server.ws_url)
    client.send({"type": "clear_points"})
    client.wait_for("data", dataset="custom")
    client.send(command)  # step got no reply at all; play said it was running
    error = client.wait_for("error", code="no_data")
    assert "no training points" in error["message"]
    client.send({"type": "add_points", "points": [[1, 1, 1], [-1, -1, 0], [2, 2, 1]]})
    client.wait_for("data", dataset="custom")
    client.send({"type": "step", "epochs": 2})
    assert client.wait_for("status", reason="step")["epoch"] == 2
    client.close()


def test_a_one_d_curve_never_feeds_x2_to_the_network(server) -> None:
    client = Client(server.ws_url)
    client.configure(task="regression", features=["x1", "x2", "x1*x2", "sin(x1)"])
    reply = client.configure(dataset="cubic", features=["x1", "x2", "x1*x2", "sin(x1)"])
    assert reply["config"]["features"] == ["x1", "sin(x1)"]
    assert "dropped x2, x1*x2" in reply["message"]
    header, _ = client.next_frame(where=lambda h: h["features"] == ["x1", "sin(x1)"])
    assert header["sizes"][0] == 2
    reply = client.configure(features=["x2"])  # configuring x2 on a curve
    assert reply["config"]["features"] == ["x1"] and "dropped x2" in reply["message"]
    client.close()


def test_any_oversized_message_gets_too_large_and_the_connection_stays(server) -> None:
    client = Client(server.ws_url)
    for size in (600 * 1024, 17 * 2**20):  # the second closed with 1009 and no error
        client.send(json.dumps({"type": "load_csv", "text": "1,1,1\n" * (size // 6)}))
        error = client.wait_for("error", timeout=60)
        assert error["code"] == "too_large" and str(512 * 1024) in error["message"]
    client.send({"type": "step", "epochs": 1})
    assert client.wait_for("status", reason="step")["epoch"] == 1
    client.close()


def raw_websocket(port: int) -> socket.socket:
    """A websocket opened by hand (the libraries will not send invalid UTF-8 in a text frame)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    sock.sendall(
        f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
        "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        "Sec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    response = b""
    while b"\r\n\r\n" not in response:
        response += sock.recv(4096)
    assert response.startswith(b"HTTP/1.1 101"), response
    return sock


def close_code(sock: socket.socket) -> int:
    """Read server frames until the close frame; its code."""
    data = b""
    while True:
        chunk = sock.recv(65536)
        assert chunk, "closed without a close frame"
        data += chunk
        while len(data) >= 2:
            length, start = data[1] & 0x7F, 2
            if length == 126:
                length, start = int.from_bytes(data[2:4], "big"), 4
            elif length == 127:
                length, start = int.from_bytes(data[2:10], "big"), 10
            if len(data) < start + length:
                break
            if data[0] & 0x0F == 0x8:
                return int.from_bytes(data[start : start + 2], "big")
            data = data[start + length :]


# The client's own close frame in the same packet: the server is closing already (it logged
# InvalidState with a traceback), and answers that close with the client's code.
@pytest.mark.parametrize(("then_close", "code"), [(False, 1007), (True, 1000)])
def test_invalid_utf8_closes_1007_with_a_warning_not_a_traceback(
    tmp_path, then_close: bool, code: int
) -> None:
    log = tmp_path / "server.log"
    server = start_server(log_path=log)
    try:
        sock = raw_websocket(server.port)
        payload = b'{"type": "\xff\xfe"}'  # a text frame, masked with a zero key
        close = bytes([0x88, 0x82]) + b"\0\0\0\0" + (1000).to_bytes(2, "big")
        text = bytes([0x81, 0x80 | len(payload)]) + b"\0\0\0\0" + payload
        sock.sendall(text + (close if then_close else b""))
        assert close_code(sock) == code
        sock.close()
        Client(server.ws_url).close()  # the server is fine
    finally:
        server.stop()
    text = log.read_text()
    assert "invalid UTF-8" in text and "Traceback" not in text, text


def test_a_burst_of_invalid_messages_never_closes_a_reading_client(server) -> None:
    client = Client(server.ws_url)
    for _ in range(5000):  # 1000+ closed a reading client ("client not reading") at times
        client.send("{not json")
    client.drain(1.0)
    client.send({"type": "step", "epochs": 1})
    assert client.wait_for("status", reason="step", timeout=60)["epoch"] == 1
    codes = {m["code"] for m in client.messages if m["type"] == "error"}
    assert codes <= {"bad_json", "rate_limited"}
    client.close()


def test_invalid_messages_are_rate_limited_like_commands(server) -> None:
    client = Client(server.ws_url)
    started = time.monotonic()
    for _ in range(600):
        client.send({"type": "nope"})  # each was parsed, and answered, before the rate limit
    client.send({"type": "step", "epochs": 1})
    client.drain(1.0)
    elapsed = time.monotonic() - started
    refused = [m for m in client.messages if m["type"] == "error" and m["code"] == "bad_message"]
    assert any(m["type"] == "error" and m["code"] == "rate_limited" for m in client.messages)
    assert len(refused) <= 120 + 60 * elapsed + 5, (len(refused), elapsed)  # burst + rate
    client.close()


def client_from(url: str, address: str) -> Client:
    """A client whose connection comes from `address` (another loopback address)."""
    port = int(url.rsplit(":", 1)[1].split("/")[0])
    sock = socket.create_connection(("127.0.0.1", port), source_address=(address, 0))
    return Client(url, sock=sock)


def test_one_address_cannot_take_every_session() -> None:
    server = start_server(PLAYGROUND_MAX_SESSIONS="6", PLAYGROUND_MAX_SESSIONS_PER_CLIENT="4")
    try:
        mine = [Client(server.ws_url) for _ in range(4)]
        with connect(server.ws_url) as fifth:
            refusal = json.loads(fifth.recv(timeout=10))
            assert refusal["code"] == "server_busy" and "one address" in refusal["message"]
        other = client_from(server.ws_url, "127.0.0.2")  # someone else still gets in
        other.send({"type": "step", "epochs": 1})
        assert other.wait_for("status", reason="step")["epoch"] == 1
        for client in [*mine, other]:
            client.close()
    finally:
        server.stop()


def test_a_command_beyond_its_budget_is_refused() -> None:
    server = start_server(PLAYGROUND_MAX_COMMAND_SECONDS="0.01")
    try:
        client = Client(server.ws_url)
        rows = "\n".join(f"{i % 11 - 5},{i % 7 - 3},{i % 2}" for i in range(5000))
        client.send({"type": "load_csv", "text": rows})
        error = client.wait_for("error", code="too_costly")
        assert "more than the 0.01 s" in error["message"]
        client.send({"type": "load_csv", "text": "1,1,1\n2,2,0\n"})  # a small one is fine
        assert client.wait_for("data", dataset="custom")
        client.close()
    finally:
        server.stop()
