"""Watchdog: the best recent weights of a run, and whether training has blown up since.

A non-finite loss is one way to diverge; a loss far above the run's best is the other (a
learning rate of 10 thrashes between 0.5 and 2.2 without ever overflowing, and a late edit can
send the loss to 20 long before it overflows). "Far above" is measured in units of the loss of
the best constant prediction (the base rate, the class frequencies, the mean target): what the
network scores knowing nothing, so one rule fits log loss, cross-entropy, MSE, MAE and Huber.
While the run's best is worse still (a bad start), its best is the unit instead.
"""

from __future__ import annotations

import collections
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from app.nn import MLP
from app.session_config import LEARNING_RATES, Config

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
            # one centre per target column (a multi-output set has several)
            center = np.median(y, axis=0) if net.loss_name == "mae" else np.mean(y, axis=0)
            z = np.tile(np.reshape(center if len(y) else 0.0, (1, -1)), (n, 1))
        loss = net.loss_from_logits(z, y) if len(y) else 1.0
    return float(loss) if np.isfinite(loss) and loss > 1e-3 else 1e-3


@dataclass
class Change:
    """The last edit of a run, as the divergence advice names it: `field` is a config field
    ("learning_rate", "optimizer", ...), or "activation" / "units" / "dropout" of one `layer`,
    "layers" when layers were added or removed, "weight" for a hand-edited weight."""

    field: str
    layer: int | None = None
    before: str | None = None
    after: str | None = None


DISPLAY_FIELDS = frozenset({"speed", "grid", "neuron_grid", "frame_rate"})  # change no training


# The fields an advice names first when one change moved several (a link, a lesson's preset).
LEADING_FIELDS = ("learning_rate", "optimizer", "batch_size", "loss", "regularization_rate")


def describe_change(old: Config, new: Config) -> Change | None:
    """The edit that turned `old` into `new` (the likeliest to upset training when there are
    several), None when only what is shown changed."""
    for name in LEADING_FIELDS:
        if getattr(old, name) != getattr(new, name):
            return Change(name, None, str(getattr(old, name)), str(getattr(new, name)))
    if old.layers != new.layers:
        if len(old.layers) != len(new.layers):
            sizes = ["-".join(str(layer.units) for layer in c.layers) or "0" for c in (old, new)]
            return Change("layers", None, *sizes)
        for index, (was, now) in enumerate(zip(old.layers, new.layers, strict=True)):
            for name in ("activation", "units", "dropout"):
                if getattr(was, name) != getattr(now, name):
                    return Change(name, index, str(getattr(was, name)), str(getattr(now, name)))
    for name in Config.model_fields:
        if name not in DISPLAY_FIELDS and getattr(old, name) != getattr(new, name):
            return Change(name, None, str(getattr(old, name)), str(getattr(new, name)))
    return None


@dataclass
class Divergence:
    """What the page shows when training blew up: when, how far, what was restored, and why."""

    epoch: int
    loss: float | None  # None: the loss became non-finite
    best_epoch: int | None  # the epoch whose weights were restored
    best_loss: float | None
    cause: str  # "edit": the last change made it worse from the start; else "learning_rate"
    change: Change | None
    learning_rate: float
    suggested_learning_rate: float | None

    def message(self) -> str:
        """The English advice (the page builds its own from the fields, in its language)."""
        what = "became non-finite" if self.loss is None else f"rose to {self.loss:.3g}"
        restored = (
            f"restored the network of epoch {self.best_epoch} (loss {self.best_loss:.3g})"
            if self.best_epoch is not None
            else "restored the last finite weights"
        )
        text = f"Training diverged at epoch {self.epoch}: the loss {what}. Paused and {restored}."
        change = self.change
        if self.cause == "edit" and change is not None:
            where = f" of layer {change.layer + 1}" if change.layer is not None else ""
            text += (
                f" Likely cause: your last change, {change.field.replace('_', ' ')}{where} "
                f"{change.before} -> {change.after}."
            )
        else:
            text += f" Likely cause: the learning rate {self.learning_rate:g} is too large."
        if self.suggested_learning_rate is not None and (
            self.cause == "learning_rate" or (change and change.field == "learning_rate")
        ):
            text += f" Try a smaller learning rate, e.g. {self.suggested_learning_rate:g}."
        return text


def smaller_learning_rate(rate: float) -> float | None:
    """The largest offered learning rate at most a third of `rate` (None: none is)."""
    smaller = [offered for offered in LEARNING_RATES if offered <= rate / 3]
    return max(smaller) if smaller else None


class Watchdog:
    """Tracks a run's best weights since its last restart (a reset, an edit, new data)."""

    def __init__(self) -> None:
        self.best: Checkpoint | None = None
        self.scale = 1.0  # the constant prediction's loss
        self.recent: collections.deque[float] = collections.deque(maxlen=WINDOW)
        self.change: Change | None = None  # the edit that started this run (None: a fresh one)
        self.started = 0  # the epoch it started at

    def restart(
        self,
        params: list[Array],
        loss: float | None,
        epoch: int,
        scale: float,
        change: Change | None = None,
    ) -> None:
        """The current weights are the new run's first checkpoint (loss None: not finite)."""
        self.scale, self.change, self.started = scale, change, epoch
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
        # A run still far worse than knowing nothing (a bad start) swings by more than that:
        # measured in its own best loss then, an overshoot on the way down is not a blow-up.
        unit = max(self.scale, self.best.loss)
        average = sum(self.recent) / len(self.recent)
        return margin > SPIKE * unit or (
            len(self.recent) == WINDOW and average - self.best.loss > unit
        )

    def report(self, epoch: int, loss: float | None, learning_rate: float) -> Divergence:
        """The divergence just observed. The last edit is blamed when the run never improved
        on the weights it had right after it; otherwise the learning rate is."""
        best = self.best
        blame_edit = self.change is not None and (best is None or best.epoch == self.started)
        return Divergence(
            epoch=epoch,
            loss=loss,
            best_epoch=best.epoch if best else None,
            best_loss=best.loss if best else None,
            cause="edit" if blame_edit else "learning_rate",
            change=self.change,
            learning_rate=learning_rate,
            suggested_learning_rate=smaller_learning_rate(learning_rate),
        )
