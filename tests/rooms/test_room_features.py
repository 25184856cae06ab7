"""The class at work: followed frames, pushed setups, the gallery, spotlight, adopt, fork, end."""

from __future__ import annotations

from typing import Any

import pytest
from roomkit import (
    ADDRESS,
    Clock,
    ServiceFactory,
    classroom,
    eventually,
    on_their_own,
    refused,
    teacher_network,
)

from app.rooms import Member

TILE: dict[str, Any] = {
    "epoch": 1,
    "test_loss": 0.5,
    "test_accuracy": 0.5,
    "parameters": 3,
    "layers": [],
    "thumbnail": b"",
}


async def test_followers_everywhere_get_each_teacher_frame(make_service: ServiceFactory) -> None:
    first, second = await make_service(), await make_service()
    teacher, students = await classroom(first, second, students=6)
    for index in range(3):
        assert first.publish_frame(teacher, b"frame %d" % index)
        await eventually(lambda n=index + 1: all(s.frames.received == n for s in students))
        frames = [student.frames.take() for student in students]
        assert set(frames) == {b"frame %d" % index}


async def test_frames_reach_local_followers_as_one_object(make_service: ServiceFactory) -> None:
    rooms = await make_service()
    teacher, students = await classroom(rooms, students=5)
    frame = bytes(range(256)) * 40
    rooms.publish_frame(teacher, frame)
    await eventually(lambda: all(s.frames.received == 1 for s in students))
    received = [student.frames.take() for student in students]
    assert received[0] == frame and all(item is received[0] for item in received)


async def test_push_setup_reaches_students_and_late_joiners(make_service: ServiceFactory) -> None:
    first, second = await make_service(), await make_service()
    teacher, students = await classroom(first, second, students=3)
    setup = {"dataset": "spiral", "seed": 3, "weights": "start"}
    await first.push_setup(teacher, setup, ["dataset", "layers"])
    expected = {"type": "setup_pushed", "setup": setup, "locked": ["dataset", "layers"]}
    await eventually(lambda: all(s.events.received >= 1 for s in students))
    assert all(student.events.take_all() == [expected] for student in students)
    assert teacher.events.take_all() == []  # students only
    late = await second.join(teacher.code, "Late", ADDRESS)
    assert late.pushed == {"setup": setup, "locked": ["dataset", "layers"]}
    with pytest.raises(ValueError, match="locked must be"):
        await first.push_setup(teacher, setup, ["x" * 61])


async def test_payloads_past_the_limit_are_too_large(make_service: ServiceFactory) -> None:
    rooms = await make_service(room_max_payload_bytes=2048)
    teacher, (ana, _) = await classroom(rooms)
    error = await refused("too_large", rooms.push_setup(teacher, {"x": "y" * 3000}, []))
    assert "at most 2048" in error.message
    await refused("too_large", rooms.save_setup(ana, {"x": "y" * 3000}))
    await rooms.push_setup(teacher, {"x": "fits"}, [])  # the room goes on


async def test_gallery_tiles_throttled_sorted_and_live(
    make_service: ServiceFactory, clock: Clock
) -> None:
    first, second = await make_service(), await make_service()
    teacher, (ana, bo) = await classroom(first, second, network=teacher_network)
    service_of = {ana.local_id: first, bo.local_id: second}
    await refused("not_allowed", first.gallery.update(ana, **TILE))  # following: no own tile
    for student in (ana, bo):
        await on_their_own(service_of[student.local_id], student)

    async def tile(student: Member, loss: float | None, epoch: int) -> bool:
        service = service_of[student.local_id]
        return await service.gallery.update(
            student,
            epoch=epoch,
            test_loss=loss,
            test_accuracy=0.5,
            parameters=17,
            layers=[4, 2],
            thumbnail=b"\x89PNG" + bytes([epoch]),
        )

    assert await tile(ana, 0.30, 1)
    assert not first.gallery.due(ana) and not await tile(ana, 0.20, 2)  # within a second
    assert await tile(bo, float("nan"), 1)  # diverged: shown without a loss
    clock.advance(1.0)
    assert await tile(ana, 0.25, 3)
    await eventually(lambda: teacher.gallery.received == 3)
    live = teacher.gallery.take_all()
    assert [entry.epoch for entry in live.values()] == [1, 3]  # bo's, then ana's newest
    assert live[ana.student_id or ""].thumbnail == b"\x89PNG\x03"
    wall = await first.gallery.wall(teacher)
    assert [(entry.name, entry.test_loss) for entry in wall] == [
        ("Student 0", 0.25),
        ("Student 1", None),
    ]
    assert [entry.name for entry in await first.gallery.wall(teacher, "name")] == [
        "Student 0",
        "Student 1",
    ]
    with pytest.raises(ValueError, match="unknown gallery sort"):
        await first.gallery.wall(teacher, "fun")
    await refused("not_allowed", first.gallery.wall(ana))


