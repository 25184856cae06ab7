"""A room member's traffic: the room's deliveries (events, frames, gallery tiles) as messages
for its page, and its session's turns as the room gets them (docs/protocol.md, "Rooms")."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

import orjson

from app.room_messages import (
    FRAME_SPOTLIGHT,
    FRAME_TEACHER,
    ChallengeMessage,
    GalleryMessage,
    LeaderboardMessage,
    RoomClosed,
    RoomEvent,
    RoomMessage,
    ViewMessage,
)
from app.rooms import GalleryEntry, LeaderboardEntry, Member
from app.rooms.gallery import GALLERY_SORTS
from app.rooms.service import TEACHER_MESSAGES
from app.session_room import LoadNetwork, Redraw, RoomOnly, Unlock
from app.web import spotlight_traffic
from app.web.room_share import share

if TYPE_CHECKING:
    from app.web.classroom import Classroom

JSON = dict[str, Any]
# The room commands a page may send, as the service's permission names them.
CLIENT_COMMANDS = (
    "push_setup", "push_view", "spotlight", "adopt", "start_challenge", "reset_leaderboard",
    "end_class", "submit", "fork", "follow",
)  # fmt: skip
KEEP_FRAME_SECONDS = 1.0  # a presenting teacher's frame kept for late followers, at most this often


def event(
    name: str,
    student_id: str | None = None,
    student_name: str | None = None,
    mode: str | None = None,
    message: str = "",
) -> JSON:
    fields = {"student_id": student_id, "name": student_name, "mode": mode, "message": message}
    return RoomEvent.model_validate({"event": name, **fields}).model_dump()


def row(entry: LeaderboardEntry | JSON) -> JSON:
    """A leaderboard entry as its message row."""
    if isinstance(entry, LeaderboardEntry):
        return orjson.loads(orjson.dumps(entry))  # type: ignore[no-any-return]
    return dict(entry)


def tile(entry: GalleryEntry) -> JSON:
    fields = {key: getattr(entry, key) for key in GalleryEntry.__dataclass_fields__}
    return fields | {"thumbnail": orjson.loads(entry.thumbnail), "layers": list(entry.layers)}


def student_name(classroom: Classroom, student_id: str) -> str | None:
    return classroom.names.get(student_id)


def room_message(
    classroom: Classroom, token: str | None = None, teacher_link: str | None = None
) -> JSON:
    member = classroom.member
    assert member is not None
    if classroom.share is None:  # a QR code takes a few milliseconds: once per connection
        classroom.share = share(classroom.rooms.settings, classroom.host, member.code)
    commands = [command for command in CLIENT_COMMANDS if command in member.commands]
    return RoomMessage.model_validate(
        {
            "code": member.code,
            "role": member.role,
            "name": member.name,
            "student_id": member.student_id,
            "token": token,
            "teacher_link": teacher_link,
            "teacher": member.teacher_name,
            "presenting": member.role == "teacher" and member.presenting,
            "commands": [*commands, "leave_room"],
            "locked": list(classroom.locked),
            "share": classroom.share,
            "challenge": classroom.challenge,
            "spotlight": classroom.spotlight,
            "server_time": classroom.rooms.clock(),
        }
    ).model_dump()


def challenge_message(classroom: Classroom) -> JSON:
    message = ChallengeMessage.model_validate(
        {"challenge": classroom.challenge, "server_time": classroom.rooms.clock()}
    )
    return message.model_dump()


async def arrive(
    classroom: Classroom, token: str | None = None, teacher_link: str | None = None
) -> None:
    """Just joined: the page's `room`, then what its role shows first."""
    rooms, member = classroom.rooms, classroom.member
    assert member is not None
    current = await rooms.challenges.current(member)
    classroom.challenge = None if current is None else current.to_dict()
    pushed = member.pushed
    if pushed is not None and member.role != "teacher":
        classroom.locked = tuple(pushed["locked"])
        setup = pushed["setup"]
        weights = setup["weights"] == "current"
        classroom.session_command(LoadNetwork(setup["network"], weights, classroom.locked))
    if member.role == "teacher" and member.presenting:
        classroom.session_command(Redraw())  # its config, data and status, for the followers
    roster = await rooms.roster(member) if member.role == "teacher" else []
    for student in roster:
        classroom.names[student.student_id] = student.name
    spotlit = rooms.spotlight_of(member)
    if spotlit is not None:
        classroom.spotlight = {"student_id": spotlit, "name": classroom.names.get(spotlit, "")}
    if member.role == "follower":
        await show_teacher(classroom, token)
    else:
        classroom.connection.post(room_message(classroom, token, teacher_link))
    for student in roster:  # a teacher (re)opening the class learns who is in it already
        classroom.connection.post(
            event("student_joined", student.student_id, student.name, student.mode)
        )
    if member.role == "student" and member.setup is not None:
        classroom.session_command(LoadNetwork(member.setup))
    if member.role == "teacher":
        wall = await rooms.gallery.wall(member)
        gallery = GalleryMessage.model_validate({"full": True, "entries": list(map(tile, wall))})
        classroom.connection.post(gallery.model_dump())
    if member.role == "teacher" and spotlit is not None:
        await spotlight_traffic.arrive(classroom, member)
    spotlight_traffic.turned(classroom, member, spotlit)  # a spotlighted student rejoining
    if classroom.challenge is not None:
        entries = await rooms.challenges.leaderboard(member)
        post_leaderboard(classroom, [row(entry) for entry in entries])


