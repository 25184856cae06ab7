"""The server under churn and slow readers: nothing is left behind, nobody waits for a socket."""

from __future__ import annotations

import contextlib
import itertools
import json
import socket
import time

import psutil
import pytest
from serverproc import ServerProcess, start_server
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect
from wsclient import Client

pytestmark = pytest.mark.slow


def settle(server: ServerProcess, process: psutil.Process, sessions: int = 0) -> tuple[int, int]:
    """Thread count and RSS once the server has dropped every session but `sessions`."""
    server.wait_for_sessions(sessions)
    return process.num_threads(), process.memory_info().rss


def churn(url: str, cycles: int) -> None:
    for index in range(cycles):
        client = Client(url)
        client.send({"type": "play"})
        client.next_frame(where=lambda h: h["running"])
        if index % 2:
            client.close()  # a polite close handshake
        else:
            client.ws.socket.shutdown(socket.SHUT_RDWR)  # the tab vanished mid-stream
            client.ws.socket.close()


def test_disconnect_cycles_leave_no_threads_or_memory(fresh_server) -> None:
    process = psutil.Process(fresh_server.process.pid)
    fresh_server.wait_for_kernel()
    churn(fresh_server.ws_url, 20)  # warm up: thread pool, caches, imports
    threads_before, memory_before = settle(fresh_server, process)
    churn(fresh_server.ws_url, 200)
    threads_after, memory_after = settle(fresh_server, process)
    health = Client(fresh_server.ws_url)
    health.close()
    assert threads_after <= threads_before + 1
    assert memory_after - memory_before < 25 * 2**20, (memory_before, memory_after)


def test_slow_reader_gets_fresh_frames_and_memory_stays_flat(fresh_server) -> None:
    process = psutil.Process(fresh_server.process.pid)
    fresh_server.wait_for_kernel()
    client = Client(fresh_server.ws_url)
    client.configure(speed=30, layers=[{"units": 8, "activation": "tanh"}] * 3)
    client.send({"type": "play"})
    for _ in range(10):  # caches and buffers of a running session are in place
        client.next_frame(where=lambda h: h["running"])
    memory_start = process.memory_info().rss
    seqs = []
    for _ in range(12):
        time.sleep(1.0)  # a slow client: one read a second (the scenario, not a bound)
        header = None
        while header is None:
            client.receive(timeout=30)
            if client.frames:
                header = client.frames.pop()[0]
        seqs.append(header["seq"])
    memory_end = process.memory_info().rss
    seqs = seqs[2:]  # the first reads empty the frames in flight (the window of 2)
    jumps = [b - a for a, b in itertools.pairwise(seqs)]
    # Each read shows the newest frame, made while the client slept: the frames between were
    # replaced unsent. A queue would hand out consecutive frames (jumps of 1) however fast the
    # server runs; so this holds on a busy machine too, as long as it makes 2 frames a second.
    assert min(jumps) >= 2, seqs
    assert memory_end - memory_start < 10 * 2**20
    client.close()


def test_a_client_that_never_reads_costs_no_memory(fresh_server) -> None:
    process = psutil.Process(fresh_server.process.pid)
    fresh_server.wait_for_kernel()
    silent = Client(fresh_server.ws_url, ack=False)
    silent.configure(speed=0)
    silent.send({"type": "play"})
    fresh_server.wait_for_health(lambda health: health["running"] == 1)
    for _ in range(10):  # its caches and buffers are in place
        silent.receive(timeout=30)
    memory_start = process.memory_info().rss
    time.sleep(6)  # the scenario: the socket buffers fill up; the server keeps the newest frame
    other = Client(fresh_server.ws_url)
    other.send({"type": "step", "epochs": 3})
    assert other.wait_for("status", reason="step")["epoch"] == 3
    assert process.memory_info().rss - memory_start < 10 * 2**20
    other.close()
    silent.ws.socket.shutdown(socket.SHUT_RDWR)  # its buffers are full: no polite close handshake
    silent.ws.socket.close()


