"""Redis going away mid-class: calls fail as rooms_unavailable, sessions go on, the room comes back.

A redis-server of the test's own, stopped and restarted on the same port (it keeps no data, as a
restarted Redis without persistence: the services write their rooms back).
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import pytest
from roomkit import ADDRESS, Clock, LoopExit, eventually, redis_command, refused, room_settings

from app.rooms import RoomError, RoomService
from app.rooms.local_redis import LocalRedis
from app.rooms.redis_bus import RedisBus

T = TypeVar("T")


@pytest.fixture()
def two_workers(
    own_redis: LocalRedis, loop_exit: LoopExit
) -> Callable[[], Awaitable[list[RoomService]]]:
    """Two services (as two workers), each on its own connection to `own_redis`."""

    async def start() -> list[RoomService]:
        clock = Clock()
        services = []
        for _ in range(2):
            bus = RedisBus(own_redis.url, timeout=0.5)
            service = RoomService(bus, room_settings(redis_timeout_seconds=0.5), clock=clock)
            loop_exit.push(service.close)
            await service.start(sweep_seconds=None)
            await asyncio.wait_for(bus.connected.wait(), 10)
            services.append(service)
        return services

    return start


def buses(services: list[RoomService]) -> list[RedisBus]:
    return [service.bus for service in services]  # type: ignore[misc]


async def until_available(call: Callable[[], Awaitable[T]], timeout: float = 30.0) -> T:
    """Retry `call` while it answers rooms_unavailable (Redis on its way back)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        try:
            return await call()
        except RoomError as problem:
            if problem.code != "rooms_unavailable" or asyncio.get_running_loop().time() > deadline:
                raise
        await asyncio.sleep(0.02)


async def test_a_restarted_redis_brings_the_class_back(
    own_redis: LocalRedis, two_workers: Callable[[], Awaitable[list[RoomService]]]
) -> None:
    first, second = services = await two_workers()
    ticket = await first.create_room(ADDRESS)
    teacher = await first.join_teacher(ticket.code, ticket.teacher_token, ADDRESS)
    ana = await second.join(ticket.code, "Ana", ADDRESS)
    first.publish_frame(teacher, b"before")
    await eventually(lambda: ana.frames.received == 1)

    own_redis.stop()
    await eventually(lambda: not any(bus.connected.is_set() for bus in buses(services)))
    await refused("rooms_unavailable", first.push_setup(teacher, {"dataset": "xor"}, []))
    error = await refused("rooms_unavailable", second.join(ticket.code, "Bo", ADDRESS))
    assert "your own session carries on" in error.message
    await refused("rooms_unavailable", first.create_room(ADDRESS))
    assert first.publish_frame(teacher, b"lost")  # frames are dropped, never raised or waited on
    assert await first.sweep() == []  # maintenance shrugs too
    assert teacher.closed is None and ana.closed is None  # everyone keeps their place

    own_redis.start()  # same port, empty
    await eventually(lambda: all(bus.connected.is_set() for bus in buses(services)), 30)
    # Subscriptions are back by themselves: frames flow again.
    received = ana.frames.received
    await eventually(
        lambda: first.publish_frame(teacher, b"after") and ana.frames.received > received
    )
    assert ana.frames.take() == b"after"
    # And the room was written back (each process restores what it holds, in the background):
    # joins, rejoins and the teacher's link work.
    await eventually(lambda: first.upkeep.restores == second.upkeep.restores == 1, 30)
    # The teacher's worker reads back the roster the student's worker wrote.
    assert [(s.name, s.mode) for s in await first.roster(teacher)] == [("Ana", "follower")]
    await second.join(ticket.code, "Bo", ADDRESS)
    await refused("name_taken", second.join(ticket.code, "ana", ADDRESS))
    assert ana.token is not None
    assert (await first.rejoin(ticket.code, ana.token, ADDRESS)).name == "Ana"
    await first.join_teacher(ticket.code, ticket.teacher_token, ADDRESS)
    await first.push_setup(teacher, {"dataset": "xor"}, [])
    await eventually(lambda: any(e["type"] == "setup_pushed" for e in ana.events.take_all()))


