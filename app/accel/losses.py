"""Compiled losses: each of app.nn.LOSSES as a batch-mean gradient, and a split's loss and
accuracy. Targets come as floats (k, rows) like the logits: 0/1, one-hot columns or values."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from app.accel.runtime import compiled
from app.accel.tanh import tanh
from app.nn.losses import HUBER_DELTA, LOSSES

Array = NDArray[np.float64]

CODES = {name: code for code, name in enumerate(LOSSES)}
MSE, MAE, HUBER = CODES["mse"], CODES["mae"], CODES["huber"]
LOGLOSS, CROSS_ENTROPY = CODES["logloss"], CODES["cross_entropy"]


@compiled
def loss_grad(code: int, z: Array, t: Array, g: Array) -> None:
    """g = dL/dz (k, rows) of the batch-mean loss, the 1/n included."""
    k, rows = z.shape
    size = rows * k
    if code == CROSS_ENTROPY:  # softmax(z) - onehot(y), over each column
        for r in range(rows):
            m = z[0, r]
            for j in range(1, k):
                m = max(m, z[j, r])
            total = 0.0
            for j in range(k):
                g[j, r] = math.exp(z[j, r] - m)
                total += g[j, r]
            for j in range(k):
                g[j, r] = (g[j, r] / total - t[j, r]) / rows
        return
    for j in range(k):
        for r in range(rows):
            e = z[j, r] - t[j, r]
            if code == LOGLOSS:  # sigmoid(z) = (1 + tanh(z / 2)) / 2: vectorizes, unlike exp
                g[j, r] = ((0.5 + 0.5 * tanh(0.5 * z[j, r])) - t[j, r]) / size
            elif code == MSE:
                g[j, r] = 2.0 * e / size
            elif code == MAE:
                g[j, r] = (0.0 if e == 0 else 1.0 if e > 0 else -1.0 if e < 0 else e) / size
            elif code == HUBER:
                g[j, r] = min(max(e, -HUBER_DELTA), HUBER_DELTA) / size
            else:
                raise ValueError("unknown loss code")


@compiled
def split_stats(code: int, z: Array, t: Array, classify: bool) -> tuple[float, float]:
    """(mean loss, accuracy) over the columns of z (k, rows), as the trainer's evaluate: the
    loss values of app/nn/losses.py; sigmoid(z) >= 0.5 exactly when z >= 0, softmax's argmax
    is the logits' first largest. Accuracy is NaN when not classify, and for no rows."""
    k, rows = z.shape
    total, right = 0.0, 0
    for r in range(rows):
        if code == CROSS_ENTROPY:  # log sum e^z - z_y, shifted by the column max
            m, best, y = z[0, r], 0, 0
            for j in range(1, k):
                if z[j, r] > m:
                    m, best = z[j, r], j
                if t[j, r] == 1.0:
                    y = j
            s = 0.0
            for j in range(k):
                s += math.exp(z[j, r] - m)
            total += m + math.log(s) - z[y, r]
            right += best == y
            continue
        for j in range(k):
            e, v = z[j, r] - t[j, r], z[j, r]
            if code == LOGLOSS:
                total += max(v, 0.0) - v * t[j, r] + math.log1p(math.exp(-abs(v)))
                right += (v >= 0) == (t[j, r] == 1.0)
            elif code == MSE:
                total += e * e
            elif code == MAE:
                total += abs(e)
            elif code == HUBER:
                d = abs(e)
                total += 0.5 * d * d if d <= HUBER_DELTA else HUBER_DELTA * (d - 0.5 * HUBER_DELTA)
            else:
                raise ValueError("unknown loss code")
    count = rows if code == CROSS_ENTROPY else rows * k
    loss = total / count if count else math.nan
    return loss, right / rows if classify and rows else math.nan
