"""Time travel: snapshots of a run at epochs along it, in bounded memory, to show the run as it
was at an earlier epoch and to continue from there (a branch).

A snapshot is due every epoch for the first EVERY_EPOCH epochs, then every 2 % of the run
(`train` stops a slice's training at each due epoch to take it); past the cap (Settings.history_snapshots, and
history_bytes), the snapshot whose removal leaves the smallest gap relative to its distance
from the nearer end goes, so the start (the descent) and the present stay dense and the middle
thins out (gaps grow about geometrically). New data start a new history: an old snapshot's
pictures would show other points.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from app.train_state import TrainState, capture, restore, share_unchanged

if TYPE_CHECKING:
    from collections.abc import Callable

    from app.trainer import Trainer

EVERY_EPOCH = 50  # the start of a run (the descent) is kept epoch by epoch


class NoSnapshot(Exception):
    """A travel to an epoch before every kept snapshot (the error code `no_snapshot`)."""


@dataclass
class Marker:
    """A divergence (the weights of epoch `restored` put back) or a branch (from `left`)."""

    kind: str
    epoch: int
    restored: int | None = None
    left: int | None = None


class History:
    """One session's snapshots, markers, and the snapshot being shown (None: the present)."""

    def __init__(self, limit: int, max_bytes: int) -> None:
        self.limit, self.max_bytes = limit, max_bytes
        self.snapshots: list[TrainState] = []
        self.markers: list[Marker] = []
        self.viewing: TrainState | None = None
        self._bytes = 0
        self._start: TrainState | None = None  # the trainer's run start when last recorded

    def clear(self) -> None:
        self.snapshots, self.markers, self.viewing, self._bytes = [], [], None, 0

    def record(self, trainer: Trainer) -> None:
        """Keep the trainer's state at its epoch (replacing one kept at the same epoch)."""
        last = self.snapshots[-1] if self.snapshots else None
        if last is not None and (
            last.data_revision != trainer.data_revision
            or last.config.features != trainer.config.features
            or trainer.epoch < last.epoch  # a reset, or weights loaded at an earlier epoch
        ):
            self.clear()
            last = None
        state = capture(trainer)
        if last is not None:
            share_unchanged(state, last)
        if last is not None and last.epoch == state.epoch:
            self._bytes -= self.snapshots.pop().nbytes
        self.snapshots.append(state)
        self._bytes += state.nbytes
        while len(self.snapshots) > 2 and (
            len(self.snapshots) > self.limit or self._bytes > self.max_bytes
        ):
            self._bytes -= self.snapshots.pop(self._thinnest()).nbytes

    def _thinnest(self) -> int:
        """The inner snapshot whose removal leaves the smallest gap relative to its age."""
        epochs = np.array([s.epoch for s in self.snapshots])  # (n,)
        inner = epochs[1:-1]  # (n - 2,)
        distance = np.minimum(inner - epochs[0], epochs[-1] - inner) + 1
        gap = epochs[2:] - epochs[:-2]  # the gap each inner one's removal leaves
        return 1 + int(np.argmin(gap / distance))  # the first of equal ones, as min() would

    def until_due(self, epoch: int) -> int:
        """Epochs from `epoch` to the next snapshot due (at least 1)."""
        last = self.snapshots[-1].epoch if self.snapshots else 0
        return max(1, last + max(1, last // EVERY_EPOCH) - epoch)

    def train(
        self, trainer: Trainer, deadline: float, allowed: float, clock: Callable[[], float]
    ) -> int:
        """trainer.train(deadline, allowed), stopping at each epoch a snapshot is due to take
        it; returns the epochs done. Diverged passes through.

        Only due epochs are taken (and the state after an edit): a slice that ends between two
        leaves the present to a travel, which records it first."""
        done, last = 0, self.snapshots[-1] if self.snapshots else None
        if last is None or self._start is not trainer.run_start or trainer.epoch < last.epoch:
            self.record(trainer)  # the state as the run (re)starts: after an edit, a reset
        self._start = trainer.run_start  # replaced by every edit (Trainer._watch)
        while True:  # once at least, as a plain trainer.train call would run
            due = self.until_due(trainer.epoch)
            now = trainer.train(deadline, min(allowed - done, due))
            done += now
            if now >= due:
                self.record(trainer)
            if now == 0 or done >= allowed or clock() >= deadline:
                return done

    def mark(self, marker: Marker) -> None:
        self.markers.append(marker)
        del self.markers[:-50]  # a bounded list, the newest kept

    @property
    def epochs(self) -> list[int]:
        return [s.epoch for s in self.snapshots]

    def nearest(self, epoch: int) -> TrainState | None:
        """The kept snapshot at `epoch`, else the last one before it."""
        before = [s for s in self.snapshots if s.epoch <= epoch]
        return before[-1] if before else None

    def shown(self, trainer: Trainer) -> Trainer:
        """What a frame shows: the trainer, or a view of it at the snapshot being shown (a
        shallow copy sharing the data, with the snapshot's config, network and figures)."""
        state = self.viewing
        if state is None:
            return trainer
        view = copy.copy(trainer)
        view.config = state.config.model_copy(
            update={"grid": trainer.config.grid, "neuron_grid": trainer.config.neuron_grid}
        )
        view.net = trainer._make_net(view.config, trainer.data)
        for param, value in zip(view.net.parameters(), state.params, strict=True):
            param[...] = value
        view.epoch, view.stats = state.epoch, state.stats
        return view

    def branch(self, trainer: Trainer) -> int:
        """Continue from the snapshot shown: the trainer goes back to it and the snapshots
        after it are dropped (that branch is left). Returns the epoch left."""
        state = self.viewing
        if state is None:
            raise ValueError("no past epoch is shown: travel to one before branching")
        left = trainer.epoch
        restore(trainer, state)
        self.snapshots = [s for s in self.snapshots if s.epoch <= state.epoch]
        self._bytes = sum(s.nbytes for s in self.snapshots)
        self.markers = [m for m in self.markers if m.epoch <= state.epoch]
        self.mark(Marker("branch", state.epoch, left=left))
        self.viewing = None
        return left
