"""The fair queue's bookkeeping: what a turn is charged, and the garbage collector's share.

A full collection walks every object in the process and runs inside whichever turn allocates
last; charged to that session, it cost it seconds without a turn (one client per worker had a
4 s gap in every 60-client run). Here a real Scheduler serves turns on a real event loop.
"""

from __future__ import annotations

import asyncio
import gc
import subprocess
import sys
import textwrap
import threading

from app.config import Settings
from app.web.scheduler import Scheduler


class Turns:
    """A member whose every turn runs `work()`, `turns` times."""

    def __init__(self, scheduler: Scheduler, work, turns: int) -> None:
        self.vtime = 0.0
        self.scheduler, self.work, self.left = scheduler, work, turns
        self.done = asyncio.Event()

    def take_turn(self) -> None:
        self.work()
        self.left -= 1
        if self.left:
            self.scheduler.ready(self)
        else:
            self.done.set()

    def turn_failed(self, error: BaseException) -> None:
        raise AssertionError(error)


def serve(work, turns: int) -> tuple[float, float]:
    """(CPU seconds charged to a member doing `work` each turn, seconds of full collections)."""

    async def run() -> tuple[float, float]:
        scheduler = Scheduler(Settings())
        member = Turns(scheduler, work, turns)
        scheduler.ready(member)
        await member.done.wait()
        assert scheduler._collections is not None
        collected = scheduler._collections.seconds
        scheduler.close()
        return member.vtime, collected

    # On a thread of its own: Playwright's sync API (the browser tests, earlier in the suite)
    # leaves a running loop in pytest's thread, and the collections counted are the loop thread's.
    result: list[tuple[float, float]] = []
    failure: list[BaseException] = []

    def main() -> None:
        try:
            result.append(asyncio.run(run()))
        except BaseException as problem:  # noqa: BLE001 - re-raised in pytest's thread
            failure.append(problem)

    thread = threading.Thread(target=main, name="scheduler under test", daemon=True)
    thread.start()
    thread.join(120)
    assert not thread.is_alive(), "the turns never finished"
    if failure:
        raise failure[0]
    return result[0]


def test_a_full_collection_inside_a_turn_is_not_charged_to_it() -> None:
    heap = [[i] for i in range(400_000)]  # objects a full collection must walk: tens of ms
    charged, collected = serve(gc.collect, turns=3)
    assert collected > 0.0, "the collections were not seen"
    assert charged < 0.25 * collected, (charged, collected)
    assert len(heap) == 400_000


def test_a_turns_own_work_is_still_charged() -> None:
    def work() -> None:
        sum(i * i for i in range(200_000))

    gc.disable()  # no automatic full collection in the middle: this is about the turn's own work
    try:
        charged, collected = serve(work, turns=3)
    finally:
        gc.enable()
    assert collected == 0.0
    assert charged > 0.01, charged  # three passes over 200,000 numbers: tens of ms of CPU


def test_a_worker_freezes_its_start_up_objects_once_the_kernels_are_loaded() -> None:
    """After warm-up, the objects a full collection walks are a few against the frozen ones."""
    script = textwrap.dedent(
        """
        import gc, time
        from app.main import create_app
        app = create_app()
        deadline = time.monotonic() + 300  # a first compile on a cold cache; loads take ~1 s
        while gc.get_freeze_count() == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        print(gc.get_freeze_count(), len(gc.get_objects()))
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=400
    )
    frozen, walked = map(int, out.stdout.split())
    assert frozen > 50_000, out.stdout  # modules, numba's kernels, the catalogue
    assert walked < frozen / 5, out.stdout
