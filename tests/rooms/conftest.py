"""Fixtures for the rooms: a real redis-server on a free 127.0.0.1 port, both buses, a clock."""

from __future__ import annotations

import asyncio
import shutil
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import pytest

from app.config import Settings
from app.rooms import MemoryBus, RoomService
from app.rooms.bus import Bus
from app.rooms.local_redis import LocalRedis
from app.rooms.redis_bus import RedisBus

BUSES = ["memory", "redis"]


class Clock:
    """A clock the test moves by hand: expiry, throttles and deadlines read it, nobody waits."""

    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def redis_command(port: int, *words: str) -> bytes:
    """One command in Redis's inline protocol; the raw reply (for setup and inspection)."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(" ".join(words).encode() + b"\r\n")
        return sock.recv(65536)


@pytest.fixture(scope="session")
def redis_server() -> Iterator[LocalRedis]:
    """A real redis-server for the whole session, bound to 127.0.0.1 on a free port."""
    executable = shutil.which("redis-server")
    if executable is None:
        raise RuntimeError(
            "redis-server is not installed: the rooms' Redis tests need it "
            "(Debian: apt-get install redis-server; .ci/run installs it)"
        )
    server = LocalRedis(executable)
    server.start()
    yield server
    server.stop()


@pytest.fixture()
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture()
def clock() -> Clock:
    return Clock()


def room_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "room_reply_seconds": 2.0,
        "redis_timeout_seconds": 1.0,
        "room_idle_seconds": 600.0,
        "room_forget_seconds": 3600.0,
    }
    return Settings(**(values | overrides))


ServiceFactory = Callable[..., Awaitable[RoomService]]


@pytest.fixture(params=BUSES)
def bus_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture()
async def make_bus(
    bus_kind: str, request: pytest.FixtureRequest
) -> AsyncIterator[Callable[[], Bus]]:
    """New bus connections to one store: each call is another process's (memory: one store)."""
    made: list[Bus] = []
    memory = MemoryBus()
    port = 0
    if bus_kind == "redis":
        port = request.getfixturevalue("redis_server").port
        assert redis_command(port, "FLUSHALL").startswith(b"+OK")

    def make() -> Bus:
        bus: Bus = memory if bus_kind == "memory" else RedisBus(f"redis://127.0.0.1:{port}/0", 1.0)
        made.append(bus)
        return bus

    yield make
    for bus in made:
        await bus.close()


@pytest.fixture()
async def make_service(make_bus: Callable[[], Bus], clock: Clock) -> AsyncIterator[ServiceFactory]:
    """`await make_service(scorer=..., **settings)`: a started RoomService on a new bus."""
    services: list[RoomService] = []

    async def make(scorer: Any = None, **overrides: Any) -> RoomService:
        bus = make_bus()
        if isinstance(bus, MemoryBus):
            bus.clock = clock
        service = RoomService(bus, room_settings(**overrides), scorer=scorer, clock=clock)
        await service.start(sweep_seconds=None)
        if isinstance(bus, RedisBus):
            await asyncio.wait_for(bus.connected.wait(), 10)
        services.append(service)
        return service

    yield make
    for service in services:
        await service.close()


async def eventually(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Wait until `condition()` holds; the timeout only bounds a broken test, it asserts nothing
    about speed."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the condition never held")
        await asyncio.sleep(0.005)
