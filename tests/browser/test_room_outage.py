"""Redis going away mid-class, on real pages: both pages say the class is out of reach while
their own sessions carry on, and stop saying so once Redis is back (two workers)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from pagehelpers import FAST, wait_epoch_above
from roomhelpers import ROOM_ENV, join_class, start_class, wait_role
from serverproc import ServerProcess, start_server

from app.rooms.local_redis import LocalRedis

pytestmark = pytest.mark.browser


@pytest.fixture()
def redis_and_server() -> Iterator[tuple[LocalRedis, ServerProcess]]:
    executable = shutil.which("redis-server")
    assert executable, "redis-server is not installed (Debian: apt-get install redis-server)"
    redis = LocalRedis(executable)
    redis.start()
    proc = start_server(**ROOM_ENV, PLAYGROUND_WORKERS="2", PLAYGROUND_REDIS_URL=redis.url)
    yield redis, proc
    proc.stop()
    redis.stop()


def test_the_pages_say_when_redis_is_away_and_when_it_is_back(
    redis_and_server: tuple[LocalRedis, ServerProcess], open_page: Any
) -> None:
    redis, server = redis_and_server
    teacher = start_class(open_page, server.url, FAST)
    teacher.page.locator("#room-sheet-close").click()
    student = join_class(open_page, server, teacher, "Ana")
    student.page.locator("#room-fork").click()
    wait_role(student, "student")
    student.page.locator("#play").click()
    assert student.page.locator("#room-offline").is_hidden()

    redis.stop()
    for p in (teacher, student):
        p.page.locator("#room-offline").wait_for(state="visible", timeout=60_000)
    epoch = student.js("() => window.__playground.header.epoch")
    wait_epoch_above(student, epoch + 20)  # the student's own session trains on
    assert wait_role(student, "student")["name"] == "Ana", "still in the class"

    redis.start()  # back on its port, empty: the rooms write back what they hold
    for p in (teacher, student):
        p.page.locator("#room-offline").wait_for(state="hidden", timeout=60_000)
    student.page.locator("#room-follow").click()
    wait_role(student, "follower")
    assert teacher.errors == [] and student.errors == []
