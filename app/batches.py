"""Which training rows each mini-batch takes: one shuffled order per epoch.

Kept apart from the Trainer so that both training loops (the readable one in app/trainer.py
and the compiled one in app/compiled_training.py) walk the very same batches, and so that a
snapshot (app/train_state.py) can copy and restore where an epoch stands.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


class Batches:
    """An epoch's order of the n training rows and how far the epoch has got."""

    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)  # one permutation per epoch
        self.order: NDArray[np.int64] = np.zeros(0, dtype=np.int64)  # this epoch's rows
        self.position = 0  # next batch start within `order`

    def restart(self) -> None:
        """Forget the epoch under way (new data, a reset): the next batch starts a new one."""
        self.order = np.zeros(0, dtype=np.int64)
        self.position = 0

    def begin_epoch_if_done(self, n: int, batch: int) -> None:
        """A new epoch's order once the last one is done: a permutation from the rng, except for
        whole-set batches, whose gradient sums every row in any order: no shuffle."""
        if self.position >= len(self.order):
            self.order = np.arange(n) if batch >= n else self.rng.permutation(n)
            self.position = 0

    def take(self, batch: int) -> NDArray[np.int64]:
        """The rows of the next mini-batch of this epoch (the last one may be smaller)."""
        index = self.order[self.position : self.position + batch]
        self.position += batch
        return index

    def epoch_done(self) -> bool:
        return self.position >= len(self.order)
