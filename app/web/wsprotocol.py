"""uvicorn's websocket protocol with the playground's answers to two client faults.

- A message larger than the limit is answered with the documented `too_large` error, whatever
  its size, and the connection stays open: a gate splits the incoming bytes at frame
  boundaries and drops an oversized frame (and the rest of its message) as it streams past,
  never holding it in memory. (The library alone closes with 1009 above its own limit.) A
  fragmented message that grows past the limit fragment by fragment is the library's to
  refuse: `too_large`, then close 1009.
- Invalid UTF-8 in a text message closes with 1007 and logs one warning line (it is the
  client's fault, not a server error with a traceback).
"""

from __future__ import annotations

import logging
from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.exceptions import PayloadTooBig
from websockets.frames import Frame, Opcode
from websockets.protocol import State

from app.protocol import ErrorMessage

log = logging.getLogger("app.socket")
DATA_OPCODES = (0x0, 0x1, 0x2)  # continuation, text, binary; the rest are control frames
MAX_PENDING_REPLY_BYTES = 1 << 20  # a client flooding oversized frames without reading


def too_large_reply(size: int, limit: int) -> str:
    message = f"message of {size} bytes is larger than the limit of {limit} bytes"
    return ErrorMessage(code="too_large", message=message).model_dump_json()


class FrameGate:
    """Passes a client's byte stream through frame by frame, dropping each data frame longer
    than `limit` bytes together with the continuation frames of its message."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.header = bytearray()  # an incomplete frame header
        self.left = 0  # payload bytes of the current frame still to come
        self.passing = True  # the current frame goes through
        self.dropping = False  # inside a fragmented message being dropped

    def feed(self, data: bytes) -> tuple[bytes, list[int]]:
        """The bytes to pass on, and the sizes of the messages dropped in `data`."""
        out: list[bytes] = []
        dropped: list[int] = []
        at, end = 0, len(data)
        while at < end:
            if self.left:
                take = min(self.left, end - at)
                if self.passing:
                    out.append(data if at == 0 and take == end else data[at : at + take])
                at += take
                self.left -= take
                continue
            at = self._read_header(data, at)
            size = self._header_size()
            if size is None or len(self.header) < size:
                continue  # the rest of the header comes in the next chunk
            self._start_frame(size, out, dropped)
        return b"".join(out), dropped

    def _read_header(self, data: bytes, at: int) -> int:
        """Take header bytes from data[at:] until the header is whole or data ends."""
        while at < len(data):
            size = self._header_size() or 2
            if len(self.header) >= size:
                break
            take = min(size - len(self.header), len(data) - at)
            self.header += data[at : at + take]
            at += take
        return at

    def _header_size(self) -> int | None:
        """RFC 6455 section 5.2: 2 bytes, the extended length (2 or 8), the mask key (4)."""
        if len(self.header) < 2:
            return None
        length = self.header[1] & 0x7F
        extended = 2 if length == 126 else 8 if length == 127 else 0
        return 2 + extended + (4 if self.header[1] & 0x80 else 0)

    def _start_frame(self, size: int, out: list[bytes], dropped: list[int]) -> None:
        header = bytes(self.header[:size])
        self.header.clear()
        fin, opcode, length = header[0] & 0x80, header[0] & 0x0F, header[1] & 0x7F
        if length >= 126:
            length = int.from_bytes(header[2 : 4 if length == 126 else 10], "big")
        if opcode in (0x1, 0x2):  # a new message
            self.passing = length <= self.limit
            self.dropping = not self.passing and not fin
            if not self.passing:
                dropped.append(length)
        elif opcode == 0x0:  # a continuation
            self.passing = not self.dropping
            if fin:
                self.dropping = False
        else:
            self.passing = True
        if self.passing:
            out.append(header)
        self.left = length


class PlaygroundWebSocketProtocol(WebSocketsSansIOProtocol):
    """See the module docstring; everything else is uvicorn's."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limit = int(self.config.ws_max_size)
        self.gate = FrameGate(self.limit)

    def data_received(self, data: bytes) -> None:
        if not self.handshake_initiated:  # the HTTP upgrade request
            super().data_received(data)
            return
        data, dropped = self.gate.feed(data)
        for size in dropped:
            self._reply(too_large_reply(size, self.limit))
        if not data:
            return
        self.conn.receive_data(data)
        if isinstance(self.conn.parser_exc, PayloadTooBig):  # a fragmented message grew too big
            log.warning("client %s: fragmented message over the limit, closing", self.client)
            self._reply(too_large_reply(self.limit + 1, self.limit), before_close=True)
        if self.conn.parser_exc is not None:
            self.handle_events()  # the messages that came before it
            self.handle_parser_exception()
            return
        self.handle_events()

    def _reply(self, text: str, before_close: bool = False) -> None:
        """Write one text frame now (ahead of a queued close frame when `before_close`)."""
        if self.transport.is_closing() or self.close_sent:
            return
        if self.transport.get_write_buffer_size() > MAX_PENDING_REPLY_BYTES:
            return  # a flooding client that does not read: it learns nothing new anyway
        frame = Frame(Opcode.TEXT, text.encode()).serialize(mask=False, extensions=[])
        pending = self.conn.data_to_send() if before_close else []
        self.transport.write(frame + b"".join(pending))

    def send_receive_event_to_app(self) -> None:
        """As uvicorn's, but invalid UTF-8 is one warning line, not a logged traceback."""
        data = self.frames[0] if len(self.frames) == 1 else b"".join(self.frames)
        self.frames = []
        if self.close_sent:
            return  # past `websocket.close`: uvicorn discards it too
        if self.curr_msg_data_type == "text":
            try:
                event = {"type": "websocket.receive", "text": data.decode()}
            except UnicodeDecodeError as problem:
                log.warning("client %s: invalid UTF-8 in a text message (%s), closing with 1007",
                            self.client, problem.reason)  # fmt: skip
                if self.conn.state is State.OPEN:  # the client's close may have come with it
                    self.conn.send_close(1007, "invalid UTF-8")
                self.handle_parser_exception()
                return
            self.queue.put_nowait(event)  # type: ignore[arg-type]
        else:
            self.queue.put_nowait({"type": "websocket.receive", "bytes": data})
        if not self.read_paused:
            self.read_paused = True
            self.transport.pause_reading()
