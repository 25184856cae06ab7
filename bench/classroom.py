"""A class on a real server (WORKERS=2, a local redis-server), the clients in this process.

`python -m bench.classroom [follow|students|challenge|all] [--followers 200] [--students 60]
[--seconds 10]`
- follow: 1 teacher training + N followers: each follower's frames a second (the teacher's, at
  its frame rate), and the server's CPU (both workers, from /proc) over the window, against the
  teacher alone: the fan-out's cost.
- students: N students on their own forks of M ([8, 8, 8, 8]), training, the teacher's gallery
  open: each student's frames and epochs a second, gallery tiles a second per student at the
  teacher, and a `configure` round trip per student per second (p95).
- challenge: N students submit at once: the time until every `submitted` has come back.
The clients share the machine's two cores with the server: the figures are a floor.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import shutil
import statistics
import struct
import subprocess
import sys
import time
from collections import Counter
from typing import Any

import httpx
import psutil
from websockets.asyncio.client import ClientConnection, connect

from app.rooms.local_redis import LocalRedis, free_port

M = [{"units": 8, "activation": "tanh"}] * 4


class Peer:
    """One page: sends, reads in the background, counts frames by source and keeps replies."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.frames: Counter[int] = Counter()
        self.epochs: list[tuple[float, int]] = []  # (time, epoch) of own frames
        self.replies: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.gallery: Counter[str] = Counter()
        self.task = asyncio.get_running_loop().create_task(self.read())

    async def read(self) -> None:
        async for raw in self.ws:
            if isinstance(raw, bytes):
                (source,) = struct.unpack_from("<H", raw, 6)
                self.frames[source] += 1
                if source == 0:
                    size = struct.unpack_from("<I", raw, 8)[0]
                    header = json.loads(raw[12 : 12 + size])
                    self.epochs.append((time.perf_counter(), header["epoch"]))
                    await self.ws.send(json.dumps({"type": "ack", "seq": header["seq"]}))
                continue
            message = json.loads(raw)
            if message["type"] == "gallery":
                self.gallery.update(entry["name"] for entry in message["entries"])
            else:
                await self.replies.put(message)

    async def send(self, message: dict[str, Any]) -> None:
        await self.ws.send(json.dumps(message))

    async def reply(self, kind: str, timeout: float = 60.0, **match: Any) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            message = await asyncio.wait_for(self.replies.get(), deadline - time.monotonic())
            if message["type"] == "error":
                raise RuntimeError(f"refused: {message}")
            if message["type"] == kind and all(message.get(k) == v for k, v in match.items()):
                return message


async def peer(url: str) -> Peer:
    ws = await connect(url, max_size=2**24, compression=None, open_timeout=60)
    client = Peer(ws)
    await client.send({"type": "hello", "version": 2, "compress": True})
    await client.reply("hello")
    return client


class Server:
    """`python -m app` with two workers and a local redis-server."""

    def __init__(self, extra: dict[str, str]) -> None:
        self.port = free_port()
        self.redis = LocalRedis(shutil.which("redis-server") or "redis-server")
        self.redis.start()
        env = {
            **os.environ,
            "PLAYGROUND_WORKERS": "2",
            "PLAYGROUND_REDIS_URL": self.redis.url,
            "PLAYGROUND_LOG_LEVEL": "warning",
            "PLAYGROUND_ROOM_JOINS_PER_MINUTE": "100000",
            "PLAYGROUND_MAX_SESSIONS_PER_CLIENT": "1000",
            "PLAYGROUND_MAX_SESSIONS": "1000",
            **extra,
        }
        command = [sys.executable, "-m", "app", "--port", str(self.port)]
        self.process = subprocess.Popen(command, env=env)
        url = f"http://127.0.0.1:{self.port}/healthz"
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            try:
                if httpx.get(url, timeout=1).json()["kernel"] in ("ready", "off"):
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        self.ws_url = f"ws://127.0.0.1:{self.port}/ws"

    def cpu(self) -> float:
        """CPU seconds of the server's processes (the supervisor's children and itself)."""
        root = psutil.Process(self.process.pid)
        total = 0.0
        for proc in [root, *root.children(recursive=True)]:
            if "redis" in proc.name():
                continue
            times = proc.cpu_times()
            total += times.user + times.system
        return total

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(30)
        self.redis.stop()


async def open_class(server: Server) -> tuple[Peer, str]:
    teacher = await peer(server.ws_url)
    await teacher.send({"type": "create_room", "teacher": "bench"})
    room = await teacher.reply("room")
    return teacher, room["code"]


async def join(server: Server, code: str, count: int, prefix: str = "s") -> list[Peer]:
    async def one(index: int) -> Peer:
        client = await peer(server.ws_url)
        await client.send({"type": "join_room", "code": code, "name": f"{prefix}{index}"})
        await client.reply("room")
        return client

    students = []
    for start in range(0, count, 20):  # a class arrives over a few seconds, not in one packet
        students += await asyncio.gather(*(one(i) for i in range(start, min(count, start + 20))))
    return students


async def window(server: Server, seconds: float) -> tuple[float, float]:
    cpu, wall = server.cpu(), time.perf_counter()
    await asyncio.sleep(seconds)
    return server.cpu() - cpu, time.perf_counter() - wall


