"""What the room service hands out: roles and their permissions, members, the key layout."""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from app.rooms.bus import Subscription
from app.rooms.errors import RoomError
from app.rooms.inbox import Keyed, Latest, Mailbox, Notify

if TYPE_CHECKING:
    from app.rooms.gallery import GalleryEntry

Role = Literal["teacher", "student", "follower"]  # a follower is a student watching the teacher
ROLES: tuple[Role, ...] = ("teacher", "student", "follower")
JSON = dict[str, Any]
NetworkProvider = Callable[[], Awaitable[JSON]]  # the member's current network, JSON-able

_ALL: frozenset[Role] = frozenset(ROLES)
_TEACHER: frozenset[Role] = frozenset({"teacher"})
_STUDENTS: frozenset[Role] = frozenset({"student", "follower"})

# Which role may send which command; the service checks every call against it.
PERMISSIONS: dict[str, frozenset[Role]] = {
    "push_setup": _TEACHER,
    "spotlight": _TEACHER,
    "adopt": _TEACHER,
    "roster": _TEACHER,
    "gallery": _TEACHER,
    "start_challenge": _TEACHER,
    "reset_leaderboard": _TEACHER,
    "end_class": _TEACHER,
    "push_view": _TEACHER,
    "relay": _TEACHER,  # the presenting teacher's session messages (config, data, status)
    "relay_spotlight": frozenset({"student"}),  # a spotlighted student's config, data, status
    "spotlight_state": _TEACHER,  # the spotlighted student's last config, data and status
    "publish_frame": frozenset({"teacher", "student"}),  # a student's only while spotlighted
    "update_gallery": frozenset({"student"}),  # followers show the teacher's session
    "submit": frozenset({"student"}),
    "fork": frozenset({"follower"}),  # "try it yourself"
    "follow": frozenset({"student"}),  # back to watching the teacher
    "save_setup": _STUDENTS,
    "teacher_state": _STUDENTS,  # the teacher's last config, data and status, for a follower
    "challenge": _ALL,
    "leaderboard": _ALL,
    "heartbeat": _ALL,
    "leave": _ALL,
}

# Every event a member's `events` inbox may hold: type -> who gets it (docs/rooms.md: fields).
EVENTS: dict[str, str] = {
    "student_joined": "teachers",
    "student_left": "teachers",
    "student_mode": "teachers",
    "setup_pushed": "students",
    "view_pushed": "students",
    "teacher_message": "students",
    "spotlight": "all",
    "spotlight_message": "teachers",
    "spotlight_redraw": "the spotlighted student",  # another teacher page opened
    "challenge_started": "all",
    "leaderboard": "all",
    "room_closed": "all",
}


def commands_for(role: Role) -> list[str]:
    """The commands `role` may send (the page shows only those controls)."""
    return sorted(command for command, roles in PERMISSIONS.items() if role in roles)


def check_allowed(role: Role, command: str) -> None:
    roles = PERMISSIONS.get(command)
    if roles is None:
        raise ValueError(f"unknown room command {command!r}; expected one of {sorted(PERMISSIONS)}")
    if role not in roles:
        who = " or ".join(sorted(roles))
        raise RoomError("not_allowed", f"a {role} may not {command.replace('_', ' ')}; only {who}")


_member_ids = itertools.count(1)