def test_beyond_max_sessions_a_clear_refusal() -> None:
    server = start_server(PLAYGROUND_MAX_SESSIONS="2")
    try:
        first, second = Client(server.ws_url), Client(server.ws_url)
        with connect(server.ws_url) as third:
            refusal = json.loads(third.recv(timeout=5))
            assert refusal["code"] == "server_busy" and "full" in refusal["message"]
            with pytest.raises(ConnectionClosed) as closed:
                third.recv(timeout=5)
            assert closed.value.rcvd.code == 1013
        second.close()
        server.wait_for_sessions(1)
        Client(server.ws_url).close()  # a seat freed up
        first.close()
    finally:
        server.stop()


def test_two_workers_serve_independent_sessions() -> None:
    server = start_server(PLAYGROUND_WORKERS="2")
    try:
        clients = [Client(server.ws_url) for _ in range(4)]
        for client in clients:
            client.send({"type": "step", "epochs": 2})
        assert all(c.wait_for("status", reason="step")["epoch"] == 2 for c in clients)
        for client in clients:
            client.close()
    finally:
        server.stop()


def two_worker_processes(server: ServerProcess) -> list[psutil.Process]:
    """The supervisor's two worker processes (not its redis-server or resource tracker)."""
    assert server.process is not None
    supervisor = psutil.Process(server.process.pid)
    workers = [p for p in supervisor.children() if "spawn_main" in " ".join(p.cmdline())]
    assert len(workers) == 2, supervisor.children()
    return workers


def close_all(clients: list[Client], server: ServerProcess) -> None:
    for client in clients:
        with contextlib.suppress(Exception):
            client.close()
    server.stop()


def test_a_worker_that_dies_is_replaced_and_serves_again() -> None:
    server = start_server(PLAYGROUND_WORKERS="2")
    clients: list[Client] = []
    try:
        workers = two_worker_processes(server)
        workers[0].kill()
        workers[0].wait(30)
        served_by: set[int] = set()
        for _ in range(600):  # until the new worker is up and serves one (polls, 60 s at most)
            client = Client(server.ws_url)  # served all along: by the one left, meanwhile
            served_by.add(client.hello["worker"])
            client.close()
            if served_by - {workers[1].pid}:
                break
            time.sleep(0.1)
        assert workers[0].pid not in served_by and len(served_by) == 2, served_by
        client = Client(server.ws_url)
        clients.append(client)
        client.send({"type": "step", "epochs": 2})
        assert client.wait_for("status", reason="step")["epoch"] == 2
    finally:
        close_all(clients, server)


def test_two_workers_are_handed_even_shares_of_a_class() -> None:
    """The supervisor hands each connection to the worker holding the fewest: 40 sessions
    split 20/20 (by a hash of the client's port they split 24/16 and worse), and after half of
    one worker's leave, the next ones go to it."""
    server = start_server(PLAYGROUND_WORKERS="2")
    clients: list[Client] = []
    try:
        clients = [Client(server.ws_url) for _ in range(40)]
        by_worker: dict[int, list[Client]] = {}
        for client in clients:
            by_worker.setdefault(client.hello["worker"], []).append(client)
        assert sorted(map(len, by_worker.values())) == [20, 20], {
            k: len(v) for k, v in by_worker.items()
        }
        first = next(iter(by_worker.values()))
        for client in first[:10]:
            client.close()
        # a new connection may come before the worker has counted the closed ones: 10 more
        # land on the emptier worker once it has
        later: list[Client] = []
        while len([c for c in later if c.hello["worker"] == first[0].hello["worker"]]) < 10:
            later.append(Client(server.ws_url))
            assert len(later) <= 20, [c.hello["worker"] for c in later]
        clients += later
    finally:
        close_all(clients, server)


def test_workers_stop_when_their_supervisor_is_killed() -> None:
    """A supervisor killed outright (SIGKILL: it cannot stop its workers) leaves no worker
    running on: each notices its parent is gone and shuts down."""
    server = start_server(PLAYGROUND_WORKERS="2")
    workers = two_worker_processes(server)
    client = Client(server.ws_url)  # a session open, as in a class
    client.send({"type": "play"})
    client.wait_for("status")
    server.process.kill()
    server.process.wait()
    server.process = None
    try:
        _, alive = psutil.wait_procs(workers, timeout=60)  # each waits on its parent sentinel
        assert not alive, f"workers still running after their supervisor died: {alive}"
    finally:
        for worker in workers:
            with contextlib.suppress(psutil.NoSuchProcess):
                worker.kill()
        with contextlib.suppress(Exception):
            client.close()
