"""Helpers the rooms' tests share: a hand-moved clock, waiting on conditions, a small class."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from app.config import Settings
from app.rooms import Hooks, Member, RoomError, RoomService

ADDRESS = "192.0.2.10"  # a documentation address: the client's, as the socket would pass it


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


def room_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "room_reply_seconds": 2.0,
        "redis_timeout_seconds": 1.0,
        "room_idle_seconds": 600.0,
        "room_forget_seconds": 3600.0,
    }
    return Settings(**(values | overrides))


ServiceFactory = Callable[..., Awaitable[RoomService]]


class LoopExit:
    """Async clean-ups for fixtures, run in the test's own event loop after the test."""

    def __init__(self) -> None:
        self.callbacks: list[Callable[[], Awaitable[None]]] = []

    def push(self, callback: Callable[[], Awaitable[None]]) -> None:
        self.callbacks.append(callback)


async def eventually(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Wait until `condition()` holds; the timeout only bounds a broken test, it asserts nothing
    about speed."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the condition never held")
        await asyncio.sleep(0.005)


async def refused(code: str, call: object) -> RoomError:
    """Await `call` and return the RoomError it raised, checking its code."""
    with pytest.raises(RoomError) as error:
        await call  # type: ignore[misc]
    assert error.value.code == code, error.value
    assert error.value.message and error.value.message[0].isalpha()
    return error.value


async def classroom(
    *services: RoomService, students: int = 2, network: Any = None
) -> tuple[Member, list[Member]]:
    """A room with its teacher on the first service and students spread over all of them."""
    ticket = await services[0].create_room(ADDRESS)
    teacher = await services[0].join_teacher(
        ticket.code, ticket.teacher_token, ADDRESS, Hooks(network=network)
    )
    members = []
    for index in range(students):
        service = services[index % len(services)]
        members.append(await service.join(ticket.code, f"Student {index}", ADDRESS))
    await eventually(lambda: teacher.events.received >= students)
    teacher.events.take_all()
    return teacher, members


async def teacher_network() -> dict[str, Any]:
    return {"config": {"dataset": "xor"}, "weights": [1.0, 2.0]}


async def on_their_own(service: RoomService, student: Member) -> None:
    """'Try it yourself' (the teacher's session must have a network provider)."""
    await service.fork(student)
    assert student.role == "student"
