"""RoomCore: what every room feature stands on: the bus, the members connected here, activity.

A process's service keeps the members connected to it (`Member`), one control subscription per
room it has members in, and hands each member what the room sends it. Everything shared (the
roster, names, setups, the challenge, the leaderboard) lives on the bus, so two services on one
Redis behave as one server. Permissions are checked here, on every call.
"""

from __future__ import annotations

import asyncio
import logging
import math
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
    Member,
    RoomKeys,
    check_allowed,
)
from app.rooms.requests import Requests
from app.rooms.upkeep import EXPIRED, Upkeep, closed_error

log = logging.getLogger("app.rooms")
Clock = Callable[[], float]
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


class RoomCore:
    """The process's rooms as seen here, and the helpers the features share (RoomService)."""

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
        self.relayed = 0  # the last version this process gave a relayed teacher message
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

        def done(task: asyncio.Task[None]) -> None:
            self._tasks.discard(task)
            work.close()  # a no-op once run; cancelled before its start, it was never awaited

        task = asyncio.get_running_loop().create_task(quietly())
        self._tasks.add(task)
        task.add_done_callback(done)

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
        member.teacher_name = values.get("teacher_name", b"").decode()
        room.teacher_digest = values.get("teacher", room.teacher_digest)
        room.members.append(member)
        if member.role == "teacher" and room.gallery is None:
            room.gallery = await self.bus.subscribe(
                room.keys.gallery_updates, lambda payload: self.gallery.deliver(room, payload)
            )
        await self.watch(room, member)

    async def watch(self, room: LocalRoom, member: Member) -> None:
        """Point the member's frames at what its role watches (the teacher, or the spotlight)."""
        subscription, member.frames_subscription = member.frames_subscription, None
        if subscription is not None:  # no longer the member's at once; the bus lets go after
            await self.bus.unsubscribe(subscription)
        channel = None
        if member.role == "follower":
            channel = room.keys.teacher_frames
        elif member.role == "teacher" and room.spotlight:
            channel = room.keys.student_frames(room.spotlight)
        elif member.role == "teacher" and not member.presenting:  # a projector
            channel = room.keys.teacher_frames
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


def loads(raw: bytes | None) -> Any:
    return None if raw is None else orjson.loads(raw)
