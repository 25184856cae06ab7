"""Optimizers with the update rules and default hyper-parameters of torch.optim.

State is a list aligned with the parameter list: `state[k]` belongs to `params[k]`. After a
structural edit the model returns a mapping (for each new parameter index, the old index it
came from, or None for a new or reshaped tensor); `opt.sync(mapping)` carries the state over.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from app.nn.activations import Array

State = dict[str, Any]


class Optimizer:
    """Base class: `step(params, grads)` updates every parameter array in place."""

    defaults: ClassVar[dict[str, Any]] = {}
    title: ClassVar[str] = ""  # how the page names it, and the rule its tooltip shows
    formula: ClassVar[str] = ""

    def __init__(self, lr: float, **hyper: Any) -> None:
        if not isinstance(lr, (int, float)) or not np.isfinite(lr) or lr <= 0:
            raise ValueError(f"lr must be a positive finite number, received {lr!r}")
        unknown = sorted(set(hyper) - set(self.defaults))
        if unknown:
            raise ValueError(
                f"unknown hyper-parameter {unknown[0]!r} for {type(self).__name__}; "
                f"expected one of {sorted(self.defaults)}"
            )
        self.lr = float(lr)
        for key, value in {**self.defaults, **hyper}.items():
            setattr(self, key, value)  # live-settable: opt.momentum = 0.5
        self.state: list[State | None] = []

    def reset(self) -> None:
        """Forget all state, as if freshly made."""
        self.state = []

    def sync(self, mapping: Sequence[int | None]) -> None:
        """Re-align state after an edit: new param k takes old state mapping[k] (None: fresh)."""
        old = self.state
        self.state = [old[j] if j is not None and j < len(old) else None for j in mapping]

    def step(self, params: Sequence[Array], grads: Sequence[Array]) -> None:
        """Apply one update to each parameter in place, using the matching gradient."""
        if len(self.state) != len(params):  # an edit the optimizer was not told about
            self.state = [None] * len(params)
        for k, (p, g) in enumerate(zip(params, grads)):
            s = self.state[k]
            if s is None or s["shape"] != p.shape:
                s = self.state[k] = {"shape": p.shape, **self.init_state(p)}
            self.update(p, g, s)

    def init_state(self, p: Array) -> State:
        """Fresh per-parameter state (buffers shaped like p)."""
        return {}

    def update(self, p: Array, g: Array, s: State) -> None:
        """Update p in place from gradient g and its state s."""
        raise NotImplementedError


class SGD(Optimizer):
    """Plain gradient descent: p -= lr g."""

    title, formula = "SGD", "p -= lr g"

    def update(self, p: Array, g: Array, s: State) -> None:
        p -= self.lr * g


class Momentum(Optimizer):
    """Heavy-ball momentum as torch SGD: b = mu b + g (b = g at first), p -= lr b."""

    defaults: ClassVar[dict[str, Any]] = {"momentum": 0.9}
    title, formula = "Momentum", "b = μ b + g;  p -= lr b"
    nesterov = False
    momentum: float

    def update(self, p: Array, g: Array, s: State) -> None:
        b = s.get("momentum_buffer")
        if b is None:
            b = s["momentum_buffer"] = g.copy()
        else:
            b *= self.momentum
            b += g
        p -= self.lr * (g + self.momentum * b if self.nesterov else b)


class Nesterov(Momentum):
    """Nesterov momentum as torch SGD(nesterov=True): b = mu b + g, p -= lr (g + mu b)."""

    title, formula = "Nesterov", "b = μ b + g;  p -= lr (g + μ b)"
    nesterov = True


class Adagrad(Optimizer):
    """Adagrad: sum += g^2, p -= lr / (1 + (t-1) lr_decay) * g / (sqrt(sum) + eps)."""

    defaults: ClassVar[dict[str, Any]] = {
        "lr_decay": 0.0,
        "eps": 1e-10,
        "initial_accumulator_value": 0.0,
    }
    title, formula = "Adagrad", "s += g²;  p -= lr g / (√s + ε)"
    lr_decay: float
    eps: float
    initial_accumulator_value: float

    def init_state(self, p: Array) -> State:
        return {"step": 0, "sum": np.full_like(p, self.initial_accumulator_value)}

    def update(self, p: Array, g: Array, s: State) -> None:
        s["step"] += 1
        s["sum"] += g * g
        lr = self.lr / (1.0 + (s["step"] - 1) * self.lr_decay)
        p -= lr * g / (np.sqrt(s["sum"]) + self.eps)


class RMSprop(Optimizer):
    """RMSprop: v = alpha v + (1 - alpha) g^2, p -= lr g / (sqrt(v) + eps)."""

    defaults: ClassVar[dict[str, Any]] = {"alpha": 0.99, "eps": 1e-8}
    title, formula = "RMSprop", "v = ρ v + (1 - ρ) g²;  p -= lr g / (√v + ε)"
    alpha: float
    eps: float

    def init_state(self, p: Array) -> State:
        return {"square_avg": np.zeros_like(p)}

    def update(self, p: Array, g: Array, s: State) -> None:
        v = s["square_avg"]
        v *= self.alpha
        v += (1.0 - self.alpha) * g * g
        p -= self.lr * g / (np.sqrt(v) + self.eps)


class Adam(Optimizer):
    """Adam: m, v averages of g, g^2; p -= lr/(1-b1^t) m / (sqrt(v)/sqrt(1-b2^t) + eps)."""

    defaults: ClassVar[dict[str, Any]] = {"betas": (0.9, 0.999), "eps": 1e-8}
    title = "Adam"
    formula = "m = β₁ m + (1 - β₁) g;  v = β₂ v + (1 - β₂) g²;  p -= lr m̂ / (√v̂ + ε)"
    betas: tuple[float, float]
    eps: float

    def init_state(self, p: Array) -> State:
        return {"step": 0, "exp_avg": np.zeros_like(p), "exp_avg_sq": np.zeros_like(p)}

    def update(self, p: Array, g: Array, s: State) -> None:
        beta1, beta2 = self.betas
        s["step"] += 1
        m, v, t = s["exp_avg"], s["exp_avg_sq"], s["step"]
        m *= beta1
        m += (1.0 - beta1) * g
        v *= beta2
        v += (1.0 - beta2) * g * g
        denom = np.sqrt(v) / np.sqrt(1.0 - beta2**t) + self.eps
        p -= self.lr / (1.0 - beta1**t) * m / denom


class Adamax(Optimizer):
    """Adamax, Adam with the infinity norm: m = b1 m + (1 - b1) g, u = max(b2 u, |g| + eps),
    p -= lr / (1 - b1^t) m / u."""

    defaults: ClassVar[dict[str, Any]] = {"betas": (0.9, 0.999), "eps": 1e-8}
    title = "Adamax"
    formula = "m = β₁ m + (1 - β₁) g;  u = max(β₂ u, |g| + ε);  p -= lr m / ((1 - β₁ᵗ) u)"
    betas: tuple[float, float]
    eps: float

    def init_state(self, p: Array) -> State:
        return {"step": 0, "exp_avg": np.zeros_like(p), "exp_inf": np.zeros_like(p)}

    def update(self, p: Array, g: Array, s: State) -> None:
        beta1, beta2 = self.betas
        s["step"] += 1
        m, u, t = s["exp_avg"], s["exp_inf"], s["step"]
        m *= beta1
        m += (1.0 - beta1) * g
        np.maximum(u * beta2, np.abs(g) + self.eps, out=u)
        p -= self.lr / (1.0 - beta1**t) * m / u


OPTIMIZERS: dict[str, type[Optimizer]] = {
    "sgd": SGD,
    "momentum": Momentum,
    "nesterov": Nesterov,
    "adagrad": Adagrad,
    "rmsprop": RMSprop,
    "adam": Adam,
    "adamax": Adamax,
}


def make_optimizer(name: str, lr: float, **hyper: Any) -> Optimizer:
    """Build an optimizer by name; hyper-parameters not given take OPTIMIZERS[name].defaults."""
    if name not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}; expected one of {sorted(OPTIMIZERS)}")
    return OPTIMIZERS[name](lr, **hyper)
