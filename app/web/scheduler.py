"""One process's CPU, shared fairly among its sessions (docs/architecture.md, "Scheduling").

Every session's turns (its commands, training and frame) run one at a time on the event
loop's own thread: with one worker process per core there is no second core to hand the work
to, and a hand-off to a trainer thread cost more per frame than the frame's own work
(docs/benchmarks.md). A session whose turns are measured as expensive (the largest networks
at full batch: 50-60 ms) has them run on a side thread instead, so the loop, and everyone
else's turns, never wait for one; the compiled kernels release the GIL. Each turn's CPU time is charged to the
session's virtual clock, and the ready session whose clock is furthest behind goes next
(start-time fair queueing): a session that spent a lot waits, the others do not, and an idle
session that wakes up (a student's command) is served before anyone's next training turn.

Large messages (CSV text, big point sets, anything over 8 KiB) are parsed and validated in a
heavy lane, one process, off the event loop, in the same fair order; their CPU time is charged
to the same clock. Per client address, the number of sessions and the rate of heavy commands
are capped (Settings), so one machine cannot fill a process.

A full collection of Python's cyclic garbage collector walks every object in the process (some
160,000 once the kernels are loaded: 70-110 ms) and runs in whichever turn happens to allocate
last. It is nobody's turn's work: its time is not charged (FullCollections), and the objects
made at start-up, which live as long as the process, are frozen out of it (settle_heap).
"""

from __future__ import annotations

import asyncio
import gc
import heapq
import itertools
import logging
import multiprocessing
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, Protocol

from app import heavy
from app.config import Settings

log = logging.getLogger("app.scheduler")
WAKE_CREDIT = 0.005  # CPU seconds an idle session may lag behind the others when it wakes


class Member(Protocol):
    """What the scheduler needs of a connection."""

    vtime: float  # CPU seconds charged so far (virtual time)

    def take_turn(self) -> None:
        """Run one bounded turn now, on the caller's thread; schedule the next one."""

    def turn_failed(self, error: BaseException) -> None:
        """A turn raised: tell the client and close."""


class TokenBucket:
    """At most `rate` events a second on average, bursts up to `burst`."""

    def __init__(self, rate: float, burst: float) -> None:
        self.rate, self.burst = rate, float(burst)
        self.tokens, self.stamp = float(burst), time.monotonic()

    def _refill(self) -> None:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now

    def take(self) -> bool:
        self._refill()
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False

    def charge(self, amount: float) -> None:
        """Spend `amount` after the fact; the bucket may go below zero (a debt)."""
        self._refill()
        self.tokens -= amount

    def wait(self) -> float:
        """Seconds until the bucket is out of debt (0 when it is)."""
        self._refill()
        return max(0.0, -self.tokens / self.rate)


@dataclass
class Client:
    """One client address: its sessions, and the CPU seconds its heavy commands may use (a
    bucket shared by its sessions: when in debt, their heavy commands wait)."""

    heavy: TokenBucket
    sessions: int = 0


