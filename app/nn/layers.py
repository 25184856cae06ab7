"""Layers: Dense, Activation, PReLU and Dropout, each with forward / backward / params / grads."""

from __future__ import annotations

from typing import Protocol

import numpy as np

from app.nn.activations import PRELU_INITIAL_SLOPE, Array, get_activation

INITS = ("glorot", "he", "uniform")  # weight schemes Dense.create understands


class Layer(Protocol):
    """What the model needs from a layer; rng is given only while training (it drives dropout)."""

    def forward(self, x: Array, rng: np.random.Generator | None = None) -> Array: ...
    def backward(self, dy: Array) -> Array: ...
    def params(self) -> list[Array]: ...
    def grads(self) -> list[Array]: ...


def init_weights(fan_in: int, fan_out: int, scheme: str, rng: np.random.Generator) -> Array:
    """Draw (fan_in, fan_out) weights: Glorot U(±√(6/(in+out))), He U(±√(6/in)) or U(±0.5)."""
    if scheme == "glorot":
        limit = np.sqrt(6.0 / (fan_in + fan_out))
    elif scheme == "he":
        limit = np.sqrt(6.0 / fan_in)
    elif scheme == "uniform":
        limit = 0.5  # the classic TensorFlow Playground start
    else:
        raise ValueError(f"unknown init {scheme!r}; expected one of {list(INITS)}")
    return rng.uniform(-limit, limit, (fan_in, fan_out))


def init_biases(fan_out: int, scheme: str) -> Array:
    """Biases start at 0, or at 0.1 for the playground's "uniform" scheme."""
    return np.full(fan_out, 0.1 if scheme == "uniform" else 0.0)


class Dense:
    """Fully connected layer y = x w + b."""

    def __init__(self, w: Array, b: Array) -> None:
        self.w = w  # (d_in, d_out)
        self.b = b  # (d_out,)
        self.dw = np.zeros_like(w)
        self.db = np.zeros_like(b)
        self._x = np.empty((0, w.shape[0]))

    @classmethod
    def create(cls, fan_in: int, units: int, scheme: str, rng: np.random.Generator) -> Dense:
        """A freshly initialised Dense layer with weights (fan_in, units) and biases (units,)."""
        return cls(init_weights(fan_in, units, scheme, rng), init_biases(units, scheme))

    def forward(self, x: Array, rng: np.random.Generator | None = None) -> Array:
        self._x = x  # (n, d_in)
        return x @ self.w + self.b  # (n, d_out)

    def backward(self, dy: Array) -> Array:
        self.dw = self._x.T @ dy  # (d_in, d_out)   dL/dw
        self.db = dy.sum(axis=0)  # (d_out,)
        return dy @ self.w.T  # (n, d_in)          dL/dx

    def params(self) -> list[Array]:
        return [self.w, self.b]

    def grads(self) -> list[Array]:
        return [self.dw, self.db]


class Activation:
    """A parameter-free element-wise activation layer a = f(z), looked up in ACTIVATIONS."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.fn = get_activation(name)
        self._z = self._a = np.empty(0)

    def forward(self, x: Array, rng: np.random.Generator | None = None) -> Array:
        self._z = x  # (n, d)
        self._a = self.fn.forward(x)  # (n, d)
        return self._a

    def backward(self, dy: Array) -> Array:
        return self.fn.backward(self._z, self._a, dy)  # (n, d)

    def params(self) -> list[Array]:
        return []

    def grads(self) -> list[Array]:
        return []


class PReLU:
    """Parametric ReLU y = max(z, 0) + alpha min(z, 0) with one learnable slope per neuron."""

    name = "prelu"

    def __init__(self, alpha: Array) -> None:
        self.alpha = alpha  # (d,)
        self.dalpha = np.zeros_like(alpha)
        self._neg = np.empty(0)

    @classmethod
    def create(cls, units: int) -> PReLU:
        """A PReLU layer whose slopes all start at 0.25, as in He et al. (2015)."""
        return cls(np.full(units, PRELU_INITIAL_SLOPE))

    def forward(self, x: Array, rng: np.random.Generator | None = None) -> Array:
        self._neg = np.minimum(x, 0.0)  # (n, d)  the part the slope multiplies
        return np.maximum(x, 0.0) + self.alpha * self._neg  # (n, d)

    def backward(self, dy: Array) -> Array:
        self.dalpha = (dy * self._neg).sum(axis=0)  # (d,)
        return dy * np.where(self._neg < 0, self.alpha, 1.0)  # (n, d)

    def params(self) -> list[Array]:
        return [self.alpha]

    def grads(self) -> list[Array]:
        return [self.dalpha]


def check_rate(rate: float) -> float:
    """Return rate as a float if it is a valid dropout rate in [0, 1), else raise ValueError."""
    if not isinstance(rate, (int, float)) or not 0.0 <= rate < 1.0:
        raise ValueError(f"dropout rate must be a number in [0, 1), received {rate!r}")
    return float(rate)


class Dropout:
    """Inverted dropout: while training, keep a unit with chance 1 - rate, scaled by 1/(1-rate)."""

    def __init__(self, rate: float = 0.0) -> None:
        self.rate = check_rate(rate)
        self._mask: Array | None = None
        self.last_mask: Array | None = None  # the last training batch's mask, kept for a view

    def forward(self, x: Array, rng: np.random.Generator | None = None) -> Array:
        if rng is None or self.rate == 0.0:  # inference, or nothing to drop
            self._mask = None
            return x
        self._mask = (rng.random(x.shape) >= self.rate) / (1.0 - self.rate)  # (n, d)
        self.last_mask = self._mask
        return x * self._mask

    def backward(self, dy: Array) -> Array:
        return dy if self._mask is None else dy * self._mask

    def params(self) -> list[Array]:
        return []

    def grads(self) -> list[Array]:
        return []
