"""WS /ws: one Connection per client, owning one Session; a reader and a sender task, and the
session's turns, which the process's Scheduler runs (app/web/scheduler.py).

A turn keeps only the newest frame; the sender sends queued text messages and then that frame.
A slow client therefore gets fewer frames, never a backlog, and no turn waits for a socket.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import time
from typing import Any

import orjson
from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from app import heavy
from app.config import Settings
from app.protocol import (
    Ack,
    ErrorCode,
    ErrorMessage,
    cut,
)
from app.rooms import RoomService
from app.session import Outbox, Session
from app.web.classroom import Classroom
from app.web.reader import Reader
from app.web.scheduler import Scheduler

router = APIRouter()
log = logging.getLogger("app.socket")
MAX_PENDING_MESSAGES = 1000  # replies the client has not read yet: it is not reading
MAX_PENDING_ERRORS = 64  # past this many unsent replies, error replies are dropped, not queued


def encode(message: dict[str, Any]) -> str:
    """A server message as JSON text (orjson: 5000 points in about a millisecond)."""
    return orjson.dumps(message).decode()


class Connection:
    """One client's socket and its session; the scheduler calls `take_turn`."""

    def __init__(
        self,
        websocket: WebSocket,
        settings: Settings,
        scheduler: Scheduler,
        address: str,
        rooms: RoomService,
    ) -> None:
        self.websocket = websocket
        self.settings = settings
        self.scheduler = scheduler
        self.address = address
        self.session = Session(settings)
        self.vtime = 0.0  # CPU seconds charged (the scheduler's fair order)
        self.messages: collections.deque[str] = collections.deque()
        self.frame: bytes | None = None  # the newest unsent frame
        self.frame_seq = 0
        self.sent_seq = 0
        self.acked_seq: int | None = None  # None until the client acks: no flow control
        self.ready = asyncio.Event()  # something to send
        self.reader = Reader(self)
        self._counted_running = False
        self.busy = False  # in the heavy lane or on the side thread: the session is theirs
        self.turn_seconds = 0.0  # running mean of a turn's CPU time
        self.last_frame = 0.0  # loop time of the last frame made
        self.gap = 0.0  # running mean of the time between this session's frames
        self.closing = False  # the sender flushes the queued messages, then ends
        self.close_code: tuple[int, str] | None = None
        self.gone = False
        self.classroom = Classroom(self, rooms, websocket.headers.get("host"))

    def post(self, message: dict[str, Any] | str) -> None:
        if len(self.messages) >= MAX_PENDING_MESSAGES:
            raise ConnectionAbortedError("client is not reading its messages")
        self.messages.append(message if isinstance(message, str) else encode(message))
        self.ready.set()

    def error(self, code: ErrorCode, message: str, field: str | None = None) -> None:
        if len(self.messages) >= MAX_PENDING_ERRORS and code != "rate_limited":
            return  # a flood of faults: the client has plenty of errors to read already
        reply = ErrorMessage(code=code, message=cut(message, 500), field=field and cut(field, 60))
        self.post(reply.model_dump())

    async def run(self) -> None:
        self.loop = asyncio.get_running_loop()
        for message in self.session.greeting():
            self.post(message)
        self.scheduler.ready(self)  # the first frame
        try:
            async with asyncio.TaskGroup() as group:
                sender = group.create_task(self.send_loop())
                room = group.create_task(self.classroom.run())
                close = await self.reader.read_loop()
                room.cancel()
                if close is None:
                    sender.cancel()  # the peer is gone: nothing to flush
                else:
                    self.close_code = close
                    self.closing = True
                    self.ready.set()
        finally:
            try:
                await self.classroom.close()  # before the session goes: a student's setup
            except Exception:  # the store is away: the room forgets this member by itself
                log.warning("client %s: leaving its room failed", self.address, exc_info=True)
            self.gone = True
            self.scheduler.forget(self)
            self._set_running(False)

    def queue_internal(self, command: Any) -> None:
        """A command of the server's own for this session (a room's), never refused."""
        self.session.queue(command)
        if not self.busy:
            self.scheduler.ready(self)

    def refresh(self) -> None:
        """Owe the page (and the room) a frame now."""
        self.session.refresh()
        if not self.busy:
            self.scheduler.ready(self)

    def enqueue(self, command: Any) -> None:
        """A client's valid command: the room's, or queued for the session."""
        if self.classroom.takes(command):  # the room's, or refused while following
            return
        if self.session.queued() >= self.settings.max_queued_commands:
            self.reader.limited(
                f"{self.settings.max_queued_commands} commands are waiting already: "
                "some were dropped; send fewer at once"
            )
            return
        self.session.queue(command)
        if not self.busy:
            self.scheduler.ready(self)

    # ---- turns (the scheduler calls these on the event loop's thread) ----

    def _set_running(self, running: bool) -> None:
        if running != self._counted_running:
            self.scheduler.running += 1 if running else -1
            self._counted_running = running

    def take_turn(self) -> None:
        """Commands, training and a frame if due, within this session's share of a frame."""
        if self.gone or self.busy or self.closing:
            return
        session = self.session
        now = self.loop.time()
        interval = session.frame_interval(self.settings.max_frame_rate)
        running = session.is_running()
        since = now - self.last_frame
        want_frame = since >= 0.9 * interval or not running
        if want_frame and running and 0 < since < 1.0:
            self.gap += 0.2 * (since - self.gap)
        # Frames first: when they come slower than asked (a crowded process), training gives
        # up part of its turn until they keep pace (down to the floor in run_slice).
        share = self.scheduler.share(interval) * min(1.0, interval / max(self.gap, 1e-3))
        self._set_running(running)
        if self.turn_seconds > self.settings.offload_turn_seconds:
            self.busy = True  # the side thread owns the session until the turn is done

            def run() -> Outbox | None:
                if self.gone:  # left while this turn waited for the side thread
                    return None
                return self._timed(session.run_slice, share, want_frame)

            self.scheduler.offload(self, run, lambda outbox: self._turn_done(outbox, now))
            return
        self._turn_done(self._timed(session.run_slice, share, want_frame), now)

    def _timed(self, run_slice: Any, share: float, want_frame: bool) -> Outbox:
        """One slice, its CPU time kept (a running mean) to decide where the next one runs."""
        started = time.thread_time()
        outbox: Outbox = run_slice(share, want_frame)
        # Sticky: one expensive turn sends the next ones off the loop, until 20 or so cheap
        # turns in a row bring the estimate back under the threshold.
        self.turn_seconds = max(time.thread_time() - started, 0.9 * self.turn_seconds)
        return outbox

    def _turn_done(self, outbox: Outbox | BaseException | None, started: float) -> None:
        self.busy = False
        if self.gone or outbox is None:
            return
        if isinstance(outbox, BaseException):
            self.turn_failed(outbox)
            return
        self._set_running(self.session.is_running())
        try:
            messages, frame = self.classroom.after_turn(outbox.messages, outbox.frame)
            self._deliver(messages, frame, outbox.seq)
        except ConnectionAbortedError as error:  # the client's fault: no traceback
            log.warning("client %s: %s; closing", self.address, error)
            self.turn_failed(error)
            return
        if outbox.frame is not None:
            self.last_frame = started
        if outbox.heavy:
            self._start_heavy()
        else:
            self._schedule()

    def _deliver(self, messages: list[Any], frame: bytes | None, seq: int) -> None:
        for message in messages:
            self.post(message)
        if messages and frame is None:
            # An unsent frame from before these replies (say "running", before a pause)
            # would reach the page after them: drop it; the next frame shows their effect.
            self.frame = None
        if frame is not None:
            self.frame, self.frame_seq = frame, seq  # replaces an unsent older frame
            self.ready.set()

    def _schedule(self) -> None:
        """Ask for the next turn: now, at the next frame, or when a command comes."""
        session = self.session
        if session.has_commands() or session.owes_frame():
            self.scheduler.ready(self)
        elif session.is_running():
            interval = session.frame_interval(self.settings.max_frame_rate)
            self.scheduler.ready_at(self, self.last_frame + interval)

    def _start_heavy(self) -> None:
        """Hand the heavy command at the head of the queue to the lane, if its address has the
        budget for it (else wait for it); one that would cost more than a command may is
        refused."""
        session = self.session
        cost, limit = session.heavy_cost(), self.settings.max_command_seconds
        if cost > limit:
            session.commands.popleft()
            self.error(
                "too_costly",
                f"this command would take about {cost:.2f} s of CPU, more than the {limit:g} s "
                "one command may use; send less data at once",
            )
            self._schedule()
            return
        wait = self.scheduler.heavy_wait(self.address)
        if wait > 0:  # this address spent its heavy budget: its session waits, no one else
            self.scheduler.ready_at(self, self.loop.time() + wait)
            return
        self.busy = True
        self.scheduler.heavy(self, self.address, heavy.prepare, session.heavy_job(), self._ready)

    def _ready(self, result: Any) -> None:
        """The heavy lane's result: the session applies it in its next turn."""
        self.busy = False
        if self.gone:
            return
        if isinstance(result, BaseException):
            self.turn_failed(result)
            return
        # A large message checked by the lane is routed as a small one is (`enqueue`): a room
        # command goes to the room, and a follower's own session stays frozen.
        inner = result.command if result.command is not None else result  # points: Prepared
        if result.error is None and not isinstance(inner, Ack) and self.classroom.takes(inner):
            self.session.commands.popleft()
            self._schedule()
            return
        self.session.prepared(result)
        self.scheduler.ready(self)

    def turn_failed(self, error: BaseException) -> None:
        """A bug in this session (or a client not reading): say so and close this connection."""
        if isinstance(error, ConnectionAbortedError):
            self.close_code = (1008, "client not reading")
        else:
            self.messages.clear()
            self.messages.append(
                encode(
                    ErrorMessage(
                        code="internal", message="the server failed on this session; reconnect"
                    ).model_dump()
                )
            )
            self.close_code = (1011, "internal error")
        self.closing = True
        self.ready.set()

    # ---- sending ----

    async def send_loop(self) -> None:
        while True:
            await self.ready.wait()
            self.ready.clear()
            room_frame = self.classroom.pump()  # the room's events become messages here
            while self.messages:
                await self.websocket.send_text(self.messages.popleft())
            if room_frame is not None and not self.closing:
                await self.websocket.send_bytes(room_frame)  # followed, or a spotlight
            if self.closing:
                code, reason = self.close_code or (1000, "")
                await self.websocket.close(code=code, reason=reason)
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
    address = websocket.client.host if websocket.client else "unknown"
    refusal = scheduler.admit(address)
    if refusal is not None:
        busy = ErrorMessage(code="server_busy", message=refusal)
        await websocket.send_text(busy.model_dump_json())
        await websocket.close(code=1013, reason="server busy")
        return
    connection = Connection(websocket, settings, scheduler, address, websocket.app.state.rooms)
    try:
        await connection.run()
    except* ConnectionAbortedError:
        await _close_quietly(websocket, 1008, "client not reading")
    except* (WebSocketDisconnect, RuntimeError, OSError):
        pass  # the peer vanished mid-send; the session is simply dropped
    finally:
        scheduler.leave(address, connection)


async def _close_quietly(websocket: WebSocket, code: int, reason: str) -> None:
    try:
        await websocket.close(code=code, reason=reason)
    except (WebSocketDisconnect, RuntimeError, OSError):
        pass
