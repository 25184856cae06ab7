"""A plain, straightforward NumPy MLP: the baseline the engine's speed is compared with.

What a student would write from the lecture: x @ W + b, the activation, the sigmoid +
log-loss gradient, backprop, SGD; a fresh array per operation, no engine machinery.
"""

from __future__ import annotations

import itertools

import numpy as np

Array = np.ndarray


class PlainMLP:
    """Binary classifier: hidden layers of one activation, a sigmoid output, log loss, SGD."""

    def __init__(self, sizes: list[int], activation: str, lr: float, seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        self.w = [
            rng.uniform(-1, 1, (a, b)) * np.sqrt(6 / (a + b)) for a, b in itertools.pairwise(sizes)
        ]
        self.b = [np.zeros(b) for b in sizes[1:]]
        self.relu = activation == "relu"
        self.lr = lr
        self.rng = np.random.default_rng(seed)

    def step(self, x: Array, y: Array) -> None:
        acts = [x]
        for w, b in zip(self.w[:-1], self.b[:-1]):
            z = acts[-1] @ w + b
            acts.append(np.maximum(z, 0) if self.relu else np.tanh(z))
        z = acts[-1] @ self.w[-1] + self.b[-1]
        dz = (1 / (1 + np.exp(-z)) - y) / len(y)
        for i in range(len(self.w) - 1, -1, -1):
            dw, db = acts[i].T @ dz, dz.sum(axis=0)
            if i:
                da = dz @ self.w[i].T
                dz = da * (acts[i] > 0) if self.relu else da * (1 - acts[i] ** 2)
            self.w[i] -= self.lr * dw
            self.b[i] -= self.lr * db

    def epoch(self, x: Array, y: Array, batch: int) -> None:
        order = self.rng.permutation(len(x))
        for start in range(0, len(x), batch):
            index = order[start : start + batch]
            self.step(x[index], y[index])
