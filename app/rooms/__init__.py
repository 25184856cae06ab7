"""Classroom rooms: a teacher's session on every student's screen, every student's on the wall.

The socket layer builds one `RoomService` per process with `create_rooms(settings, scorer)`;
the bus under it is in memory (one process) or Redis (`PLAYGROUND_REDIS_URL`), and nothing
above this package knows which. docs/rooms.md describes roles, errors and the Redis layout.
"""

from __future__ import annotations

from app.config import Settings
from app.rooms.bus import Bus
from app.rooms.challenge import (
    Challenge,
    ChallengeSpec,
    HiddenTest,
    LeaderboardEntry,
    Score,
    Scorer,
    Submission,
)
from app.rooms.errors import ERROR_CODES, RoomError, RoomErrorCode
from app.rooms.gallery import GalleryEntry
from app.rooms.inbox import Keyed, Latest, Mailbox
from app.rooms.memory import MemoryBus
from app.rooms.models import PERMISSIONS, ROLES, Hooks, Member, Role, RoomTicket, StudentInfo
from app.rooms.service import RoomService

__all__ = [
    "ERROR_CODES",
    "PERMISSIONS",
    "ROLES",
    "Bus",
    "Challenge",
    "ChallengeSpec",
    "GalleryEntry",
    "HiddenTest",
    "Hooks",
    "Keyed",
    "Latest",
    "LeaderboardEntry",
    "Mailbox",
    "Member",
    "MemoryBus",
    "Role",
    "RoomError",
    "RoomErrorCode",
    "RoomService",
    "RoomTicket",
    "Score",
    "Scorer",
    "StudentInfo",
    "Submission",
    "create_bus",
    "create_rooms",
]


def create_bus(settings: Settings) -> Bus:
    """Redis when `redis_url` is set, else memory (right for one process only)."""
    if settings.workers > 1 and not settings.redis_url:
        raise ValueError(
            f"{settings.workers} workers cannot share rooms in memory; set PLAYGROUND_REDIS_URL"
        )
    if settings.redis_url:
        from app.rooms.redis_bus import RedisBus  # the redis client loads only when used

        return RedisBus(settings.redis_url, timeout=settings.redis_timeout_seconds)
    return MemoryBus()


def create_rooms(settings: Settings, scorer: Scorer | None = None) -> RoomService:
    """The process's room service; `await service.start()` inside the event loop, then use."""
    return RoomService(create_bus(settings), settings, scorer=scorer)
