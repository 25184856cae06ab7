"""Upkeep: rooms left idle expire; rooms Redis forgot (a restart without its data) come back."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import orjson

from app.rooms import names
from app.rooms.errors import RoomError
from app.rooms.models import Member, RoomKeys

if TYPE_CHECKING:
    from app.rooms.core import LocalRoom, RoomCore

log = logging.getLogger("app.rooms")
EXPIRED = b'{"reason":"expired","message":""}'  # the record of a room that expired


class Upkeep:
    """The service's background chores, also callable by hand (the tests drive the clock)."""

    def __init__(self, service: RoomCore) -> None:
        self.service = service
        self.restores = 0  # times this process wrote its rooms back after Redis returned

    async def sweep(self) -> list[str]:
        """Close the rooms known here that sat idle too long; returns their codes.

        `start()` runs it every 30 s; it also detaches members of rooms that closed
        while this process missed the news (Redis was away).
        """
        expired = []
        for code in sorted(set(self.service.rooms) | set(self.service.touched)):
            keys = RoomKeys(code)
            try:
                values = await self.service.bus.hgetall(keys.room)
                room = self.service.rooms.get(code)
                if "created" not in values and room is not None:  # Redis lost it: members here
                    await self.restore_room(room)
                elif "created" not in values or "ended" in values:
                    self.closed_locally(code, values.get("ended", EXPIRED), announce=True)
                elif (
                    self.service.clock() - float(values["last_active"])
                    >= self.service.settings.room_idle_seconds
                ):
                    await self.service.close_room(keys, "expired", "")
                    expired.append(code)
            except RoomError as problem:
                log.info("rooms: sweep of %s skipped: %s", code, problem.message)
        return expired

    async def sweep_every(self, seconds: float) -> None:
        while True:
            await asyncio.sleep(seconds)
            try:
                await self.sweep()
            except Exception:
                log.exception("rooms: sweep failed")  # the next one may do better

    def closed_locally(self, code: str, ended: bytes, announce: bool) -> None:
        """Detach the room's local members; `announce`: tell them first (they missed it)."""
        self.service.touched.pop(code, None)
        room = self.service.rooms.get(code)
        error, record = closed_error(ended), orjson.loads(ended)
        event = {"type": "room_closed", "reason": record["reason"], "message": record["message"]}
        for member in list(room.members if room else ()):
            if announce:
                member.events.put(event)
            self.service.spawn(self.service.detach(member, error))

    async def restore(self) -> None:
        """Redis is back, perhaps empty (restarted without its data): write back what this
        process knows of its rooms (record, teacher's digest, its students), so the class goes on.
        """
        for room in list(self.service.rooms.values()):
            await self.restore_room(room)
        self.restores += 1

    async def restore_room(self, room: LocalRoom) -> None:
        """Write the room back, as far as this process knows it (a no-op if Redis has it)."""
        keys, now = room.keys, repr(self.service.clock()).encode()
        if await self.service.bus.hsetnx(keys.room, "created", now):
            log.warning("rooms: room %s was lost by Redis; restoring it", keys.code)
            values = {"last_active": now, "spotlight": (room.spotlight or "").encode()}
            await self.service.bus.hset(keys.room, values)
        if room.teacher_digest is not None:
            await self.service.bus.hsetnx(keys.room, "teacher", room.teacher_digest)
        for member in room.members:
            if member.student_id is not None and member.token and member.name:
                await self._restore_student(keys, member)
        await self.service.touch(keys, force=True)

    async def restore_with_retries(self, attempts: int = 6) -> None:
        for attempt in range(attempts):
            try:
                await self.restore()
                return
            except RoomError:  # Redis not quite back: try again shortly
                await asyncio.sleep(0.1 * 2**attempt)

    async def _restore_student(self, keys: RoomKeys, member: Member) -> None:
        assert member.student_id is not None and member.token and member.name
        secret = member.token.partition(".")[2]
        digest, joined = names.digest(secret), self.service.clock()
        entry = {"name": member.name, "digest": digest, "joined": joined, "mode": member.role}
        if await self.service.bus.hsetnx(keys.roster, member.student_id, orjson.dumps(entry)):
            await self.service.bus.hsetnx(
                keys.names, names.name_key(member.name), member.student_id.encode()
            )
            await self.service.bus.hincrby(keys.room, "students", 1)


def closed_error(ended: bytes) -> RoomError:
    """The error for a closed room, from its `ended` record."""
    record = orjson.loads(ended)
    if record["reason"] == "ended":
        message = record["message"] or "the teacher ended the class"
        return RoomError("room_ended", message)
    return RoomError("room_expired", "the room was left idle and has closed; ask for a new code")
