"""Serving: one uvicorn process, or N workers handed their connections by a supervisor.

uvicorn's own --workers share one listening socket, and whichever worker calls accept() first
takes the connection: a class of 30 arriving at once can all land on one worker while the
other idles (docs/benchmarks.md). A listening socket per worker (SO_REUSEPORT) spread them by a
hash of the client's address, unevenly (60 clients split 35/25, 39/21). Here the supervisor
accepts and hands each connection to the worker holding the fewest (app/handoff.py).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import socket
import subprocess
import sys
import time
from typing import Any

import uvicorn

from app import kernel_cache
from app.config import ENV_PREFIX, Settings
from app.handoff import HandedServer, Loads, hand_out
from app.parent_watch import when_parent_exits
from app.rooms.local_redis import ensure_redis
from app.web.wsprotocol import PlaygroundWebSocketProtocol

RESTARTS_PER_MINUTE = 5  # a worker that keeps dying is not restarted forever


def _options(settings: Settings) -> dict[str, Any]:
    return {
        "app": "app.main:create_app_from_env",
        "factory": True,
        "host": settings.host,
        "port": settings.port,
        "log_level": settings.log_level,
        # h11 bounds a request's head (httptools reads any size: a 32 MB header stalled others)
        "http": "h11",
        "h11_max_incomplete_event_size": settings.max_header_bytes,
        "ws": PlaygroundWebSocketProtocol,  # too_large for any size; 1007 without a traceback
        "ws_per_message_deflate": False,  # frames are mostly uint8 grids: compression costs more
        "ws_max_size": settings.max_message_bytes,
    }


def serve(settings: Settings) -> None:
    """Run the server until interrupted (SIGINT or SIGTERM), the kernels compiled first (once:
    then each worker loads them from the cache). The build runs in a process of its own, so
    this supervisor never holds numba's compiler in memory, and only when the cache lacks it
    (checking by loading every kernel took 3-4 s of each start)."""
    if not kernel_cache.is_built():
        subprocess.run([sys.executable, "-m", "app.accel.build"], check=False)
    # Workers share classroom rooms through Redis: PLAYGROUND_REDIS_URL, or one started here.
    settings, local_redis = ensure_redis(settings)
    if settings.redis_url:  # every worker builds its app from the environment
        os.environ[ENV_PREFIX + "REDIS_URL"] = settings.redis_url
    try:
        if settings.workers > 1 and hasattr(socket, "send_fds"):
            _supervise(settings)
        else:  # one process, or a platform without descriptor passing: uvicorn's own workers
            uvicorn.run(**_options(settings), workers=settings.workers)
    finally:
        if local_redis is not None:
            local_redis.stop()


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    return sock


def _stop_gracefully() -> None:
    """This worker's supervisor is gone (killed, it could not stop its workers, and an orphaned
    worker kept its sessions and its reconnecting to Redis going for ever): stop."""
    os.kill(os.getpid(), signal.SIGTERM)  # uvicorn's graceful shutdown
    time.sleep(10.0)
    os.kill(os.getpid(), signal.SIGINT)  # after a SIGTERM, uvicorn's "force quit"


def _worker(settings_json: str, inbox: socket.socket, loads: Loads, index: int) -> None:
    """One worker process: the connections its supervisor hands it, its own sessions."""
    when_parent_exits(_stop_gracefully, "supervisor watch")
    settings = Settings.model_validate_json(settings_json)
    HandedServer(uvicorn.Config(**_options(settings)), inbox, loads, index).run()


def _supervise(settings: Settings) -> None:
    """Start the workers, restart one that dies, stop them all on SIGINT / SIGTERM."""
    listener = _listen(settings.host, settings.port)  # a port already taken fails here, clearly
    context = multiprocessing.get_context("spawn")
    payload = settings.model_dump_json()
    loads = Loads(context, settings.workers)
    inboxes: list[socket.socket | None] = [None] * settings.workers
    stopping = False

    def stop(*_: Any) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)

    def start(index: int) -> Any:
        """Worker `index`, with a fresh inbox for its connections."""
        if inboxes[index] is not None:
            inboxes[index].close()  # type: ignore[union-attr]
            inboxes[index] = None
        loads.reset(index)
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
        ours.setblocking(False)  # a swamped worker's connection goes to the other one
        process = context.Process(target=_worker, args=(payload, theirs, loads, index))
        process.start()
        theirs.close()
        inboxes[index] = ours
        return process

    workers = [start(index) for index in range(settings.workers)]
    handing = hand_out(listener, inboxes, loads, lambda: stopping)
    restarts: list[float] = []
    while not stopping:
        time.sleep(0.2)
        for index, process in enumerate(workers):
            if process.is_alive() or stopping:
                continue
            restarts = [t for t in restarts if time.monotonic() - t < 60] + [time.monotonic()]
            if len(restarts) > RESTARTS_PER_MINUTE:
                print("workers keep exiting; stopping the server", flush=True)
                stopping = True
                break
            workers[index] = start(index)
    handing.join(timeout=1.0)
    listener.close()
    for process in workers:
        if process.is_alive():
            process.terminate()  # uvicorn shuts down gracefully on SIGTERM
    for process in workers:
        process.join(timeout=10)
        if process.is_alive():
            process.kill()
