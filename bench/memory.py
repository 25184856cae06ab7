"""Server memory per session: resident memory of a one-worker server before and after N
clients each train their own M (or L), divided by N."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import httpx
from websockets.asyncio.client import connect

from bench.server import frame_header, rss_bytes, running_server

NETWORKS: dict[str, dict[str, Any]] = {
    "M": {"dataset": "spiral", "layers": [{"units": 8, "activation": "tanh"}] * 4},
    "L": {"dataset": "spiral", "n_points": 2000, "layers": [{"units": 16, "activation": "relu"}] * 6},
}  # fmt: skip
TARGET_MB = {"M": 0.3, "L": 1.5}  # issue 13


async def _client(
    url: str, config: dict[str, Any], ready: asyncio.Event, stop: asyncio.Event
) -> None:
    async with connect(url, max_size=2**24, compression=None) as ws:
        await ws.send(json.dumps({"type": "hello", "version": 2, "compress": True}))
        await ws.send(json.dumps({"type": "configure", "config": config}))
        await ws.send(json.dumps({"type": "play"}))
        frames = 0
        while not stop.is_set():
            try:
                message = await asyncio.wait_for(ws.recv(), timeout=0.2)
            except TimeoutError:
                continue
            if isinstance(message, bytes):
                await ws.send(json.dumps({"type": "ack", "seq": frame_header(message)["seq"]}))
                frames += 1
                if frames == 20:  # caches and buffers of a running session are in place
                    ready.set()


async def _sessions(url: str, config: dict[str, Any], count: int, server: Any) -> int:
    stop = asyncio.Event()
    readies = [asyncio.Event() for _ in range(count)]
    tasks = [asyncio.ensure_future(_client(url, config, r, stop)) for r in readies]
    await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), timeout=300)
    await asyncio.sleep(1.0)
    memory = rss_bytes(server)
    stop.set()
    await asyncio.gather(*tasks)
    return memory


def _wait_for_kernel(url: str) -> None:
    http = url.replace("ws://", "http://").removesuffix("/ws")
    deadline = time.monotonic() + 600
    while httpx.get(f"{http}/healthz").json()["kernel"] not in ("ready", "off"):
        if time.monotonic() > deadline:
            raise TimeoutError("kernel not ready")
        time.sleep(0.1)


def run(quick: bool) -> list[dict[str, Any]]:
    count = 10 if quick else 30
    rows = []
    for name, config in NETWORKS.items():
        with running_server(1) as (url, server):
            _wait_for_kernel(url)
            asyncio.run(_sessions(url, config, 2, server))  # warm: imports, first allocations
            time.sleep(1.0)
            before = rss_bytes(server)
            after = asyncio.run(_sessions(url, config, count, server))
        per = (after - before) / count / 1e6
        rows.append({
            "network": name, "sessions": count, "server MB before": before / 1e6,
            "server MB with them": after / 1e6, "MB per session": per,
            "target MB": TARGET_MB[name], "goal": "met" if per <= TARGET_MB[name] else "not met",
        })  # fmt: skip
    return rows
