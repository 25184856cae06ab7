"""A real uvicorn server on 127.0.0.1 at a free port, in its own process, for the tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psutil

ROOT = Path(__file__).resolve().parent.parent
STOP_SECONDS = 30


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class ServerProcess:
    """A `python -m app` child process; restartable on the same port."""

    port: int
    extra_env: dict[str, str]
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None  # the server's stderr goes here when set (tests read its log)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    def start(self) -> None:
        env = {**os.environ, "PLAYGROUND_LOG_LEVEL": "warning", **self.extra_env}
        log = open(self.log_path, "ab") if self.log_path else None  # noqa: SIM115 - the child's
        self.process = subprocess.Popen(
            [sys.executable, "-m", "app", "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=ROOT,
            env=env,
            stderr=log,
        )
        if log is not None:
            log.close()
        deadline = time.monotonic() + 120  # a bound for a loaded machine, not a wait
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=0.5).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.05)
        raise RuntimeError("server did not answer /healthz within 120 s")

    def health(self) -> dict[str, Any]:
        health: dict[str, Any] = httpx.get(f"{self.url}/healthz", timeout=10).json()
        return health

    def wait_for_health(
        self, condition: Callable[[dict[str, Any]], bool], timeout: float = 60.0
    ) -> dict[str, Any]:
        """Poll /healthz until `condition` holds for its answer (a condition, not a clock)."""
        deadline = time.monotonic() + timeout
        while True:
            health = self.health()
            if condition(health):
                return health
            if time.monotonic() > deadline:
                raise TimeoutError(f"/healthz never satisfied the condition: {health}")
            time.sleep(0.05)

    def wait_for_kernel(self) -> None:
        """Until the compiled kernel is loaded (or off): loading it adds tens of MiB and threads,
        and changes the pace, so tests that measure memory, threads or speed wait for it."""
        # A cold compile on a loaded 2-core machine can take minutes; from the cache, about 1 s.
        self.wait_for_health(lambda health: health["kernel"] in ("ready", "off"), timeout=600)

    def wait_for_sessions(self, sessions: int) -> None:
        """Until the server counts exactly `sessions` open sessions (closed ones are dropped)."""
        self.wait_for_health(lambda health: health["sessions"] == sessions)

    def stop(self) -> None:
        """SIGTERM, as an operator's Ctrl-C or a service manager: the server and its workers
        must be gone within STOP_SECONDS (a bound for a loaded machine; a graceful stop takes
        about a second). A hang is killed, then reported: once, a connection's room loops
        outlived it, the test killed the supervisor, and its worker ran on, orphaned."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        workers = psutil.Process(process.pid).children(recursive=True)
        process.terminate()
        try:
            process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        _, alive = psutil.wait_procs(workers, timeout=STOP_SECONDS)
        for worker in alive:
            worker.kill()
        if process.returncode == -9 or alive:
            raise AssertionError(f"the server did not stop within {STOP_SECONDS} s of SIGTERM")


def start_server(log_path: Path | None = None, **extra_env: str) -> ServerProcess:
    server = ServerProcess(free_port(), dict(extra_env), log_path=log_path)
    server.start()
    return server
