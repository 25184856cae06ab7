"""Creating, joining, rejoining and leaving rooms; every bad input gets its typed error."""

from __future__ import annotations

import pytest
from roomkit import ADDRESS, Clock, ServiceFactory, eventually, refused, room_settings

from app.rooms import PERMISSIONS, Hooks, MemoryBus, RoomError, RoomService
from app.rooms.models import RoomKeys


async def test_create_join_and_rejoin_keep_name_and_setup(make_service: ServiceFactory) -> None:
    rooms = await make_service()
    ticket = await rooms.create_room(ADDRESS)
    woken: list[int] = []
    hooks = Hooks(notify=lambda: woken.append(1))  # the socket's sender would wake up
    teacher = await rooms.join_teacher(ticket.code, ticket.teacher_token, ADDRESS, hooks)
    ana = await rooms.join(ticket.code.lower(), "  Ana ", ADDRESS)
    assert (ana.role, ana.name, ana.setup) == ("follower", "Ana", None)
    assert ana.token and ana.student_id and ana.student_id in ana.token
    await eventually(lambda: bool(woken) and bool(teacher.events.take_all()))
    await rooms.save_setup(ana, {"dataset": "xor", "layers": [4, 2]})
    await rooms.leave(ana)
    await refused("not_allowed", rooms.save_setup(ana, {}))  # a left member is done
    again = await rooms.rejoin(ticket.code, ana.token, ADDRESS)
    assert (again.student_id, again.name, again.role) == (ana.student_id, "Ana", "follower")
    assert again.setup == {"dataset": "xor", "layers": [4, 2]}
    roster = await rooms.roster(teacher)
    assert [(info.name, info.mode) for info in roster] == [("Ana", "follower")]


async def test_teacher_token_is_checked_and_never_stored(
    make_service: ServiceFactory, bus_kind: str
) -> None:
    rooms = await make_service()
    ticket = await rooms.create_room(ADDRESS)
    await refused("bad_token", rooms.join_teacher(ticket.code, "guess", ADDRESS))
    await refused("bad_token", rooms.join_teacher(ticket.code, ticket.teacher_token[:-1], ADDRESS))
    stored = await rooms.bus.hgetall(RoomKeys(ticket.code).room)
    assert all(ticket.teacher_token.encode() not in value for value in stored.values())
    other = await rooms.create_room(ADDRESS)
    await refused("bad_token", rooms.join_teacher(other.code, ticket.teacher_token, ADDRESS))


async def test_student_token_is_checked(make_service: ServiceFactory) -> None:
    rooms = await make_service()
    ticket = await rooms.create_room(ADDRESS)
    ana = await rooms.join(ticket.code, "Ana", ADDRESS)
    assert ana.token is not None
    student_id = ana.token.partition(".")[0]
    for token in ["", "nonsense", f"{student_id}.wrong", f"{student_id}.", "../../etc.x"]:
        await refused("bad_token", rooms.rejoin(ticket.code, token, ADDRESS))
    other = await rooms.create_room(ADDRESS)
    await refused("bad_token", rooms.rejoin(other.code, ana.token, ADDRESS))


@pytest.mark.parametrize("code", ["", "nope", "ZZZZZZ", "<img src=x>"])
async def test_unknown_or_malformed_codes(make_service: ServiceFactory, code: str) -> None:
    rooms = await make_service()
    await refused("room_not_found", rooms.join(code, "Ana", ADDRESS))
    await refused("room_not_found", rooms.join_teacher(code, "token", ADDRESS))


@pytest.mark.parametrize(
    "name", ["", "  ", "x" * 25, "An\na", "Ana\tB", "Ana\x07", "rtl\u202e", "<b>Ana</b>", "a>b"]
)
async def test_bad_names_leave_the_room_unharmed(make_service: ServiceFactory, name: str) -> None:
    rooms = await make_service()
    ticket = await rooms.create_room(ADDRESS)
    await refused("bad_name", rooms.join(ticket.code, name, ADDRESS))
    await rooms.join(ticket.code, "Bo", ADDRESS)  # the room still takes students


async def test_names_are_unique_whatever_their_case(make_service: ServiceFactory) -> None:
    rooms = await make_service()
    ticket = await rooms.create_room(ADDRESS)
    ana = await rooms.join(ticket.code, "Ana", ADDRESS)
    for name in ["Ana", "ANA", " ana ", "ＡＮＡ"]:
        await refused("name_taken", rooms.join(ticket.code, name, ADDRESS))
    await rooms.leave(ana)
    await refused("name_taken", rooms.join(ticket.code, "ana", ADDRESS))  # kept for her rejoin
    await rooms.join(ticket.code, "Ana B", ADDRESS)


