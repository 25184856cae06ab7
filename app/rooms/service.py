"""RoomService: rooms, their members and their commands, on any bus; what the socket calls.

A process's service keeps the members connected to it (`Member`), one control subscription per
room it has members in, and hands each member what the room sends it (app/rooms/core.py).
Everything shared (the roster, names, setups, the challenge, the leaderboard) lives on the bus,
so two services on one Redis behave as one server. Permissions are checked here, on every call.
"""

from __future__ import annotations

import contextlib
import math
import re
import secrets
import time

import orjson

from app.rooms import names
from app.rooms.core import MAX_END_MESSAGE, MAX_LOCKED, RoomCore, loads
from app.rooms.errors import RoomError
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

STUDENT_ID = re.compile(r"[0-9a-f]{12}")
TEACHER_MESSAGES = ("config", "data", "status")  # what followers need beside the frames


class RoomService(RoomCore):
    """The classroom's server side; one per process, all sharing the bus."""

    # ---- rooms ----

    async def create_room(self, address: str, teacher_name: str = "") -> RoomTicket:
        """A new room with a fresh code; the ticket's teacher token is the only key to it.
        `teacher_name` (may be empty) is shown to the students, checked like theirs."""
        await self._count_join(address)
        if teacher_name.strip():
            teacher_name = names.clean_name(teacher_name, self.settings.room_name_max_chars)
        token = names.new_secret()
        now = repr(self.clock()).encode()
        for _ in range(20):  # 29^6 codes: a clash is rare, twenty in a row never happens
            keys = RoomKeys(names.new_code())
            if await self.bus.hsetnx(keys.room, "created", now):
                break
        else:
            raise RoomError("rooms_unavailable", "no free room code was found; try again")
        record = {"teacher": names.digest(token).encode(), "students": b"0"}
        await self.bus.hset(keys.room, record | {"teacher_name": teacher_name.strip().encode()})
        await self.touch(keys, force=True)
        return RoomTicket(keys.code, token)

    async def join_teacher(
        self,
        code: str,
        token: str,
        address: str,
        hooks: Hooks = NO_HOOKS,
        present: bool = True,
    ) -> Member:
        """The teacher's connection (any number: the laptop presents, a projector watches)."""
        await self._count_join(address)
        keys, values = await self._open_room(code)
        if not names.matches(token, values.get("teacher", b"").decode()):
            raise RoomError("bad_token", "this link's teacher token is not this room's")
        member = Member(keys.code, "teacher", presenting=present)
        member.attach_hooks(hooks)
        member.pushed = loads(values.get("pushed"))
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
        member.pushed = loads(values.get("pushed"))
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
        entry = loads(raw)
        if entry is None or not names.matches(secret, entry["digest"]):
            raise RoomError("bad_token", "this student token is not one of this room's")
        mode, name = entry["mode"], entry["name"]
        member = Member(keys.code, mode, student_id, name, token)
        member.attach_hooks(hooks)
        member.setup = loads(await self.bus.hget(keys.setups, student_id))
        member.pushed = loads(values.get("pushed"))
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
        await self.bus.delete(keys.spotlight)  # the last student's session: nobody's to show
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
        entry: JSON | None = loads(await self.bus.hget(keys.roster, student_id))
        if entry is None:
            raise RoomError("student_not_found", f"no student {student_id!r} in room {keys.code}")
        return entry

    def spotlit(self, member: Member) -> bool:
        """Whether the room watches this student's frames now (publish_frame would send)."""
        room = self.rooms.get(member.code)
        return (
            room is not None
            and member.student_id is not None
            and (room.spotlight == member.student_id)
        )

    # ---- the teacher's session and page, relayed ----

    async def relay(self, teacher: Member, message: JSON) -> None:
        """A presenting teacher's session message (`config`, `data` or `status`): kept for
        followers who come later, and sent to the students now (followers show it), both with
        a version (`relay_version`)."""
        keys = await self.act(teacher, "relay")
        kind = str(message.get("type"))
        if kind not in TEACHER_MESSAGES or not teacher.presenting:
            return
        relayed = {"version": self.relay_version(), "message": message}
        await self.bus.hset(keys.teacher, {kind: self.dumps(relayed, "teacher's message")})
        await self.broadcast(keys, "students", {"type": "teacher_message", **relayed})

    def relay_version(self) -> int:
        """A relayed teacher message's version: this process's clock in microseconds, raised
        past the last one it gave. A follower keeps the newest of each kind: one published
        before the state it read on arriving, but delivered after, is older and dropped."""
        self.relayed = max(self.relayed + 1, time.time_ns() // 1000)
        return self.relayed

    async def keep_frame(self, teacher: Member, frame: bytes) -> None:
        """Keep the presenting teacher's newest frame for followers who come later (the caller
        keeps about one a second: a paused teacher sends none until something changes)."""
        keys = await self.act(teacher, "relay")
        if teacher.presenting:
            limit = self.settings.room_max_payload_bytes
            if len(frame) > limit:
                raise RoomError("too_large", f"the frame takes {len(frame)} bytes; at most {limit}")
            await self.bus.hset(keys.teacher, {"frame": frame})

    async def teacher_state(self, member: Member) -> tuple[list[JSON], bytes | None]:
        """The teacher session's last config, data and status, in that order, each as
        `{"version", "message"}` (`relay`), and its last kept frame: what a new follower's page
        draws first."""
        keys = await self.act(member, "teacher_state")
        stored = await self.bus.hgetall(keys.teacher)
        relayed = [orjson.loads(stored[kind]) for kind in TEACHER_MESSAGES if kind in stored]
        return relayed, stored.get("frame")

    async def relay_spotlight(self, student: Member, message: JSON) -> None:
        """A spotlighted student's session message (`config`, `data` or `status`): kept for a
        teacher connection that opens later, and sent to the teachers now (the spotlight)."""
        keys = await self.act(student, "relay_spotlight")
        kind = str(message.get("type"))
        if kind not in TEACHER_MESSAGES or not self.spotlit(student):
            return
        kept = {"student_id": student.student_id, "message": message}
        await self.bus.hset(keys.spotlight, {kind: self.dumps(kept, "student's message")})
        await self.broadcast(keys, "teachers", {"type": "spotlight_message", **kept})

    async def spotlight_state(self, teacher: Member) -> list[JSON]:
        """The spotlighted student's last config, data and status, in that order (none when
        nobody is): what a teacher connection opening the class draws first."""
        keys = await self.act(teacher, "spotlight_state")
        spotlit = self.spotlight_of(teacher)
        stored = await self.bus.hgetall(keys.spotlight)
        kept = [orjson.loads(stored[kind]) for kind in TEACHER_MESSAGES if kind in stored]
        return [entry["message"] for entry in kept if spotlit and entry["student_id"] == spotlit]

    async def redraw_spotlight(self, teacher: Member) -> None:
        """A teacher connection opened while a student is spotlighted: that student's session
        sends its picture again (a paused session sends no frame by itself)."""
        keys = await self.act(teacher, "spotlight_state")
        spotlit = self.spotlight_of(teacher)
        if spotlit:
            await self.broadcast(keys, spotlit, {"type": "spotlight_redraw", "student_id": spotlit})

    async def push_view(self, teacher: Member, fragment: str) -> None:
        """Every student's page opens `fragment` (a lesson step, a comparison), checked by the
        caller."""
        keys = await self.act(teacher, "push_view")
        await self.broadcast(keys, "students", {"type": "view_pushed", "fragment": fragment})

    # ---- for the socket layer ----

    def spotlight_of(self, member: Member) -> str | None:
        """The student the member's room spotlights now, as this process knows it."""
        room = self.rooms.get(member.code)
        return None if room is None else room.spotlight

    async def check(self, member: Member) -> None:
        """A call that always reaches the store: `rooms_unavailable` when it is away, and also
        while the member is not back in it (Redis restarted empty and the upkeep has not yet
        written the room back): until then a student's fork or follow would find nobody."""
        keys = RoomKeys(member.code)
        if member.student_id is not None:
            present = await self.bus.hget(keys.roster, member.student_id)
        else:
            present = await self.bus.hget(keys.room, "created")
        if present is None:
            raise RoomError("rooms_unavailable", "the class is coming back after an outage")

    async def check_open(self, code: str) -> None:
        """Nothing when the room is open; else the error saying why not (no join counted)."""
        await self._open_room(code)
