"""The classroom's websocket messages (docs/protocol.md, "Rooms"): client commands and replies.

Client messages join `app.protocol.ClientMessage`, so one strict single-pass parser reads them
all; who may send which is `app.rooms.models.PERMISSIONS` (checked on the server, every call).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated, Literal, TypeAlias, get_args
from urllib.parse import parse_qsl

from pydantic import Field, field_validator

from app.lessons import get_step
from app.rooms.challenge import ChallengeSpec
from app.rooms.models import Role
from app.server_messages import ConfigMessage, DataMessage, Status
from app.session_config import Config, Strict

StudentId = Annotated[str, Field(pattern=r"^[0-9a-f]{12}$")]
Code = Annotated[str, Field(min_length=1, max_length=20)]  # upper-cased, spaces and dashes dropped
Token = Annotated[str, Field(min_length=1, max_length=200)]
TypedName = Annotated[str, Field(max_length=1000)]  # the room service checks it (bad_name)
# What a pushed setup may lock: any config field, drawing points, hand-editing weights.
LOCKABLE: tuple[str, ...] = (*Config.model_fields, "points", "weights")
if TYPE_CHECKING:
    LockName: TypeAlias = str
else:
    LockName = Literal[LOCKABLE]
VIEW_KEYS = frozenset({*Config.model_fields, "lesson", "step", "compare"})
COMPARE = re.compile(r"[a-z_0-9.]{1,40}:[\w.,:^*()+-]{1,200}")
VALUE = re.compile(r"[\w.,:;^*()+ -]{0,400}")
FrameSource = Literal[0, 1, 2]  # a frame's uint16 at offset 6: own session, teacher, spotlight
FRAME_OWN, FRAME_TEACHER, FRAME_SPOTLIGHT = get_args(FrameSource)


# ---- client -> server ----


class CreateRoom(Strict):
    """Start a class: this connection becomes the room's presenting teacher."""

    type: Literal["create_room"]
    teacher: Annotated[str, Field(max_length=1000)] = ""  # a display name, may be empty


class TeacherRoom(Strict):
    """Open the room as its teacher with the token from the teacher link's fragment; `present`
    false is a projector: it only watches (the teacher's session, or the spotlight)."""

    type: Literal["teacher_room"]
    code: Code
    token: Token
    present: bool = True


class JoinRoom(Strict):
    """Join as a student (following the teacher) under a display name."""

    type: Literal["join_room"]
    code: Code
    name: TypedName


class RejoinRoom(Strict):
    """Come back as the same student (name, mode, saved setup) with the token `room` gave."""

    type: Literal["rejoin_room"]
    code: Code
    token: Token


class LeaveRoom(Strict):
    type: Literal["leave_room"]


class PushSetup(Strict):
    """Give every student's own session the teacher's setup: its config and data, and its
    starting weights (`initial`: the config's seed) or its current ones; `locked` controls are
    refused on the students' sessions (`locked`) until the next push."""

    type: Literal["push_setup"]
    weights: Literal["initial", "current"] = "current"
    locked: list[LockName] = Field(default_factory=list, max_length=len(LOCKABLE))


class PushView(Strict):
    """Open a page state on every student's page: a lesson step or a compare link's fragment
    (`lesson=NAME&step=K`, `compare=field:value`, config fields), checked on the server."""

    type: Literal["push_view"]
    fragment: Annotated[str, Field(min_length=1, max_length=4000)]

    @field_validator("fragment")
    @classmethod
    def _check(cls, fragment: str) -> str:
        return check_fragment(fragment)