class HeavyLane:
    """One process (app/heavy.py's work) running heavy jobs one at a time, the job of the
    session furthest behind first; each result is handed back on the event loop."""

    def __init__(self) -> None:
        self._waiting: list[tuple[float, int, Callable[..., Any], tuple[Any, ...], Any]] = []
        self._order = itertools.count()
        self._pool: ProcessPoolExecutor | None = None
        self._busy = False

    def submit(
        self, vtime: float, job: Callable[..., Any], args: tuple[Any, ...], done: Any
    ) -> None:
        """Run job(*args) in the lane's process, then done(result or exception) on the loop."""
        heapq.heappush(self._waiting, (vtime, next(self._order), job, args, done))
        self._next()

    def _next(self) -> None:
        if self._busy or not self._waiting:
            return
        _, _, job, args, done = heapq.heappop(self._waiting)
        if self._pool is None:
            context = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(1, context, initializer=heavy.watch_parent)
        self._busy = True
        loop = asyncio.get_running_loop()
        future = self._pool.submit(job, *args)
        future.add_done_callback(lambda f: loop.call_soon_threadsafe(self._finish, f, done))

    def close(self) -> None:
        """The worker stops: the lane's process ends once its job (0.5 s of CPU at most) is
        done. Not waiting for it left the lane's queue unreleased in a worker process of the
        supervisor, and every stop printed "resource_tracker: ... leaked semaphore objects"."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def _finish(self, future: Future[Any], done: Any) -> None:
        self._busy = False
        try:
            result = future.result()
        except BrokenProcessPool as error:  # the lane's process died: a new one next time
            self._pool, result = None, error
        except Exception as error:  # noqa: BLE001 - handed to the session's connection
            result = error
        done(result)
        self._next()


def settle_heap() -> None:
    """Collect the garbage of start-up, then freeze what is left (modules, the kernels, the
    catalogue: it lives as long as the process) out of the cyclic collector's walks: a full
    collection then takes well under a millisecond instead of 70-110 ms."""
    gc.collect()
    gc.freeze()


class FullCollections:
    """The CPU seconds that full (oldest-generation) garbage collections took on one thread,
    counted from gc's own start and stop callbacks."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._thread = threading.get_ident()
        self._started: float | None = None

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if info.get("generation") != 2 or threading.get_ident() != self._thread:
            return
        if phase == "start":
            self._started = time.thread_time()
        elif self._started is not None:
            self.seconds += time.thread_time() - self._started
            self._started = None

    def install(self) -> None:
        gc.callbacks.append(self)

    def remove(self) -> None:
        if self in gc.callbacks:
            gc.callbacks.remove(self)


