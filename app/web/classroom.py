"""One connection's place in a classroom room: its room commands, run one at a time, and the
room's traffic for its page (app/web/room_traffic.py). docs/protocol.md, "Rooms".

The connection's own session always exists. A follower's is frozen (its output dropped, its
commands refused with `following`) while the page shows the teacher's; a student's trains on
its own and publishes its gallery tile; a presenting teacher's frames and messages go to the
followers. Room errors become `error` messages; nothing here can end the connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from app.protocol import Hello, Pause
from app.room_messages import (
    ROOM_COMMANDS,
    Adopt,
    CreateRoom,
    EndClass,
    Follow,
    Fork,
    JoinRoom,
    LeaveRoom,
    PushSetup,
    PushView,
    RejoinRoom,
    ResetLeaderboard,
    RoomClosed,
    SpotlightStudent,
    StartChallenge,
    Submit,
    SubmittedMessage,
    TeacherRoom,
)
from app.rooms import Hooks, Member, RoomError, RoomService
from app.rooms.share import teacher_link
from app.session import RawMessage
from app.session_room import LoadNetwork, Snapshot
from app.web import room_traffic
from app.web.room_share import base_url

if TYPE_CHECKING:
    from app.web.socket import Connection

log = logging.getLogger("app.rooms")
JSON = dict[str, Any]


def ended_if_cancelled() -> None:
    """End the running task if it was cancelled. A cancellation that lands in Redis work can
    come back as a timeout or a room error (redis-py's own reads, asyncio.timeout), which the
    loops here go on past: a closed connection's loops then ran for ever, and the server could
    not stop (uvicorn waits for every connection's task)."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


HEARTBEAT_SECONDS = 5.0  # keeps the room open, saves a student's setup, notices Redis away
RETRY_SECONDS = 1.0  # while the rooms' store is unreachable
OWN_REPLY_SECONDS = 10.0  # the own session's next turn, on a crowded server
SAVE_EVERY = 6  # heartbeats between saves of a student's setup (and one on leaving)
JOINS = (CreateRoom, TeacherRoom, JoinRoom, RejoinRoom)


class Classroom:
    """The room side of one Connection (see the module docstring)."""

    def __init__(self, connection: Connection, rooms: RoomService, host: str | None) -> None:
        self.connection = connection
        self.rooms = rooms
        self.host = host  # the page's Host header: the join link's address
        self.member: Member | None = None
        self.commands: asyncio.Queue[Any] = asyncio.Queue(maxsize=64)
        self.relays: asyncio.Queue[JSON] = asyncio.Queue(maxsize=256)
        self.available = True
        self.locked: tuple[str, ...] = ()
        self.challenge: JSON | None = None
        self.board_version = 0  # the newest leaderboard's version delivered to the page
        self.teacher_versions: dict[str, int] = {}  # a follower's: kind -> version shown
        self.spotlight: JSON | None = None
        self.share: JSON | None = None
        self.wake = asyncio.Event()  # heartbeat now (a member joined, Redis failed)
        self.names: dict[str, str] = {}  # student id -> name, as the teacher's events say
        self.tile_pending = False  # a gallery tile on its way to the bus
        self.pending: asyncio.Future[JSON] | None = None  # a network read under way
        self.tasks: set[asyncio.Task[None]] = set()  # tiles and kept frames on their way
        self.frame_kept = -1e9  # monotonic time the teacher's frame was last kept on the bus

    # ---- what the connection asks ----

    @property
    def following(self) -> bool:
        return self.member is not None and self.member.role == "follower"

    def takes(self, command: Any) -> bool:
        """Whether the command is the room's (queued here) or refused here; else the session's."""
        if isinstance(command, ROOM_COMMANDS):
            try:
                self.commands.put_nowait(command)
            except asyncio.QueueFull:
                self.connection.error("rate_limited", "too many room commands at once")
            return True
        # A large message (RawMessage) is judged once the heavy lane has parsed it.
        if self.following and not isinstance(command, (Hello, RawMessage)):
            self.connection.error(
                "following", "you are following the teacher: fork to change your own session"
            )
            return True
        return False

    def after_turn(self, messages: list[JSON], frame: bytes | None) -> tuple[list[JSON], Any]:
        """The session's turn output as this page gets it (and as the room gets it)."""
        return room_traffic.after_turn(self, messages, frame)

    def pump(self) -> bytes | None:
        """Turn the room's deliveries into messages for the page; the frame to send, if any."""
        return room_traffic.pump(self)

    async def run(self) -> None:
        """Room commands in order, the teacher's relays, and the heartbeat, until cancelled."""
        async with asyncio.TaskGroup() as group:
            group.create_task(self._relay_loop())
            group.create_task(self._heartbeat_loop())
            while True:
                command = await self.commands.get()
                await self.guarded(self._handle(command))

    async def close(self) -> None:
        """The connection closed: a student's setup is kept for their rejoin; leave the room."""
        member, self.member = self.member, None
        if member is None:
            return
        with contextlib.suppress(RoomError):
            if member.role == "student" and not self.connection.busy:
                await self.rooms.save_setup(member, self.connection.session.network())
            await self.rooms.leave(member)

    # ---- helpers ----

    async def guarded(self, work: Coroutine[Any, Any, None]) -> None:
        """Run room work; a refusal becomes an `error` message, an outage a room_event."""
        try:
            await work
        except RoomError as problem:
            self.connection.error(problem.code, problem.message)
            if problem.code == "rooms_unavailable":
                self.set_available(False, problem.message)
        except ValueError as problem:  # the service names the value it refused
            self.connection.error("bad_message", str(problem))
        except ConnectionAbortedError:
            raise
        except Exception:
            log.exception("room command failed")
            self.connection.error("internal", "the room could not do that; the class goes on")
        ended_if_cancelled()

    def set_available(self, available: bool, message: str = "") -> None:
        if available != self.available and self.member is not None:
            self.available = available
            event = "rooms_available" if available else "rooms_unavailable"
            self.connection.post(room_traffic.event(event, message=message))
            self.wake.set()

    def session_command(self, command: Any) -> None:
        """Queue a command for this connection's own session (its turn runs it)."""
        self.connection.queue_internal(command)

    async def network(self) -> JSON:
        """The own session's network, read in its own turn (Hooks.network: adopt and fork).
        Asks made while one is pending share its answer (sixty forks at once: one read)."""
        if self.pending is None or self.pending.done():
            loop = asyncio.get_running_loop()
            future: asyncio.Future[JSON] = loop.create_future()

            def settle(network: JSON) -> None:
                if not future.done():
                    future.set_result(network)

            def reply(network: JSON) -> None:  # on the session's thread, whichever it is
                loop.call_soon_threadsafe(settle, network)

            self.session_command(Snapshot(reply))
            self.pending = future
        try:
            return dict(await asyncio.wait_for(asyncio.shield(self.pending), OWN_REPLY_SECONDS))
        except TimeoutError:
            raise RoomError(
                "no_reply", f"this page's session did not answer within {OWN_REPLY_SECONDS:g} s"
            ) from None

    def hooks(self) -> Hooks:
        return Hooks(network=self.network, notify=self.connection.ready.set)

    def address(self) -> str:
        return self.connection.address

    # ---- commands ----

    async def _handle(self, command: Any) -> None:
        if isinstance(command, JOINS):
            if self.member is not None:
                raise RoomError("not_allowed", "this page is in a room already: leave it first")
            await self._join(command)
            return
        member = self.member
        if member is None:
            self.connection.error("no_room", "this page is in no room: join one first")
            return
        handlers: dict[type, Callable[[Member, Any], Coroutine[Any, Any, None]]] = {
            LeaveRoom: self._leave,
            PushSetup: self._push_setup,
            PushView: lambda m, c: self.rooms.push_view(m, c.fragment),
            SpotlightStudent: lambda m, c: self.rooms.spotlight(m, c.student_id),
            Adopt: self._adopt,
            StartChallenge: self._start_challenge,
            ResetLeaderboard: lambda m, c: self.rooms.challenges.reset(m),
            EndClass: lambda m, c: self.rooms.end_class(m, c.message),
            Submit: self._submit,
            Fork: self._fork,
            Follow: self._follow,
        }
        await handlers[type(command)](member, command)

    async def _join(self, command: Any) -> None:
        rooms, address, hooks = self.rooms, self.address(), self.hooks()
        link = token = None
        match command:
            case CreateRoom(teacher=name):
                ticket = await rooms.create_room(address, name)
                member = await rooms.join_teacher(ticket.code, ticket.teacher_token, address, hooks)
                base = base_url(rooms.settings, self.host)
                link = teacher_link(base, ticket.code, ticket.teacher_token)
            case TeacherRoom(code=code, token=secret, present=present):
                member = await rooms.join_teacher(code, secret, address, hooks, present)
            case JoinRoom(code=code, name=name):
                member = await rooms.join(code, name, address, hooks)
                token = member.token
            case RejoinRoom(code=code, token=secret):
                member = await rooms.rejoin(code, secret, address, hooks)
        self.member, self.available = member, True
        await room_traffic.arrive(self, token=token, teacher_link=link)

    async def _leave(self, member: Member, command: LeaveRoom) -> None:
        await self.close()
        room_traffic.left(self, member)
        self.connection.post(RoomClosed(reason="left").model_dump())

    async def _push_setup(self, member: Member, command: PushSetup) -> None:
        network = await self.network()
        if command.weights == "initial":
            network["layers"] = None
        setup = {"network": network, "weights": command.weights}
        await self.rooms.push_setup(member, setup, list(command.locked))

    async def _adopt(self, member: Member, command: Adopt) -> None:
        network = await self.rooms.adopt(member, command.student_id)
        self.session_command(LoadNetwork(network))
        name = room_traffic.student_name(self, command.student_id)
        self.connection.post(room_traffic.event("adopted", command.student_id, name))

    async def _start_challenge(self, member: Member, command: StartChallenge) -> None:
        await self.rooms.challenges.start(member, command.spec)

    async def _submit(self, member: Member, command: Submit) -> None:
        network = await self.network()
        submission = await self.rooms.challenges.submit(member, network, int(network["epoch"]))
        reply = SubmittedMessage.model_validate(
            {
                "entry": room_traffic.row(submission.entry),
                "best": room_traffic.row(submission.best),
                "rank": submission.rank,
            }
        )
        self.connection.post(reply.model_dump())

    async def _fork(self, member: Member, command: Fork) -> None:
        network = await self.rooms.fork(member)
        self.connection.post(room_traffic.room_message(self))
        self.session_command(LoadNetwork(network))

    async def _follow(self, member: Member, command: Follow) -> None:
        await self.rooms.follow(member)
        self.session_command(Pause(type="pause"))
        await room_traffic.show_teacher(self)

    # ---- background ----

    async def _relay_loop(self) -> None:
        """The presenting teacher's config, data and status, in order, to the followers; a
        spotlighted student's to the teachers."""
        while True:
            message = await self.relays.get()
            member = self.member
            if member is not None and member.role == "teacher":
                await self.guarded(self.rooms.relay(member, message))
            elif member is not None and member.role == "student":
                await self.guarded(self.rooms.relay_spotlight(member, message))

    async def _heartbeat_loop(self) -> None:
        beats = 0
        while True:
            wait = HEARTBEAT_SECONDS if self.available else RETRY_SECONDS
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), wait)
            self.wake.clear()
            ended_if_cancelled()
            member = self.member
            if member is None or member.closed is not None:
                continue
            try:
                await self.rooms.heartbeat(member)
                await self.rooms.check(member)  # reaches the store, whatever heartbeat skips
                beats += 1
                if member.role == "student" and beats % SAVE_EVERY == 0:
                    await self.rooms.save_setup(member, await self.network())
            except RoomError as problem:
                if problem.code == "rooms_unavailable":
                    self.set_available(False, problem.message)
                continue
            except TimeoutError:  # the session is slow to answer: next time
                continue
            except Exception:  # a bug here must not end the connection: say so, go on
                log.exception("room heartbeat failed")
                continue
            self.set_available(True)
