"""Element-wise activation functions: ACTIVATIONS maps each name to its forward and derivative."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]

GELU_C = float(np.sqrt(2.0 / np.pi))  # tanh-approximation constant of GELU
LEAKY_SLOPE = 0.01
PRELU_INITIAL_SLOPE = 0.25


def sigmoid(z: Array) -> Array:
    """Logistic function 1 / (1 + e^-z), computed from e^-|z| so it never overflows."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def softmax(z: Array) -> Array:
    """Row-wise softmax e^z / sum(e^z), shifted by the row max so it never overflows."""
    e = np.exp(z - z.max(axis=1, keepdims=True))  # (n, k)
    return e / e.sum(axis=1, keepdims=True)  # type: ignore[no-any-return]


def _gelu(z: Array) -> Array:
    """GELU, tanh approximation: z/2 (1 + tanh(c (z + 0.044715 z^3)))."""
    return 0.5 * z * (1.0 + _gelu_tanh(z))


def _gelu_tanh(z: Array) -> Array:
    zc = np.clip(z, -10.0, 10.0)  # tanh is exactly ±1 beyond |z| = 10; avoids z^3 overflow
    return np.tanh(GELU_C * (zc + 0.044715 * zc**3))


def _gelu_derivative(z: Array, a: Array) -> Array:
    t = _gelu_tanh(z)
    zc = np.clip(z, -10.0, 10.0)  # (1 - t^2) is 0 out there anyway
    return 0.5 * (1.0 + t) + 0.5 * zc * (1.0 - t**2) * GELU_C * (1.0 + 3 * 0.044715 * zc**2)


def _silu_derivative(z: Array, a: Array) -> Array:
    s = sigmoid(z)
    return s * (1.0 + z * (1.0 - s))  # s + z s (1 - s)


@dataclass(frozen=True)
class Elementwise:
    """An element-wise function f with its derivative f'(z, a), where a = f(z) may be reused,
    and how the page names it: a title and the formula its tooltip shows."""

    f: Callable[[Array], Array]
    df: Callable[[Array, Array], Array]
    title: str
    formula: str
    he: bool = False  # rectifier-like: He initialisation suits the weights feeding it
    learnable: bool = False  # the model builds a PReLU layer with one slope per neuron instead

    def forward(self, z: Array) -> Array:
        """Return a = f(z), same shape as z."""
        return self.f(z)

    def backward(self, z: Array, a: Array, da: Array) -> Array:
        """Return dL/dz = dL/da * f'(z)."""
        return da * self.df(z, a)


def _where_positive(z: Array, slope: float) -> Array:
    return np.where(z > 0, z, slope * z)


def _slope_or_one(z: Array, slope: float) -> Array:
    return np.where(z > 0, 1.0, slope)


ACTIVATIONS: dict[str, Elementwise] = {
    "linear": Elementwise(lambda z: z, lambda z, a: np.ones_like(z), "Linear", "f(z) = z"),
    "sigmoid": Elementwise(sigmoid, lambda z, a: a * (1.0 - a), "Sigmoid", "f(z) = 1 / (1 + e^-z)"),
    "tanh": Elementwise(np.tanh, lambda z, a: 1.0 - a**2, "Tanh", "f(z) = tanh(z)"),
    "hardtanh": Elementwise(
        lambda z: np.clip(z, -1.0, 1.0),
        lambda z, a: ((z > -1.0) & (z < 1.0)).astype(np.float64),
        "Hard tanh",
        "f(z) = max(-1, min(z, 1))",
    ),
    "softsign": Elementwise(
        lambda z: z / (1.0 + np.abs(z)),
        lambda z, a: (1.0 - np.abs(a)) ** 2,
        "Softsign",
        "f(z) = z / (1 + |z|)",
    ),
    # Heaviside: derivative 0 everywhere, so no gradient flows back through it (on purpose).
    "step": Elementwise(
        lambda z: (z > 0).astype(np.float64),
        lambda z, a: np.zeros_like(z),
        "Step",
        "f(z) = 1 if z > 0 else 0",
    ),
    "softplus": Elementwise(
        lambda z: np.logaddexp(0.0, z), lambda z, a: sigmoid(z), "Softplus", "f(z) = log(1 + e^z)"
    ),
    "relu": Elementwise(
        lambda z: np.maximum(z, 0.0),
        lambda z, a: (z > 0).astype(np.float64),
        "ReLU",
        "f(z) = max(z, 0)",
        he=True,
    ),
    "leaky_relu": Elementwise(
        lambda z: _where_positive(z, LEAKY_SLOPE),
        lambda z, a: _slope_or_one(z, LEAKY_SLOPE),
        "Leaky ReLU",
        f"f(z) = z if z > 0 else {LEAKY_SLOPE} z",
        he=True,
    ),
    # Stands for the PReLU layer (learnable slope per neuron); as a plain function, its start slope.
    "prelu": Elementwise(
        lambda z: _where_positive(z, PRELU_INITIAL_SLOPE),
        lambda z, a: _slope_or_one(z, PRELU_INITIAL_SLOPE),
        "PReLU",
        "f(z) = z if z > 0 else α z, α learned per neuron",
        he=True,
        learnable=True,
    ),
    "elu": Elementwise(
        lambda z: np.where(z > 0, z, np.expm1(np.minimum(z, 0.0))),
        lambda z, a: np.where(z > 0, 1.0, a + 1.0),
        "ELU",
        "f(z) = z if z > 0 else e^z - 1",
        he=True,
    ),
    "gelu": Elementwise(
        _gelu, _gelu_derivative, "GELU", "f(z) = z/2 (1 + tanh(√(2/π) (z + 0.044715 z³)))", he=True
    ),
    "silu": Elementwise(
        lambda z: z * sigmoid(z), _silu_derivative, "SiLU", "f(z) = z sigmoid(z)", he=True
    ),
}


def get_activation(name: str) -> Elementwise:
    """Look an activation up by name, naming the allowed ones when it is unknown."""
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; expected one of {sorted(ACTIVATIONS)}")
    return ACTIVATIONS[name]