@dataclass(eq=False)
class Member:
    """One connection's place in a room: its role and what the room delivers to it.

    frames: the teacher's frames for a follower, the spotlighted student's for a teacher;
    events: room events as JSON-able dicts (`type` names each); gallery: a teacher's wall.
    """

    code: str
    role: Role
    student_id: str | None = None
    name: str | None = None
    token: str | None = None  # a student's rejoin token: given once, stored only as a digest
    setup: JSON | None = None  # the student's saved setup, returned on rejoin
    pushed: JSON | None = None  # the teacher's last pushed setup {"setup", "locked"}, if any
    network: NetworkProvider | None = None  # answers adopt (students) and fork (teacher)
    frames: Latest[bytes] = field(init=False)
    events: Mailbox[JSON] = field(init=False)
    gallery: Keyed[str, GalleryEntry] = field(init=False)
    closed: RoomError | None = None  # set when the room closed or the member left
    teacher_name: str = ""  # the teacher's display name, as create_room was given it
    presenting: bool = True  # a teacher's connection whose frames followers see (not a projector)
    local_id: int = field(default_factory=lambda: next(_member_ids))
    frames_subscription: Subscription | None = None

    def __post_init__(self) -> None:
        self.frames, self.events, self.gallery = Latest(), Mailbox(), Keyed()

    def attach_hooks(self, hooks: Hooks) -> None:
        self.network = hooks.network
        for inbox in (self.frames, self.events, self.gallery):
            inbox.notify = hooks.notify

    @property
    def commands(self) -> list[str]:
        return commands_for(self.role)

    def matches(self, audience: str) -> bool:
        """Whether an event addressed to `audience` (all, teachers, students, an id) is ours."""
        if audience == "all":
            return True
        if audience == "teachers":
            return self.role == "teacher"
        if audience == "students":
            return self.role != "teacher"
        return audience == self.student_id


@dataclass(frozen=True)
class Hooks:
    """What the session layer lends its member: the session's network, and a wake-up call.

    network: answers adopt (a student's) and fork (the teacher's); notify: called after each
    delivery to the member's inboxes (e.g. the socket sender's `ready.set`).
    """

    network: NetworkProvider | None = None
    notify: Notify | None = None


NO_HOOKS = Hooks()


@dataclass(frozen=True)
class RoomTicket:
    """A new room: its code, and the teacher's secret (shown once, in the teacher's link)."""

    code: str
    teacher_token: str


@dataclass(frozen=True)
class StudentInfo:
    student_id: str
    name: str
    mode: Role  # student (on their own) or follower
    joined: float


@dataclass(frozen=True)
class RoomKeys:
    """Every Redis key and channel of one room (docs/rooms.md lists them)."""

    code: str

    @property
    def room(self) -> str:  # hash: created, last_active, teacher, students, spotlight, ...
        return f"room:{self.code}"

    @property
    def roster(self) -> str:  # hash: student id -> {name, digest, joined, mode}
        return f"room:{self.code}:roster"

    @property
    def names(self) -> str:  # hash: folded name -> student id (HSETNX makes names unique)
        return f"room:{self.code}:names"

    @property
    def setups(self) -> str:  # hash: student id -> saved setup
        return f"room:{self.code}:setups"

    @property
    def gallery(self) -> str:  # hash: student id -> newest gallery entry
        return f"room:{self.code}:gallery"

    @property
    def challenge(self) -> str:  # hash: spec, seed, started, deadline
        return f"room:{self.code}:challenge"

    @property
    def board(self) -> str:  # hash: student id -> best submission
        return f"room:{self.code}:board"

    @property
    def board_version(self) -> str:  # counter: one more at every change of the board
        return f"room:{self.code}:board_version"

    @property
    def teacher(self) -> str:  # hash: the teacher session's last config, data, status
        return f"room:{self.code}:teacher"

    @property
    def spotlight(self) -> str:  # hash: the spotlighted student's last config, data, status
        return f"room:{self.code}:spotlight"

    @property
    def all(self) -> list[str]:
        keys = [self.room, self.roster, self.names, self.setups, self.gallery, self.challenge]
        return [*keys, self.board, self.board_version, self.teacher, self.spotlight]

    # channels (a namespace of their own in Redis)
    @property
    def control(self) -> str:  # JSON: events, requests
        return f"room:{self.code}:control"

    @property
    def teacher_frames(self) -> str:
        return f"room:{self.code}:frames"

    def student_frames(self, student_id: str) -> str:
        return f"room:{self.code}:frames:{student_id}"

    @property
    def gallery_updates(self) -> str:
        return f"room:{self.code}:gallery"
