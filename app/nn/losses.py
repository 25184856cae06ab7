"""Losses on raw outputs (logits) and the TASKS they belong to; every loss is a batch mean."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from app.nn.activations import Array, sigmoid, softmax

HUBER_DELTA = 1.0


@dataclass(frozen=True)
class Loss:
    """A loss L(z, y) on the last layer's raw output z and its gradient dL/dz (holding the 1/n),
    with the title and formula the page shows."""

    value: Callable[[Array, Array], float]
    grad: Callable[[Array, Array], Array]
    title: str
    formula: str


def _logloss(z: Array, y: Array) -> float:
    # max(z, 0) - z y + log(1 + e^-|z|): log(1 + e^-z) rewritten so e^... never overflows
    return float(np.mean(np.maximum(z, 0.0) - z * y + np.log1p(np.exp(-np.abs(z)))))


def _cross_entropy(z: Array, y: Array) -> float:
    # log sum_j e^z_j - z_y, with the log-sum-exp shifted by the row max
    m = z.max(axis=1)  # (n,)
    lse = m + np.log(np.exp(z - m[:, None]).sum(axis=1))  # (n,)
    return float(np.mean(lse - z[np.arange(len(y)), y]))


def _cross_entropy_grad(z: Array, y: Array) -> Array:
    p = softmax(z)  # (n, k)
    p[np.arange(len(y)), y] -= 1.0  # p - onehot(y)
    return p / len(y)


def _huber(z: Array, y: Array) -> float:
    d = np.abs(z - y)
    quadratic, linear = 0.5 * d**2, HUBER_DELTA * (d - 0.5 * HUBER_DELTA)
    return float(np.mean(np.where(d <= HUBER_DELTA, quadratic, linear)))


LOSSES: dict[str, Loss] = {
    # regression, like torch MSELoss / L1Loss / HuberLoss: mean over all elements
    "mse": Loss(
        lambda z, y: float(np.mean((z - y) ** 2)),
        lambda z, y: 2.0 * (z - y) / z.size,
        "Mean squared error",
        "L = mean((z - y)²)",
    ),
    "mae": Loss(
        lambda z, y: float(np.mean(np.abs(z - y))),
        lambda z, y: np.sign(z - y) / z.size,
        "Mean absolute error",
        "L = mean(|z - y|)",
    ),
    "huber": Loss(
        _huber,
        lambda z, y: np.clip(z - y, -HUBER_DELTA, HUBER_DELTA) / z.size,
        "Huber",
        f"L = mean(d²/2 if d ≤ {HUBER_DELTA:g} else d - 1/2), d = |z - y|",
    ),
    # sigmoid + binary log loss fused, like BCEWithLogitsLoss; y (n, 1) in {0, 1}
    "logloss": Loss(
        _logloss,
        lambda z, y: (sigmoid(z) - y) / z.size,
        "Log loss",
        "L = -mean(y log p + (1 - y) log(1 - p)), p = sigmoid(z)",
    ),
    # softmax + cross-entropy fused, like CrossEntropyLoss; y (n,) integer class ids
    "cross_entropy": Loss(
        _cross_entropy,
        _cross_entropy_grad,
        "Cross-entropy",
        "L = -mean(log p_y), p = softmax(z)",
    ),
}


def get_loss(name: str) -> Loss:
    """Look a loss up by name, naming the allowed ones when it is unknown."""
    if name not in LOSSES:
        raise ValueError(f"unknown loss {name!r}; expected one of {sorted(LOSSES)}")
    return LOSSES[name]


def _binary_targets(y: Array, outputs: int) -> Array:
    return y.reshape(-1, 1).astype(np.float64, copy=False)  # (n, 1)


def _class_targets(y: Array, outputs: int) -> Array:
    ids = y.astype(np.intp, copy=False)  # (n,)
    if y.ndim != 1 or not np.array_equal(ids, y) or ids.min() < 0 or ids.max() >= outputs:
        raise ValueError(
            f"multiclass targets must be class ids in 0..{outputs - 1} of shape (n,), "
            f"received values {np.unique(y)[:10]!r} of shape {y.shape}"
        )
    return ids  # type: ignore[return-value]  # integer ids index the logits


def _regression_targets(y: Array, outputs: int) -> Array:
    return y.reshape(-1, outputs).astype(np.float64, copy=False)  # (n, outputs)


@dataclass(frozen=True)
class Task:
    """A kind of problem: how logits become predictions, which losses fit, how y is shaped."""

    link: Callable[[Array], Array]  # logits (n, k) -> predictions (n, k)
    losses: tuple[str, ...]  # the first one is the default
    targets: Callable[[Array, int], Array]  # (y, outputs) -> y as the loss wants it
    min_outputs: int = 1
    max_outputs: int | None = None

    @property
    def default_loss(self) -> str:
        """The loss picked when none is asked for."""
        return self.losses[0]


TASKS: dict[str, Task] = {
    "binary": Task(sigmoid, ("logloss",), _binary_targets, max_outputs=1),
    "multiclass": Task(softmax, ("cross_entropy",), _class_targets, min_outputs=2),
    "regression": Task(lambda z: z, ("mse", "mae", "huber"), _regression_targets),
}


def get_task(name: str) -> Task:
    """Look a task up by name, naming the allowed ones when it is unknown."""
    if name not in TASKS:
        raise ValueError(f"unknown task {name!r}; expected one of {sorted(TASKS)}")
    return TASKS[name]
