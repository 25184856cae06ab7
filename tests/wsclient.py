"""A small synchronous websocket client for the server tests (speaks docs/protocol.md)."""

from __future__ import annotations

import contextlib
import json
import time
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from app.frames import decode_frame


class Client:
    """Sends commands, collects text messages and decoded frames.

    Timeouts are generous upper bounds for a busy machine: each wait returns as soon as its
    condition holds, so a long timeout costs nothing when the server is well.
    """

    def __init__(self, ws_url: str, ack: bool = True, **kwargs: Any) -> None:
        self._stack = contextlib.ExitStack()
        self.ws: ClientConnection = self._stack.enter_context(
            connect(ws_url, max_size=2**24, compression=None, **kwargs)
        )
        self.ack = ack  # acknowledge each frame, as the page does (flow control)
        self.messages: list[dict[str, Any]] = []
        self.frames: list[tuple[dict[str, Any], dict[str, Any]]] = []
        self.hello = self.wait_for("hello")

    def send(self, message: dict[str, Any] | str) -> None:
        self.ws.send(message if isinstance(message, str) else json.dumps(message))

    def receive(self, timeout: float = 5.0) -> None:
        """Read one message into messages or frames."""
        raw = self.ws.recv(timeout=timeout)
        if isinstance(raw, bytes):
            header, arrays = decode_frame(raw)
            self.frames.append((header, arrays))
            if self.ack:
                # The server may have closed already, after the messages still being read.
                with contextlib.suppress(ConnectionClosed):
                    self.send({"type": "ack", "seq": header["seq"]})
        else:
            self.messages.append(json.loads(raw))

    def wait_for(self, kind: str, timeout: float = 30.0, **match: Any) -> dict[str, Any]:
        """The next text message of `type` kind (and matching fields), skipping others."""
        deadline = time.monotonic() + timeout
        seen = 0  # messages already read while waiting for something else count too
        while True:
            for message in self.messages[seen:]:
                if message["type"] == kind and all(message.get(k) == v for k, v in match.items()):
                    self.messages.remove(message)
                    return message
            seen = len(self.messages)
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(
                    f"no {kind!r} message {match} within {timeout} s: {self.messages[-5:]}"
                )
            self.receive(timeout=left)

    def next_frame(
        self, timeout: float = 30.0, where: Any = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """The next frame received from now on (optionally the first satisfying `where`)."""
        deadline = time.monotonic() + timeout
        self.frames.clear()
        while True:
            while self.frames:
                frame = self.frames.pop(0)
                if where is None or where(frame[0]):
                    return frame
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no frame within {timeout} s")
            self.receive(timeout=left)

    def drain(self, seconds: float) -> None:
        """Keep reading for `seconds`."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                self.receive(timeout=left)
            except TimeoutError:
                return

    def configure(self, **config: Any) -> dict[str, Any]:
        self.send({"type": "configure", "config": config})
        return self.wait_for("config")

    def close(self) -> None:
        self._stack.close()
