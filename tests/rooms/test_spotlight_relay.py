"""The spotlight's relay on the bus: a spotlighted student's config, data and status reach the
teachers (on another service: another process) and are kept for a teacher who opens the class
later; nobody else's are; turning the spotlight forgets the last student's."""

from __future__ import annotations

from roomkit import ADDRESS, ServiceFactory, eventually, refused

from app.rooms import Member

CONFIG = {"type": "config", "config": {"dataset": "xor"}, "rebuilt": [], "message": ""}
STATUS = {"type": "status", "running": True, "epoch": 3, "reason": "play", "message": ""}


def relayed(teacher: Member, seen: list[dict[str, object]]) -> list[dict[str, object]]:
    seen.extend(e for e in teacher.events.take_all() if e["type"] == "spotlight_message")
    return seen


async def test_a_spotlighted_students_session_reaches_the_teachers(
    make_service: ServiceFactory,
) -> None:
    teachers_side, students_side = await make_service(), await make_service()
    ticket = await teachers_side.create_room(ADDRESS)
    teacher = await teachers_side.join_teacher(ticket.code, ticket.teacher_token, ADDRESS)
    ana = await students_side.join(ticket.code, "Ana", ADDRESS)
    bo = await students_side.join(ticket.code, "Bo", ADDRESS)
    await refused("not_allowed", students_side.relay_spotlight(ana, CONFIG))  # a follower
    assert ana.student_id and bo.student_id
    ana.role = bo.role = "student"  # as after fork (the service's own test covers fork)

    # Not spotlighted: nothing goes out, nothing is kept.
    await students_side.relay_spotlight(ana, CONFIG)
    assert await teachers_side.spotlight_state(teacher) == []

    await teachers_side.spotlight(teacher, ana.student_id)
    await eventually(lambda: students_side.spotlit(ana))
    await students_side.relay_spotlight(ana, CONFIG)
    await students_side.relay_spotlight(ana, STATUS)
    await students_side.relay_spotlight(bo, STATUS)  # not spotlighted: dropped
    await students_side.relay_spotlight(ana, {"type": "export", "text": "x"})  # not session's
    seen: list[dict[str, object]] = []
    await eventually(lambda: len(relayed(teacher, seen)) == 2)
    assert [event["message"] for event in seen] == [CONFIG, STATUS]
    assert {event["student_id"] for event in seen} == {ana.student_id}

    # A teacher connection opening later gets the last ones, config first.
    projector = await teachers_side.join_teacher(
        ticket.code, ticket.teacher_token, ADDRESS, present=False
    )
    assert await teachers_side.spotlight_state(projector) == [CONFIG, STATUS]

    # The spotlight turns to Bo: Ana's are forgotten.
    await teachers_side.spotlight(teacher, bo.student_id)
    await eventually(lambda: students_side.spotlit(bo))
    assert await teachers_side.spotlight_state(projector) == []
    await students_side.relay_spotlight(ana, CONFIG)  # no longer spotlighted: dropped
    assert await teachers_side.spotlight_state(projector) == []
