"""The classroom's browser helpers: a server of the room tests' own, a teacher and students."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from serverproc import ServerProcess, start_server

ROOM_ENV = {"PLAYGROUND_ROOM_JOINS_PER_MINUTE": "1000"}  # many pages from one address (127.0.0.1)


@pytest.fixture(scope="module")
def room_server() -> Iterator[ServerProcess]:
    proc = start_server(**ROOM_ENV)
    yield proc
    proc.stop()


def room_of(p: Any) -> dict[str, Any] | None:
    return p.js("() => window.__playground.room")  # type: ignore[no-any-return]


def wait_role(p: Any, role: str) -> dict[str, Any]:
    p.page.wait_for_function(f"() => window.__playground.room?.role === '{role}'")
    room = room_of(p)
    assert room is not None
    return room


def start_class(open_page: Callable[..., Any], url: str, hash_: str = "", **size: Any) -> Any:
    """A teacher page that started a class (its sheet shows the join tab)."""
    teacher = open_page(url, hash_, **size)
    teacher.ready()
    teacher.page.locator("#class-start").click()
    wait_role(teacher, "teacher")
    return teacher


def join_class(open_page: Callable[..., Any], url: str, code: str, name: str, **options: Any) -> Any:
    """A student page opened by the join link, joined under `name`, following the teacher."""
    student = open_page(url, f"?room={code}", **options)
    student.page.locator("#join-name").fill(name)
    student.page.locator("#join-submit").click()
    wait_role(student, "follower")
    return student