def check_fragment(fragment: str) -> str:
    """A page state a link's hash may hold: known keys once each, a known lesson step, a
    compare edit `field:value`, plain values (no markup); without the leading `#`."""
    fragment = fragment.removeprefix("#")
    try:
        pairs = parse_qsl(fragment, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        raise ValueError(f"not a link fragment: {fragment[:60]!r}") from None
    values = dict(pairs)
    unknown = sorted(set(values) - VIEW_KEYS)
    if unknown or len(values) != len(pairs):
        raise ValueError(f"unknown or repeated keys {unknown or sorted(values)}")
    if "step" in values and "lesson" not in values:
        raise ValueError("step needs its lesson")
    if "lesson" in values:
        step = values.get("step", "1")
        if not step.isdigit():
            raise ValueError(f"step must be a number from 1, received {step[:20]!r}")
        get_step(values["lesson"], int(step) - 1)  # an unknown lesson or step, by name
    if "compare" in values and not COMPARE.fullmatch(values["compare"]):
        raise ValueError(f"compare must be field:value, received {values['compare'][:60]!r}")
    bad = [key for key, value in values.items() if key != "compare" and not VALUE.fullmatch(value)]
    if bad:
        raise ValueError(f"{bad[0]}: a value a link may hold, received {values[bad[0]][:60]!r}")
    return fragment


class SpotlightStudent(Strict):
    """Show this student's session on the teacher's connections (null: nobody's)."""

    type: Literal["spotlight"]
    student_id: StudentId | None


class Adopt(Strict):
    """Copy this student's network (config and weights) into the teacher's session."""

    type: Literal["adopt"]
    student_id: StudentId


class StartChallenge(Strict):
    type: Literal["start_challenge"]
    spec: ChallengeSpec


class ResetLeaderboard(Strict):
    type: Literal["reset_leaderboard"]


class EndClass(Strict):
    """Close the room for everyone; each member gets `room_closed` with `message`."""

    type: Literal["end_class"]
    message: Annotated[str, Field(max_length=300)] = ""


class Submit(Strict):
    """Submit this student's current network to the challenge (scored on the hidden set)."""

    type: Literal["submit"]


class Fork(Strict):
    """'Try it yourself': the teacher's current setup and weights into this student's session."""

    type: Literal["fork"]


class Follow(Strict):
    """Back to watching the teacher (this student's own session pauses, kept)."""

    type: Literal["follow"]


RoomCommand = (
    CreateRoom | TeacherRoom | JoinRoom | RejoinRoom | LeaveRoom | PushSetup | PushView
    | SpotlightStudent | Adopt | StartChallenge | ResetLeaderboard | EndClass | Submit | Fork
    | Follow
)  # fmt: skip
ROOM_COMMANDS: tuple[type[Strict], ...] = get_args(RoomCommand)


# ---- server -> client ----


class Share(Strict):
    """How students reach the room: the join link, its QR code, and this server's reach."""

    join_link: str
    qr_svg: str  # SVG markup (segno: no script, no size)
    on_network: bool  # false: the server listens on 127.0.0.1, other machines cannot reach it
    urls: list[str]  # LAN addresses when listening on 0.0.0.0
    command: str | None  # when not on the network: `make run HOST=0.0.0.0`
    message: str


class ChallengeInfo(Strict):
    spec: ChallengeSpec
    started: float  # server clock, seconds (compare with `server_time`)
    deadline: float | None


class SpotlightInfo(Strict):
    student_id: str
    name: str


class RoomMessage(Strict):
    """This connection's place in a room, sent on joining and whenever it changes."""

    type: Literal["room"] = "room"
    code: str
    role: Role  # teacher, follower (watching the teacher) or student (on their own)
    name: str | None  # the student's display name
    student_id: str | None
    token: str | None = None  # a student's rejoin token: only in the reply to join_room
    teacher_link: str | None = None  # holds the teacher token: only in the reply to create_room
    teacher: str  # the teacher's display name ("" when none was given)
    presenting: bool  # a teacher connection whose session followers see
    commands: list[str]  # the room commands this role may send
    locked: list[str]  # controls locked by the last push (students)
    share: Share
    challenge: ChallengeInfo | None
    spotlight: SpotlightInfo | None
    server_time: float


RoomEventName = Literal[
    "student_joined", "student_left", "student_mode", "spotlight", "setup_pushed", "adopted",
    "rooms_unavailable", "rooms_available",
]  # fmt: skip


class RoomEvent(Strict):
    """Something happened in the room (who gets which: docs/protocol.md)."""

    type: Literal["room_event"] = "room_event"
    event: RoomEventName
    student_id: str | None = None
    name: str | None = None
    mode: Role | None = None
    message: str = ""


class RoomClosed(Strict):
    """The room is closed for this connection (its own session goes on)."""

    type: Literal["room_closed"] = "room_closed"
    reason: Literal["ended", "expired", "left"]
    message: str = ""


class ViewMessage(Strict):
    """The teacher pushed a page state: open `fragment` (as a link's hash would)."""

    type: Literal["view"] = "view"
    fragment: str


class ChallengeMessage(Strict):
    type: Literal["challenge"] = "challenge"
    challenge: ChallengeInfo | None
    server_time: float


class LeaderboardRow(Strict):
    student_id: str
    name: str
    test_loss: float | None
    test_accuracy: float | None
    parameters: int
    epochs: int
    at: float


class LeaderboardMessage(Strict):
    """The board, best first (the metric, then fewer parameters, then the earlier one)."""

    type: Literal["leaderboard"] = "leaderboard"
    rank_by: Literal["test_loss", "test_accuracy"]
    entries: list[LeaderboardRow]


class SubmittedMessage(Strict):
    """The answer to `submit`: this submission's score, the student's best and its rank."""

    type: Literal["submitted"] = "submitted"
    entry: LeaderboardRow
    best: LeaderboardRow
    rank: int


class Thumbnail(Strict):
    """A small decision map: u8 cells (base64), channels over [lo, hi], as a frame's `output`."""

    task: str
    shape: list[int]  # [c, r, r]
    lo: list[float]
    hi: list[float]
    cells: str  # base64 of the c * r * r uint8 cells, row 0 at the top


class GalleryTile(Strict):
    student_id: str
    name: str
    epoch: int
    test_loss: float | None
    test_accuracy: float | None
    parameters: int
    layers: list[int]  # hidden units per layer
    thumbnail: Thumbnail
    at: float


class GalleryMessage(Strict):
    """Tiles of the teacher's wall, best test loss first; `full`: the whole wall (replace),
    else updates (replace these students' tiles)."""

    type: Literal["gallery"] = "gallery"
    full: bool
    entries: list[GalleryTile]


SessionMessage = Annotated[ConfigMessage | DataMessage | Status, Field(discriminator="type")]


class SpotlightMessage(Strict):
    """A teacher connection's spotlight: the spotlighted student's session's `config`, `data`
    or `status`, as that student's own page got it (its frames come as source 2)."""

    type: Literal["spotlight_message"] = "spotlight_message"
    student_id: StudentId
    message: SessionMessage


ROOM_SERVER_MESSAGES: tuple[type[Strict], ...] = (
    RoomMessage, RoomEvent, RoomClosed, ViewMessage, ChallengeMessage, LeaderboardMessage,
    SubmittedMessage, GalleryMessage, SpotlightMessage,
)  # fmt: skip