async def test_a_full_room_refuses_and_keeps_its_members(make_service: ServiceFactory) -> None:
    rooms = await make_service(room_max_members=2)
    ticket = await rooms.create_room(ADDRESS)
    teacher = await rooms.join_teacher(ticket.code, ticket.teacher_token, ADDRESS)
    await rooms.join(ticket.code, "Ana", ADDRESS)
    await rooms.join(ticket.code, "Bo", ADDRESS)
    await refused("room_full", rooms.join(ticket.code, "Cy", ADDRESS))
    await refused("room_full", rooms.join(ticket.code, "Di", ADDRESS))
    assert [info.name for info in await rooms.roster(teacher)] == ["Ana", "Bo"]


async def test_a_flood_of_joins_from_one_address_is_refused(
    make_service: ServiceFactory, clock: Clock
) -> None:
    rooms = await make_service(room_joins_per_minute=5)
    clock.now = 60 * 100_000.0  # the start of a minute
    ticket = await rooms.create_room("192.0.2.66")  # creating counts too
    for index in range(4):
        await rooms.join(ticket.code, f"bot{index}", "192.0.2.66")
    await refused("too_many_joins", rooms.join(ticket.code, "bot4", "192.0.2.66"))
    await refused("too_many_joins", rooms.join("WRONG1", "x", "192.0.2.66"))  # no free guesses
    await refused("too_many_joins", rooms.rejoin(ticket.code, "x.y", "192.0.2.66"))
    await rooms.join(ticket.code, "Ana", ADDRESS)  # another address is not held up
    clock.advance(60)
    await rooms.join(ticket.code, "bot4", "192.0.2.66")  # a new minute


async def test_two_processes_share_one_room(make_service: ServiceFactory) -> None:
    first, second = await make_service(), await make_service()
    ticket = await first.create_room(ADDRESS)
    teacher = await second.join_teacher(ticket.code, ticket.teacher_token, ADDRESS)
    ana = await first.join(ticket.code, "Ana", ADDRESS)
    await refused("name_taken", second.join(ticket.code, "ANA", ADDRESS))
    await eventually(lambda: teacher.events.received >= 1)
    assert teacher.events.take_all()[0] == {
        "type": "student_joined",
        "student_id": ana.student_id,
        "name": "Ana",
        "mode": "follower",
    }
    assert ana.token is not None
    again = await second.rejoin(ticket.code, ana.token, ADDRESS)
    assert again.name == "Ana"


TEACHER_ONLY = sorted(name for name, roles in PERMISSIONS.items() if roles == {"teacher"})


async def teacher_command(rooms: RoomService, member: object, command: str) -> object:
    """Call the service's method for a teacher-only `command` as `member`."""
    calls = {
        "push_setup": lambda m: rooms.push_setup(m, {"dataset": "xor"}, []),
        "spotlight": lambda m: rooms.spotlight(m, None),
        "adopt": lambda m: rooms.adopt(m, "000000000000"),
        "roster": lambda m: rooms.roster(m),
        "gallery": lambda m: rooms.gallery.wall(m),
        "start_challenge": lambda m: rooms.challenges.start(m, {"dataset": "xor"}),
        "reset_leaderboard": lambda m: rooms.challenges.reset(m),
        "end_class": lambda m: rooms.end_class(m, "bye"),
        "push_view": lambda m: rooms.push_view(m, "lesson=stacked&step=1"),
        "relay": lambda m: rooms.relay(m, {"type": "config", "config": {}}),
        "spotlight_state": lambda m: rooms.spotlight_state(m),
    }
    assert set(calls) == set(TEACHER_ONLY), "a teacher command without a test"
    return calls[command](member)


@pytest.mark.parametrize("command", TEACHER_ONLY)
async def test_students_cannot_send_teacher_commands(
    make_service: ServiceFactory, command: str
) -> None:
    rooms = await make_service()
    ticket = await rooms.create_room(ADDRESS)
    ana = await rooms.join(ticket.code, "Ana", ADDRESS)
    error = await refused("not_allowed", await teacher_command(rooms, ana, command))  # type: ignore[arg-type]
    assert "a follower may not" in error.message
    teacher = await rooms.join_teacher(ticket.code, ticket.teacher_token, ADDRESS)
    assert command in teacher.commands and command not in ana.commands


