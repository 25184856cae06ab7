"""Settings for rooms, and serving several workers: PLAYGROUND_REDIS_URL, else a local Redis."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psutil
import pytest
from roomkit import redis_command

from app.config import Settings
from app.rooms import MemoryBus, create_bus
from app.rooms.local_redis import LocalRedis, ensure_redis
from app.rooms.redis_bus import RedisBus

ROOT = Path(__file__).resolve().parents[2]


def test_room_settings_come_from_the_environment() -> None:
    settings = Settings.from_env(
        {
            "PLAYGROUND_REDIS_URL": "redis://10.0.0.2:6379/1",
            "PLAYGROUND_ROOM_MAX_MEMBERS": "40",
            "PLAYGROUND_ROOM_IDLE_SECONDS": "120",
            "PLAYGROUND_ROOM_JOINS_PER_MINUTE": "3",
            "PLAYGROUND_ROOM_NAME_MAX_CHARS": "12",
        }
    )
    assert settings.redis_url == "redis://10.0.0.2:6379/1"
    assert (settings.room_max_members, settings.room_idle_seconds) == (40, 120.0)
    assert (settings.room_joins_per_minute, settings.room_name_max_chars) == (3, 12)


def test_the_bus_follows_the_settings() -> None:
    assert isinstance(create_bus(Settings()), MemoryBus)
    assert isinstance(create_bus(Settings(redis_url="redis://127.0.0.1:1/0")), RedisBus)
    with pytest.raises(ValueError, match="PLAYGROUND_REDIS_URL"):
        create_bus(Settings(workers=2))


def test_one_worker_or_a_given_url_start_nothing() -> None:
    for settings in (Settings(), Settings(workers=2, redis_url="redis://h:6379/0")):
        assert ensure_redis(settings) == (settings, None)


def test_workers_without_redis_installed_are_refused_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no redis-server on it
    with pytest.raises(SystemExit) as refused:
        ensure_redis(Settings(workers=3))
    message = str(refused.value.code)
    assert "3 workers" in message and "PLAYGROUND_REDIS_URL=redis://" in message
    assert "apt-get install redis-server" in message


def test_workers_get_a_local_redis_bound_to_loopback(redis_server: LocalRedis) -> None:
    settings, local = ensure_redis(Settings(workers=2), executable=redis_server.executable)
    assert local is not None
    try:
        assert settings.redis_url == local.url and local.url.startswith("redis://127.0.0.1:")
        assert local.ping()
        process = psutil.Process(local.process.pid)  # type: ignore[union-attr]
        listening = {c.laddr.ip for c in process.net_connections() if c.status == "LISTEN"}
        assert listening == {"127.0.0.1"}
        assert redis_command(local.port, "CONFIG", "GET", "save").endswith(b"$0\r\n\r\n")
        assert redis_command(local.port, "CONFIG", "GET", "appendonly").endswith(b"no\r\n")
    finally:
        local.stop()
    assert not local.ping()


def test_make_run_workers_starts_and_stops_its_redis(redis_server: LocalRedis) -> None:
    """`python -m app --workers 2` with no PLAYGROUND_REDIS_URL: a redis-server child, stopped with
    the server (tests/test_server_load.py serves requests with two workers)."""
    from serverproc import free_port

    env = {k: v for k, v in os.environ.items() if k != "PLAYGROUND_REDIS_URL"}
    env |= {"PLAYGROUND_LOG_LEVEL": "warning", "PLAYGROUND_NO_JIT": "1"}
    command = [sys.executable, "-m", "app", "--port", str(free_port()), "--workers", "2"]
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        while "redis-server" not in line:
            assert line, "the server exited before starting redis-server"
            line = server.stdout.readline()
        assert "started redis-server on 127.0.0.1:" in line
        supervisor = psutil.Process(server.pid)
        while len(supervisor.children()) < 3:  # redis-server and both workers: serving began
            assert server.poll() is None, "the server exited"
            psutil.wait_procs([], timeout=0.02)
        redis = [child for child in supervisor.children() if "redis-server" in child.name()]
        assert len(redis) == 1
    finally:
        server.terminate()
        server.wait(timeout=30)
    _, alive = psutil.wait_procs(redis, timeout=10)
    assert not alive
