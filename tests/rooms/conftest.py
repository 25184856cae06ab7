"""Fixtures for the rooms: a real redis-server on a free 127.0.0.1 port, both buses, a clock."""

from __future__ import annotations

import asyncio
import inspect
import shutil
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from roomkit import Clock, LoopExit, ServiceFactory, redis_command, room_settings

from app.rooms import MemoryBus, RoomService
from app.rooms.bus import Bus
from app.rooms.local_redis import LocalRedis
from app.rooms.redis_bus import RedisBus

BUSES = ["memory", "redis"]
TEST_SECONDS = 120  # a bound on a hung test, never a measure of speed


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
def own_redis(redis_server: LocalRedis) -> Iterator[LocalRedis]:
    """A redis-server this test may stop (redis_server checks that one is installed)."""
    server = LocalRedis(shutil.which("redis-server") or "redis-server")
    server.start()
    yield server
    server.stop()


@pytest.fixture()
def clock() -> Clock:
    return Clock()


@pytest.fixture(params=BUSES)
def bus_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture()
def loop_exit() -> LoopExit:
    return LoopExit()


@pytest.fixture()
def make_bus(
    bus_kind: str, request: pytest.FixtureRequest, loop_exit: LoopExit
) -> Callable[[], Bus]:
    """New bus connections to one store: each call is another process's (memory: one store)."""
    memory = MemoryBus()
    port = 0
    if bus_kind == "redis":
        port = request.getfixturevalue("redis_server").port
        assert redis_command(port, "FLUSHALL").startswith(b"+OK")

    def make() -> Bus:
        bus: Bus = memory if bus_kind == "memory" else RedisBus(f"redis://127.0.0.1:{port}/0", 1.0)
        loop_exit.push(bus.close)
        return bus

    return make


@pytest.fixture()
def make_service(make_bus: Callable[[], Bus], clock: Clock, loop_exit: LoopExit) -> ServiceFactory:
    """`await make_service(scorer=..., **settings)`: a started RoomService on a new bus."""

    async def make(scorer: Any = None, **overrides: Any) -> RoomService:
        bus = make_bus()
        if isinstance(bus, MemoryBus):
            bus.clock = clock
        service = RoomService(bus, room_settings(**overrides), scorer=scorer, clock=clock)
        loop_exit.push(service.close)
        await service.start(sweep_seconds=None)
        if isinstance(bus, RedisBus):
            await asyncio.wait_for(bus.connected.wait(), 10)
        return service

    return make


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """Run an `async def` test in a fresh event loop on a thread of its own.

    Not in pytest's thread: Playwright's sync API (the browser tests, earlier in the session)
    leaves a running loop there. Fixtures' async clean-ups (LoopExit) run in the same loop.
    """
    if not inspect.iscoroutinefunction(pyfuncitem.obj):
        return None
    arguments = {name: pyfuncitem.funcargs[name] for name in pyfuncitem._fixtureinfo.argnames}
    exits = pyfuncitem.funcargs.get("loop_exit")

    async def main() -> None:
        try:
            await pyfuncitem.obj(**arguments)
        finally:
            for callback in reversed(exits.callbacks if isinstance(exits, LoopExit) else []):
                await callback()

    failure: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(main())
        except BaseException as problem:  # noqa: BLE001 - re-raised in pytest's thread
            failure.append(problem)

    thread = threading.Thread(target=run, name=f"test {pyfuncitem.name}", daemon=True)
    thread.start()
    thread.join(TEST_SECONDS)
    if thread.is_alive():
        raise TimeoutError(f"{pyfuncitem.name} still running after {TEST_SECONDS} s: a hang")
    if failure:
        raise failure[0]
    return True
