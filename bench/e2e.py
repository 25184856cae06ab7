"""End to end: N websocket clients on 127.0.0.1, each training M; what each one receives.

Every client plays M, and every ~0.5 s switches layer 1's activation (tanh <-> relu): the
latency is from sending that command to the first frame whose header shows it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import statistics
import time
from dataclasses import dataclass, field
from typing import Any

import orjson
from websockets.asyncio.client import connect

from app.protocol import PROTOCOL_VERSION
from bench.server import cpu_seconds, frame_header, rss_bytes, running_server

M_LAYERS = [{"units": 8, "activation": "tanh"}] * 4


@dataclass
class Tally:
    frames: int = 0
    received: int = 0  # frames, warm-up included
    bytes: int = 0
    first_epoch: int | None = None
    last_epoch: int = 0
    latencies: list[float] = field(default_factory=list)
    max_gap: float = 0.0


# The speed the crowd asks for: issue 13's 300 epochs/s (the default until the page's default
# pace became 30, a pace a class can watch; 300 asks ten times as much training of each turn).
SPEED = 300.0


async def _client(url: str, seconds: float, warmup: float, tally: Tally, speed: float) -> None:
    async with connect(url, max_size=2**24, compression=None) as ws:
        layers = [dict(layer) for layer in M_LAYERS]
        config: dict[str, Any] = {"dataset": "spiral", "layers": layers, "speed": speed}
        await ws.send(
            json.dumps({"type": "hello", "version": PROTOCOL_VERSION, "compress": True})
        )  # as the page
        await ws.send(json.dumps({"type": "configure", "config": config}))
        await ws.send(json.dumps({"type": "play"}))
        start = time.perf_counter()
        measuring_from = start + warmup
        end = measuring_from + seconds
        pending: tuple[str, float] | None = None
        next_command = measuring_from + 0.25
        last_frame = None
        # One deadline for the whole loop (asyncio.wait_for per recv costs a task and a timer
        # each: as much CPU as the rest of a frame's handling here).
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(end - time.perf_counter()):
                while True:
                    now = time.perf_counter()
                    if pending is None and now >= next_command:
                        want = "relu" if layers[0]["activation"] == "tanh" else "tanh"
                        layers[0]["activation"] = want
                        command = {"type": "configure", "config": {"layers": layers}}
                        await ws.send(orjson.dumps(command).decode())
                        pending = (want, time.perf_counter())
                    message = await ws.recv()
                    if isinstance(message, str):
                        continue
                    now = time.perf_counter()
                    header = frame_header(message)
                    tally.received += 1
                    await ws.send(
                        b'{"type":"ack","seq":%d}' % header["seq"], text=True
                    )  # as the page
                    if now < measuring_from:
                        continue
                    if last_frame is not None:
                        tally.max_gap = max(tally.max_gap, now - last_frame)
                    last_frame = now
                    tally.frames += 1
                    tally.bytes += len(message)
                    if tally.first_epoch is None:
                        tally.first_epoch = header["epoch"]
                    tally.last_epoch = header["epoch"]
                    if pending is not None and header["activations"][0] == pending[0]:
                        tally.latencies.append(now - pending[1])
                        pending = None
                        next_command = now + 0.5


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _measure(url: str, clients: int, seconds: float, speed: float) -> list[Tally]:
    tallies = [Tally() for _ in range(clients)]
    warmup = 1.0 + 0.05 * clients
    await asyncio.gather(*(_client(url, seconds, warmup, t, speed) for t in tallies))
    return tallies


def run(
    quick: bool, counts: tuple[int, ...] = (1, 10, 30), workers: int = 2
) -> list[dict[str, Any]]:
    seconds = 4.0 if quick else 10.0
    rows = []
    for speed in (SPEED, 0.0):  # 300 epochs/s, then as fast as possible
        for clients in counts:
            with running_server(workers) as (url, server):
                cpu0, t0 = cpu_seconds(server), time.perf_counter()
                tallies = asyncio.run(_measure(url, clients, seconds, speed))
                cpu = (cpu_seconds(server) - cpu0) / (time.perf_counter() - t0)
                memory = rss_bytes(server)
            fps = [t.frames / seconds for t in tallies]
            eps = [(t.last_epoch - (t.first_epoch or 0)) / seconds for t in tallies]
            latencies = [x for t in tallies for x in t.latencies]
            rows.append({
                "speed": f"{speed:g}" if speed else "max (0)",
                "clients": clients,
                "fps per client (median / min)": f"{statistics.median(fps):.1f} / {min(fps):.1f}",
                "epochs/s per client (median / min)": f"{statistics.median(eps):.0f} / {min(eps):.0f}",
                "command latency p50 / p95 ms": f"{1000 * _percentile(latencies, 0.5):.0f} / "
                f"{1000 * _percentile(latencies, 0.95):.0f}",
                "longest frame gap ms": f"{1000 * max(t.max_gap for t in tallies):.0f}",
                "kB/s per client": statistics.median(t.bytes for t in tallies) / seconds / 1000,
                "server CPU % per session": 100 * cpu / clients,
                "server MB per session": memory / 1e6 / clients,
            })  # fmt: skip
    return rows
