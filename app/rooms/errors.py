"""RoomError: every refusal of the room service, with a stable code the page translates."""

from __future__ import annotations

from typing import Literal, get_args

RoomErrorCode = Literal[
    "room_not_found",
    "room_expired",
    "room_ended",
    "bad_token",
    "not_allowed",
    "bad_name",
    "name_taken",
    "room_full",
    "too_many_joins",
    "rooms_unavailable",
    "student_not_found",
    "no_reply",
    "too_large",
    "bad_challenge",
    "no_challenge",
    "challenge_closed",
    "over_limit",
]

# One line per code: what it means, for docs/rooms.md and the page's translators.
ERROR_CODES: dict[RoomErrorCode, str] = {
    "room_not_found": "no room has this code (mistyped, or closed long ago)",
    "room_expired": "the room was left idle and has closed",
    "room_ended": "the teacher ended the class",
    "bad_token": "the teacher's or student's token does not match this room",
    "not_allowed": "this role may not send this command",
    "bad_name": "the display name is empty, too long, or holds control characters or markup",
    "name_taken": "another student in the room has this name",
    "room_full": "the room holds as many students as the server allows",
    "too_many_joins": "too many join attempts from this address in the last minute",
    "rooms_unavailable": "the rooms' store (Redis) cannot be reached; sessions carry on alone",
    "student_not_found": "no student with this id in the room",
    "no_reply": "the session asked for did not answer in time",
    "too_large": "a setup or network is larger than the server accepts",
    "bad_challenge": "the challenge's settings are invalid",
    "no_challenge": "the room has no challenge running",
    "challenge_closed": "the challenge's deadline has passed",
    "over_limit": "the network breaks the challenge's limits (size or epochs)",
}
assert set(ERROR_CODES) == set(get_args(RoomErrorCode)), "one description per code"


class RoomError(Exception):
    """A refusal: `code` is stable (the page translates it), `message` is plain English."""

    def __init__(self, code: RoomErrorCode, message: str) -> None:
        super().__init__(message)
        self.code: RoomErrorCode = code
        self.message = message

    def to_dict(self) -> dict[str, str]:
        """The JSON the socket layer sends: {"code": ..., "message": ...}."""
        return {"code": self.code, "message": self.message}

    def __repr__(self) -> str:
        return f"RoomError({self.code!r}, {self.message!r})"