async def test_spotlight_sends_one_students_frames_to_the_teacher(
    make_service: ServiceFactory,
) -> None:
    first, second = await make_service(), await make_service()
    teacher, (ana, bo) = await classroom(first, second, network=teacher_network)
    await on_their_own(first, ana)
    await on_their_own(second, bo)
    assert not first.publish_frame(ana, b"ana 0")  # nobody watches: costs nothing
    await first.spotlight(teacher, bo.student_id)
    await eventually(lambda: second.rooms[bo.code].spotlight == bo.student_id)
    await eventually(lambda: teacher.frames_subscription is not None)
    assert not first.publish_frame(ana, b"ana 1")
    await eventually(lambda: second.publish_frame(bo, b"bo 1") and teacher.frames.received > 0)
    assert teacher.frames.take() == b"bo 1"
    spot = {"type": "spotlight", "student_id": bo.student_id, "name": "Student 1"}
    assert spot in ana.events.take_all() and spot in teacher.events.take_all()
    await first.spotlight(teacher, None)
    await eventually(lambda: teacher.frames_subscription is None)
    assert not second.publish_frame(bo, b"bo 2")
    await refused("student_not_found", first.spotlight(teacher, "0123456789ab"))


async def test_a_teacher_page_opening_asks_the_spotlighted_student_for_its_picture(
    make_service: ServiceFactory,
) -> None:
    first, second = await make_service(), await make_service()
    teacher, (ana, bo) = await classroom(first, second, network=teacher_network)
    await on_their_own(second, bo)
    await first.redraw_spotlight(teacher)  # nobody spotlighted: nobody asked
    await first.spotlight(teacher, bo.student_id)
    await eventually(lambda: second.rooms[bo.code].spotlight == bo.student_id)
    for member in (teacher, ana, bo):
        member.events.take_all()
    await first.redraw_spotlight(teacher)  # a projector opened the class
    redraw = {"type": "spotlight_redraw", "student_id": bo.student_id}
    await eventually(lambda: redraw in bo.events.take_all())  # Bo's session alone is asked
    assert ana.events.take_all() == [] and teacher.events.take_all() == []
    await refused("not_allowed", second.redraw_spotlight(bo))


async def test_adopt_fetches_a_students_network_from_its_process(
    make_service: ServiceFactory,
) -> None:
    first, second = await make_service(), await make_service(room_reply_seconds=0.2)
    teacher, (ana, bo) = await classroom(first, second)

    async def bo_network() -> dict[str, Any]:
        return {"layers": [8, 8], "weights": [[0.5]]}

    bo.network = bo_network  # bo's session is on the second process
    assert await first.adopt(teacher, bo.student_id or "") == {
        "layers": [8, 8],
        "weights": [[0.5]],
    }
    error = await refused("no_reply", second.adopt(teacher, ana.student_id or ""))  # no session
    assert "Student 0's session did not answer" in error.message
    await refused("student_not_found", first.adopt(teacher, "0123456789ab"))

    async def broken() -> dict[str, Any]:
        raise ArithmeticError("the session's bug")

    bo.network = broken
    error = await refused("no_reply", first.adopt(teacher, bo.student_id or ""))
    assert "ArithmeticError" in error.message


async def test_fork_takes_the_teachers_network_and_follow_comes_back(
    make_service: ServiceFactory,
) -> None:
    first, second = await make_service(), await make_service()
    teacher, (ana, bo) = await classroom(first, second, network=teacher_network)
    assert await second.fork(bo) == {"config": {"dataset": "xor"}, "weights": [1.0, 2.0]}
    assert bo.role == "student" and bo.frames_subscription is None
    first.publish_frame(teacher, b"t1")
    await eventually(lambda: ana.frames.received == 1)
    assert bo.frames.received == 0  # on their own: no teacher frames
    await eventually(lambda: teacher.events.received >= 1)
    assert teacher.events.take_all()[-1]["type"] == "student_mode"
    await second.follow(bo)
    assert bo.role == "follower"
    first.publish_frame(teacher, b"t2")
    await eventually(lambda: bo.frames.received == 1)
    assert bo.frames.take() == b"t2"
    assert bo.token is not None
    again = await first.rejoin(bo.code, bo.token, ADDRESS)
    assert again.role == "follower"


async def test_fork_without_a_teacher_session_is_no_reply(make_service: ServiceFactory) -> None:
    rooms = await make_service(room_reply_seconds=0.1)
    _, (ana, _) = await classroom(rooms)
    await refused("no_reply", rooms.fork(ana))
    assert ana.role == "follower"  # unchanged


async def test_end_class_closes_the_room_for_everyone(make_service: ServiceFactory) -> None:
    first, second = await make_service(), await make_service()
    teacher, students = await classroom(first, second, students=4)
    await first.end_class(teacher, "Thanks,\n see you next week <3")
    closing = {"type": "room_closed", "reason": "ended", "message": "Thanks, see you next week <3"}
    await eventually(lambda: all(m.closed is not None for m in [teacher, *students]))
    for member in [teacher, *students]:
        assert member.events.take_all()[-1] == closing
        assert member.frames_subscription is None  # with `closed`, not after the bus's round trip
    error = await refused("room_ended", second.join(teacher.code, "New", ADDRESS))
    assert error.message == "Thanks, see you next week <3"
    await refused("room_ended", first.push_setup(teacher, {}, []))
    assert not first.publish_frame(teacher, b"x")
    assert first.rooms == {} and second.rooms == {}  # every subscription released
