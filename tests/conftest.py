"""Shared fixtures: a real uvicorn server on 127.0.0.1 at a free port, in its own process."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from serverproc import ServerProcess, start_server


@pytest.fixture(scope="session")
def server() -> Iterator[ServerProcess]:
    """One real server for the whole test session (tests must not depend on its state)."""
    proc = start_server()
    yield proc
    proc.stop()


@pytest.fixture()
def fresh_server() -> Iterator[ServerProcess]:
    """A server of the test's own, for tests that stop, restart or load it."""
    proc = start_server()
    yield proc
    proc.stop()
