"""Workers given even shares of a class: the supervisor accepts, each worker serves what it is handed.

With a listening socket per worker (SO_REUSEPORT) the kernel picked a worker by a hash of the
client's address and port, so 60 clients split 35/25, 39/21 (docs/benchmarks.md) and the fuller
worker's students got fewer frames and epochs. Here the supervisor owns the one listening
socket, accepts each connection and passes it (its file descriptor, over a Unix socket pair) to
the worker holding the fewest connections, counting those handed but not yet taken; the worker
serves it with uvicorn's own protocol, as if it had accepted it itself. One hop per connection,
none per frame.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import random
import socket
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import uvicorn

MAX_FDS = 64  # descriptors one read of the inbox may bring (the supervisor sends one at a time)
# A connection counts as a session on its way until its first request is read, for at most this
# long: a browser opens spare connections that may never send one.
COMING_SECONDS = 0.5
HOLD_SECONDS = 30.0  # a connection waits this long for a worker while every one is restarting


class Loads:
    """What each worker holds, in memory shared with the workers: `open` (its websockets, the
    sessions, and the connections it is still setting up, as it counts them), `handed` (sent by
    the supervisor) and `taken` (received by the worker). A page's plain HTTP connections, kept
    alive between its files, do not count: they cost nothing once the page is loaded."""

    def __init__(self, context: Any, workers: int) -> None:
        self.open, self.handed, self.taken, self.ready = (
            context.RawArray("i", workers) for _ in range(4)
        )  # ready: 1 once the worker serves what it is handed

    def reset(self, index: int) -> None:
        """A worker (re)starting holds nothing yet, and takes nothing until it is up."""
        self.open[index] = self.handed[index] = self.taken[index] = self.ready[index] = 0

    def of(self, index: int) -> int:
        return int(self.open[index] + self.handed[index] - self.taken[index])


def hand_out(
    listener: socket.socket, inboxes: Sequence[socket.socket | None], loads: Loads,
    stopping: Callable[[], bool],
) -> threading.Thread:  # fmt: skip
    """Accept on `listener` until `stopping()`, passing each connection to the least loaded
    worker that is up and whose inbox takes it; in a thread of its own."""

    def run() -> None:
        listener.settimeout(0.25)
        while not stopping():
            if not any(loads.ready[k] and inboxes[k] is not None for k in range(len(inboxes))):
                threading.Event().wait(0.05)  # no worker up yet: connections wait in the backlog
                continue
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:  # out of descriptors, say: the connection waits in the backlog
                threading.Event().wait(0.05)
                continue
            with connection:  # our copy closes: the worker holds the connection now
                # The one worker up may die between the check above and now: the connection
                # is held until another is up (a restart takes seconds), never dropped at once.
                held_until = time.monotonic() + HOLD_SECONDS
                while not _hand(connection, inboxes, loads):
                    if stopping() or time.monotonic() > held_until:
                        break  # the client sees it closed
                    threading.Event().wait(0.05)

    thread = threading.Thread(target=run, name="hand out connections", daemon=True)
    thread.start()
    return thread


def _hand(connection: socket.socket, inboxes: Sequence[socket.socket | None], loads: Loads) -> bool:
    """Pass `connection` to the least loaded worker that is up and takes it; False if none."""
    # Ties at random: a page's plain requests (its files, /healthz) reach every worker, and a
    # tie between sessions goes either way (taking turns did not: a reload's two connections
    # always landed where its last one had).
    order = sorted(range(len(inboxes)), key=lambda k: (loads.of(k), random.random()))
    for index in order:
        inbox = inboxes[index]
        if inbox is None or not loads.ready[index]:  # restarting: the others serve
            continue
        loads.handed[index] += 1
        try:
            socket.send_fds(inbox, [b"c"], [connection.fileno()])
            return True
        except OSError:  # that worker is gone or swamped: the next one
            loads.handed[index] -= 1
    return False


class HandedServer(uvicorn.Server):
    """uvicorn serving the connections its supervisor hands it on `inbox`, not its own accept."""

    def __init__(self, config: uvicorn.Config, inbox: socket.socket, loads: Loads, index: int):
        super().__init__(config)
        self.inbox, self.loads, self.index = inbox, loads, index
        self._coming: dict[Any, float] = {}  # handed connections, first request not read yet

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=[])  # no listening socket of its own
        loop = asyncio.get_running_loop()
        server, base = self, self.config.http_protocol_class

        class Arriving(base):  # type: ignore[misc, valid-type]
            """uvicorn's HTTP protocol, counted as a session on its way until its first request
            is read (then it is a websocket, counted as one, or a page's plain request)."""

            def data_received(self, data: bytes) -> None:
                super().data_received(data)
                server._arrived(self)

            def connection_lost(self, exc: Exception | None) -> None:
                server._arrived(self)
                super().connection_lost(exc)

        protocol = functools.partial(
            Arriving,  # what uvicorn's own server would have made, counted
            config=self.config, server_state=self.server_state, app_state=self.lifespan.state,
        )  # fmt: skip
        self.inbox.setblocking(False)
        loop.add_reader(self.inbox.fileno(), self._receive, loop, protocol)
        loop.create_task(self._report())
        self.loads.ready[self.index] = 1

    def _receive(self, loop: asyncio.AbstractEventLoop, protocol: Any) -> None:
        try:
            message, fds, _, _ = socket.recv_fds(self.inbox, 16, MAX_FDS)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            message, fds = b"", []
        if not message and not fds:  # the supervisor is gone; it stops this worker too
            loop.remove_reader(self.inbox.fileno())
            return
        for fd in fds:
            self.loads.taken[self.index] += 1
            arriving = protocol()
            self._coming[arriving] = loop.time()
            self._count()
            loop.create_task(self._serve_one(loop, arriving, socket.socket(fileno=fd)))

    def _arrived(self, protocol: Any) -> None:
        if self._coming.pop(protocol, None) is not None:
            self._count()

    def _count(self) -> None:
        websocket = self.config.ws_protocol_class
        sessions = sum(isinstance(c, websocket) for c in self.server_state.connections)  # type: ignore[arg-type]
        since = asyncio.get_running_loop().time() - COMING_SECONDS
        for stale in [p for p, taken in self._coming.items() if taken < since]:
            del self._coming[stale]
        self.loads.open[self.index] = sessions + len(self._coming)

    async def _serve_one(
        self, loop: asyncio.AbstractEventLoop, arriving: Any, sock: socket.socket
    ) -> None:
        try:
            sock.setblocking(False)
            await loop.connect_accepted_socket(lambda: arriving, sock)
        except OSError:  # the client left before it was served
            self._arrived(arriving)
            with contextlib.suppress(OSError):
                sock.close()

    async def _report(self) -> None:
        """Keep this worker's count current (connections close, HTTP ones turn websocket)."""
        while not self.should_exit:
            self._count()
            await asyncio.sleep(0.02)
