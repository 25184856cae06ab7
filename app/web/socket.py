"""WS /ws: one Connection per client, owning one Session; reader, producer and sender tasks.

The producer runs the session's slices in a worker thread and keeps only the newest frame; the
sender sends queued text messages and then that frame. A slow client therefore gets fewer
frames, never a backlog, and the trainer never waits for the socket.
"""

from __future__ import annotations

import asyncio
import collections
import json
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pydantic_core
from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from pydantic import ValidationError

from app.config import Settings
from app.protocol import (
    PROTOCOL_VERSION,
    Ack,
    ErrorCode,
    ErrorMessage,
    Hello,
    cut,
    describe_validation_error,
    parse_client_message,
)
from app.session import Session

router = APIRouter()
log = logging.getLogger("app.socket")
MAX_PENDING_MESSAGES = 1000


class Scheduler:
    """Shares one process's CPU fairly among its sessions.

    Slices run one at a time on a single trainer thread (the GIL lets one run anyway: run
    side by side they would only split each other's wall-clock deadlines), in arrival order,
    so sessions take turns; each running session's turn is an equal share of a frame period.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.sessions = 0
        self.running = 0
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="trainer")

    def share(self, frame_interval: float) -> float:
        """Seconds of CPU a running session may use per frame, its frame included."""
        share = 0.6 * frame_interval / max(1, self.running)  # the rest: frames, sockets
        return min(self.settings.slice_seconds, share)


class TokenBucket:
    """At most `rate` commands a second on average, bursts up to `burst`."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, float(burst)
        self.tokens, self.stamp = float(burst), time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


