"""The compiled training path (Numba): a whole run of batches per call, no NumPy call per batch.

For tiny batches the cost is NumPy's per-call overhead, not arithmetic; for whole-set batches it
is still a few dozen calls an epoch. So `JitPath.run` hands a run of batches (or of whole-set
epochs) to one compiled function, app.nn.kernels.train: gather the batch's columns through the
epoch's order, forward, loss gradient, backward, l1/l2, optimizer update, next batch. Its
formulas are the readable engine's, so both agree to about 1e-15 per step; tests/nn/test_nn_jit.py
checks 1e-12 after many steps, live edits included. `JitPath.stats` computes the losses and
accuracies a frame shows with the same compiled forward pass.

Layout as in app.nn.fast: all parameters in one flat vector P in parameters() order (a Dense
layer's W (d_in, d_out) row-major, then b, then PReLU slopes); optimizer state in flat slots
beside it, with per-tensor counters (Adam's step, "has a momentum buffer") since an edit resets
the state of changed tensors only. Data go in feature-major, (features, n). Dropout draws from
the net's rng: `fits` says no. The kernel is compiled on first use and cached on disk.
"""

from __future__ import annotations

import math
import os
import threading
from typing import Any

import numpy as np
from numpy.typing import NDArray

from app import deflate
from app.nn import kernels, optimizers, picture_kernels
from app.nn.fast import structure_key
from app.nn.layers import Activation, Dense, Dropout, PReLU
from app.nn.losses import get_task
from app.nn.model import MLP
from app.nn.optimizers import Optimizer, State

Array = NDArray[np.float64]
Ints = NDArray[np.int64]

ACTIVATION_CODES = {name: code for code, name in enumerate((
    "linear", "sigmoid", "tanh", "softsign", "step", "softplus", "relu", "leaky_relu", "elu",
    "gelu", "silu", "prelu"))}  # fmt: skip
PICTURE_ACTIVATIONS = frozenset({"linear", "tanh", "relu"})  # picture_kernels.picture_activate
LOSS_CODES = {"logloss": 0, "cross_entropy": 1, "mse": 2, "mae": 3, "huber": 4}
OPTIMIZER_CODES: dict[type[Optimizer], int] = {
    optimizers.SGD: 0,
    optimizers.Momentum: 1,
    optimizers.Nesterov: 2,
    optimizers.Adagrad: 3,
    optimizers.RMSprop: 4,
    optimizers.Adam: 5,
}
# State keys each optimizer keeps in the flat slots 0 and 1 (Adagrad and Adam also count steps).
SLOT_KEYS = {0: (), 1: ("momentum_buffer",), 2: ("momentum_buffer",), 3: ("sum",),
             4: ("square_avg",), 5: ("exp_avg", "exp_avg_sq")}  # fmt: skip
COUNTS_STEPS = (3, 5)


def available() -> bool:
    """True when numba imports and PLAYGROUND_NO_JIT is not set to 1."""
    return kernels.COMPILED and os.environ.get("PLAYGROUND_NO_JIT", "") != "1"


_warmed = threading.Event()  # set once the kernel is compiled or loaded from the cache


def ready() -> bool:
    """True once warm_up has finished: until then callers use the NumPy fast path."""
    return _warmed.is_set() and available()


def kernel_state() -> str:
    """What /healthz reports: "ready" (compiled paths run), "compiling" (loading or compiling
    in the background; NumPy paths serve meanwhile) or "off" (no numba, or PLAYGROUND_NO_JIT=1)."""
    if not available():
        return "off"
    return "ready" if _warmed.is_set() else "compiling"


def warm_up_in_background() -> threading.Thread | None:
    """Compile (about 20 s the first time, then loaded from numba's cache) off the caller's
    thread, so a server answers at once and switches to the kernel when it is ready."""
    if not available() or _warmed.is_set():
        return None
    thread = threading.Thread(target=warm_up, name="jit-warm-up", daemon=True)
    thread.start()
    return thread


def fits(net: MLP, optimizer: Optimizer | None = None) -> bool:
    """True when the kernel computes exactly what the readable engine would for net (and opt)."""
    for layer in net.layers:
        if isinstance(layer, Dropout) and layer.rate != 0.0:
            return False
        if isinstance(layer, (Activation, PReLU)) and layer.name not in ACTIVATION_CODES:
            return False
    if net.loss_name not in LOSS_CODES:
        return False
    return optimizer is None or type(optimizer) in OPTIMIZER_CODES


