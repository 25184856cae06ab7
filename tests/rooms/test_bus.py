"""Both buses: channels fan out once per process to non-blocking inboxes; state commands agree."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from roomkit import Clock, eventually, redis_command

from app.rooms import MemoryBus
from app.rooms.bus import Bus
from app.rooms.inbox import Latest
from app.rooms.redis_bus import RedisBus


async def started(make_bus: Callable[[], Bus]) -> Bus:
    bus = make_bus()
    await bus.start()
    if isinstance(bus, RedisBus):
        await bus.connected.wait()
    return bus


async def test_one_frame_is_one_object_for_every_local_subscriber(
    make_bus: Callable[[], Bus],
) -> None:
    publisher, listener = await started(make_bus), await started(make_bus)
    slots = [Latest[bytes]() for _ in range(5)]
    for slot in slots:
        await listener.subscribe("room:T:frames", slot.put)
    await publisher.publish("room:T:frames", b"frame-1")
    await eventually(lambda: all(slot.received == 1 for slot in slots))
    frames = [slot.take() for slot in slots]
    assert frames[0] == b"frame-1"
    assert all(frame is frames[0] for frame in frames)  # decoded once, shared


async def test_a_slow_subscriber_keeps_the_newest_and_holds_nobody_up(
    make_bus: Callable[[], Bus],
) -> None:
    publisher, listener = await started(make_bus), await started(make_bus)
    slow, fast = Latest[bytes](), Latest[bytes]()
    await listener.subscribe("room:T:frames", slow.put)
    await listener.subscribe("room:T:frames", fast.put)
    for index in range(200):
        publisher.offer("room:T:frames", b"%d" % index)  # never waits
    await eventually(lambda: fast.take() == b"199" if fast.received else False)
    assert slow.take() == b"199"  # never read until now: only the newest is there


async def test_unsubscribe_stops_delivery(make_bus: Callable[[], Bus]) -> None:
    bus = await started(make_bus)
    kept, dropped = Latest[bytes](), Latest[bytes]()
    await bus.subscribe("c", kept.put)
    subscription = await bus.subscribe("c", dropped.put)
    await bus.unsubscribe(subscription)
    await bus.publish("c", b"x")
    await eventually(lambda: kept.received == 1)
    assert dropped.received == 0


async def test_a_failing_handler_does_not_reach_the_others(make_bus: Callable[[], Bus]) -> None:
    bus = await started(make_bus)
    slot = Latest[bytes]()

    def broken(payload: bytes) -> None:
        raise ValueError("a member's bug")

    await bus.subscribe("c", broken)
    await bus.subscribe("c", slot.put)
    await bus.publish("c", b"x")
    await eventually(lambda: slot.received == 1)


async def test_hash_and_counter_commands(make_bus: Callable[[], Bus]) -> None:
    bus = await started(make_bus)
    assert await bus.hget("h", "a") is None and await bus.hgetall("h") == {}
    await bus.hset("h", {"a": b"1", "b": b"\x00\xff"})
    assert await bus.hget("h", "b") == b"\x00\xff"
    assert await bus.hsetnx("h", "a", b"2") is False
    assert await bus.hsetnx("h", "c", b"3") is True
    assert await bus.hincrby("h", "n", 2) == 2 and await bus.hincrby("h", "n", -1) == 1
    await bus.hdel("h", "a", "missing")
    assert await bus.hgetall("h") == {"b": b"\x00\xff", "c": b"3", "n": b"1"}
    assert [await bus.incr("count", 60) for _ in range(3)] == [1, 2, 3]
    await bus.delete("h", "count")
    assert await bus.hgetall("h") == {} and await bus.incr("count", 60) == 1


async def test_memory_bus_expires_keys_on_its_clock() -> None:
    clock = Clock()
    bus = MemoryBus(clock)
    await bus.hset("h", {"a": b"1"})
    await bus.expire(["h", "never-set"], 10)
    assert await bus.incr("n", 5) == 1
    clock.advance(5)
    assert await bus.incr("n", 5) == 1  # a new window
    clock.advance(5)
    assert await bus.hgetall("h") == {}
    assert await bus.hsetnx("h", "a", b"2") is True  # a fresh hash, no expiry
    clock.advance(100)
    assert await bus.hget("h", "a") == b"2"


async def test_redis_holds_one_subscription_per_channel_per_process(redis_server) -> None:
    url = redis_server.url
    first, second = RedisBus(url, 1.0), RedisBus(url, 1.0)
    try:
        for bus in (first, second):
            await bus.start()
            await bus.connected.wait()
        for _ in range(50):
            await first.subscribe("room:N:frames", Latest[bytes]().put)
        await second.subscribe("room:N:frames", Latest[bytes]().put)
        reply = redis_command(redis_server.port, "PUBSUB", "NUMSUB", "room:N:frames")
        assert reply.endswith(b":2\r\n"), reply  # two processes, 51 followers
    finally:
        await first.close()
        await second.close()


async def test_subscriptions_let_go_while_the_redis_bus_closes(redis_server) -> None:
    """A member leaving while its process stops: (un)subscribing beside `close` is quiet (it
    raised AttributeError on the dropped connection, in a room's background work)."""
    bus = RedisBus(redis_server.url, 1.0)
    await bus.start()
    await bus.connected.wait()
    held = [await bus.subscribe(f"room:C:{n}", Latest[bytes]().put) for n in range(3)]
    closing = asyncio.create_task(bus.close())
    await asyncio.sleep(0)  # close has begun: it dropped the connection and waits on the loops
    await bus.unsubscribe(held[0])
    late = await bus.subscribe("room:C:late", Latest[bytes]().put)
    await closing
    await bus.unsubscribe(held[1])
    await bus.unsubscribe(late)
