"""The compiled training path: the Python side that lays a network out for app.accel.network.

`TrainingPlan.run` hands a run of batches (or of whole-set epochs) to one compiled call; its
formulas are the readable engine's, so both agree to 1e-12 after many steps (tested), live
edits included. All parameters live in one flat vector P in parameters() order; optimizer state
in flat slots beside it, with per-tensor counters (steps, "has a momentum buffer"), since an
edit resets the state of changed tensors only. Data go in feature-major, (features, n).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from app.accel import losses, network, optimizers
from app.accel.layout import code_of, layout, structure_key
from app.accel.scratch import scratch
from app.nn import MLP, OPTIMIZERS, Dropout, Optimizer
from app.nn.optimizers import SGD, State

Array = NDArray[np.float64]
Ints = NDArray[np.int64]
OPTIMIZER_NAMES = {cls: name for name, cls in OPTIMIZERS.items()}


def fits(net: MLP) -> bool:
    """False for dropout, which draws from the net's rng: the readable engine trains it."""
    return all(not isinstance(layer, Dropout) or layer.rate == 0.0 for layer in net.layers)


class TrainingPlan:
    """A training plan for one network structure; see the module docstring."""

    def __init__(self, net: MLP) -> None:
        self.key = structure_key(net)
        self.layers, self.tensors, self.offsets = layout(net)
        params = net.parameters()
        self.shapes = [p.shape for p in params]
        self.loss_name, self.task, self.outputs = net.loss_name, net.task, net.outputs
        self.p = np.zeros(int(self.offsets[-1]))
        self._views = [  # each parameter's shape, in P
            self.p[lo:hi].reshape(shape)
            for lo, hi, shape in zip(self.offsets, self.offsets[1:], self.shapes, strict=False)
        ]
        self.slots = np.zeros((2, len(self.p)))
        self._gradient: Array | None = None  # G of the last batch run trained
        self.counts = np.zeros((2, len(params)), dtype=np.int64)  # steps, has momentum buffer
        self.hyper = np.zeros(8)
        loss = code_of(losses.CODES, net.loss_name, "loss")
        self.codes = np.array([loss, 0], dtype=np.int64)
        self._rule = optimizers.Rule()
        self._states: list[State] = []
        self._columns: dict[tuple[int, int], tuple[Any, Any, Array, Array]] = {}

    def columns(self, x: Array, y: NDArray[Any]) -> tuple[Array, Array]:
        """Features x (n, f) and targets y (n,) as the kernel takes them: x feature-major with a
        row of ones (f + 1, n), and float targets (k, n) (0/1, one-hot class ids, values).
        Cached for the same arrays: a trainer replaces its data arrays, never edits them."""
        key = (id(x), id(y))
        hit = self._columns.get(key)
        if hit is not None and hit[0] is x and hit[1] is y:
            return hit[2], hit[3]
        if self.loss_name == "cross_entropy":
            t = np.eye(self.outputs)[np.asarray(y, dtype=np.intp)]
        else:
            t = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
        xs = np.ones((x.shape[1] + 1, len(x)))  # a last row of ones: the bias folds into W
        xs[:-1] = x.T
        cols = xs, np.ascontiguousarray(t.T)
        if len(self._columns) >= 4:
            self._columns.clear()
        self._columns[key] = (x, y, *cols)
        return cols

    def begin(self, net: MLP, optimizer: Optimizer) -> None:
        """Copy the live parameters, hyper-parameters and optimizer state into the flat arrays."""
        params = net.parameters()
        np.concatenate(params, axis=None, out=self.p)  # each one flattened, in order
        name = OPTIMIZER_NAMES.get(type(optimizer), type(optimizer).__name__)
        self.codes[1] = code_of(optimizers.CODES, name, "optimizer")
        self._rule = rule = optimizers.RULES[name]
        values = [np.ravel(getattr(optimizer, attribute)) for attribute in rule.hyper]
        self.hyper[:] = 0.0
        own = np.concatenate([[optimizer.lr, net.l1, net.l2], *values])
        self.hyper[: len(own)] = own
        if len(optimizer.state) != len(params):  # as Optimizer.step does
            optimizer.state = [None] * len(params)
        if not rule.slots and not rule.counts_steps:  # plain SGD: no state to hand over
            self._states = []
            return
        if rule.slots:
            self.slots = np.zeros_like(self.slots)  # fresh: end() hands out views of it
        steps, buffers = [], []
        for k, p in enumerate(params):
            s = optimizer.state[k]
            if s is None or s["shape"] != p.shape:
                s = optimizer.state[k] = {"shape": p.shape, **optimizer.init_state(p)}
            for slot, key in enumerate(rule.slots):
                if key in s:
                    self.slots[slot, self.offsets[k] : self.offsets[k + 1]] = s[key].ravel()
            steps.append(s.get("step", 0))
            buffers.append("momentum_buffer" in s)
        self.counts[0], self.counts[1] = steps, buffers
        self._states = [s for s in optimizer.state if s is not None]

    def run(
        self, x: Array, t: Array, order: Ints, start: int, batch: int, max_batches: int,
        repeat: bool = False,
    ) -> int:  # fmt: skip
        """Train batches order[s : s + batch] from start, at most max_batches, within the epoch;
        with repeat (whole-set batches: batch >= n), max_batches whole epochs in this order.
        x, t from `columns`. Returns the next start."""
        rows = min(batch, len(order))
        size = network.work_size(self.layers, x.shape[0], t.shape[0], rows, len(self.p))
        work = scratch("train", size)
        end = int(network.train(self.p, self.slots, self.counts, self.tensors, self.layers,
                                self.hyper, self.codes, x, t, order, start, batch, max_batches,
                                repeat and batch >= len(order), work))  # fmt: skip
        # The scratch is the thread's, shared by every session: keep the last batch's G (the
        # update leaves it at its end) for weight_gradients, one vector of P's length.
        self._gradient = work[size - len(self.p) : size].copy()
        return end

    def weight_gradients(self) -> list[Array] | None:
        """dL/dW (d_in, d_out) of each Dense layer on the last batch `run` trained, as the
        readable engine's `MLP.weight_gradients()`: G, at the end of run's scratch (the update
        reads it and leaves it), penalty included. None before the first run."""
        g = self._gradient
        if g is None:
            return None
        return [g[row[0] : row[0] + row[1] * row[2]].reshape(row[1], row[2]) for row in self.layers]

    def stats(
        self, x: Array, t: Array, n_train: int, classify: bool
    ) -> tuple[float | None, float | None, float | None, float | None]:
        """(train loss, test loss, train accuracy, test accuracy) with P's weights, as the
        trainer's evaluate computes them; x, t from `columns` with the training rows first.
        A split whose loss is not finite (or that is empty) gets None for both."""
        work = scratch("evaluate", network.work_size(self.layers, 0, 0, x.shape[1], 0))
        values = network.evaluate(self.p, self.layers, x, t, n_train, int(self.codes[0]),
                                  classify, work)  # fmt: skip
        train_loss, test_loss, train_accuracy, test_accuracy = (float(v) for v in values)
        train = (train_loss, train_accuracy) if math.isfinite(train_loss) else (None, None)
        test = (test_loss, test_accuracy) if math.isfinite(test_loss) else (None, None)
        return train[0], test[0], _or_none(train[1]), _or_none(test[1])

    def evaluate(
        self, net: MLP, x: Array, t: Array, n_train: int, classify: bool
    ) -> tuple[float | None, float | None, float | None, float | None]:
        """`stats` with the live weights of `net` (which may differ from P's: an edit)."""
        np.concatenate(net.parameters(), axis=None, out=self.p)
        return self.stats(x, t, n_train, classify)

    def logits(self, net: MLP, x: Array) -> Array:
        """The live network's logits (n, outputs) on x (features + 1, n) from `columns`: the
        readable MLP.logits to 1e-14, without keeping every layer's activations."""
        np.concatenate(net.parameters(), axis=None, out=self.p)
        work = scratch("evaluate", network.work_size(self.layers, 0, 0, x.shape[1], 0))
        return np.array(network.logits(self.p, self.layers, x, work).T)  # a copy: scratch is shared

    def end(self, net: MLP) -> None:
        """Write P and the optimizer state back into the live arrays and state dicts."""
        for k, p in enumerate(net.parameters()):
            np.copyto(p, self._views[k])
        rule = self._rule
        for k, s in enumerate(self._states):
            lo, hi = self.offsets[k], self.offsets[k + 1]
            for slot, key in enumerate(rule.slots):
                if key != "momentum_buffer" or self.counts[1, k]:
                    s[key] = self.slots[slot, lo:hi].reshape(self.shapes[k])  # a view: fresh slots
            if rule.counts_steps:
                s["step"] = int(self.counts[0, k])


def _or_none(value: float | None) -> float | None:
    return None if value is None or math.isnan(value) else value


def warm_up(part: str = "all") -> None:
    """Compile (or load from the cache) the training kernel ("train"), the stats and logits
    ("figures"), or all of them, on a tiny net."""
    net = MLP(2, [(2, "tanh")], 1, seed=0)
    plan = TrainingPlan(net)
    plan.begin(net, SGD(0.1))
    x, t = plan.columns(np.zeros((2, 2)), np.zeros(2))
    if part in ("all", "train"):
        plan.run(x, t, np.arange(2), 0, 1, 2)
        plan.run(x, t, np.arange(2), 0, 2, 2, repeat=True)
    if part in ("all", "figures"):
        plan.stats(x, t, 1, True)
        plan.logits(net, x)
    plan.end(net)
