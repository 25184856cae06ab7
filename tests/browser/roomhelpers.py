"""The classroom's browser helpers: a server of the room tests' own (one process in memory, or
two workers over a real redis-server), a teacher and students (on the other worker)."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from serverproc import ServerProcess, start_server

from app.rooms.local_redis import LocalRedis

ROOM_ENV = {"PLAYGROUND_ROOM_JOINS_PER_MINUTE": "1000"}  # many pages from one address (127.0.0.1)

# Before the page's scripts: the server's hello (it names the worker process) in window.__hello.
RECORD_HELLO = """
window.__hello = null;
const PageSocket = window.WebSocket;
window.WebSocket = class extends PageSocket {
  constructor(...args) {
    super(...args);
    this.addEventListener('message', (event) => {
      if (typeof event.data !== 'string' || !event.data.startsWith('{"type":"hello"')) return;
      window.__hello = JSON.parse(event.data);
    });
  }
};
"""


@pytest.fixture(scope="module", params=["memory", "redis-2-workers"])
def room_server(request: pytest.FixtureRequest) -> Iterator[ServerProcess]:
    if request.param == "memory":
        proc = start_server(**ROOM_ENV)
        yield proc
        proc.stop()
        return
    executable = shutil.which("redis-server")
    assert executable, "redis-server is not installed (Debian: apt-get install redis-server)"
    redis = LocalRedis(executable)
    redis.start()
    proc = start_server(**ROOM_ENV, PLAYGROUND_WORKERS="2", PLAYGROUND_REDIS_URL=redis.url)
    yield proc
    proc.stop()
    redis.stop()


def two_workers(server: ServerProcess) -> bool:
    return bool(server.extra_env.get("PLAYGROUND_WORKERS") == "2")


def room_of(p: Any) -> dict[str, Any] | None:
    return p.js("() => window.__playground.room")  # type: ignore[no-any-return]


def wait_role(p: Any, role: str) -> dict[str, Any]:
    p.page.wait_for_function(f"() => window.__playground.room?.role === '{role}'")
    room = room_of(p)
    assert room is not None
    return room


def worker(p: Any) -> int:
    p.page.wait_for_function("() => window.__hello !== null")
    return int(p.js("() => window.__hello.worker"))


def start_class(
    open_page: Callable[..., Any], url: str, hash_: str = "", teacher: str = "", **size: Any
) -> Any:
    """A teacher page that started a class under the display name `teacher` (empty: none) in
    the start form; its sheet shows the join tab."""
    page = open_page(url, hash_, script=RECORD_HELLO, **size)
    page.ready()
    page.page.locator("#class-start").click()
    page.page.locator("#start-name").fill(teacher)
    page.page.locator("#start-submit").click()
    wait_role(page, "teacher")
    return page


def join_class(
    open_page: Callable[..., Any], server: ServerProcess, teacher: Any, name: str, **options: Any
) -> Any:
    """A student page opened by the join link, joined under `name`, following the teacher; with
    two workers, on the other one than the teacher's. The supervisor hands a new connection to
    the worker holding fewer, which may be the teacher's: a page that lands there stays open
    until one lands on the other (it weighs on the teacher's worker), then closes."""
    room = room_of(teacher)
    assert room is not None
    opened: list[Any] = []
    for _ in range(20 if two_workers(server) else 1):
        opened.append(
            open_page(server.url, f"?room={room['code']}", script=RECORD_HELLO, **options)
        )
        if not two_workers(server) or worker(opened[-1]) != worker(teacher):
            break
    student = opened.pop()
    assert not two_workers(server) or worker(student) != worker(teacher), "all on one worker"
    for spare in opened:
        spare.page.context.close()
    student.page.locator("#join-name").fill(name)
    student.page.locator("#join-submit").click()
    wait_role(student, "follower")
    return student
