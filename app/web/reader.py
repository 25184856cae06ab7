"""A client's incoming messages: acks (flow control), the rate limit, the size limit, JSON and
the strict parser; each valid command goes to its Connection (app/web/socket.py)."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

import orjson
import pydantic_core
from pydantic import ValidationError

from app.protocol import (
    PROTOCOL_VERSION,
    Ack,
    Hello,
    describe_validation_error,
    parse_client_message,
)
from app.session import RawMessage
from app.web.scheduler import TokenBucket

if TYPE_CHECKING:
    from app.web.socket import Connection

LIGHT_MESSAGE_CHARS = 8 * 1024  # larger messages are validated in the heavy lane
ACK_MAX_CHARS = 64


def as_ack(text: str) -> dict[str, Any] | None:
    """A short message whose type is "ack", read without pydantic (the page sends one per
    frame); None for anything else."""
    if len(text) > ACK_MAX_CHARS or '"ack"' not in text:
        return None
    try:
        value = orjson.loads(text)  # standard JSON only: no NaN, no Infinity
    except orjson.JSONDecodeError:
        return None
    return value if isinstance(value, dict) and value.get("type") == "ack" else None


class Reader:
    """Reads one connection's messages (see the module docstring)."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.settings = settings = connection.settings
        self.bucket = TokenBucket(settings.commands_per_second, settings.command_burst)
        rate = 4 * settings.max_frame_rate  # acks are cheap, but not free
        self.ack_bucket = TokenBucket(rate, int(2 * rate))
        self._last_rate_warning = 0.0

    async def read_loop(self) -> tuple[int, str] | None:
        """Read until the client leaves (None) or must be closed: (close code, reason)."""
        while not self.connection.closing:
            event = await self.connection.websocket.receive()
            if event["type"] == "websocket.disconnect":
                return None
            text, data = event.get("text"), event.get("bytes")
            if text is None:
                size = len(data or b"")
                if size > self.settings.max_message_bytes:
                    self.connection.error("too_large", self._too_large(size))
                else:
                    self.connection.error(
                        "bad_message", "binary messages are not accepted; send JSON text"
                    )
                continue
            ack = as_ack(text)
            if ack is not None:
                self._receive_ack(ack, text)
                continue
            if not self.bucket.take():  # before parsing: a flood of garbage costs no more
                self.limited(self._too_many("some were dropped"))
                if len(text) > LIGHT_MESSAGE_CHARS:  # a flood of big ones: TCP holds it back
                    await asyncio.sleep(1.0 / self.settings.commands_per_second)
                continue
            close = self.receive_text(text)
            if close is not None:
                return close
        return self.connection.close_code

    def _too_large(self, size: int) -> str:
        limit = self.settings.max_message_bytes
        return f"message of {size} bytes is larger than the limit of {limit} bytes"

    def receive_text(self, text: str) -> tuple[int, str] | None:
        """Check one client message (its rate already paid for) and queue it for the session;
        large messages are validated in the heavy lane, not here."""
        size = len(text) if len(text) * 4 <= self.settings.max_message_bytes else len(text.encode())
        if size > self.settings.max_message_bytes:
            self.connection.error("too_large", self._too_large(size))
            return None
        if len(text) > LIGHT_MESSAGE_CHARS:
            self.connection.enqueue(RawMessage(text))
            return None
        try:
            # JSON as the standard has it (no NaN / Infinity), nesting bounded by the parser.
            pydantic_core.from_json(text, allow_inf_nan=False)
        except ValueError as problem:
            self.connection.error("bad_json", f"message is not valid JSON: {str(problem)[:200]}")
            return None
        try:
            command = parse_client_message(text)
        except ValidationError as problem:
            message, field = describe_validation_error(problem, strip_tag=True)
            self.connection.error("bad_message", message, field)
            return None
        if isinstance(command, Ack):  # a long-winded ack (as_ack reads the page's own)
            self._receive_ack({"type": "ack", "seq": command.seq}, text)
            return None
        if isinstance(command, Hello) and command.version != PROTOCOL_VERSION:
            self.connection.error(
                "version",
                f"protocol version {command.version} is not supported; "
                f"this server speaks version {PROTOCOL_VERSION}",
            )
            return 1008, "protocol version"
        self.connection.enqueue(command)
        return None

    def _receive_ack(self, ack: dict[str, Any], text: str) -> None:
        if not self.ack_bucket.take():
            return
        seq = ack.get("seq")
        if ack.keys() != {"type", "seq"} or type(seq) is not int or seq < 0:
            try:  # the strict parser names what is wrong
                parse_client_message(text)
            except ValidationError as problem:
                message, field = describe_validation_error(problem, strip_tag=True)
                self.connection.error("bad_message", message, field)
            return
        if seq <= self.connection.sent_seq:
            self.connection.acked_seq = max(self.connection.acked_seq or 0, seq)
            self.connection.ready.set()

    def _too_many(self, what: str) -> str:
        return f"too many commands: at most {self.settings.commands_per_second:g} a second; {what}"

    def limited(self, message: str) -> None:
        """Say so, once a second."""
        now = time.monotonic()
        if now - self._last_rate_warning > 1.0:
            self._last_rate_warning = now
            self.connection.error("rate_limited", message)
