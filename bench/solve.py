"""Time to solve: wall seconds from play to the first frame with test loss < 0.05.

Spiral, [8, 8, 8, 8] ReLU, learning rate 0.03, batch 10, over a real websocket with the
animation (frames) running; median over 5 weight seeds, at the default speed and at max.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from typing import Any

from websockets.asyncio.client import connect

from bench.server import frame_header, running_server

TARGET = 0.05


async def _solve(url: str, seed: int, speed: float | None, limit: float) -> tuple[float, int]:
    async with connect(url, max_size=2**24, compression=None) as ws:
        layers = [{"units": 8, "activation": "relu"}] * 4
        config: dict[str, Any] = {"dataset": "spiral", "layers": layers, "learning_rate": 0.03,
                                  "seed": seed}  # fmt: skip
        if speed is not None:
            config["speed"] = speed
        await ws.send(json.dumps({"type": "configure", "config": config}))
        await ws.send(json.dumps({"type": "reset", "seed": seed}))
        while True:  # wait for the reset to show
            message = await ws.recv()
            if isinstance(message, str) and json.loads(message).get("reason") == "reset":
                break
        await ws.send(json.dumps({"type": "play"}))
        start = time.perf_counter()
        while (elapsed := time.perf_counter() - start) < limit:
            message = await asyncio.wait_for(ws.recv(), timeout=limit)
            if isinstance(message, bytes):
                header = frame_header(message)
                await ws.send(json.dumps({"type": "ack", "seq": header["seq"]}))
                loss = header["test_loss"]
                if header["running"] and loss is not None and loss < TARGET:
                    return elapsed, header["epoch"]
        return float("inf"), -1


def run(quick: bool) -> list[dict[str, Any]]:
    seeds = range(3) if quick else range(5)
    rows = []
    with running_server(1) as (url, _):
        for speed, limit in ((None, 30.0), (30.0, 40.0 if quick else 90.0), (0.0, 30.0)):
            results = [asyncio.run(_solve(url, seed, speed, limit)) for seed in seeds]
            times = [r[0] for r in results]
            rows.append({
                "speed": {None: "default (300 epochs/s)", 30.0: "30 epochs/s"}.get(speed, "max (0)"),
                "median s": statistics.median(times),
                "per seed s": ", ".join(f"{t:.1f}" for t in times),
                "epochs": ", ".join(str(r[1]) for r in results),
            })  # fmt: skip
    return rows