async def show_teacher(classroom: Classroom, token: str | None = None) -> None:
    """A follower's page: `room`, then the teacher's config, data and status (a fresh frame
    follows: the teacher's connection owes one when a follower arrives)."""
    member = classroom.member
    assert member is not None
    classroom.connection.post(room_message(classroom, token))
    # The connection's send loop may show relayed messages while the state is read: a kept
    # one is shown only when newer than those (the same one twice, or an older one after a
    # newer one, would reach the page otherwise).
    classroom.teacher_versions = {}
    relayed, frame = await classroom.rooms.teacher_state(member)
    for entry in relayed:
        if _newer(classroom, entry["message"]["type"], entry["version"]):
            classroom.connection.post(entry["message"])
    if frame is not None:
        member.frames.put(frame)  # unless a newer one came meanwhile: the newest is kept


def _newer(classroom: Classroom, of: str, version: int) -> bool:
    """Whether a teacher's message of kind `of` at `version` is newer than the one this
    follower's page shows; if so it is the one shown now (older ones, crossing it, dropped)."""
    if version <= classroom.teacher_versions.get(of, 0):
        return False
    classroom.teacher_versions[of] = version
    return True


def leaderboard_message(classroom: Classroom, entries: list[JSON]) -> JSON:
    spec = (classroom.challenge or {}).get("spec", {})
    rank_by = spec.get("rank_by", "test_loss")
    return LeaderboardMessage.model_validate({"rank_by": rank_by, "entries": entries}).model_dump()


def post_leaderboard(classroom: Classroom, entries: list[JSON]) -> None:
    classroom.connection.post(leaderboard_message(classroom, entries))


def _with_source(frame: bytes, source: int) -> bytes:
    """The same frame with its source in the uint16 at offset 6 (one copy, sent to all)."""
    marked = bytearray(frame)
    marked[6:8] = source.to_bytes(2, "little")
    return bytes(marked)


def after_turn(
    classroom: Classroom, messages: list[JSON], frame: bytes | None
) -> tuple[list[JSON], bytes | None]:
    """What the page gets of its session's turn, and what the room gets: a follower's page
    nothing (it shows the teacher's), a presenting teacher's followers its frames and edits,
    a spotlighted student's teachers its frames; a student's tile about once a second."""
    member, rooms = classroom.member, classroom.rooms
    page = [message for message in messages if not isinstance(message, RoomOnly)]
    if member is None or member.closed is not None:
        return page, frame
    if member.role == "follower":
        return [], None
    if member.role == "teacher":
        if member.presenting:
            for message in messages:
                if message.get("type") in TEACHER_MESSAGES and not classroom.relays.full():
                    classroom.relays.put_nowait(message)
            if frame is not None:
                marked = _with_source(frame, FRAME_TEACHER)
                rooms.publish_frame(member, marked)
                now = time.monotonic()
                if now - classroom.frame_kept >= KEEP_FRAME_SECONDS:
                    classroom.frame_kept = now
                    spawn(classroom, classroom.guarded(rooms.keep_frame(member, marked)))
        return page, frame
    if rooms.spotlit(member):
        spotlight_traffic.relay(classroom, messages)
        if frame is not None:
            rooms.publish_frame(member, _with_source(frame, FRAME_SPOTLIGHT))
    if classroom.available and not classroom.tile_pending and rooms.gallery.due(member):
        classroom.tile_pending = True
        fields = classroom.connection.session.tile()
        spawn(classroom, _send_tile(classroom, member, fields))
    return page, frame