def pictures_fit(net: MLP) -> bool:
    """True when picture_kernels.picture_forward computes net's pictures: hidden activations
    linear, tanh or relu (others go through NumPy's float32 pass, fast.forward_columns)."""
    acts = (layer for layer in net.layers if isinstance(layer, (Activation, PReLU)))
    return all(layer.name in PICTURE_ACTIVATIONS for layer in acts)  # PReLU's is "prelu"


# ---- the Python side: layout, state hand-over, and the calls ----


class JitPath:
    """A training plan for one network structure; see the module docstring."""

    def __init__(self, net: MLP) -> None:
        self.key = structure_key(net)
        params = net.parameters()
        self.shapes = [p.shape for p in params]
        self.offsets = np.concatenate([[0], np.cumsum([p.size for p in params])]).astype(int)
        self.loss_name, self.task, self.outputs = net.loss_name, net.task, net.outputs
        tensors, layers, k = [], [], 0
        for layer in net.layers:
            if isinstance(layer, Dense):
                d_in, d_out = layer.w.shape
                lo = int(self.offsets[k])
                layers.append([lo, d_in, d_out, lo + d_in * d_out, 0, -1])
                tensors += [
                    [lo, lo + d_in * d_out, 1],
                    [lo + d_in * d_out, lo + (d_in + 1) * d_out, 0],
                ]
                k += 2
            elif isinstance(layer, (Activation, PReLU)):
                layers[-1][4] = ACTIVATION_CODES[layer.name]
                if isinstance(layer, PReLU):
                    layers[-1][5] = int(self.offsets[k])
                    tensors.append([int(self.offsets[k]), int(self.offsets[k + 1]), 0])
                    k += 1
        self.layers = np.array(layers, dtype=np.int64).reshape(-1, 6)
        self.tensors = np.array(tensors, dtype=np.int64).reshape(-1, 3)
        self.p = np.zeros(int(self.offsets[-1]))
        self._views = [  # each parameter's shape, in P
            self.p[lo:hi].reshape(shape)
            for lo, hi, shape in zip(self.offsets, self.offsets[1:], self.shapes, strict=False)
        ]
        self.slots = np.zeros((2, len(self.p)))
        self.counts = np.zeros((2, len(params)), dtype=np.int64)  # steps, has momentum buffer
        self.hyper = np.zeros(6)
        self.codes = np.array([LOSS_CODES[net.loss_name], 0], dtype=np.int64)
        self._states: list[State] = []
        self._work = np.empty(0)  # train's scratch, kept while the batch size stays
        self._work_rows = -1
        self._eval_work = np.empty(0)
        self._columns: dict[tuple[int, int], tuple[Any, Any, Array, Array]] = {}

    def columns(self, x: Array, y: NDArray[Any]) -> tuple[Array, Array]:
        """Features x (n, f) and targets y (n,) as the kernel takes them: x feature-major with a
        row of ones (f + 1, n), and float targets (k, n) the loss gradient subtracts (0/1,
        one-hot class ids, values).

        Cached for the same arrays: a trainer replaces its data arrays, never edits them.
        """
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
        code = OPTIMIZER_CODES[type(optimizer)]
        self.codes[1] = code
        own = {1: ("momentum",), 2: ("momentum",), 3: ("lr_decay", "eps"), 4: ("alpha", "eps")}
        values = [getattr(optimizer, name) for name in own.get(code, ())]
        if code == 5:
            values = [*optimizer.betas, optimizer.eps]  # type: ignore[attr-defined]
        self.hyper[:] = 0.0
        self.hyper[: 3 + len(values)] = [optimizer.lr, net.l1, net.l2, *values]
        if len(optimizer.state) != len(params):  # as Optimizer.step does
            optimizer.state = [None] * len(params)
        keys = SLOT_KEYS[code]
        if not keys and code not in COUNTS_STEPS:  # plain SGD: no state to hand over
            self._states = []
            return
        if keys:
            self.slots = np.zeros_like(self.slots)  # fresh: end() hands out views of it
        steps, buffers = [], []
        for k, p in enumerate(params):
            s = optimizer.state[k]
            if s is None or s["shape"] != p.shape:
                s = optimizer.state[k] = {"shape": p.shape, **optimizer.init_state(p)}
            for slot, key in enumerate(keys):
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

        x, t from `columns`. Returns the next start.
        """
        rows = min(batch, len(order))
        if rows != self._work_rows:
            self._work = np.empty(
                kernels.work_size(self.layers, x.shape[0], t.shape[0], rows, len(self.p))
            )
            self._work_rows = rows
        return int(kernels.train(self.p, self.slots, self.counts, self.tensors, self.layers,
                                 self.hyper, self.codes, x, t, order, start, batch, max_batches,
                                 repeat and batch >= len(order), self._work))  # fmt: skip

    def stats(
        self, x: Array, t: Array, n_train: int, classify: bool
    ) -> tuple[float | None, float | None, float | None, float | None]:
        """(train loss, test loss, train accuracy, test accuracy) with P's weights, as the
        trainer's evaluate computes them; x, t from `columns` with the training rows first.
        A split whose loss is not finite (or that is empty) gets None for both."""
        size = kernels.work_size(self.layers, 0, 0, x.shape[1], 0)
        if len(self._eval_work) != size:
            self._eval_work = np.empty(size)
        values = kernels.evaluate(self.p, self.layers, x, t, n_train, int(self.codes[0]),
                                  classify, self._eval_work)  # fmt: skip
        train_loss, test_loss, train_accuracy, test_accuracy = (float(v) for v in values)
        train = (train_loss, train_accuracy) if math.isfinite(train_loss) else (None, None)
        test = (test_loss, test_accuracy) if math.isfinite(test_loss) else (None, None)
        return train[0], test[0], _or_none(train[1]), _or_none(test[1])

    def end(self, net: MLP) -> None:
        """Write P and the optimizer state back into the live arrays and state dicts."""
        code = int(self.codes[1])
        keys = SLOT_KEYS[code]
        for k, p in enumerate(net.parameters()):
            np.copyto(p, self._views[k])
        if not keys and code not in COUNTS_STEPS:
            return
        for k, s in enumerate(self._states):
            lo, hi = self.offsets[k], self.offsets[k + 1]
            for slot, key in enumerate(keys):
                if key != "momentum_buffer" or self.counts[1, k]:
                    s[key] = self.slots[slot, lo:hi].reshape(self.shapes[k])  # a view: fresh slots
            if code in COUNTS_STEPS:
                s["step"] = int(self.counts[0, k])

    def picture_columns(
        self, net: MLP, x: NDArray[np.float32], work: NDArray[np.float32], hidden: bool = True
    ) -> list[NDArray[np.float32]]:
        """As app.nn.fast.forward_columns (every hidden layer's outputs, then the predictions,
        (units, cells) float32), compiled: x (features + 1, cells) with a last row of ones, work
        at least picture_size floats. The arrays are views of work: use them before the next
        call. For nets that pictures_fit."""
        p = np.concatenate(net.parameters(), axis=None).astype(np.float32)  # P's layout
        picture_kernels.picture_forward(p, self.layers, x, work, self.task == "binary")
        cells, outs, at = x.shape[1], [], 0
        for d_out in self.layers[:-1, 2]:
            if hidden:
                outs.append(work[at : at + d_out * cells].reshape(d_out, cells))
            at += (d_out + 1) * cells
        z = work[at : at + self.outputs * cells].reshape(self.outputs, cells)
        if self.task == "multiclass":  # softmax through NumPy (exp vectorizes there)
            z = np.asarray(get_task(self.task).link(z.T.astype(np.float64)), dtype=np.float32).T
        outs.append(z)
        return outs

    def picture_size(self, cells: int) -> int:
        """Floats of work picture_columns needs for `cells` cells."""
        return int((self.layers[:-1, 2] + 1).sum() + self.outputs) * cells


def _or_none(value: float | None) -> float | None:
    return None if value is None or math.isnan(value) else value


def warm_up() -> float:
    """Compile (or load from the cache) the kernel, the pictures' pass and the grid packer on a
    tiny net; returns the seconds it took."""
    import time

    start = time.perf_counter()
    net = MLP(2, [(2, "tanh")], 1, seed=0)
    plan = JitPath(net)
    plan.begin(net, optimizers.SGD(0.1))
    x, t = plan.columns(np.zeros((2, 2)), np.zeros(2))
    plan.run(x, t, np.arange(2), 0, 1, 2)
    plan.run(x, t, np.arange(2), 0, 2, 2, repeat=True)
    plan.stats(x, t, 1, True)
    plan.end(net)
    columns = np.ones((3, 2), dtype=np.float32)  # the pictures' float32 pass
    plan.picture_columns(net, columns, np.empty(plan.picture_size(2), dtype=np.float32))
    grid = np.zeros((1, 2), dtype=np.float32)  # and the frame's quantizer and packer
    kernels.quantize_rows(grid, np.zeros(1), np.ones(1), np.empty((1, 2), dtype=np.uint8))
    deflate.warm_up()
    _warmed.set()
    return time.perf_counter() - start
