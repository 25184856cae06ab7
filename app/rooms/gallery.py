"""The gallery: every student's decision map, small, about once a second, on the teacher's wall."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import orjson

from app.rooms.errors import RoomError
from app.rooms.models import Member

if TYPE_CHECKING:
    from app.rooms.core import LocalRoom, RoomCore


@dataclass(frozen=True)
class GalleryEntry:
    """One student's tile: who, how far, how good, how big, and a thumbnail (e.g. a PNG)."""

    student_id: str
    name: str
    epoch: int
    test_loss: float | None  # None: not finite (diverged) or not measured yet
    test_accuracy: float | None  # None for regression
    parameters: int
    layers: list[int]  # hidden units per layer
    thumbnail: bytes
    at: float

    def encode(self) -> bytes:
        """4-byte big-endian header length, the JSON header, then the thumbnail's bytes."""
        header = orjson.dumps({k: v for k, v in asdict(self).items() if k != "thumbnail"})
        return len(header).to_bytes(4, "big") + header + self.thumbnail

    @classmethod
    def decode(cls, data: bytes) -> GalleryEntry:
        size = int.from_bytes(data[:4], "big")
        header: dict[str, Any] = orjson.loads(data[4 : 4 + size])
        return cls(**header, thumbnail=data[4 + size :])


# How the wall may be sorted: best first; unmeasured tiles last.
GALLERY_SORTS = {
    "test_loss": lambda entry: (entry.test_loss is None, entry.test_loss or 0.0, entry.name),
    "test_accuracy": lambda entry: (
        entry.test_accuracy is None,
        -(entry.test_accuracy or 0.0),
        entry.name,
    ),
    "name": lambda entry: (entry.name.casefold(), 0.0, entry.name),
}


# A tile is due every EARLY / room_gallery_hz seconds on a fixed cadence (the next one counted
# from when this one was due, not from when a turn happened to send it): a turn's delay does not
# add up, so the wall gets at least room_gallery_hz tiles a second per student, and at most
# 1 / EARLY times that on average (a late tile is followed by the next at least half a period
# after it: never a burst).
EARLY = 0.9


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


class Gallery:
    """Students' tiles in, the teacher's wall out; throttled per student."""

    def __init__(self, service: RoomCore) -> None:
        self.service = service
        self._next: dict[str, float] = {}  # student id -> clock when their next tile is due

    def forget(self, student_id: str) -> None:
        """The student's connection here closed: drop their throttle."""
        self._next.pop(student_id, None)

    def due(self, student: Member) -> bool:
        """Whether a new tile would go out now (ask before drawing a thumbnail)."""
        return self.service.clock() >= self._next.get(student.student_id or "", -math.inf)

    def _schedule(self, student_id: str, now: float) -> None:
        """The next tile's due time: one period after this one's, at least half a period away."""
        period = EARLY / self.service.settings.room_gallery_hz
        due = self._next.get(student_id, now)
        self._next[student_id] = max(due + period, now + period / 2)

    async def update(
        self,
        student: Member,
        *,
        epoch: int,
        test_loss: float | None,
        test_accuracy: float | None,
        parameters: int,
        layers: list[int],
        thumbnail: bytes,
    ) -> bool:
        """Publish the student's tile, unless it is not due yet (about room_gallery_hz a second)."""
        keys = await self.service.act(student, "update_gallery")
        if not self.due(student):
            return False
        assert student.student_id is not None and student.name is not None
        entry = GalleryEntry(
            student.student_id,
            student.name,
            int(epoch),
            _finite(test_loss),
            _finite(test_accuracy),
            int(parameters),
            [int(units) for units in layers],
            bytes(thumbnail),
            self.service.clock(),
        )
        data = entry.encode()
        limit = self.service.settings.room_max_payload_bytes
        if len(data) > limit:
            raise RoomError(
                "too_large", f"the gallery tile takes {len(data)} bytes; at most {limit}"
            )
        self._schedule(student.student_id, entry.at)
        await self.service.bus.hset(keys.gallery, {student.student_id: data})
        await self.service.bus.publish(keys.gallery_updates, data)
        return True

    async def wall(self, teacher: Member, sort: str = "test_loss") -> list[GalleryEntry]:
        """Every student's newest tile, sorted (test loss by default: best first)."""
        if sort not in GALLERY_SORTS:
            raise ValueError(
                f"unknown gallery sort {sort!r}; expected one of {sorted(GALLERY_SORTS)}"
            )
        keys = await self.service.act(teacher, "gallery")
        tiles = await self.service.bus.hgetall(keys.gallery)
        return sorted(map(GalleryEntry.decode, tiles.values()), key=GALLERY_SORTS[sort])

    def deliver(self, room: LocalRoom, payload: bytes) -> None:
        """A tile from the bus: decoded once, into every local teacher's gallery inbox."""
        entry = GalleryEntry.decode(payload)
        for member in room.members:
            if member.role == "teacher":
                member.gallery.put(entry.student_id, entry)
