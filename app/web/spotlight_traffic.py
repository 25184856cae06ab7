"""The spotlight's traffic: a spotlighted student's session as the teachers' screens show it.

The student's frames go out as source 2 (room_traffic.after_turn); its config, data and status
go out here, relayed through the room (any process, any bus) to every teacher connection, which
gets them as `spotlight_message` (docs/protocol.md, "Rooms"). When the spotlight turns to a
student, that student's session says its config, data and status again, for the room only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson

from app.room_messages import SpotlightMessage
from app.rooms import Member
from app.rooms.service import TEACHER_MESSAGES
from app.session_room import Redraw

if TYPE_CHECKING:
    from app.web.classroom import Classroom

JSON = dict[str, Any]


def relay(classroom: Classroom, messages: list[JSON]) -> None:
    """A spotlighted student's turn: its config, data and status, in order, to the teachers."""
    for message in messages:
        if message.get("type") in TEACHER_MESSAGES and not classroom.relays.full():
            classroom.relays.put_nowait(message)


def turned(classroom: Classroom, member: Member, student_id: str | None) -> None:
    """The spotlight turned to `student_id`: if that is this page's student, its session
    describes itself to the room, and owes a frame (a paused session sends none)."""
    if member.role == "student" and student_id is not None and student_id == member.student_id:
        classroom.session_command(Redraw(page=False))
        classroom.connection.refresh()


def text(delivered: JSON) -> str:
    """The page's `spotlight_message`, checked and encoded once for this process's teachers
    (one event object reaches them all; a data message holds up to 5000 points)."""
    if "text" not in delivered:
        fields = {"student_id": delivered["student_id"], "message": delivered["message"]}
        message = SpotlightMessage.model_validate(fields)
        delivered["text"] = orjson.dumps(message.model_dump()).decode()
    return str(delivered["text"])


def shown(classroom: Classroom, student_id: str) -> bool:
    """Whether this teacher connection shows `student_id`'s session in its spotlight now."""
    return classroom.spotlight is not None and classroom.spotlight["student_id"] == student_id


async def arrive(classroom: Classroom, member: Member) -> None:
    """A teacher connection opening the class while a student is spotlighted: that student's
    last config, data and status, then its frames (the first one asked for at once)."""
    for message in await classroom.rooms.spotlight_state(member):
        student_id = str(classroom.rooms.spotlight_of(member))
        classroom.connection.post(text({"student_id": student_id, "message": message}))
    await classroom.rooms.redraw_spotlight(member)  # and a frame, even from a paused session
