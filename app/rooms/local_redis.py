"""A private redis-server for `make run WORKERS=N` without PLAYGROUND_REDIS_URL (and the tests).

Bound to 127.0.0.1 on a free port, nothing saved to disk, stopped with the server (and, on
Linux, killed by the kernel if the server dies first).
"""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable

from app.config import ENV_PREFIX, Settings

NEEDS_REDIS = (
    "{workers} workers share their classroom rooms through Redis, and redis-server is not "
    "installed: set " + ENV_PREFIX + "REDIS_URL=redis://HOST:6379/0 to use a Redis server, "
    "install one (Debian: apt-get install redis-server) to have it started for you, "
    "or serve with one worker."
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _die_with_parent() -> Callable[[], None] | None:
    """A preexec_fn asking Linux to SIGTERM the child when its parent dies; None elsewhere."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    pr_set_pdeathsig = 1

    def preexec() -> None:
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)

    return preexec


class LocalRedis:
    """One redis-server child process on 127.0.0.1:`port` (restartable on the same port)."""

    def __init__(self, executable: str, port: int | None = None) -> None:
        self.executable = executable
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 20.0) -> None:
        """Start it and wait until it answers PING."""
        command = [self.executable, "--bind", "127.0.0.1", "--port", str(self.port)]
        command += ["--save", "", "--appendonly", "no", "--protected-mode", "yes"]
        command += ["--loglevel", "warning", "--daemonize", "no"]
        self.process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            preexec_fn=_die_with_parent(),  # noqa: PLW1509 - no threads yet when serving starts
        )
        deadline = time.monotonic() + timeout
        while not self.ping():
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server on port {self.port} exited at start")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"redis-server on port {self.port} did not answer PING")
            time.sleep(0.02)

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1.0) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


def ensure_redis(
    settings: Settings, executable: str | None = None
) -> tuple[Settings, LocalRedis | None]:
    """Settings whose rooms work across `workers` processes, and the Redis started for them.

    One worker, or a redis_url given: unchanged. Else a local redis-server if one is installed
    (`executable`: its path, found on PATH by default); else SystemExit with what to do.
    """
    if settings.workers <= 1 or settings.redis_url:
        return settings, None
    executable = executable or shutil.which("redis-server")
    if executable is None:
        raise SystemExit(NEEDS_REDIS.format(workers=settings.workers))
    server = LocalRedis(executable)
    server.start()
    print(f"Rooms: started redis-server on 127.0.0.1:{server.port} for the workers", flush=True)
    return settings.model_copy(update={"redis_url": server.url}), server