async def test_roles_commands_follow_the_permission_table(make_service: ServiceFactory) -> None:
    rooms = await make_service()
    ticket = await rooms.create_room(ADDRESS)
    teacher = await rooms.join_teacher(ticket.code, ticket.teacher_token, ADDRESS)
    ana = await rooms.join(ticket.code, "Ana", ADDRESS)
    await refused("not_allowed", rooms.follow(ana))  # already following
    await refused("not_allowed", rooms.fork(teacher))
    await refused("not_allowed", rooms.save_setup(teacher, {}))
    await refused("not_allowed", rooms.challenges.submit(ana, {}, 1))  # follow first, fork
    with pytest.raises(RoomError, match="a follower may not publish frame"):
        rooms.publish_frame(ana, b"x")


async def test_idle_rooms_expire_for_everyone(make_service: ServiceFactory, clock: Clock) -> None:
    first, second = await make_service(room_idle_seconds=600), await make_service()
    ticket = await first.create_room(ADDRESS)
    teacher = await first.join_teacher(ticket.code, ticket.teacher_token, ADDRESS)
    ana = await second.join(ticket.code, "Ana", ADDRESS)
    clock.advance(599)
    await first.heartbeat(teacher)  # activity keeps it open
    clock.advance(599)
    await second.join(ticket.code, "Bo", ADDRESS)
    assert await first.sweep() == [] and await second.sweep() == []
    clock.advance(601)
    assert await second.sweep() == [ticket.code]
    await eventually(lambda: ana.closed is not None and teacher.closed is not None)
    closing = {"type": "room_closed", "reason": "expired", "message": ""}
    assert ana.events.take_all()[-1] == closing == teacher.events.take_all()[-1]
    await refused("room_expired", first.join(ticket.code, "Cy", ADDRESS))
    await refused("room_expired", first.heartbeat(teacher))
    assert ana.token is not None
    await refused("room_expired", second.rejoin(ticket.code, ana.token, ADDRESS))


async def test_an_idle_room_found_by_a_join_expires_then(
    make_service: ServiceFactory, clock: Clock
) -> None:
    rooms = await make_service(room_idle_seconds=60)
    ticket = await rooms.create_room(ADDRESS)
    clock.advance(61)
    await refused("room_expired", rooms.join(ticket.code, "Ana", ADDRESS))
    await refused("room_expired", rooms.join_teacher(ticket.code, ticket.teacher_token, ADDRESS))


async def test_room_keys_expire_on_the_store(
    make_service: ServiceFactory, clock: Clock, bus_kind: str
) -> None:
    rooms = await make_service(room_idle_seconds=60, room_forget_seconds=120)
    ticket = await rooms.create_room(ADDRESS)
    await rooms.join(ticket.code, "Ana", ADDRESS)
    keys = RoomKeys(ticket.code)
    if bus_kind == "redis":  # Redis keeps its own clock: check the TTLs it holds
        from roomkit import redis_command

        port = int(rooms.bus.url.rsplit(":", 1)[1].split("/")[0])  # type: ignore[attr-defined]
        for key in (keys.room, keys.roster, keys.names):
            ttl = int(redis_command(port, "TTL", key).strip()[1:])
            assert 170 <= ttl <= 180, (key, ttl)
    else:  # memory: move its clock past the TTL
        clock.advance(181)
        await refused("room_not_found", rooms.join(ticket.code, "Bo", ADDRESS))


class FailingPublishes(MemoryBus):
    """A bus whose channels fail (as Redis going away between two calls of a join)."""

    failing = False

    async def publish(self, channel: str, payload: bytes) -> None:
        if self.failing:
            raise RoomError("rooms_unavailable", "the rooms' Redis cannot be reached")
        await super().publish(channel, payload)


async def test_a_join_that_fails_halfway_leaves_no_trace(clock: Clock) -> None:
    bus = FailingPublishes(clock)
    rooms = RoomService(bus, room_settings(), clock=clock)
    await rooms.start(sweep_seconds=None)
    ticket = await rooms.create_room(ADDRESS)
    teacher = await rooms.join_teacher(ticket.code, ticket.teacher_token, ADDRESS)
    bus.failing = True
    await refused("rooms_unavailable", rooms.join(ticket.code, "Ana", ADDRESS))
    bus.failing = False
    assert [m.role for m in rooms.rooms[ticket.code].members] == ["teacher"]  # no ghost here
    ana = await rooms.join(ticket.code, "Ana", ADDRESS)  # the name and the seat are free
    assert [info.name for info in await rooms.roster(teacher)] == ["Ana"]
    assert await rooms.bus.hget(RoomKeys(ticket.code).room, "students") == b"1"
    await rooms.leave(ana)
    await rooms.close()