async def _send_tile(classroom: Classroom, member: Member, fields: JSON) -> None:
    try:
        await classroom.guarded(_update_gallery(classroom, member, fields))
    finally:
        classroom.tile_pending = False


async def _update_gallery(classroom: Classroom, member: Member, fields: JSON) -> None:
    await classroom.rooms.gallery.update(member, **fields)


def spawn(classroom: Classroom, work: Any) -> None:
    task = asyncio.get_running_loop().create_task(work)
    classroom.tasks.add(task)  # held until done (the loop keeps only a weak reference)
    task.add_done_callback(classroom.tasks.discard)


def pump(classroom: Classroom) -> bytes | None:
    """The room's deliveries as the page's messages; the followed or spotlight frame, if any."""
    member = classroom.member
    if member is None:
        return None
    for delivered in member.events.take_all():
        _on_event(classroom, member, delivered)
        if classroom.member is not member:  # the room closed
            return None
    post = classroom.connection.post
    if member.role == "teacher":
        tiles = list(member.gallery.take_all().values())
        for entry in tiles:
            classroom.names[entry.student_id] = entry.name
        if tiles:
            tiles.sort(key=GALLERY_SORTS["test_loss"])
            update = {"full": False, "entries": list(map(tile, tiles))}
            post(GalleryMessage.model_validate(update).model_dump())
    frame = member.frames.take()
    return frame if member.role in ("follower", "teacher") else None


def _on_event(classroom: Classroom, member: Member, delivered: JSON) -> None:
    post, kind = classroom.connection.post, delivered["type"]
    if kind in ("student_joined", "student_left", "student_mode"):
        classroom.names[delivered["student_id"]] = delivered["name"]
        post(event(kind, delivered["student_id"], delivered["name"], delivered["mode"]))
        if member.presenting and delivered["mode"] == "follower" and kind != "student_left":
            classroom.connection.refresh()  # the new follower's first frame
    elif kind == "setup_pushed":
        classroom.locked = tuple(delivered["locked"])
        setup = delivered["setup"]
        weights = setup["weights"] == "current"
        classroom.session_command(LoadNetwork(setup["network"], weights, classroom.locked))
        post(event("setup_pushed"))
        post(room_message(classroom))
    elif kind == "view_pushed":
        post(ViewMessage(fragment=delivered["fragment"]).model_dump())
    elif kind == "teacher_message":
        of, version = delivered["message"]["type"], delivered["version"]
        if member.role == "follower" and _newer(classroom, of, version):
            if "text" not in delivered:  # encoded once for this process's members (one event)
                delivered["text"] = orjson.dumps(delivered["message"]).decode()
            post(delivered["text"])
    elif kind == "spotlight":
        student_id = delivered["student_id"]
        classroom.spotlight = None if student_id is None else {
            "student_id": student_id, "name": delivered["name"] or ""
        }  # fmt: skip
        post(event("spotlight", student_id, delivered["name"]))
        spotlight_traffic.turned(classroom, member, student_id)
    elif kind == "spotlight_redraw":  # another teacher page opened: it wants this picture
        spotlight_traffic.turned(classroom, member, delivered["student_id"])
    elif kind == "spotlight_message":
        if member.role == "teacher" and spotlight_traffic.shown(classroom, delivered["student_id"]):
            post(spotlight_traffic.text(delivered))
    elif kind == "challenge_started":
        classroom.challenge = delivered["challenge"]
        post(challenge_message(classroom))
    elif kind == "leaderboard":  # encoded once for this process's members, as above
        if delivered["version"] < classroom.board_version:
            return  # announced before a newer board that came first (app/rooms/challenge.py)
        classroom.board_version = delivered["version"]
        if "text" not in delivered:
            board = leaderboard_message(classroom, [row(entry) for entry in delivered["entries"]])
            delivered["text"] = orjson.dumps(board).decode()
        post(delivered["text"])
    elif kind == "room_closed":
        left(classroom, member)
        post(RoomClosed(reason=delivered["reason"], message=delivered["message"]).model_dump())


def left(classroom: Classroom, member: Member) -> None:
    """Out of the room: its locks and state go; a follower's page shows its own session again."""
    classroom.member = None
    classroom.locked, classroom.challenge, classroom.spotlight, classroom.share = (
        (),
        None,
        None,
        None,
    )
    classroom.names.clear()
    classroom.session_command(Unlock())
    if member.role == "follower":
        classroom.session_command(Redraw())
