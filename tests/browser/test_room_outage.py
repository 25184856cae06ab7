"""Redis going away mid-class, on real pages, with two workers (`python -m app --workers 2`
over a redis-server of the test's own; the teacher on one worker, the student on the other):
both pages say the class is out of reach while their own sessions train on and nothing
crashes; once Redis is back (empty) the pages stop saying so, the reopened teacher page finds
its student in the roster again, and following brings the teacher's setup and frames across."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pagehelpers import FAST, wait_epoch_above
from roomhelpers import ROOM_ENV, join_class, start_class, wait_role, worker
from serverproc import ServerProcess, start_server

from app.rooms.local_redis import LocalRedis

pytestmark = pytest.mark.browser


@pytest.fixture()
def redis_and_server(tmp_path: Path) -> Iterator[tuple[LocalRedis, ServerProcess]]:
    executable = shutil.which("redis-server")
    assert executable, "redis-server is not installed (Debian: apt-get install redis-server)"
    redis = LocalRedis(executable)
    redis.start()
    proc = start_server(
        tmp_path / "server.log", **ROOM_ENV, PLAYGROUND_WORKERS="2", PLAYGROUND_REDIS_URL=redis.url
    )
    yield redis, proc
    proc.stop()
    redis.stop()


def test_the_pages_say_when_redis_is_away_and_when_it_is_back(
    redis_and_server: tuple[LocalRedis, ServerProcess], open_page: Any
) -> None:
    redis, server = redis_and_server
    teacher = start_class(open_page, server.url, FAST)
    teacher.page.locator("#room-sheet-close").click()
    teacher.page.locator("#play").click()  # the teacher's own session trains throughout
    student = join_class(open_page, server, teacher, "Ana")
    assert worker(student) != worker(teacher), "the two ends of the class on two workers"
    student.page.locator("#room-fork").click()
    wait_role(student, "student")
    student.page.locator("#play").click()
    assert student.page.locator("#room-offline").is_hidden()

    redis.stop()
    for p in (teacher, student):
        p.page.locator("#room-offline").wait_for(state="visible", timeout=60_000)
    for p in (teacher, student):  # each worker's own sessions train on
        wait_epoch_above(p, p.js("() => window.__playground.header.epoch") + 20)
    assert wait_role(student, "student")["name"] == "Ana", "still in the class"
    assert wait_role(teacher, "teacher")["presenting"] is True
    student.page.locator("#play").click()  # paused: what it shows after following is the teacher's

    redis.start()  # back on its port, empty: the rooms write back what they hold
    for p in (teacher, student):
        p.page.locator("#room-offline").wait_for(state="hidden", timeout=60_000)
    # The teacher's page reopened (its kept token): the roster, written back by the student's
    # worker, names Ana again.
    teacher.page.reload()
    wait_role(teacher, "teacher")
    teacher.page.wait_for_function(
        "() => window.__playground.roster.some((s) => s.name === 'Ana' && s.here)"
    )
    teacher.ready()
    teacher.page.locator("#room-sheet-close").click()
    if not teacher.js("() => window.__playground.running"):
        teacher.page.locator("#play").click()
    # Following works again across the workers: the teacher's edit, then its frames (a third
    # layer: the student's own network has two).
    student.page.locator("#room-follow").click()
    wait_role(student, "follower")
    teacher.page.locator("#add-layer").click()
    student.page.wait_for_function("() => window.__playground.config.layers.length === 3")
    student.page.wait_for_function("() => window.__playground.header.sizes.length === 5")
    wait_epoch_above(student, student.js("() => window.__playground.header.epoch") + 10)
    assert server.process is not None and server.process.poll() is None, "the server runs on"
    assert server.log_path is not None
    log = server.log_path.read_text(errors="replace")
    assert "Traceback" not in log, log[-3000:]
    assert teacher.errors == [] and student.errors == []
