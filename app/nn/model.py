"""MLP: a multi-layer perceptron for one task, with weight-keeping live edits.

Structure: for each hidden layer Dense -> Activation (or PReLU) -> Dropout, then an output Dense
whose logits go to the task's loss (fused sigmoid / softmax) or link (for predictions).

Every edit method returns a mapping for optimizer state: for each index of the new
`parameters()` list, the index of the same (untouched) array in the old list, or None when the
tensor is new or was rebuilt. Pass it to `optimizer.sync(mapping)`, and re-read `parameters()`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from app.nn.activations import Array, get_activation
from app.nn.layers import Activation, Dense, Dropout, Layer, PReLU, check_rate
from app.nn.losses import get_loss, get_task

WEIGHT_INITS = ("glorot", "uniform")
LayerSpec = tuple[int, str] | tuple[int, str, float]
Mapping = list[int | None]


@dataclass
class HiddenLayer:
    """One hidden layer: its Dense, its activation layer and its dropout."""

    dense: Dense
    act: Activation | PReLU
    dropout: Dropout

    @property
    def units(self) -> int:
        return int(self.dense.w.shape[1])


def _check_units(units: Any) -> int:
    if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or units < 1:
        raise ValueError(f"units must be a positive int, received {units!r}")
    return int(units)


def _activation_layer(name: str, units: int) -> Activation | PReLU:
    return PReLU.create(units) if get_activation(name).learnable else Activation(name)


def _overlap(old: Array, fresh: Array) -> Array:
    """Copy the overlapping leading block of old into fresh (kept neurons keep their weights)."""
    block = tuple(slice(0, min(a, b)) for a, b in zip(old.shape, fresh.shape))
    fresh[block] = old[block]
    return fresh


class MLP:
    """A multi-layer perceptron: inputs -> hidden layers -> outputs, trained on one task."""

    def __init__(
        self,
        inputs: int,
        layers: Sequence[LayerSpec] = (),
        outputs: int = 1,
        task: str = "binary",
        loss: str | None = None,
        l1: float = 0.0,
        l2: float = 0.0,
        init: str = "glorot",
        seed: int | None = None,
    ) -> None:
        self._task = get_task(task)
        self.task = task
        outputs = _check_units(outputs)
        hi = self._task.max_outputs
        if outputs < self._task.min_outputs or (hi is not None and outputs > hi):
            raise ValueError(
                f"task {task!r} needs outputs in [{self._task.min_outputs}, {hi or 'inf'}], "
                f"received {outputs!r}"
            )
        loss = self._task.default_loss if loss is None else loss
        get_loss(loss)
        if loss not in self._task.losses:
            raise ValueError(
                f"loss {loss!r} does not fit task {task!r}; "
                f"expected one of {list(self._task.losses)}"
            )
        if init not in WEIGHT_INITS:
            raise ValueError(f"unknown init {init!r}; expected one of {list(WEIGHT_INITS)}")
        for name, value in (("l1", l1), ("l2", l2)):
            if not isinstance(value, (int, float)) or not value >= 0:
                raise ValueError(f"{name} must be a number >= 0, received {value!r}")
        self.loss_name = loss
        self._loss = get_loss(loss)
        self.l1, self.l2 = float(l1), float(l2)  # live-settable
        self.init = init
        self.seed = int(str(np.random.SeedSequence().entropy)) if seed is None else int(seed)
        self.rng = np.random.default_rng(self.seed)  # dropout masks
        self._generation = 0  # bumped by each edit, so re-drawn weights differ from the first
        self.inputs = _check_units(inputs)
        self.outputs = outputs
        specs = [self._parse_spec(spec) for spec in layers]
        self._hidden: list[HiddenLayer] = []
        fan_in = self.inputs
        for pos, (units, act, rate) in enumerate(specs):
            dense = self._fresh_dense(fan_in, units, act, pos)
            self._hidden.append(HiddenLayer(dense, _activation_layer(act, units), Dropout(rate)))
            fan_in = units
        self._out = self._fresh_dense(fan_in, outputs, None, len(specs))
        self._relink()

    # ----- structure -------------------------------------------------------------------------

    @staticmethod
    def _parse_spec(spec: Any) -> tuple[int, str, float]:
        if not isinstance(spec, (tuple, list)) or len(spec) not in (2, 3):
            raise ValueError(
                f"a layer is (units, activation) or (units, activation, dropout), received {spec!r}"
            )
        units, act = _check_units(spec[0]), spec[1]
        get_activation(act)
        return units, act, check_rate(spec[2] if len(spec) == 3 else 0.0)

    def _scheme(self, activation: str | None) -> str:
        """Weight scheme of a Dense feeding `activation` (None: the output layer)."""
        if self.init == "uniform":
            return "uniform"
        return "he" if activation is not None and get_activation(activation).he else "glorot"

    def _layer_rng(self, pos: int) -> np.random.Generator:
        """A generator of its own for the Dense at position pos, so layers never share draws."""
        return np.random.default_rng([self.seed, pos, self._generation])

    def _fresh_dense(self, fan_in: int, units: int, activation: str | None, pos: int) -> Dense:
        return Dense.create(fan_in, units, self._scheme(activation), self._layer_rng(pos))

    def _relink(self) -> None:
        """Rebuild the flat layer list the forward and backward passes walk."""
        self.layers: list[Layer] = []
        for h in self._hidden:
            self.layers += [h.dense, h.act, h.dropout]
        self.layers.append(self._out)
        self._denses = [h.dense for h in self._hidden] + [self._out]

    @property
    def hidden(self) -> list[tuple[int, str, float]]:
        """The hidden layers as (units, activation, dropout rate)."""
        return [(h.units, h.act.name, h.dropout.rate) for h in self._hidden]

    @property
    def layer_sizes(self) -> list[int]:
        """Neurons per layer: [inputs, h1, ..., outputs]."""
        return [self.inputs] + [h.units for h in self._hidden] + [self.outputs]

    def parameters(self) -> list[Array]:
        """All trainable arrays, in order [W1, b1, (alpha1), W2, b2, ...]; W (in, out), b (out,)."""
        return [p for layer in self.layers for p in layer.params()]

    def weights(self) -> list[tuple[Array, Array]]:
        """(W, b) of each Dense layer, the output layer last; the arrays themselves, not copies."""
        return [(d.w, d.b) for d in self._denses]

    def slopes(self) -> list[Array | None]:
        """Each hidden layer's learnable PReLU slopes (the array itself), None where it has none."""
        return [h.act.alpha if isinstance(h.act, PReLU) else None for h in self._hidden]

    # ----- computing -------------------------------------------------------------------------

    def _check_x(self, x: Any) -> Array:
        rows: Array = np.asarray(x, dtype=np.float64)
        if rows.ndim != 2 or rows.shape[1] != self.inputs:
            raise ValueError(f"X must have shape (n, {self.inputs}), received {rows.shape}")
        return rows

    def _targets(self, y: Any, n: int) -> Array:
        y = np.asarray(y)
        t = self._task.targets(y, self.outputs) if y.size else y
        if t.shape[0] != n or y.size != t.size:
            raise ValueError(f"y must hold one target per row of X ({n}), received shape {y.shape}")
        return t

    def _logits(self, x: Array, rng: np.random.Generator | None = None) -> Array:
        for layer in self.layers:
            x = layer.forward(x, rng)
        return x  # (n, outputs)

    def logits(self, x: Any) -> Array:
        """The output layer's pre-activations (n, outputs), without dropout."""
        return self._logits(self._check_x(x))

    def loss_from_logits(self, z: Array, y: Any) -> float:
        """The mean data loss for logits z (n, outputs) = logits(x): one forward serves both
        the loss and the accuracy."""
        return float(self._loss.value(z, self._targets(y, len(z))))

    def predict(self, x: Any) -> Array:
        """Predictions without dropout: P(y=1) (n, 1) for binary, probabilities (n, k), values."""
        return self._task.link(self._logits(self._check_x(x)))

    def activations(self, x: Any) -> list[Array]:
        """Every hidden layer's output (n, units), no dropout, then the predictions (n, outputs)."""
        a, outs = self._check_x(x), []
        for h in self._hidden:
            a = h.act.forward(h.dense.forward(a))
            outs.append(a)
        outs.append(self._task.link(self._out.forward(a)))
        return outs

    def pre_activations(self, x: Any) -> list[Array]:
        """Every hidden layer's input to its activation, z = a W + b (n, units), no dropout."""
        a, zs = self._check_x(x), []
        for h in self._hidden:
            z = h.dense.forward(a)
            zs.append(z)
            a = h.act.forward(z)
        return zs

    def weight_gradients(self) -> list[Array]:
        """dL/dW of each Dense layer (the output layer last) from the last loss_and_grads."""
        return [d.dw for d in self._denses]

    def penalty(self) -> float:
        """Regularisation l1 sum|W| + l2/2 sum W^2 over all weight matrices (no biases, slopes)."""
        total = 0.0
        for d in self._denses:
            if self.l1:
                total += self.l1 * float(np.abs(d.w).sum())
            if self.l2:
                total += 0.5 * self.l2 * float(np.sum(d.w * d.w))
        return total

    def loss(self, x: Any, y: Any, penalty: bool = False) -> float:
        """Mean data loss without dropout (plus the regularisation penalty if asked)."""
        x = self._check_x(x)
        value = self._loss.value(self._logits(x), self._targets(y, len(x)))
        return value + self.penalty() if penalty else value

    def loss_and_grads(self, x: Any, y: Any) -> tuple[float, list[Array]]:
        """Training loss (with dropout, plus penalty) and its gradients, in parameters() order."""
        x = self._check_x(x)
        t = self._targets(y, len(x))
        z = self._logits(x, self.rng)
        value = self._loss.value(z, t)
        dy = self._loss.grad(z, t)
        for layer in reversed(self.layers):
            dy = layer.backward(dy)
        if self.l1 or self.l2:
            for d in self._denses:
                d.dw += self.l1 * np.sign(d.w) + self.l2 * d.w  # d/dW of the penalty
            value += self.penalty()
        return value, [g for layer in self.layers for g in layer.grads()]

    # ----- live edits (each returns the optimizer-state mapping) -----------------------------

    def _edit(self, change: Callable[[], None]) -> Mapping:
        old = self.parameters()  # held so no id can be reused while we compare
        where = {id(p): k for k, p in enumerate(old)}
        self._generation += 1
        change()
        self._relink()
        return [where.get(id(p)) for p in self.parameters()]

    def _check_index(self, i: Any, end: bool = False) -> int:
        top = len(self._hidden) + (1 if end else 0)
        if isinstance(i, bool) or not isinstance(i, (int, np.integer)) or not 0 <= i < top:
            raise ValueError(f"hidden layer index must be an int in [0, {top}), received {i!r}")
        return int(i)

    def _consumer(self, i: int) -> tuple[Dense, str | None, int]:
        """The Dense reading hidden layer i's output, the activation it feeds, and its position."""
        if i + 1 < len(self._hidden):
            return self._hidden[i + 1].dense, self._hidden[i + 1].act.name, i + 1
        return self._out, None, len(self._hidden)

    def set_activation(self, i: int, name: str) -> Mapping:
        """Switch hidden layer i's activation, weights kept; to/from prelu adds/removes slopes."""
        h = self._hidden[self._check_index(i)]
        get_activation(name)

        def change() -> None:
            if not (name == h.act.name == "prelu"):  # prelu -> prelu keeps its slopes
                h.act = _activation_layer(name, h.units)

        return self._edit(change)

    def set_dropout(self, i: int, rate: float) -> Mapping:
        """Set hidden layer i's dropout rate in [0, 1); no parameter changes."""
        h = self._hidden[self._check_index(i)]
        rate = check_rate(rate)

        def change() -> None:
            h.dropout.rate = rate

        return self._edit(change)

    def insert_layer(
        self, i: int, units: int, activation: str = "tanh", dropout: float = 0.0
    ) -> Mapping:
        """Insert a fresh hidden layer at position i (0..len); only its consumer's W is redrawn."""
        i = self._check_index(i, end=True)
        units, activation, dropout = self._parse_spec((units, activation, dropout))
        fan_in = self.layer_sizes[i]

        def change() -> None:
            dense = self._fresh_dense(fan_in, units, activation, i)
            layer = HiddenLayer(dense, _activation_layer(activation, units), Dropout(dropout))
            self._hidden.insert(i, layer)
            consumer, act, pos = self._consumer(i)
            w = self._fresh_dense(units, consumer.w.shape[1], act, pos).w
            consumer.w, consumer.dw = w, np.zeros_like(w)

        return self._edit(change)

    def remove_layer(self, i: int) -> Mapping:
        """Remove hidden layer i; its consumer's W keeps the rows that still fit, new rows fresh."""
        i = self._check_index(i)
        fan_in = self.layer_sizes[i]

        def change() -> None:
            consumer, act, pos = self._consumer(i)
            self._hidden.pop(i)
            self._refit_rows(consumer, fan_in, act, pos - 1)

        return self._edit(change)

    def resize_layer(self, i: int, units: int) -> Mapping:
        """Give hidden layer i `units` neurons; surviving neurons keep all their weights."""
        h = self._hidden[self._check_index(i)]
        units = _check_units(units)
        if units == h.units:
            return list(range(len(self.parameters())))

        def change() -> None:
            fresh = self._fresh_dense(h.dense.w.shape[0], units, h.act.name, i)
            h.dense = Dense(_overlap(h.dense.w, fresh.w), _overlap(h.dense.b, fresh.b))
            if isinstance(h.act, PReLU):
                h.act = PReLU(_overlap(h.act.alpha, PReLU.create(units).alpha))
            consumer, act, pos = self._consumer(i)
            self._refit_rows(consumer, units, act, pos)

        return self._edit(change)

    def set_input_size(self, inputs: int) -> Mapping:
        """Change the number of input features; the first W keeps the rows that still fit."""
        inputs = _check_units(inputs)

        def change() -> None:
            first = self._hidden[0] if self._hidden else None
            dense = first.dense if first else self._out
            self._refit_rows(dense, inputs, first.act.name if first else None, 0)
            self.inputs = inputs

        return self._edit(change)

    def _refit_rows(self, dense: Dense, fan_in: int, activation: str | None, pos: int) -> None:
        """Give dense a new fan-in: rows that still exist keep their weights, new rows fresh."""
        if dense.w.shape[0] != fan_in:
            fresh = self._fresh_dense(fan_in, dense.w.shape[1], activation, pos).w
            dense.w, dense.dw = _overlap(dense.w, fresh), np.zeros_like(fresh)