def follower_process(
    url: str, code: str, count: int, start: float, seconds: float, out: Any
) -> None:
    """`count` followers in a process of their own: their frames a second over the window."""

    async def run() -> list[float]:
        server = Server.__new__(Server)
        server.ws_url = url
        followers = await join(server, code, count, prefix=f"p{os.getpid()}-")
        await asyncio.sleep(max(0.0, start - time.time()))
        before = [client.frames[1] for client in followers]
        await asyncio.sleep(seconds)
        return [
            (client.frames[1] - b) / seconds for client, b in zip(followers, before, strict=True)
        ]

    out.put(asyncio.run(run()))


async def follow(server: Server, followers: int, seconds: float, processes: int = 4) -> None:
    teacher, code = await open_class(server)
    stable = {"dataset": "spiral", "layers": M, "learning_rate": 0.003}  # never pauses itself
    await teacher.send({"type": "configure", "config": stable})
    await teacher.send({"type": "play"})
    await asyncio.sleep(2)
    alone, wall = await window(server, seconds)
    context = multiprocessing.get_context("spawn")
    out = context.Queue()
    start = time.time() + 30 + followers / 10  # every follower has joined by then
    children = [
        context.Process(
            target=follower_process,
            args=(server.ws_url, code, followers // processes, start, seconds, out),
        )
        for _ in range(processes)
    ]
    for child in children:
        child.start()
    await asyncio.sleep(max(0.0, start - time.time()))
    own = teacher.frames[0]
    cpu, wall = await window(server, seconds)
    teacher_fps = (teacher.frames[0] - own) / wall
    fps = [value for _ in children for value in out.get(timeout=600)]  # a loaded machine
    for child in children:
        child.join(30)
    print(
        f"follow: {len(fps)} followers of 1 teacher ({seconds:g} s, followers in {processes} "
        f"processes): follower fps min {min(fps):.1f}, median {statistics.median(fps):.1f} "
        f"(the teacher's own page {teacher_fps:.1f}); server CPU {cpu / wall:.0%} of one core "
        f"(teacher alone {alone / wall:.0%}: the fan-out {(cpu - alone) / wall:.0%})"
    )


async def forked_class(server: Server, count: int) -> tuple[Peer, list[Peer]]:
    teacher, code = await open_class(server)
    await teacher.send({"type": "configure", "config": {"dataset": "spiral", "layers": M}})
    await teacher.reply("config")
    students = await join(server, code, count)
    for client in students:
        await client.send({"type": "fork"})
    for client in students:
        await client.reply("status", reason="restored")
        await client.send({"type": "play"})
    return teacher, students


async def train(server: Server, count: int, seconds: float) -> None:
    teacher, students = await forked_class(server, count)
    await asyncio.sleep(3)
    frames = [client.frames[0] for client in students]
    tiles = Counter(teacher.gallery)
    latencies: list[float] = []
    start = time.perf_counter()

    async def commands(client: Peer) -> None:
        rate = 0.01
        while time.perf_counter() - start < seconds:
            rate = 0.02 if rate == 0.01 else 0.01
            sent = time.perf_counter()
            await client.send({"type": "configure", "config": {"learning_rate": rate}})
            await client.reply("config")
            latencies.append(time.perf_counter() - sent)
            await asyncio.sleep(1.0)

    await asyncio.gather(*(commands(client) for client in students))
    wall = time.perf_counter() - start
    fps = [(client.frames[0] - f) / wall for client, f in zip(students, frames, strict=True)]
    eps = [speed(client, start) for client in students]
    hz = [(teacher.gallery[f"s{i}"] - tiles[f"s{i}"]) / wall for i in range(count)]
    p95 = statistics.quantiles(latencies, n=20)[-1]
    print(
        f"students: {count} on forks of M [8,8,8,8] + the gallery ({wall:.0f} s): fps min "
        f"{min(fps):.1f} median {statistics.median(fps):.1f}; epochs/s min {min(eps):.0f} "
        f"median {statistics.median(eps):.0f}; gallery Hz min {min(hz):.2f} median "
        f"{statistics.median(hz):.2f}; configure round trip p95 {p95 * 1000:.0f} ms"
    )


def speed(client: Peer, since: float) -> float:
    points = [(at, epoch) for at, epoch in client.epochs if at >= since]
    if len(points) < 2:
        return 0.0
    return (points[-1][1] - points[0][1]) / (points[-1][0] - points[0][0])


async def challenge(server: Server, count: int) -> None:
    teacher, students = await forked_class(server, count)
    spec = {"dataset": "spiral", "noise": 0.1, "n_points": 500}
    await teacher.send({"type": "start_challenge", "spec": spec})
    for client in students:
        await client.reply("challenge")
    rounds = []
    for _ in range(3):  # the first round also warms each worker's scorer thread
        started = time.perf_counter()
        for client in students:
            await client.send({"type": "submit"})
        await asyncio.gather(*(client.reply("submitted") for client in students))
        rounds.append(time.perf_counter() - started)
    shown = ", ".join(f"{seconds:.2f}" for seconds in rounds)
    print(f"challenge: {count} simultaneous submissions scored in {shown} s (3 rounds)")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.classroom", description=__doc__)
    parser.add_argument("what", nargs="?", default="all")
    parser.add_argument("--followers", type=int, default=200)
    parser.add_argument("--students", type=int, default=60)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    runs = {
        "follow": lambda server: follow(server, args.followers, args.seconds),
        "students": lambda server: train(server, args.students, args.seconds),
        "challenge": lambda server: challenge(server, args.students),
    }
    for name, run in runs.items():
        if args.what in (name, "all"):
            server = Server({})
            try:
                asyncio.run(run(server))
            finally:
                server.stop()


if __name__ == "__main__":
    main()
