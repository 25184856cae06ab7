"""A trainer's whole state at one epoch: weights, optimizer state, both random generators and
the epoch in progress. Captured where a run starts (the exporter replays from there) and at
epochs along it (the scrubber's snapshots); restored to continue from one."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from app.session_config import Config
from app.training_data import Stats
from app.watchdog import Change

if TYPE_CHECKING:
    from app.trainer import Trainer

Array = NDArray[np.float64]
NO_ORDER = np.zeros(0, dtype=np.int64)  # between epochs: the next epoch draws its own


@dataclass
class TrainState:
    """Everything the next epochs depend on, copied: replaying from it gives the same run."""

    epoch: int
    config: Config
    flat: Array  # (n_params,): every parameter raveled, in net.parameters() order
    shapes: list[tuple[int, ...]]  # each parameter's shape
    optimizer_state: list[dict[str, Any] | None]  # aligned with params; empty: fresh
    batch_rng: dict[str, Any]  # the trainer's generator: one permutation per epoch
    dropout_rng: dict[str, Any]  # the network's generator: the dropout masks
    order: NDArray[np.int64]  # the epoch in progress: its permutation
    position: int  # and the next batch's start in it
    stats: Stats
    data_revision: int
    change: Change | None  # what started the run (None: a reset, a fresh start)

    @property
    def params(self) -> list[Array]:
        """The parameters, as views of `flat` (one array: a snapshot of M keeps one array
        header instead of ten)."""
        params, start = [], 0
        for shape in self.shapes:
            size = math.prod(shape)
            params.append(self.flat[start : start + size].reshape(shape))
            start += size
        return params

    @property
    def nbytes(self) -> int:
        """About what the copy holds in memory."""
        arrays = [self.flat, self.order]
        for state in self.optimizer_state:
            arrays += [v for v in (state or {}).values() if isinstance(v, np.ndarray)]
        return sum(a.nbytes for a in arrays) + 512

    def fresh_rngs(self) -> bool:
        """Whether both generators are as `np.random.default_rng(config.seed)` makes them."""
        fresh = dict(np.random.default_rng(self.config.seed).bit_generator.state)
        return self.batch_rng == fresh and self.dropout_rng == fresh

    def mid_epoch(self) -> bool:
        """Whether the run starts inside an epoch (an edit between two batches)."""
        return 0 < self.position < len(self.order)


def copy_state(state: list[dict[str, Any] | None]) -> list[dict[str, Any] | None]:
    """The optimizer's per-parameter state, its arrays copied (a tenth of deepcopy's time)."""
    return [
        None
        if s is None
        else {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in s.items()}
        for s in state
    ]


def capture(trainer: Trainer, change: Change | None = None) -> TrainState:
    """A copy of the trainer's state now."""
    batches, params = trainer.batches, trainer.net.parameters()
    return TrainState(
        epoch=trainer.epoch,
        config=trainer.config,
        flat=np.concatenate([p.ravel() for p in params]) if params else np.zeros(0),
        shapes=[p.shape for p in params],
        optimizer_state=copy_state(trainer.optimizer.state),
        batch_rng=dict(trainer.batches.rng.bit_generator.state),
        dropout_rng=dict(trainer.net.rng.bit_generator.state),
        # Between two epochs the next epoch's order comes from batch_rng: none is kept (early
        # in a run a snapshot is taken every epoch, and a small network's order is as large
        # as its weights).
        order=batches.order.copy() if batches.position < len(batches.order) else NO_ORDER,
        position=batches.position if batches.position < len(batches.order) else 0,
        stats=trainer.stats,
        data_revision=trainer.data_revision,
        change=change,
    )


def share_unchanged(state: TrainState, previous: TrainState) -> None:
    """Let `state` hold `previous`'s copies of what did not change between the two: the shapes,
    the optimizer's entries without arrays (plain SGD's), a generator nothing drew from (the
    dropout masks' in a network without dropout). A snapshot is never changed after it is
    taken, so snapshots can share them: the history's snapshots get about half as large."""
    if state.shapes == previous.shapes:
        state.shapes = previous.shapes
    if state.dropout_rng == previous.dropout_rng:
        state.dropout_rng = previous.dropout_rng
    if state.batch_rng == previous.batch_rng:
        state.batch_rng = previous.batch_rng
    if len(state.optimizer_state) == len(previous.optimizer_state):
        state.optimizer_state = [
            old if now is not None and old is not None and _no_arrays(now) and now == old else now
            for now, old in zip(state.optimizer_state, previous.optimizer_state, strict=True)
        ]


def _no_arrays(entry: dict[str, Any]) -> bool:
    return not any(isinstance(value, np.ndarray) for value in entry.values())


def restore(trainer: Trainer, state: TrainState) -> None:
    """Put the trainer back in `state` (same data): training goes on as it did from there.
    What is only shown (speed, grids, frame rate) stays as it is now."""
    shown = {name: getattr(trainer.config, name) for name in ("speed", "grid", "neuron_grid")}
    config = state.config.model_copy(update={**shown, "frame_rate": trainer.config.frame_rate})
    trainer.config = config
    trainer.net = trainer._make_net(config, trainer.data)
    for param, value in zip(trainer.net.parameters(), state.params, strict=True):
        param[...] = value
    trainer.net.rng.bit_generator.state = state.dropout_rng
    trainer.optimizer = trainer._make_optimizer(config)
    trainer.optimizer.state = copy_state(state.optimizer_state)
    trainer.batches.rng.bit_generator.state = state.batch_rng
    trainer.batches.order, trainer.batches.position = state.order.copy(), state.position
    trainer.epoch, trainer.stats = state.epoch, state.stats
    trainer._watch(None)
