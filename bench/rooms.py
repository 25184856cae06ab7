"""Rooms: the bus's share of following a teacher, and of a challenge round.

`python -m bench.rooms [--followers 200] [--fps 25] [--seconds 10] [--frame-bytes 12000]`
Fan-out: one redis-server, the teacher publishing from this process, the followers in another
(as two workers): the followers' process's CPU time over the run, as a share of one core. The
socket sends come on top of this (measured once the rooms are wired into the socket).
Challenge: 60 students on two services submit at once, scored by an instant scorer: the rooms'
own time for the round (the engine's scoring comes on top).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import shutil
import time
from typing import Any

from app.config import Settings
from app.rooms import Hooks, RoomService, Score
from app.rooms.inbox import Latest
from app.rooms.local_redis import LocalRedis
from app.rooms.memory import MemoryBus
from app.rooms.redis_bus import RedisBus

CHANNEL = "room:BENCH2:frames"


def followers_process(url: str, followers: int, frames: int, ready: Any, result: Any) -> None:
    async def main() -> None:
        bus = RedisBus(url)
        await bus.start()
        await bus.connected.wait()
        done = asyncio.Event()
        slots: list[Latest[bytes]] = []

        def seen() -> None:  # what a follower's socket would do on delivery: wake its sender
            if slots[-1].received >= frames:
                done.set()

        for _ in range(followers):
            slots.append(Latest(seen))
            await bus.subscribe(CHANNEL, slots[-1].put)
        cpu, wall = time.process_time(), time.perf_counter()
        ready.set()
        await done.wait()
        result.put((time.process_time() - cpu, time.perf_counter() - wall))
        await bus.close()

    asyncio.run(main())


async def publish(url: str, fps: float, frames: int, frame_bytes: int) -> None:
    bus = RedisBus(url)
    await bus.start()
    await bus.connected.wait()
    frame = bytes(range(256)) * (frame_bytes // 256)
    start = time.perf_counter()
    for index in range(frames + 20):  # a few past the count: the last ones may be coalesced
        bus.offer(CHANNEL, frame)
        await asyncio.sleep(max(0.0, start + (index + 1) / fps - time.perf_counter()))
    await bus.close()


def memory_fan_out(followers: int, frames: int, frame_bytes: int) -> float:
    """Microseconds per frame to deliver to every follower in one process (MemoryBus)."""
    bus, frame = MemoryBus(), bytes(frame_bytes)

    async def main() -> float:
        for _ in range(followers):
            await bus.subscribe(CHANNEL, Latest[bytes]().put)
        start = time.perf_counter()
        for _ in range(frames):
            bus.offer(CHANNEL, frame)
        return (time.perf_counter() - start) / frames * 1e6

    return asyncio.run(main())


async def challenge_round(url: str, students: int = 60) -> float:
    """Seconds for `students` simultaneous submissions, spread over two services."""

    async def network() -> dict[str, Any]:
        return {}

    async def scorer(network: dict[str, Any], hidden: Any) -> Score:
        return Score(test_loss=0.1, test_accuracy=0.9, parameters=30, neurons=4, layers=1)

    settings = Settings(room_joins_per_minute=10 * students)
    services = [RoomService(RedisBus(url), settings, scorer=scorer) for _ in range(2)]
    for service in services:
        await service.start(sweep_seconds=None)
        await service.bus.connected.wait()  # type: ignore[attr-defined]
    ticket = await services[0].create_room("127.0.0.1")
    teacher = await services[0].join_teacher(
        ticket.code, ticket.teacher_token, "127.0.0.1", Hooks(network=network)
    )
    members = []
    for index in range(students):
        service = services[index % 2]
        member = await service.join(ticket.code, f"Student {index}", "127.0.0.1")
        await service.fork(member)
        members.append((service, member))
    await services[0].challenges.start(teacher, {"dataset": "spiral"})
    start = time.perf_counter()
    await asyncio.gather(*(s.challenges.submit(m, {}, 10) for s, m in members))
    seconds = time.perf_counter() - start
    for service in services:
        await service.close()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.rooms", description=__doc__)
    parser.add_argument("--followers", type=int, default=200)
    parser.add_argument("--fps", type=float, default=25.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--frame-bytes", type=int, default=12_000)
    args = parser.parse_args()
    frames = int(args.fps * args.seconds)
    executable = shutil.which("redis-server")
    if executable is None:
        raise SystemExit("bench.rooms needs redis-server (apt-get install redis-server)")
    server = LocalRedis(executable)
    server.start()
    try:
        context = multiprocessing.get_context("spawn")
        ready, result = context.Event(), context.Queue()
        child = context.Process(
            target=followers_process, args=(server.url, args.followers, frames, ready, result)
        )
        child.start()
        ready.wait(60)
        asyncio.run(publish(server.url, args.fps, frames, args.frame_bytes))
        cpu, wall = result.get(timeout=60)
        child.join(10)
        asyncio.run(challenge_round(server.url))  # warm: the pools open their connections
        round_seconds = asyncio.run(challenge_round(server.url))
    finally:
        server.stop()
    per_frame = memory_fan_out(args.followers, 1000, args.frame_bytes)
    print(
        f"{args.followers} followers, {args.fps:g} fps, {args.frame_bytes:,} B frames: "
        f"followers' process {cpu / wall:.1%} of one core over {wall:.1f} s (RedisBus); "
        f"in one process (MemoryBus) {per_frame:.0f} us a frame"
    )
    print(f"challenge: 60 simultaneous submissions on two services in {round_seconds:.3f} s")


if __name__ == "__main__":
    main()