async def test_a_hung_redis_is_bounded_by_the_timeout(
    own_redis: LocalRedis, two_workers: Callable[[], Awaitable[list[RoomService]]]
) -> None:
    first, _ = await two_workers()
    ticket = await first.create_room(ADDRESS)
    teacher = await first.join_teacher(ticket.code, ticket.teacher_token, ADDRESS)
    assert own_redis.process is not None
    own_redis.process.send_signal(signal.SIGSTOP)  # accepts connections, answers nothing
    try:
        await refused("rooms_unavailable", first.push_setup(teacher, {}, []))
        await refused("rooms_unavailable", first.spotlight(teacher, None))
    finally:
        own_redis.process.send_signal(signal.SIGCONT)
    await until_available(lambda: first.push_setup(teacher, {}, []))


async def test_a_redis_down_at_start_is_waited_for(own_redis: LocalRedis) -> None:
    own_redis.stop()
    bus = RedisBus(own_redis.url, timeout=0.5)
    service = RoomService(bus, room_settings(redis_timeout_seconds=0.5))
    await service.start(
        sweep_seconds=None
    )  # does not fail: the server starts, rooms wait for Redis
    try:
        await refused("rooms_unavailable", service.create_room(ADDRESS))
        own_redis.start()
        ticket: Any = await until_available(lambda: service.create_room(ADDRESS))
        await service.join(ticket.code, "Ana", ADDRESS)
    finally:
        await service.close()


async def test_a_member_is_out_of_reach_until_the_room_is_written_back(
    own_redis: LocalRedis, two_workers: Callable[[], Awaitable[list[RoomService]]]
) -> None:
    """Redis reachable again but still empty: the heartbeat's check says the class is away
    (a fork or follow now would find nobody) until the upkeep has written the room back."""
    first, second = await two_workers()
    ticket = await first.create_room(ADDRESS)
    teacher = await first.join_teacher(ticket.code, ticket.teacher_token, ADDRESS)
    ana = await second.join(ticket.code, "Ana", ADDRESS)
    await first.check(teacher)
    await second.check(ana)
    redis_command(own_redis.port, "FLUSHALL")  # as a restart without its data leaves it
    await refused("rooms_unavailable", first.check(teacher))
    await refused("rooms_unavailable", second.check(ana))
    await first.upkeep.restore()  # the teacher's process: the room's record, not Ana
    await first.check(teacher)
    await refused("rooms_unavailable", second.check(ana))
    await second.upkeep.restore()
    await second.check(ana)
    assert [student.name for student in await first.roster(teacher)] == ["Ana"]


async def test_frames_offered_while_redis_is_away_back_off_then_flow_again(
    own_redis: LocalRedis,
) -> None:
    """A followed teacher offers ~30 frames a second; with Redis away, trying each one cost a
    worker half a core in refused connections. The sender backs off (at most 1 s apart), and
    once Redis is back the next frame goes out."""
    bus = RedisBus(own_redis.url, timeout=0.5)
    await bus.start()
    try:
        await asyncio.wait_for(bus.connected.wait(), 10)
        own_redis.stop()
        loop = asyncio.get_running_loop()
        started, offers = loop.time(), 0
        while bus.failed_sends < 6:  # a condition: however slow the machine, six backed-off tries
            bus.offer("room:ABCDEF:frames", b"frame")
            offers += 1
            await asyncio.sleep(0.002)
        elapsed = loop.time() - started
        # Tries back off from 0.05 s, doubling: six of them take at least 0.05 * (1+2+4+8+16) s.
        assert elapsed >= 1.5, (elapsed, offers)
        assert offers > 10 * bus.failed_sends, (offers, bus.failed_sends)
        own_redis.start()
        received: list[bytes] = []
        await asyncio.wait_for(bus.connected.wait(), 30)
        await bus.subscribe("room:ABCDEF:frames", received.append)

        async def delivered() -> None:
            while not received:
                bus.offer("room:ABCDEF:frames", b"frame")
                await asyncio.sleep(0.05)

        await asyncio.wait_for(delivered(), 30)
    finally:
        await bus.close()
