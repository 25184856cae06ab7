"""A compiled mini-batch loop (Numba): a whole run of batches per call, no NumPy call per batch.

For tiny batches the cost is NumPy's per-call overhead, not arithmetic, so `JitPath.run` hands
a run of batches to one compiled function: gather the batch rows through the epoch's order,
forward, loss gradient, backward, l1/l2, optimizer update, next batch. The formulas are the
readable engine's, written per element (activations.py, losses.py, optimizers.py, same order
of operations), so both agree to about 1e-15 per step; tests/nn/test_nn_jit.py checks 1e-12
after many steps, live edits included. Choices are integer codes, so one compiled function
serves every network; it is compiled on first use and cached on disk (`cache=True`).

Layout as in app.nn.fast: all parameters in one flat vector P in parameters() order (a Dense
layer's W (d_in, d_out) row-major, then b, then PReLU slopes); optimizer state in flat slots
beside it, with per-tensor counters (Adam's step, "has a momentum buffer") since an edit resets
the state of changed tensors only. Dropout draws from the net's rng: `fits` says no.
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Callable
from typing import Any, TypeVar, cast

import numpy as np
from numpy.typing import NDArray

from app.nn import optimizers
from app.nn.fast import structure_key
from app.nn.layers import Activation, Dense, Dropout, PReLU
from app.nn.model import MLP
from app.nn.optimizers import Optimizer, State

try:
    import numba
except ImportError:  # the NumPy fast path takes over
    numba = None  # type: ignore[assignment]

Array = NDArray[np.float64]
Ints = NDArray[np.int64]
F = TypeVar("F", bound=Callable[..., Any])

ACTIVATION_CODES = {name: code for code, name in enumerate((
    "linear", "sigmoid", "tanh", "softsign", "step", "softplus", "relu", "leaky_relu", "elu",
    "gelu", "silu", "prelu"))}  # fmt: skip
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
GELU_C = math.sqrt(2.0 / math.pi)  # as activations.GELU_C
LEAKY_SLOPE = 0.01  # as activations.LEAKY_SLOPE
HUBER_DELTA = 1.0  # as losses.HUBER_DELTA


def available() -> bool:
    """True when numba imports and PLAYGROUND_NO_JIT is not set to 1."""
    return numba is not None and os.environ.get("PLAYGROUND_NO_JIT", "") != "1"


_warmed = threading.Event()  # set once the kernel is compiled or loaded from the cache


def ready() -> bool:
    """True once warm_up has finished: until then callers use the NumPy fast path."""
    return _warmed.is_set() and available()


def warm_up_in_background() -> threading.Thread | None:
    """Compile (about 7 s the first time, then loaded from numba's cache) off the caller's
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


# ---- the compiled kernel: scalar formulas, then layers, then the batch loop ----


def _compiled(f: F) -> F:
    """numba.njit with NumPy's float semantics (1/0 is inf, not an exception); no fastmath."""
    if numba is None:
        return f
    return cast(F, numba.njit(cache=True, nogil=True, error_model="numpy")(f))


def _matmul(f: F) -> F:
    """_compiled for the matrix products: sums may be reordered and fused (FMA), as in BLAS."""
    if numba is None:
        return f
    flags = {"reassoc", "contract"}  # never nnan / ninf: a diverging run must stay visible
    return cast(F, numba.njit(cache=True, nogil=True, error_model="numpy", fastmath=flags)(f))


@_compiled
def _sigmoid(z: float) -> float:
    e = math.exp(-abs(z))  # e^-|z| never overflows
    return 1.0 / (1.0 + e) if z >= 0 else e / (1.0 + e)


@_compiled
def _gelu_parts(z: float) -> tuple[float, float]:
    zc = min(max(z, -10.0), 10.0)
    return zc, math.tanh(GELU_C * (zc + 0.044715 * zc**3))


@_compiled
def _softplus(z: float) -> float:
    if z == 0.0:  # np.logaddexp(0, z), branch for branch
        return math.log(2.0)
    if z < 0.0:
        return math.log1p(math.exp(z))
    if z > 0.0:
        return z + math.log1p(math.exp(-z))
    return z  # nan


@_compiled
def _activate(code: int, z: float, alpha: float) -> float:
    """a = f(z) for one element; alpha is the PReLU slope."""
    if code == 0:
        return z
    if code == 1:
        return _sigmoid(z)
    if code == 2:
        return math.tanh(z)
    if code == 3:
        return z / (1.0 + abs(z))
    if code == 4:
        return 1.0 if z > 0 else 0.0
    if code == 5:
        return _softplus(z)
    if code == 6:
        return z if z > 0 or math.isnan(z) else 0.0
    if code == 7:
        return z if z > 0 else LEAKY_SLOPE * z
    if code == 8:
        return z if z > 0 else math.expm1(min(z, 0.0))
    if code == 9:
        t = _gelu_parts(z)[1]
        return 0.5 * z * (1.0 + t)
    if code == 10:
        return z * _sigmoid(z)
    return max(z, 0.0) + alpha * min(z, 0.0)  # prelu


@_compiled
def _derivative(code: int, z: float, a: float, alpha: float) -> float:
    """f'(z) for one element, reusing a = f(z) where the readable engine does."""
    if code == 0:
        return 1.0
    if code == 1:
        return a * (1.0 - a)
    if code == 2:
        return 1.0 - a * a
    if code == 3:
        return (1.0 - abs(a)) ** 2
    if code == 4:
        return 0.0
    if code == 5:
        return _sigmoid(z)
    if code == 6:
        return 1.0 if z > 0 else 0.0
    if code == 7:
        return 1.0 if z > 0 else LEAKY_SLOPE
    if code == 8:
        return 1.0 if z > 0 else a + 1.0
    if code == 9:
        zc, t = _gelu_parts(z)
        return 0.5 * (1.0 + t) + 0.5 * zc * (1.0 - t * t) * GELU_C * (1.0 + 3 * 0.044715 * zc * zc)
    if code == 10:
        s = _sigmoid(z)
        return s * (1.0 + z * (1.0 - s))
    return alpha if min(z, 0.0) < 0 else 1.0  # prelu


@_compiled
def _loss_grad(code: int, z: Array, t: Array, g: Array) -> None:
    """g = dL/dz (rows, k) of the batch-mean loss, the 1/n included."""
    rows, k = z.shape
    size = rows * k
    if code == 1:  # softmax(z) - onehot(y), over rows
        for r in range(rows):
            m = z[r, 0]
            for j in range(1, k):
                m = max(m, z[r, j])
            total = 0.0
            for j in range(k):
                g[r, j] = math.exp(z[r, j] - m)
                total += g[r, j]
            for j in range(k):
                g[r, j] = (g[r, j] / total - t[r, j]) / rows
        return
    for r in range(rows):
        for j in range(k):
            e = z[r, j] - t[r, j]
            if code == 0:
                g[r, j] = (_sigmoid(z[r, j]) - t[r, j]) / size
            elif code == 2:
                g[r, j] = 2.0 * e / size
            elif code == 3:
                g[r, j] = (0.0 if e == 0 else 1.0 if e > 0 else -1.0 if e < 0 else e) / size
            else:
                g[r, j] = min(max(e, -HUBER_DELTA), HUBER_DELTA) / size


@_matmul
def _dense_forward(a: Array, w: Array, b: Array, z: Array) -> None:
    """z = a w + b: (rows, d_in) (d_in, d_out) -> (rows, d_out); inner loops run along rows."""
    rows, d_in = a.shape
    d_out = w.shape[1]
    for r in range(rows):
        for j in range(d_out):
            z[r, j] = 0.0
        for i in range(d_in):
            air = a[r, i]
            for j in range(d_out):
                z[r, j] += air * w[i, j]
        for j in range(d_out):
            z[r, j] += b[j]


@_matmul
def _dense_backward(a: Array, dz: Array, w: Array, gw: Array, gb: Array, da: Array) -> None:
    """dW = a^T dz, db = sum of dz's rows, and (when da has rows) da = dz W^T."""
    rows, d_in = a.shape
    d_out = dz.shape[1]
    gw[:, :] = 0.0
    gb[:] = 0.0
    for r in range(rows):
        for i in range(d_in):
            air = a[r, i]
            for j in range(d_out):
                gw[i, j] += air * dz[r, j]
        for j in range(d_out):
            gb[j] += dz[r, j]
    for r in range(da.shape[0]):
        for i in range(d_in):
            total = 0.0
            for j in range(d_out):
                total += dz[r, j] * w[i, j]
            da[r, i] = total


@_compiled
def _update(
    code: int, hyper: Array, p: Array, g: Array, s0: Array, s1: Array, counts: Ints, k: int
) -> None:
    """One optimizer step on one tensor's slice, as app.nn.optimizers writes it."""
    lr = hyper[0]
    n = p.shape[0]
    if code == 0:
        for e in range(n):
            p[e] -= lr * g[e]
    elif code <= 2:  # momentum, nesterov: b = g at first, then mu b + g
        mu, fresh = hyper[3], counts[1, k] == 0
        counts[1, k] = 1
        for e in range(n):
            s0[e] = g[e] if fresh else s0[e] * mu + g[e]
            p[e] -= lr * (g[e] + mu * s0[e]) if code == 2 else lr * s0[e]
    elif code == 3:  # adagrad
        counts[0, k] += 1
        rate = lr / (1.0 + (counts[0, k] - 1) * hyper[3])
        for e in range(n):
            s0[e] += g[e] * g[e]
            p[e] -= rate * g[e] / (math.sqrt(s0[e]) + hyper[4])
    elif code == 4:  # rmsprop
        alpha = hyper[3]
        for e in range(n):
            s0[e] = s0[e] * alpha + (1.0 - alpha) * g[e] * g[e]
            p[e] -= lr * g[e] / (math.sqrt(s0[e]) + hyper[4])
    else:  # adam
        beta1, beta2 = hyper[3], hyper[4]
        counts[0, k] += 1
        t = float(counts[0, k])
        rate = lr / (1.0 - math.pow(beta1, t))
        root = math.sqrt(1.0 - math.pow(beta2, t))
        for e in range(n):
            s0[e] = s0[e] * beta1 + (1.0 - beta1) * g[e]
            s1[e] = s1[e] * beta2 + (1.0 - beta2) * g[e] * g[e]
            p[e] -= rate * s0[e] / (math.sqrt(s1[e]) / root + hyper[5])


@_compiled
def _activate_layer(code: int, z: Array, a: Array, alpha: Array) -> None:
    """a = f(z) (rows, d); tanh, relu and linear get loops of their own (they vectorize)."""
    rows, d = z.shape
    if code == 2:
        for r in range(rows):
            for j in range(d):
                a[r, j] = math.tanh(z[r, j])
    elif code == 6:
        for r in range(rows):
            for j in range(d):
                a[r, j] = z[r, j] if z[r, j] > 0 or math.isnan(z[r, j]) else 0.0
    else:
        for r in range(rows):
            for j in range(d):
                a[r, j] = _activate(code, z[r, j], alpha[j] if alpha.shape[0] else 0.0)


@_compiled
def _derive_layer(code: int, z: Array, a: Array, alpha: Array, da: Array, galpha: Array) -> None:
    """dL/da (in da) -> dL/dz in place; PReLU's dL/dalpha = sum over rows of dL/da min(z, 0)."""
    rows, d = z.shape
    if code == 2:  # f' = 1 - a^2
        for r in range(rows):
            for j in range(d):
                da[r, j] = da[r, j] * (1.0 - a[r, j] * a[r, j])
        return
    if code == 6:  # f' = [z > 0]
        for r in range(rows):
            for j in range(d):
                da[r, j] = da[r, j] * (1.0 if z[r, j] > 0 else 0.0)
        return
    if galpha.shape[0]:
        galpha[:] = 0.0
        for r in range(rows):
            for j in range(d):
                galpha[j] += da[r, j] * min(z[r, j], 0.0)
    for r in range(rows):
        for j in range(d):
            slope = alpha[j] if alpha.shape[0] else 0.0
            da[r, j] = da[r, j] * _derivative(code, z[r, j], a[r, j], slope)


@_compiled
def _batch(
    p: Array, g: Array, layers: Ints, xb: Array, tb: Array, z: Array, a: Array, d: Array,
    loss: int,
) -> None:  # fmt: skip
    """Forward and backward on one batch: fills g (dL/dP) in P's layout.

    z and a hold each layer's (rows, d_out) block at a fixed stride, d two (rows, width)
    blocks for dL/dz and dL/da in turn: flat buffers, so every block is contiguous.
    """
    rows, n_layers = xb.shape[0], layers.shape[0]
    stride, half = z.shape[0] // n_layers, d.shape[0] // 2
    inp = xb
    for h in range(n_layers):  # forward
        wo, d_in, d_out, bo, act, ao = layers[h]
        w = p[wo : wo + d_in * d_out].reshape(d_in, d_out)
        zh = z[h * stride : h * stride + rows * d_out].reshape(rows, d_out)
        _dense_forward(inp, w, p[bo : bo + d_out], zh)
        if h == n_layers - 1:
            break
        ah = a[h * stride : h * stride + rows * d_out].reshape(rows, d_out)
        _activate_layer(act, zh, ah, p[ao : ao + d_out] if ao >= 0 else p[:0])
        inp = ah
    k = layers[-1, 2]
    dz = d[: rows * k].reshape(rows, k)
    _loss_grad(
        loss,
        z[(n_layers - 1) * stride : (n_layers - 1) * stride + rows * k].reshape(rows, k),
        tb,
        dz,
    )
    for h in range(n_layers - 1, -1, -1):  # backward
        wo, d_in, d_out, bo, act, ao = layers[h]
        w = p[wo : wo + d_in * d_out].reshape(d_in, d_out)
        gw = g[wo : wo + d_in * d_out].reshape(d_in, d_out)
        lo = ((n_layers - h) % 2) * half
        if h == 0:
            _dense_backward(xb, dz, w, gw, g[bo : bo + d_out], d[lo:lo].reshape(0, d_in))
            break
        below = a[(h - 1) * stride : (h - 1) * stride + rows * d_in].reshape(rows, d_in)
        da = d[lo : lo + rows * d_in].reshape(rows, d_in)
        _dense_backward(below, dz, w, gw, g[bo : bo + d_out], da)
        _, _, _, _, act, ao = layers[h - 1]
        zb = z[(h - 1) * stride : (h - 1) * stride + rows * d_in].reshape(rows, d_in)
        if ao >= 0:
            _derive_layer(act, zb, below, p[ao : ao + d_in], da, g[ao : ao + d_in])
        else:
            _derive_layer(act, zb, below, p[:0], da, g[:0])
        dz = da


@_compiled
def _run(
    p: Array, slots: Array, counts: Ints, tensors: Ints, layers: Ints, hyper: Array, codes: Ints,
    x: Array, t: Array, order: Ints, start: int, batch: int, max_batches: int, work: Array,
) -> int:  # fmt: skip
    """Train batches order[s : s + batch] from s = start, up to max_batches or the epoch's end.

    Returns the next start. codes = (loss, optimizer); hyper = (lr, l1, l2, optimizer's own);
    work: scratch of work_size(...) floats, kept by the caller (fresh memory costs page faults).
    """
    n, width = order.shape[0], 1
    for h in range(layers.shape[0]):
        width = max(width, layers[h, 2])
    rows_max = min(batch, n)
    block = layers.shape[0] * rows_max * width
    z, a = work[:block], work[block : 2 * block]
    d = work[2 * block : 2 * block + 2 * rows_max * width]
    at = 2 * block + 2 * rows_max * width
    xb = work[at : at + rows_max * x.shape[1]].reshape(rows_max, x.shape[1])
    at += rows_max * x.shape[1]
    tb = work[at : at + rows_max * t.shape[1]].reshape(rows_max, t.shape[1])
    at += rows_max * t.shape[1]
    g = work[at : at + p.shape[0]]
    l1, l2 = hyper[1], hyper[2]
    done = 0
    while start < n and done < max_batches:
        rows = min(batch, n - start)
        for r in range(rows):
            xb[r] = x[order[start + r]]
            tb[r] = t[order[start + r]]
        _batch(p, g, layers, xb[:rows], tb[:rows], z, a, d, codes[0])
        for k in range(tensors.shape[0]):
            lo, hi, is_weight = tensors[k]
            if is_weight and (l1 != 0.0 or l2 != 0.0):  # as MLP.loss_and_grads
                for e in range(lo, hi):
                    w = p[e]
                    g[e] += l1 * (1.0 if w > 0 else -1.0 if w < 0 else w) + l2 * w
            _update(codes[1], hyper, p[lo:hi], g[lo:hi], slots[0, lo:hi], slots[1, lo:hi],
                    counts, k)  # fmt: skip
        start += batch  # past n on a short last batch, as the other loops count
        done += 1
    return start


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
        self.slots = np.zeros((2, len(self.p)))
        self.counts = np.zeros((2, len(params)), dtype=np.int64)  # steps, has momentum buffer
        self.hyper = np.zeros(6)
        self.codes = np.array([LOSS_CODES[net.loss_name], 0], dtype=np.int64)
        self._states: list[State] = []
        self._work = np.empty(0)  # _run's scratch, kept while the batch size stays

    def targets(self, y: Array) -> Array:
        """Float targets (n, k) the loss gradient subtracts: 0/1, one-hot class ids, or values."""
        if self.loss_name == "cross_entropy":
            return np.eye(self.outputs)[np.asarray(y, dtype=np.intp)]
        return np.asarray(y, dtype=np.float64).reshape(len(y), -1)

    def begin(self, net: MLP, optimizer: Optimizer) -> None:
        """Copy the live parameters, hyper-parameters and optimizer state into the flat arrays."""
        params = net.parameters()
        for k, p in enumerate(params):
            self.p[self.offsets[k] : self.offsets[k + 1]] = p.ravel()
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
        self.slots = np.zeros_like(self.slots)  # fresh: end() hands out views of it
        for k, p in enumerate(params):
            s = optimizer.state[k]
            if s is None or s["shape"] != p.shape:
                s = optimizer.state[k] = {"shape": p.shape, **optimizer.init_state(p)}
            lo, hi = self.offsets[k], self.offsets[k + 1]
            for slot, key in enumerate(SLOT_KEYS[code]):
                if key in s:
                    self.slots[slot, lo:hi] = s[key].ravel()
            self.counts[0, k] = s.get("step", 0)
            self.counts[1, k] = "momentum_buffer" in s
        self._states = [s for s in optimizer.state if s is not None]

    def run(self, x: Array, t: Array, order: Ints, start: int, batch: int, max_batches: int) -> int:
        """Train batches order[s : s + batch] from start, at most max_batches, within the epoch.

        x (n, f) contiguous float64, t from `targets`. Returns the next start.
        """
        rows = min(batch, len(order))
        width = int(self.layers[:, 2].max())
        size = (2 * len(self.layers) + 2) * rows * width + rows * (x.shape[1] + t.shape[1])
        if len(self._work) != size + len(self.p):
            self._work = np.empty(size + len(self.p))
        return int(_run(self.p, self.slots, self.counts, self.tensors, self.layers, self.hyper,
                        self.codes, x, t, order, start, batch, max_batches, self._work))  # fmt: skip

    def end(self, net: MLP) -> None:
        """Write P and the optimizer state back into the live arrays and state dicts."""
        code = int(self.codes[1])
        for k, (p, s) in enumerate(zip(net.parameters(), self._states, strict=True)):
            lo, hi = self.offsets[k], self.offsets[k + 1]
            p[...] = self.p[lo:hi].reshape(p.shape)
            for slot, key in enumerate(SLOT_KEYS[code]):
                if key != "momentum_buffer" or self.counts[1, k]:
                    s[key] = self.slots[slot, lo:hi].reshape(p.shape)  # a view: slots are fresh
            if code in COUNTS_STEPS:
                s["step"] = int(self.counts[0, k])


def warm_up() -> float:
    """Compile (or load from the cache) the kernel on a tiny net; returns the seconds it took."""
    import time

    start = time.perf_counter()
    net = MLP(2, [(2, "tanh")], 1, seed=0)
    plan = JitPath(net)
    plan.begin(net, optimizers.SGD(0.1))
    x = np.zeros((2, 2))
    plan.run(x, plan.targets(np.zeros(2)), np.arange(2), 0, 1, 2)
    plan.end(net)
    _warmed.set()
    return time.perf_counter() - start
