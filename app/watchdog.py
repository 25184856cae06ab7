"""Watchdog: the best recent weights of a run, and whether training has blown up since.

A non-finite loss is one way to diverge; a loss far above the run's best is the other (a
learning rate of 10 thrashes between 0.5 and 2.2 without ever overflowing, and a late edit can
send the loss to 20 long before it overflows). "Far above" is measured in units of the loss of
the best constant prediction (the base rate, the class frequencies, the mean target): what the
network scores knowing nothing, so one rule fits log loss, cross-entropy, MSE, MAE and Huber.
"""

from __future__ import annotations

import collections
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from app.nn import MLP

Array = NDArray[np.float64]
WINDOW = 5  # evaluations averaged: a thrashing run's loss swings from one to the next
SPIKE = 10.0  # one evaluation this many constant-prediction losses above the best is enough


@dataclass
class Checkpoint:
    """A copy of the weights at one epoch, and their training loss."""

    epoch: int
    loss: float
    params: list[Array]


def constant_loss(net: MLP, y: NDArray[Any]) -> float:
    """The loss of the best constant prediction of targets y (n,): logits that encode the base
    rate (binary), the class frequencies (multi-class), or the mean / median (regression)."""
    n = max(len(y), 1)
    with np.errstate(all="ignore"):
        if net.task == "binary":
            rate = np.clip(np.mean(y), 1e-6, 1 - 1e-6) if len(y) else 0.5
            z = np.full((n, 1), np.log(rate / (1 - rate)))
        elif net.task == "multiclass":
            counts = np.bincount(np.asarray(y, dtype=np.int64), minlength=net.outputs)
            z = np.tile(np.log(np.maximum(counts / n, 1e-6)), (n, 1))
        else:
            center = np.median(y) if net.loss_name == "mae" else np.mean(y)
            z = np.full((n, 1), center if len(y) else 0.0)
        loss = net.loss_from_logits(z, y) if len(y) else 1.0
    return float(loss) if np.isfinite(loss) and loss > 1e-3 else 1e-3


class Watchdog:
    """Tracks a run's best weights since its last restart (a reset, an edit, new data)."""

    def __init__(self) -> None:
        self.best: Checkpoint | None = None
        self.scale = 1.0  # the constant prediction's loss
        self.recent: collections.deque[float] = collections.deque(maxlen=WINDOW)

    def restart(self, params: list[Array], loss: float | None, epoch: int, scale: float) -> None:
        """The current weights are the new run's first checkpoint (None: not finite)."""
        self.scale = scale
        self.recent.clear()
        self.best = None
        if loss is not None:
            self.best = Checkpoint(epoch, loss, [p.copy() for p in params])

    def observe(self, params: list[Array], loss: float | None, epoch: int) -> bool:
        """Record a slice's training loss (None: non-finite); True when training blew up."""
        if loss is None:
            return True
        if self.best is None or loss < self.best.loss:
            same = self.best is not None and [p.shape for p in params] == [
                p.shape for p in self.best.params
            ]
            if self.best is not None and same:
                for saved, param in zip(self.best.params, params, strict=True):
                    saved[...] = param  # reuse the arrays: a new best comes every slice
                self.best.epoch, self.best.loss = epoch, loss
            else:
                self.best = Checkpoint(epoch, loss, [p.copy() for p in params])
            self.recent.clear()
            return False
        self.recent.append(loss)
        margin = loss - self.best.loss
        average = sum(self.recent) / len(self.recent)
        return margin > SPIKE * self.scale or (
            len(self.recent) == WINDOW and average - self.best.loss > self.scale
        )
