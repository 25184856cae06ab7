"""The gallery's cadence: a student's tiles are due on a fixed beat of 0.9 / room_gallery_hz
seconds, counted from when the last was due, so the turns' delays (a tile goes out at the first
turn once due) never pull the rate under room_gallery_hz, and never push it much over."""

from __future__ import annotations

from typing import Any

from roomkit import Clock, ServiceFactory, classroom, on_their_own, teacher_network

from app.rooms import Member
from app.rooms.gallery import EARLY

TILE: dict[str, Any] = {
    "epoch": 1, "test_loss": 0.5, "test_accuracy": 0.5, "parameters": 3, "layers": [],
    "thumbnail": b"",
}  # fmt: skip


async def turns(rooms: Any, student: Member, clock: Clock, gap: float, seconds: float) -> int:
    """Session turns every `gap` seconds for `seconds`, each sending a tile when one is due
    (as room_traffic.after_turn does); the number sent."""
    sent, end = 0, clock.now + seconds
    while clock.now < end:
        if rooms.gallery.due(student):
            assert await rooms.gallery.update(student, **TILE)
            sent += 1
        else:
            assert not await rooms.gallery.update(student, **TILE)  # not due: refused
        clock.advance(gap)
    return sent


async def test_tiles_keep_their_beat_whatever_the_turns_timing(
    make_service: ServiceFactory, clock: Clock
) -> None:
    rooms = await make_service(room_gallery_hz=1.0)
    _, (ana,) = await classroom(rooms, students=1, network=teacher_network)
    await on_their_own(rooms, ana)
    # Turns 30 times a second, 4 times, and 1.3 times (a crowded server): at least one tile a
    # second in each case, and at most one per 0.9 s beat.
    for gap in (1 / 30, 0.25, 0.77):
        sent = await turns(rooms, ana, clock, gap, 60.0)
        assert 60 <= sent <= 60 / EARLY + 1, (gap, sent)


async def test_a_late_tile_is_not_followed_by_a_burst(
    make_service: ServiceFactory, clock: Clock
) -> None:
    rooms = await make_service(room_gallery_hz=1.0)
    _, (ana,) = await classroom(rooms, students=1, network=teacher_network)
    await on_their_own(rooms, ana)
    assert await rooms.gallery.update(ana, **TILE)
    clock.advance(5.0)  # no turn for five seconds (paused, or a long edit)
    assert await rooms.gallery.update(ana, **TILE)
    clock.advance(EARLY / 2 - 0.01)
    assert not rooms.gallery.due(ana)  # half a beat at least between two tiles
    clock.advance(0.02)
    assert rooms.gallery.due(ana)
