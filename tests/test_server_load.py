"""The server under churn and slow readers: nothing is left behind, nobody waits for a socket."""

from __future__ import annotations

import itertools
import json
import socket
import time

import psutil
import pytest
from serverproc import start_server
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect
from wsclient import Client

pytestmark = pytest.mark.slow


def settle(process: psutil.Process, seconds: float = 1.5) -> tuple[int, int]:
    """Thread count and RSS once the server has had time to finish dropped sessions."""
    time.sleep(seconds)
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
    churn(fresh_server.ws_url, 20)  # warm up: thread pool, caches, imports
    threads_before, memory_before = settle(process)
    churn(fresh_server.ws_url, 200)
    threads_after, memory_after = settle(process)
    health = Client(fresh_server.ws_url)
    health.close()
    assert threads_after <= threads_before + 1
    assert memory_after - memory_before < 25 * 2**20, (memory_before, memory_after)


def test_slow_reader_gets_fresh_frames_and_memory_stays_flat(fresh_server) -> None:
    process = psutil.Process(fresh_server.process.pid)
    client = Client(fresh_server.ws_url)
    client.configure(speed=30, layers=[{"units": 8, "activation": "tanh"}] * 3)
    client.send({"type": "play"})
    client.next_frame(where=lambda h: h["running"])
    _, memory_start = settle(process, 0.5)
    epochs = []
    for _ in range(12):
        time.sleep(1.0)  # a slow client: one read a second
        header = None
        while header is None:
            client.receive(timeout=5)
            if client.frames:
                header = client.frames.pop()[0]
        epochs.append(header["epoch"])
    memory_end = process.memory_info().rss
    epochs = epochs[2:]  # the first reads empty the frames in flight (the window of 2)
    jumps = [b - a for a, b in itertools.pairwise(epochs)]
    # 30 epochs/s: each read shows a frame made about a second after the last one read,
    # not the next of a queue of frames one epoch apart.
    assert min(jumps) >= 15, epochs
    assert memory_end - memory_start < 10 * 2**20
    client.close()


def test_a_client_that_never_reads_costs_no_memory(fresh_server) -> None:
    process = psutil.Process(fresh_server.process.pid)
    silent = Client(fresh_server.ws_url, ack=False)
    silent.configure(speed=0)
    silent.send({"type": "play"})
    _, memory_start = settle(process, 1.0)
    time.sleep(6)  # the socket buffers fill up; the server keeps only the newest frame
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
        time.sleep(0.3)
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
