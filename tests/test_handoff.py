"""The supervisor's hand-out (app/handoff.py) on real sockets, with this test as the worker: a
connection that comes while no worker can take it (the one up has just died, unnoticed yet) is
held until a worker takes it, never closed at once."""

from __future__ import annotations

import multiprocessing
import socket
import threading
from typing import Any

from app.handoff import Loads, hand_out


class Watched(list[Any]):
    """The supervisor's inboxes, counting the hand-out's reads of them."""

    def __init__(self, items: list[Any]) -> None:
        super().__init__(items)
        self.reads = 0
        self.read_twice = threading.Event()

    def __getitem__(self, index: Any) -> Any:
        self.reads += 1
        if self.reads >= 2:
            self.read_twice.set()
        return super().__getitem__(index)


def test_a_connection_waits_for_a_worker_instead_of_being_dropped() -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    client = socket.create_connection(listener.getsockname(), timeout=30)  # in the backlog
    loads = Loads(multiprocessing.get_context("spawn"), 1)
    dead, gone = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    gone.close()  # the one worker died: handing to it is refused
    loads.ready[0] = 1  # and the supervisor has not noticed yet
    inboxes = Watched([dead])
    stopped = False
    thread = hand_out(listener, inboxes, loads, lambda: stopped)
    try:
        # Its first read is the check that a worker is up; the second, the try to hand it.
        assert inboxes.read_twice.wait(30)
        ours, worker = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
        worker.settimeout(30)
        inboxes[0] = ours  # the supervisor restarted the worker: a new inbox
        _, fds, _, _ = socket.recv_fds(worker, 16, 1)
        assert len(fds) == 1, "the held connection is handed to the new worker"
        with socket.socket(fileno=fds[0]) as served:
            client.sendall(b"ping")
            assert served.recv(4) == b"ping"  # the same connection, still open
        ours.close()
        worker.close()
    finally:
        stopped = True
        thread.join(timeout=5)
        for sock in (client, listener, dead):
            sock.close()
