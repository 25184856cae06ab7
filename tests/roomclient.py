"""A websocket client for the classroom tests: tells each frame's source (own, teacher, spot)."""

from __future__ import annotations

import contextlib
import json
import struct
import time
from typing import Any

from websockets.exceptions import ConnectionClosed
from wsclient import Client

from app.frames import decode_frame

SOURCES = {0: "own", 1: "teacher", 2: "spotlight"}


class RoomClient(Client):
    """A Client that records the source of every frame (the uint16 at offset 6)."""

    def __init__(self, ws_url: str, **kwargs: Any) -> None:
        self.sourced: list[tuple[str, dict[str, Any]]] = []
        self.sources: list[str] = []  # every frame's source, beside `frames`
        super().__init__(ws_url, **kwargs)
        self.send({"type": "hello", "version": 2, "compress": True})

    def receive(self, timeout: float = 5.0) -> None:
        raw = self.ws.recv(timeout=timeout)
        if isinstance(raw, bytes):
            header, arrays = decode_frame(raw)
            (source,) = struct.unpack_from("<H", raw, 6)
            self.frames.append((header, arrays))
            self.sources.append(SOURCES[source])
            self.sourced.append((SOURCES[source], header))
            if self.ack:
                with contextlib.suppress(ConnectionClosed):
                    self.send({"type": "ack", "seq": header["seq"]})
        else:
            self.messages.append(json.loads(raw))

    def frame_since(
        self, source: str, since: int, timeout: float = 60.0
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """The first frame from `source` among those received after the first `since` (a
        `len(frames)` taken before the action that causes it), arriving before or after the
        messages read since: (header, arrays)."""
        deadline = time.monotonic() + timeout
        while True:
            for k in range(since, len(self.frames)):
                if self.sources[k] == source:
                    return self.frames[k]
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no {source} frame within {timeout} s")
            self.receive(timeout=left)

    def frame_from(self, source: str, timeout: float = 60.0, where: Any = None) -> dict[str, Any]:
        """The header of the next frame from `source` (and satisfying `where`) from now on."""
        deadline = time.monotonic() + timeout
        self.sourced.clear()
        while True:
            while self.sourced:
                kind, header = self.sourced.pop(0)
                if kind == source and (where is None or where(header)):
                    return header
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no {source} frame within {timeout} s")
            self.receive(timeout=left)

    def command(self, message: dict[str, Any] | str, reply: str, **match: Any) -> dict[str, Any]:
        """Send `message` (or its JSON text); the next `reply` message (matching), or the error
        if one comes."""
        self.send(message)
        kind = (json.loads(message) if isinstance(message, str) else message)["type"]
        deadline = time.monotonic() + 30
        seen = 0
        while True:
            for item in self.messages[seen:]:
                if item["type"] == "error":
                    self.messages.remove(item)
                    raise AssertionError(f"{kind} refused: {item}")
                if item["type"] == reply and all(item.get(k) == v for k, v in match.items()):
                    self.messages.remove(item)
                    return item
            seen = len(self.messages)
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no {reply} after {kind}: {self.messages[-5:]}")
            self.receive(timeout=left)

    def refused(self, message: dict[str, Any] | str, code: str) -> dict[str, Any]:
        """Send `message`; its `error`, which must carry `code`."""
        self.send(message)
        error = self.wait_for("error")
        assert error["code"] == code, (message, error)
        return error

    def refused_any(self, message: dict[str, Any]) -> dict[str, Any]:
        """Send `message`; its `error`, whatever the code."""
        self.send(message)
        return self.wait_for("error")

    def wait_until(self, kind: str, holds: Any, timeout: float = 60.0) -> dict[str, Any]:
        """The first `kind` message (from those unread) for which `holds(message)` is true."""
        deadline = time.monotonic() + timeout
        while True:
            message = self.wait_for(kind, timeout=max(0.01, deadline - time.monotonic()))
            if holds(message):
                return message
