"""Start the real server (`python -m app`) on 127.0.0.1 at a free port, and measure its processes."""

from __future__ import annotations

import contextlib
import os
import socket
import struct
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import psutil


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def running_server(workers: int = 1) -> Iterator[tuple[str, psutil.Process]]:
    """Yield (ws url, server process); the server and its workers are stopped afterwards."""
    port = free_port()
    command = [sys.executable, "-m", "app", "--host", "127.0.0.1", "--port", str(port),
               "--workers", str(workers), "--log-level", "warning"]  # fmt: skip
    # one load generator on one address: the per-address cap would refuse it
    env = {
        **os.environ,
        "PLAYGROUND_MAX_SESSIONS": "200",
        "PLAYGROUND_MAX_SESSIONS_PER_CLIENT": "200",
    }
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            time.sleep(0.1)
        _wait_for_kernels(port, workers)
        yield f"ws://127.0.0.1:{port}/ws", psutil.Process(process.pid)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_for_kernels(port: int, workers: int, timeout: float = 180.0) -> None:
    """Until every worker's /healthz says its compiled kernel is ready: a figure measured
    while a worker still loads it (seconds on a busy machine) would be the readable engine's."""
    ready: set[int] = set()
    deadline = time.monotonic() + timeout
    while len(ready) < workers and time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):  # a new connection: any worker may answer
            health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).json()
            if health["kernel"] == "ready":
                ready.add(health["pid"])
        time.sleep(0.02)
    if len(ready) < workers:
        raise RuntimeError(f"{workers - len(ready)} worker(s) did not load the kernel in time")


def tree(process: psutil.Process) -> list[psutil.Process]:
    return [process, *process.children(recursive=True)]


def cpu_seconds(process: psutil.Process) -> float:
    total = 0.0
    for proc in tree(process):
        with contextlib.suppress(psutil.Error):
            times = proc.cpu_times()
            total += times.user + times.system
    return total


def rss_bytes(process: psutil.Process) -> int:
    total = 0
    for proc in tree(process):
        with contextlib.suppress(psutil.Error):
            total += proc.memory_info().rss
    return total


def frame_header(message: bytes) -> dict[str, Any]:
    """The JSON header of a binary frame (docs/protocol.md), without decoding its grids."""
    (length,) = struct.unpack_from("<I", message, 8)
    return orjson.loads(message[12 : 12 + length])  # type: ignore[no-any-return]
