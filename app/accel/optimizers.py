"""Compiled optimizers: each of app.nn.OPTIMIZERS as one step on one tensor's slice of the flat
vectors, and what of its state the plan hands over (RULES)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from app.accel.runtime import compiled
from app.nn.optimizers import OPTIMIZERS

Array = NDArray[np.float64]
Ints = NDArray[np.int64]


@dataclass(frozen=True)
class Rule:
    """What the kernel needs of an optimizer besides its code."""

    hyper: tuple[str, ...] = ()  # its attributes, flattened into hyper[3:] in this order
    slots: tuple[str, ...] = ()  # state arrays kept in the flat slots 0 and 1
    counts_steps: bool = False  # keeps a "step" count in its state


RULES: dict[str, Rule] = {
    "sgd": Rule(),
    "momentum": Rule(("momentum",), ("momentum_buffer",)),
    "nesterov": Rule(("momentum",), ("momentum_buffer",)),
    "adagrad": Rule(("lr_decay", "eps"), ("sum",), counts_steps=True),
    "rmsprop": Rule(("alpha", "eps"), ("square_avg",)),
    "adam": Rule(("betas", "eps"), ("exp_avg", "exp_avg_sq"), counts_steps=True),
    "adamax": Rule(("betas", "eps"), ("exp_avg", "exp_inf"), counts_steps=True),
}
CODES = {name: code for code, name in enumerate(OPTIMIZERS)}
SGD, MOMENTUM, NESTEROV = CODES["sgd"], CODES["momentum"], CODES["nesterov"]
ADAGRAD, RMSPROP, ADAM = CODES["adagrad"], CODES["rmsprop"], CODES["adam"]
ADAMAX = CODES["adamax"]


@compiled
def penalize(p: Array, g: Array, l1: float, l2: float) -> None:
    """g += l1 sign(w) + l2 w, as MLP.loss_and_grads adds the penalties' gradient."""
    for e in range(p.shape[0]):
        w = p[e]
        g[e] += l1 * (1.0 if w > 0 else -1.0 if w < 0 else w) + l2 * w


@compiled
def update(
    code: int, hyper: Array, p: Array, g: Array, s0: Array, s1: Array, counts: Ints, k: int
) -> None:
    """One step on tensor k's slice, as app/nn/optimizers.py writes it: hyper = (lr, l1, l2,
    the rule's own); s0, s1 the state slots; counts[0, k] the step count, counts[1, k] "has a
    momentum buffer"."""
    lr = hyper[0]
    n = p.shape[0]
    if code == SGD:
        for e in range(n):
            p[e] -= lr * g[e]
    elif code == MOMENTUM or code == NESTEROV:  # b = g at first, then mu b + g
        mu, fresh = hyper[3], counts[1, k] == 0
        counts[1, k] = 1
        for e in range(n):
            s0[e] = g[e] if fresh else s0[e] * mu + g[e]
            p[e] -= lr * (g[e] + mu * s0[e]) if code == NESTEROV else lr * s0[e]
    elif code == ADAGRAD:
        counts[0, k] += 1
        rate = lr / (1.0 + (counts[0, k] - 1) * hyper[3])
        for e in range(n):
            s0[e] += g[e] * g[e]
            p[e] -= rate * g[e] / (math.sqrt(s0[e]) + hyper[4])
    elif code == RMSPROP:
        alpha = hyper[3]
        for e in range(n):
            s0[e] = s0[e] * alpha + (1.0 - alpha) * g[e] * g[e]
            p[e] -= lr * g[e] / (math.sqrt(s0[e]) + hyper[4])
    elif code == ADAM:
        beta1, beta2 = hyper[3], hyper[4]
        counts[0, k] += 1
        t = float(counts[0, k])
        rate = lr / (1.0 - math.pow(beta1, t))
        root = math.sqrt(1.0 - math.pow(beta2, t))
        for e in range(n):
            s0[e] = s0[e] * beta1 + (1.0 - beta1) * g[e]
            s1[e] = s1[e] * beta2 + (1.0 - beta2) * g[e] * g[e]
            p[e] -= rate * s0[e] / (math.sqrt(s1[e]) / root + hyper[5])
    elif code == ADAMAX:
        beta1, beta2 = hyper[3], hyper[4]
        counts[0, k] += 1
        rate = lr / (1.0 - math.pow(beta1, float(counts[0, k])))
        for e in range(n):
            s0[e] = s0[e] * beta1 + (1.0 - beta1) * g[e]
            s1[e] = max(s1[e] * beta2, abs(g[e]) + hyper[5])
            p[e] -= rate * s0[e] / s1[e]
    else:
        raise ValueError("unknown optimizer code")
