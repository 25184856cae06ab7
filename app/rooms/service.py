"""RoomService: rooms, their members and their commands, on any bus; what the socket calls.

A process's service keeps the members connected to it (`Member`), one control subscription per
room it has members in, and hands each member what the room sends it. Everything shared (the
roster, names, setups, the challenge, the leaderboard) lives on the bus, so two services on one
Redis behave as one server. Permissions are checked here, on every call.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import re
import secrets
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

import orjson

from app.config import Settings
from app.rooms import names
from app.rooms.bus import Bus, Subscription
from app.rooms.challenge import Challenges, Scorer
from app.rooms.errors import RoomError
from app.rooms.gallery import Gallery
from app.rooms.models import (
    JSON,
    NO_HOOKS,
    Hooks,
    Member,
    Role,
    RoomKeys,
    RoomTicket,
    StudentInfo,
    check_allowed,
)
from app.rooms.requests import Requests
from app.rooms.upkeep import EXPIRED, Upkeep, closed_error

log = logging.getLogger("app.rooms")
Clock = Callable[[], float]
STUDENT_ID = re.compile(r"[0-9a-f]{12}")
MAX_LOCKED = 100  # controls a pushed setup may lock
MAX_END_MESSAGE = 300  # characters


@dataclass(eq=False)
class LocalRoom:
    """A room as this process sees it: its members here and its subscriptions."""

    keys: RoomKeys
    members: list[Member] = field(default_factory=list)
    control: Subscription | None = None
    gallery: Subscription | None = None
    spotlight: str | None = None
    teacher_digest: bytes | None = None  # to write the room back if Redis lost it


class RoomService:
    """The classroom's server side; one per process, all sharing the bus."""

    def __init__(
        self,
        bus: Bus,
        settings: Settings,
        *,
        scorer: Scorer | None = None,
        clock: Clock = time.time,
    ) -> None:
        self.bus, self.settings, self.clock = bus, settings, clock
        self.rooms: dict[str, LocalRoom] = {}
        self.gallery = Gallery(self)
        self.challenges = Challenges(self, scorer)
        self.requests = Requests(self)
        self.upkeep = Upkeep(self)
        self.touched: dict[str, float] = {}  # code -> clock of this process's last touch
        self._tasks: set[asyncio.Task[None]] = set()
        idle = settings.room_idle_seconds
        self.touch_interval = min(60.0, idle / 4)  # last_active is this fresh, at worst
        self.key_ttl = math.ceil(idle + settings.room_forget_seconds)

    async def start(self, sweep_seconds: float | None = 30.0) -> None:
        """Connect, and sweep idle rooms every `sweep_seconds` (None: only when `sweep()` is
        called, as the tests do with their own clock)."""
        await self.bus.start()
        self.bus.on_reconnect(lambda: self.spawn(self.upkeep.restore_with_retries()))
        await self.requests.start()
        if sweep_seconds is not None:
            self.spawn(self.upkeep.sweep_every(sweep_seconds))

    async def sweep(self) -> list[str]:
        """Close the idle rooms known here now (start() does it every 30 s); their codes."""
        return await self.upkeep.sweep()

    async def close(self) -> None:
        """Detach every local member (their sessions go on) and stop; closes the bus too."""
        for room in list(self.rooms.values()):
            for member in list(room.members):
                await self.detach(member, RoomError("rooms_unavailable", "the server is stopping"))
        for task in list(self._tasks):
            task.cancel()
        await self.bus.close()

    # ---- helpers the features share ----

    def dumps(self, value: Any, what: str) -> bytes:
        """JSON bytes of `value`, or `too_large` past room_max_payload_bytes."""
        data = orjson.dumps(value)
        limit = self.settings.room_max_payload_bytes
        if len(data) > limit:
            raise RoomError("too_large", f"the {what} takes {len(data)} bytes; at most {limit}")
        return data

    async def act(self, member: Member, command: str) -> RoomKeys:
        """Check that `member` may send `command` now; counts as activity in its room."""
        if member.closed is not None:
            raise RoomError(member.closed.code, member.closed.message)
        check_allowed(member.role, command)
        keys = RoomKeys(member.code)
        await self.touch(keys)
        return keys

    async def broadcast(self, keys: RoomKeys, audience: str, event: JSON) -> None:
        """Send `event` to the room's members in `audience` (all, teachers, students, an id)."""
        message = {"kind": "event", "to": audience, "event": event}
        await self.bus.publish(keys.control, self.dumps(message, "event"))

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        """Run `work` in the background; a failure is logged, never raised at anyone."""

        async def quietly() -> None:
            try:
                await work
            except RoomError as problem:
                log.info("rooms: background work refused: %s", problem.message)
            except Exception:
                log.exception("rooms: background work failed")

        task = asyncio.get_running_loop().create_task(quietly())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def touch(self, keys: RoomKeys, force: bool = False) -> None:
        now = self.clock()
        if not force and now - self.touched.get(keys.code, -math.inf) < self.touch_interval:
            return
        self.touched[keys.code] = now
        await self.bus.hset(keys.room, {"last_active": repr(now).encode()})
        await self.bus.expire(keys.all, self.key_ttl)

    async def _count_join(self, address: str) -> None:
        window = int(self.clock() // 60)
        count = await self.bus.incr(f"joins:{address}:{window}", 120)
        limit = self.settings.room_joins_per_minute
        if count > limit:
            raise RoomError(
                "too_many_joins",
                f"more than {limit} join attempts from {address} this minute; wait a minute",
            )

    async def _open_room(self, code: str) -> tuple[RoomKeys, dict[str, bytes]]:
        """The room's record, if it is open; else the error that says why not."""
        keys = RoomKeys(names.check_code(code))
        values = await self.bus.hgetall(keys.room)
        if "created" not in values:
            raise RoomError("room_not_found", f"no room has the code {keys.code}")
        if "ended" in values:
            raise closed_error(values["ended"])
        if self.clock() - float(values["last_active"]) >= self.settings.room_idle_seconds:
            await self.close_room(keys, "expired", "")
            raise closed_error(EXPIRED)
        return keys, values

    # ---- rooms ----

    async def create_room(self, address: str) -> RoomTicket:
        """A new room with a fresh code; the ticket's teacher token is the only key to it."""
        await self._count_join(address)
        token = names.new_secret()
        now = repr(self.clock()).encode()
        for _ in range(20):  # 29^6 codes: a clash is rare, twenty in a row never happens
            keys = RoomKeys(names.new_code())
            if await self.bus.hsetnx(keys.room, "created", now):
                break
        else:
            raise RoomError("rooms_unavailable", "no free room code was found; try again")
        await self.bus.hset(keys.room, {"teacher": names.digest(token).encode(), "students": b"0"})
        await self.touch(keys, force=True)
        return RoomTicket(keys.code, token)

    async def join_teacher(
        self,
        code: str,
        token: str,
        address: str,
        hooks: Hooks = NO_HOOKS,
    ) -> Member:
        """The teacher's connection (any number: the laptop and the projector)."""
        await self._count_join(address)
        keys, values = await self._open_room(code)
        if not names.matches(token, values.get("teacher", b"").decode()):
            raise RoomError("bad_token", "this link's teacher token is not this room's")
        member = Member(keys.code, "teacher")
        member.attach_hooks(hooks)
        member.pushed = _loads(values.get("pushed"))
        await self._admit(member, values)
        return member

    async def join(
        self,
        code: str,
        name: str,
        address: str,
        hooks: Hooks = NO_HOOKS,
    ) -> Member:
        """A new student, following the teacher; `member.token` lets them rejoin as themselves."""
        await self._count_join(address)
        keys, values = await self._open_room(code)
        name = names.clean_name(name, self.settings.room_name_max_chars)
        student_id, secret = await self._reserve(keys, name), names.new_secret()
        token = f"{student_id}.{secret}"
        member = Member(keys.code, "follower", student_id, name, token)
        member.attach_hooks(hooks)
        member.pushed = _loads(values.get("pushed"))
        entry = {"name": name, "digest": names.digest(secret), "joined": self.clock()}
        try:
            await self.bus.hset(
                keys.roster, {student_id: orjson.dumps(entry | {"mode": "follower"})}
            )
            await self._admit(member, values)
        except RoomError:
            await self._release(keys, name, student_id)
            raise
        return member

    async def _reserve(self, keys: RoomKeys, name: str) -> str:
        """A seat (HINCRBY) and the name (HSETNX), each atomic: a new student id, or the error."""
        limit = self.settings.room_max_members
        if await self.bus.hincrby(keys.room, "students", 1) > limit:
            await self.bus.hincrby(keys.room, "students", -1)
            raise RoomError("room_full", f"the room holds {limit} students, its limit")
        student_id = secrets.token_hex(6)
        if not await self.bus.hsetnx(keys.names, names.name_key(name), student_id.encode()):
            await self.bus.hincrby(keys.room, "students", -1)
            raise RoomError("name_taken", f"someone in the room is already called {name!r}")
        return student_id

    async def _release(self, keys: RoomKeys, name: str, student_id: str) -> None:
        """Undo a join that failed halfway (Redis went away), as far as the bus lets us."""
        with contextlib.suppress(RoomError):
            await self.bus.hdel(keys.roster, student_id)
            await self.bus.hdel(keys.names, names.name_key(name))
            await self.bus.hincrby(keys.room, "students", -1)

    async def _admit(self, member: Member, values: dict[str, bytes]) -> None:
        """Attach the member here and tell the room; undone if the bus fails halfway."""
        keys = RoomKeys(member.code)
        try:
            await self._attach(member, values)
            await self.touch(keys, force=member.role != "teacher")
            if member.student_id is not None:
                event = {"type": "student_joined", **self._info(member)}
                await self.broadcast(keys, "teachers", event)
        except RoomError as problem:
            await self.detach(member, problem)
            raise

    async def rejoin(
        self,
        code: str,
        token: str,
        address: str,
        hooks: Hooks = NO_HOOKS,
    ) -> Member:
        """A student back with their token: same id, name, mode and saved setup."""
        await self._count_join(address)
        keys, values = await self._open_room(code)
        student_id, _, secret = token.partition(".")
        raw = (
            await self.bus.hget(keys.roster, student_id)
            if STUDENT_ID.fullmatch(student_id)
            else None
        )
        entry = _loads(raw)
        if entry is None or not names.matches(secret, entry["digest"]):
            raise RoomError("bad_token", "this student token is not one of this room's")
        mode, name = entry["mode"], entry["name"]
        member = Member(keys.code, mode, student_id, name, token)
        member.attach_hooks(hooks)
        member.setup = _loads(await self.bus.hget(keys.setups, student_id))
        member.pushed = _loads(values.get("pushed"))
        await self._admit(member, values)
        return member

    async def leave(self, member: Member) -> None:
        """The member's connection closed; a student keeps their name and setup for a rejoin."""
        if member.closed is not None:
            return
        keys = RoomKeys(member.code)
        await self.detach(member, RoomError("not_allowed", "you left the room"))
        if member.student_id is not None:
            with contextlib.suppress(RoomError):  # the room may be gone: nobody to tell
                await self.broadcast(
                    keys, "teachers", {"type": "student_left", **self._info(member)}
                )

    async def heartbeat(self, member: Member) -> None:
        """A connected member keeps the room from expiring (cheap: a touch a minute at most)."""
        await self.act(member, "heartbeat")

    async def roster(self, teacher: Member) -> list[StudentInfo]:
        keys = await self.act(teacher, "roster")
        entries = await self.bus.hgetall(keys.roster)
        students = [
            StudentInfo(sid, entry["name"], entry["mode"], entry["joined"])
            for sid, entry in ((sid, orjson.loads(raw)) for sid, raw in entries.items())
        ]
        return sorted(students, key=lambda info: (info.joined, info.name.casefold()))

    async def save_setup(self, member: Member, setup: JSON) -> None:
        """Keep the student's setup (opaque JSON) for their next rejoin."""
        keys = await self.act(member, "save_setup")
        assert member.student_id is not None
        await self.bus.hset(keys.setups, {member.student_id: self.dumps(setup, "setup")})

    async def push_setup(self, teacher: Member, setup: JSON, locked: list[str]) -> None:
        """Every student's own session gets `setup`, with the `locked` controls hidden and off."""
        keys = await self.act(teacher, "push_setup")
        if len(locked) > MAX_LOCKED or not all(
            isinstance(name, str) and 0 < len(name) <= 60 for name in locked
        ):
            raise ValueError(f"locked must be at most {MAX_LOCKED} control names, got {locked!r}")
        pushed = {"setup": setup, "locked": locked}
        await self.bus.hset(keys.room, {"pushed": self.dumps(pushed, "setup")})
        await self.broadcast(keys, "students", {"type": "setup_pushed", **pushed})

    async def end_class(self, teacher: Member, message: str = "") -> None:
        """Close the room for everyone; each member's last event is `room_closed` with `message`."""
        keys = await self.act(teacher, "end_class")
        text = " ".join(str(message).split())[:MAX_END_MESSAGE]
        await self.close_room(keys, "ended", text)

    async def close_room(self, keys: RoomKeys, reason: str, message: str) -> None:
        ended = orjson.dumps({"reason": reason, "message": message, "at": self.clock()})
        if await self.bus.hsetnx(keys.room, "ended", ended):  # one process announces it
            event = {"type": "room_closed", "reason": reason, "message": message}
            await self.broadcast(keys, "all", event)
            await self.bus.expire(keys.all, math.ceil(self.settings.room_forget_seconds))

    # ---- local members ----

    def _info(self, member: Member) -> JSON:
        return {"student_id": member.student_id, "name": member.name, "mode": member.role}

    async def _attach(self, member: Member, values: dict[str, bytes]) -> None:
        room = self.rooms.get(member.code)
        if room is None:
            room = self.rooms[member.code] = LocalRoom(RoomKeys(member.code))
            room.control = await self.bus.subscribe(
                room.keys.control, lambda payload: self._on_control(room, payload)
            )
        room.spotlight = values.get("spotlight", b"").decode() or None
        room.teacher_digest = values.get("teacher", room.teacher_digest)
        room.members.append(member)
        if member.role == "teacher" and room.gallery is None:
            room.gallery = await self.bus.subscribe(
                room.keys.gallery_updates, lambda payload: self.gallery.deliver(room, payload)
            )
        await self.watch(room, member)

    async def watch(self, room: LocalRoom, member: Member) -> None:
        """Point the member's frames at what its role watches (the teacher, or the spotlight)."""
        if member.frames_subscription is not None:
            await self.bus.unsubscribe(member.frames_subscription)
            member.frames_subscription = None
        channel = None
        if member.role == "follower":
            channel = room.keys.teacher_frames
        elif member.role == "teacher" and room.spotlight:
            channel = room.keys.student_frames(room.spotlight)
        if channel is not None and member.closed is None:
            member.frames_subscription = await self.bus.subscribe(channel, member.frames.put)

    async def detach(self, member: Member, reason: RoomError) -> None:
        if member.closed is None:
            member.closed = reason
        room = self.rooms.get(member.code)
        if room is None or member not in room.members:
            return
        room.members.remove(member)
        if member.student_id is not None:
            self.gallery.forget(member.student_id)
        await self.watch(room, member)  # closed: unsubscribes only
        subscriptions: list[Subscription | None] = []
        if room.gallery and not any(other.role == "teacher" for other in room.members):
            subscriptions.append(room.gallery)
            room.gallery = None
        if not room.members:
            self.rooms.pop(member.code, None)
            subscriptions.append(room.control)
        for subscription in subscriptions:
            if subscription is not None:
                await self.bus.unsubscribe(subscription)

    def _on_control(self, room: LocalRoom, payload: bytes) -> None:
        message = orjson.loads(payload)
        if message["kind"] == "request":
            self.requests.on_request(room, message)
            return
        event, audience = message["event"], message["to"]
        if event["type"] == "spotlight":
            room.spotlight = event["student_id"]
            for member in room.members:
                if member.role == "teacher":
                    self.spawn(self.watch(room, member))
        for member in list(room.members):
            if member.matches(audience):
                member.events.put(event)
        if event["type"] == "room_closed":
            self.upkeep.closed_locally(room.keys.code, orjson.dumps(event), announce=False)

    # ---- frames, spotlight, adopt, fork / follow ----

    def publish_frame(self, member: Member, frame: bytes) -> bool:
        """Send a frame (bytes, encoded once) to whoever watches `member`; never waits.

        The teacher's go to every follower; a student's only while spotlighted (else it costs
        nothing). True when it went out.
        """
        if member.closed is not None:
            return False
        check_allowed(member.role, "publish_frame")
        keys = RoomKeys(member.code)
        if member.role == "teacher":
            self.bus.offer(keys.teacher_frames, frame)
        else:
            room = self.rooms.get(member.code)
            if room is None or member.student_id is None or room.spotlight != member.student_id:
                return False
            self.bus.offer(keys.student_frames(member.student_id), frame)
        if self.clock() - self.touched.get(keys.code, -math.inf) >= self.touch_interval:
            self.spawn(self.touch(keys))
        return True

    async def spotlight(self, teacher: Member, student_id: str | None) -> None:
        """The teacher's frames come from this student's session (None: nobody's)."""
        keys = await self.act(teacher, "spotlight")
        name = None
        if student_id is not None:
            name = (await self._student(keys, student_id))["name"]
        await self.bus.hset(keys.room, {"spotlight": (student_id or "").encode()})
        event = {"type": "spotlight", "student_id": student_id, "name": name}
        await self.broadcast(keys, "all", event)

    async def adopt(self, teacher: Member, student_id: str) -> JSON:
        """The student's current network, from whichever process holds their session."""
        keys = await self.act(teacher, "adopt")
        entry = await self._student(keys, student_id)
        return await self.requests.ask(keys, student_id, f"{entry['name']}'s session")

    async def fork(self, student: Member) -> JSON:
        """'Try it yourself': the teacher's current setup and weights, for the student's session."""
        keys = await self.act(student, "fork")
        network = await self.requests.ask(keys, "teacher", "the teacher's session")
        await self._set_mode(keys, student, "student")
        return network

    async def follow(self, student: Member) -> None:
        """Back to watching the teacher."""
        keys = await self.act(student, "follow")
        await self._set_mode(keys, student, "follower")

    async def _set_mode(self, keys: RoomKeys, student: Member, mode: Role) -> None:
        assert student.student_id is not None
        entry = await self._student(keys, student.student_id)
        await self.bus.hset(keys.roster, {student.student_id: orjson.dumps(entry | {"mode": mode})})
        student.role = mode
        room = self.rooms.get(keys.code)
        if room is not None:
            await self.watch(room, student)
        await self.broadcast(keys, "teachers", {"type": "student_mode", **self._info(student)})

    async def _student(self, keys: RoomKeys, student_id: str) -> JSON:
        entry: JSON | None = _loads(await self.bus.hget(keys.roster, student_id))
        if entry is None:
            raise RoomError("student_not_found", f"no student {student_id!r} in room {keys.code}")
        return entry


def _loads(raw: bytes | None) -> Any:
    return None if raw is None else orjson.loads(raw)
