"""Whatever one client sends within the limits, another session's commands are answered.

Each case is issue 11's (bench/attacks.py runs the same ones against the 100 ms goal). The
bounds are for a busy machine: well above what the scheduler gives (tens of ms), far below
what the shared trainer thread gave (seconds for uploads; a median of 386 ms for the networks).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from serverproc import ServerProcess, start_server

from bench.attacks import measure, percentile

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def quiet_server() -> Iterator[ServerProcess]:
    """A server of this module's own: the cases must not share it with other tests' clients."""
    server = start_server()
    server.wait_for_kernel()
    yield server
    server.stop()


@pytest.mark.parametrize("case", ["csv", "points", "regenerate"])
def test_uploads_and_new_data_leave_others_answered(quiet_server, case: str) -> None:
    measured = measure(quiet_server.ws_url, case, seconds=4.0, after=2.0)
    # Before: 12.6 s (csv), 3.2 s (points), 1.7 s (regenerate), and the stall outlived the
    # uploader by 11 s.
    assert measured.during and measured.after, measured
    assert percentile(measured.during, 0.95) < 1.0, measured.during
    assert max(measured.after) < 1.0, measured.after
    assert measured.frames_during > 0


def test_eight_of_the_largest_networks_leave_others_answered(quiet_server) -> None:
    measured = measure(quiet_server.ws_url, "networks", seconds=5.0, after=1.0)
    # Before: a median round trip of 386 ms (4 ms without them); the median is what a busy
    # machine cannot move that far.
    assert len(measured.during) >= 10, measured
    assert percentile(measured.during, 0.5) < 0.15, measured.during
    # Its frames keep coming; how many a second is bench/attacks.py's figure (a CPU hog beside
    # the suite leaves about 5 a second, as the shared trainer thread gave on a calm machine).
    assert measured.frames_during > 0, measured.frames_during


def test_a_flood_of_large_invalid_messages_leaves_others_answered(quiet_server) -> None:
    measured = measure(quiet_server.ws_url, "invalid", seconds=5.0, after=1.0)
    assert len(measured.during) >= 10, measured
    assert percentile(measured.during, 0.5) < 0.15, measured.during
    assert percentile(measured.health, 0.5) < 0.15, measured.health