class Scheduler:
    """The fair queue of one process's sessions; see the module docstring."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.sessions = 0
        self.running = 0  # sessions training now
        self.clients: dict[str, Client] = {}
        self.lane = HeavyLane()
        # Turns measured as expensive (above settings.offload_turn_seconds) run here, so no
        # one session's 60 ms frame holds up the loop; the compiled kernels release the GIL.
        self.side = ThreadPoolExecutor(max_workers=1, thread_name_prefix="expensive")
        self.vclock = 0.0  # the virtual time of the turn served last
        self._ready: list[tuple[float, int, Member]] = []
        self._queued: set[int] = set()  # id() of the members in _ready
        self._timers: dict[int, asyncio.TimerHandle] = {}
        self._order = itertools.count()
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._collections: FullCollections | None = None  # on the loop's thread, once started

    def close(self) -> None:
        """The worker stops: the heavy lane's process goes with it."""
        self.lane.close()
        if self._collections is not None:
            self._collections.remove()

    # ---- who may join ----

    def admit(self, address: str) -> str | None:
        """Count a new session of `address`; or say why it may not join."""
        if self.sessions >= self.settings.max_sessions:
            return f"the server is full ({self.settings.max_sessions} sessions); try again later"
        client = self.clients.get(address)
        cap = self.settings.max_sessions_per_client
        if client is not None and client.sessions >= cap:
            return (
                f"too many sessions from one address ({cap}); close a tab, or ask the "
                "operator to raise PLAYGROUND_MAX_SESSIONS_PER_CLIENT"
            )
        if client is None:
            rate, burst = self.settings.heavy_cpu_per_second, self.settings.heavy_cpu_burst
            bucket = TokenBucket(rate, burst)
            client = self.clients[address] = Client(bucket)
        client.sessions += 1
        self.sessions += 1
        return None

    def leave(self, address: str, member: Member) -> None:
        self.sessions -= 1
        client = self.clients.get(address)
        if client is not None:
            client.sessions -= 1
            if client.sessions <= 0:
                del self.clients[address]
        self._cancel_timer(member)

    def heavy_wait(self, address: str) -> float:
        """Seconds until `address` may run its next heavy command (0: now)."""
        client = self.clients.get(address)
        return 0.0 if client is None else client.heavy.wait()

    # ---- turns ----

    def share(self, frame_interval: float) -> float:
        """Seconds of CPU a running session may use per turn, its frame included."""
        share = 0.6 * frame_interval / max(1, self.running)  # the rest: sockets, the page's acks
        return min(self.settings.slice_seconds, share)

    def ready(self, member: Member) -> None:
        """`member` wants a turn as soon as its place in the queue comes."""
        self._cancel_timer(member)
        key = id(member)
        if key in self._queued:
            return
        # An idle session catches up to the others less a little credit: it goes first, but
        # cannot spend the CPU it did not use while idle.
        member.vtime = max(member.vtime, self.vclock - WAKE_CREDIT)
        self._queued.add(key)
        heapq.heappush(self._ready, (member.vtime, next(self._order), member))
        self._start()

    def ready_at(self, member: Member, when: float) -> None:
        """`member` wants a turn at loop time `when` (its next frame)."""
        self._cancel_timer(member)
        loop = asyncio.get_running_loop()
        self._timers[id(member)] = loop.call_at(when, self._due, member)

    def _due(self, member: Member) -> None:
        self._timers.pop(id(member), None)
        self.ready(member)

    def _cancel_timer(self, member: Member) -> None:
        timer = self._timers.pop(id(member), None)
        if timer is not None:
            timer.cancel()

    def forget(self, member: Member) -> None:
        """`member` is gone: drop its timer (a queued turn is skipped when it comes)."""
        self._cancel_timer(member)

    def _start(self) -> None:
        if self._wake is None:
            self._wake = asyncio.Event()
        if self._collections is None:
            self._collections = FullCollections()
            self._collections.install()
        self._wake.set()
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._serve(), name="scheduler")

    async def _serve(self) -> None:
        """Serve turns, lowest virtual time first; the loop's other work runs between turns."""
        assert self._wake is not None and self._collections is not None
        collections = self._collections
        while True:
            if not self._ready:
                self._wake.clear()
                await self._wake.wait()
                continue
            vtime, _, member = heapq.heappop(self._ready)
            self._queued.discard(id(member))
            self.vclock = max(self.vclock, vtime)
            started, collected = time.thread_time(), collections.seconds
            try:
                member.take_turn()
            except Exception as error:  # a bug in one session reaches no other
                log.exception("a session's turn failed")
                member.turn_failed(error)
            # A full collection that ran inside this turn was the whole process's: not charged.
            spent = time.thread_time() - started - (collections.seconds - collected)
            member.vtime += max(0.0, spent)
            await asyncio.sleep(0)  # sockets, timers and readers between turns

    def offload(self, member: Member, run: Callable[[], Any], done: Callable[[Any], None]) -> None:
        """Run an expensive turn `run` on the side thread, then done(result or exception) on
        the loop; its CPU seconds are charged to `member`."""
        loop = asyncio.get_running_loop()

        def timed() -> tuple[Any, float]:
            started = time.thread_time()
            try:
                result: Any = run()
            except Exception as error:  # noqa: BLE001 - handed to the connection
                result = error
            return result, time.thread_time() - started

        def finish(future: Future[tuple[Any, float]]) -> None:
            result, seconds = future.result()
            member.vtime += seconds
            done(result)

        future = self.side.submit(timed)
        future.add_done_callback(lambda f: loop.call_soon_threadsafe(finish, f))

    def heavy(
        self,
        member: Member,
        address: str,
        job: Callable[..., Any],
        args: tuple[Any, ...],
        done: Callable[[Any], None],
    ) -> None:
        """Run job(*args) in the heavy lane, then done(result or exception) on the loop; the
        lane's CPU seconds (the result's `seconds`) are charged to `member` and to its
        address's heavy budget."""

        def charge(result: Any) -> None:
            seconds = float(getattr(result, "seconds", 0.0))
            member.vtime += seconds
            client = self.clients.get(address)
            if client is not None:
                client.heavy.charge(seconds)
            done(result)

        self.lane.submit(member.vtime, job, args, charge)
