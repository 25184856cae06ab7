"""Session.run_slice: how a slice's CPU share splits between training and the frame."""

from __future__ import annotations

from typing import Any

import pytest

from app.config import Settings
from app.session import Session


def budgets_of_slices(monkeypatch: pytest.MonkeyPatch, frame_cost: float, shares: list[float]):
    """The training budget (seconds of CPU) each run_slice gives a running session."""
    session = Session(Settings())
    session.running = True
    session.clock = lambda: 100.0  # a stopped clock: each budget is read exactly
    budgets: list[float] = []

    def spy(deadline: float, max_epochs: float) -> Any:
        budgets.append(deadline - 100.0)
        return 0  # training itself is not the subject here

    monkeypatch.setattr(session.trainer, "train", spy)
    for share in shares:
        session.frame_seconds = frame_cost  # as measured by earlier frames
        monkeypatch.setattr(session, "frame", lambda: b"frame")  # its cost is set above
        session.run_slice(share, want_frame=True)
    return budgets


def test_training_gets_what_the_frame_leaves_of_the_share(monkeypatch: pytest.MonkeyPatch) -> None:
    (budget,) = budgets_of_slices(monkeypatch, frame_cost=0.002, shares=[0.010])
    assert budget == pytest.approx(0.008)


def test_a_crowded_slice_still_trains_for_half_a_frames_cost(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 60 clients on 2 cores: the share is smaller than a frame costs. Frames first alone left
    # training share / 8 (3-6 epochs/s for M); it keeps half a frame's cost, frames slow down.
    budgets = budgets_of_slices(monkeypatch, frame_cost=0.004, shares=[0.001, 0.0002])
    assert budgets == pytest.approx([0.002, 0.002])