class Connection:
    """One client's socket and its session."""

    def __init__(self, websocket: WebSocket, settings: Settings, scheduler: Scheduler) -> None:
        self.websocket = websocket
        self.settings = settings
        self.scheduler = scheduler
        self.session = Session(settings)
        self.messages: collections.deque[dict[str, Any]] = collections.deque()
        self.frame: bytes | None = None  # the newest unsent frame
        self.frame_seq = 0
        self.sent_seq = 0
        self.acked_seq: int | None = None  # None until the client acks: no flow control
        self.ready = asyncio.Event()  # something to send
        self.wake = asyncio.Event()  # a command arrived
        self.bucket = TokenBucket(settings.commands_per_second, settings.command_burst)
        rate = 4 * settings.max_frame_rate  # acks are cheap, but not free
        self.ack_bucket = TokenBucket(rate, int(2 * rate))
        self._last_rate_warning = 0.0
        self._counted_running = False
        self.closing = False

    def post(self, message: dict[str, Any]) -> None:
        if len(self.messages) >= MAX_PENDING_MESSAGES:
            raise ConnectionAbortedError("client is not reading its messages")
        self.messages.append(message)
        self.ready.set()

    def error(self, code: ErrorCode, message: str, field: str | None = None) -> None:
        reply = ErrorMessage(code=code, message=cut(message, 500), field=field and cut(field, 60))
        self.post(reply.model_dump())

    async def run(self) -> None:
        for message in self.session.greeting():
            self.post(message)
        try:
            async with asyncio.TaskGroup() as group:
                sender = group.create_task(self.send_loop())
                producer = group.create_task(self.produce_loop())
                close = await self.read_loop()
                producer.cancel()
                if close is None:
                    sender.cancel()  # the peer is gone: nothing to flush
                else:
                    self.closing = True  # the sender flushes the queued messages, then ends
                    self.ready.set()
            if close is not None:
                await self.websocket.close(code=close[0], reason=close[1])
        finally:
            self._set_running(False)

    # ---- reading ----

    async def read_loop(self) -> tuple[int, str] | None:
        """Read until the client leaves (None) or must be closed: (close code, reason)."""
        while True:
            event = await self.websocket.receive()
            if event["type"] == "websocket.disconnect":
                return None
            text, data = event.get("text"), event.get("bytes")
            if text is None:
                size = len(data or b"")
                if size > self.settings.max_message_bytes:
                    self.error("too_large", self._too_large(size))
                else:
                    self.error("bad_message", "binary messages are not accepted; send JSON text")
                continue
            close = self.receive_text(text)
            if close is not None:
                return close

    def _too_large(self, size: int) -> str:
        limit = self.settings.max_message_bytes
        return f"message of {size} bytes is larger than the limit of {limit} bytes"

    def receive_text(self, text: str) -> tuple[int, str] | None:
        """Validate one client message and queue it for the session."""
        size = len(text) if len(text) * 4 <= self.settings.max_message_bytes else len(text.encode())
        if size > self.settings.max_message_bytes:
            self.error("too_large", self._too_large(size))
            return None
        try:
            # JSON as the standard has it (no NaN / Infinity), nesting bounded by the parser.
            pydantic_core.from_json(text, allow_inf_nan=False)
        except ValueError as problem:
            self.error("bad_json", f"message is not valid JSON: {str(problem)[:200]}")
            return None
        try:
            command = parse_client_message(text)
        except ValidationError as problem:
            message, field = describe_validation_error(problem, strip_tag=True)
            self.error("bad_message", message, field)
            return None
        if isinstance(command, Ack):
            if self.ack_bucket.take() and command.seq <= self.sent_seq:
                self.acked_seq = max(self.acked_seq or 0, command.seq)
                self.ready.set()
            return None
        if not self.bucket.take():
            now = time.monotonic()
            if now - self._last_rate_warning > 1.0:
                self._last_rate_warning = now
                self.error(
                    "rate_limited",
                    f"too many commands: at most {self.settings.commands_per_second:g} "
                    "per second; some were dropped",
                )
            return None
        if isinstance(command, Hello) and command.version != PROTOCOL_VERSION:
            self.error(
                "version",
                f"protocol version {command.version} is not supported; "
                f"this server speaks version {PROTOCOL_VERSION}",
            )
            return 1008, "protocol version"
        self.session.queue(command)
        self.wake.set()
        return None

    # ---- producing ----

    def _set_running(self, running: bool) -> None:
        if running != self._counted_running:
            self.scheduler.running += 1 if running else -1
            self._counted_running = running

    async def produce_loop(self) -> None:
        session = self.session
        last_frame = 0.0
        gap = 0.0  # running mean of the time between this session's frames
        while True:
            interval = session.frame_interval(self.settings.max_frame_rate)
            now = time.perf_counter()
            running = session.is_running()
            want_frame = now - last_frame >= 0.9 * interval or not running
            if want_frame and running and 0 < now - last_frame < 1.0:
                gap += 0.2 * (now - last_frame - gap)
            # Frames first: when they come slower than asked (a crowded process), training
            # gives up part of its turn until they keep pace (down to the floor in run_slice).
            share = self.scheduler.share(interval) * min(1.0, interval / max(gap, 1e-3))
            self._set_running(running)
            outbox = await asyncio.get_running_loop().run_in_executor(
                self.scheduler.executor, session.run_slice, share, want_frame
            )
            self._set_running(session.is_running())
            for message in outbox.messages:
                self.post(message)
            if outbox.messages and outbox.frame is None:
                # An unsent frame from before these replies (say "running", before a pause)
                # would reach the page after them: drop it; the next frame shows their effect.
                self.frame = None
            if outbox.frame is not None:
                self.frame = outbox.frame  # replaces an unsent older frame
                self.frame_seq = outbox.seq
                self.ready.set()
                last_frame = now
            self.wake.clear()
            if session.has_commands() or session.owes_frame():
                continue  # a paused session owes a frame for the change: at once
            if session.is_running():
                pause = max(0.0, last_frame + interval - time.perf_counter())
                await self._sleep_or_wake(pause)
            else:
                await self.wake.wait()

    async def _sleep_or_wake(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self.wake.wait(), timeout=seconds)
        except TimeoutError:
            pass

    # ---- sending ----

    async def send_loop(self) -> None:
        while True:
            await self.ready.wait()
            self.ready.clear()
            while self.messages:
                await self.websocket.send_text(json.dumps(self.messages.popleft()))
            if self.closing:
                return
            if self.frame is not None and self._window_open():
                frame, self.frame = self.frame, None
                self.sent_seq = self.frame_seq
                await self.websocket.send_bytes(frame)

    def _window_open(self) -> bool:
        """Flow control: a client that acks has at most `frame_window` frames unacked."""
        if self.acked_seq is None:
            return True
        return self.sent_seq - self.acked_seq < self.settings.frame_window


@router.websocket("/ws")
async def play(websocket: WebSocket) -> None:
    settings: Settings = websocket.app.state.settings
    scheduler: Scheduler = websocket.app.state.scheduler
    await websocket.accept()
    if scheduler.sessions >= settings.max_sessions:
        busy = ErrorMessage(
            code="server_busy",
            message=f"the server is full ({settings.max_sessions} sessions); try again later",
        )
        await websocket.send_text(busy.model_dump_json())
        await websocket.close(code=1013, reason="server busy")
        return
    scheduler.sessions += 1
    try:
        await Connection(websocket, settings, scheduler).run()
    except* ConnectionAbortedError:
        await _close_quietly(websocket, 1008, "client not reading")
    except* (WebSocketDisconnect, RuntimeError, OSError):
        pass  # the peer vanished mid-send; the session is simply dropped
    finally:
        scheduler.sessions -= 1


async def _close_quietly(websocket: WebSocket, code: int, reason: str) -> None:
    try:
        await websocket.close(code=code, reason=reason)
    except (WebSocketDisconnect, RuntimeError, OSError):
        pass
