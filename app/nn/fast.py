"""A fast mini-batch loop: the readable engine's arithmetic with far fewer NumPy calls per batch.

Per-call overhead (about 0.5 us) dominates tiny batches, so `FastPath` trims the call count:
  - all parameters live in one flat vector P (copied in from `net.parameters()` at `begin`,
    written back at `end`), laid out in parameters() order. A Dense layer's W (d_in, d_out)
    followed by b (d_out,) is then one (d_in + 1, d_out) matrix, so with a ones column on
    every layer input, z = [a, 1] @ [W; b] is one call and its gradient [a, 1]^T dz gives dW
    and db in one call too (the bias folded into the weights);
  - buffers are preallocated per batch size and every ufunc writes with `out=`;
  - the optimizer's own `update` runs once on the flat vectors (its rules are element-wise).
Only the order of a few sums differs from the readable chain (bias add, db), so both agree to
about 1e-15 per step; tests/nn/test_nn_fast.py checks 1e-12 after many steps, edits included.
Dropout (which draws from the net's rng) is not handled: `fits` says no and callers fall back.
"""

from __future__ import annotations

import time
from functools import partial
from typing import Any

import numpy as np
from numpy.typing import NDArray

from app.nn.activations import Elementwise, get_activation
from app.nn.layers import Activation, Dense, Dropout, PReLU
from app.nn.losses import get_loss, get_task
from app.nn.model import MLP
from app.nn.optimizers import Optimizer, State

Array = np.ndarray
FUSED = ("tanh", "relu", "linear", "prelu")  # activations with in-place kernels
FUSED_LOSSES = ("logloss", "cross_entropy", "mse")  # others use the registry's grad


def fits(net: MLP) -> bool:
    """True when the fast path computes exactly what net.loss_and_grads would (no dropout)."""
    return all(not isinstance(layer, Dropout) or layer.rate == 0.0 for layer in net.layers)


def structure_key(net: MLP) -> tuple[Any, ...]:
    """What a plan depends on: parameter shapes, activations, loss; a new key means a new plan."""
    acts = tuple(layer.name for layer in net.layers if isinstance(layer, (Activation, PReLU)))
    shapes = tuple(p.shape for p in net.parameters())
    return shapes, acts, net.loss_name, net.task, net.outputs


class _Layer:
    """One Dense (+ its activation for hidden layers): views into P and G, and the kernel kind."""

    def __init__(self, w: Array, gw: Array, act: str | None, fn: Elementwise | None) -> None:
        self.w_aug, self.gw_aug = w, gw  # (d_in + 1, d_out) views of P and G: [W; b]
        self.w, self.gw = w[:-1], gw[:-1]  # (d_in, d_out) W alone
        self.units = w.shape[1]
        self.act, self.fn = act, fn  # act None: the output layer
        self.alpha: Array | None = None  # PReLU slopes (d_out,) in P, and their gradient in G
        self.galpha: Array | None = None


class _Buffers:
    """Work arrays for one batch size: per layer z, [a, 1], dL/da (in place dL/dz), scratch."""

    def __init__(self, rows: int, layers: list[_Layer]) -> None:
        self.z = [np.empty((rows, h.units)) for h in layers]
        self.a = [np.ones((rows, h.units + 1)) for h in layers[:-1]]  # last column stays 1
        self.a_view = [a[:, :-1] for a in self.a]  # (rows, units)
        self.d = [np.empty((rows, h.units)) for h in layers[:-1]]
        self.t = [np.empty((rows, h.units)) for h in layers]
        self.mask = [np.empty((rows, h.units), dtype=bool) for h in layers[:-1]]
        self.neg = [np.empty((rows, h.units)) for h in layers[:-1]]
        self.g = np.empty((rows, layers[-1].units))  # dL/dz of the output
        self.row = np.empty((rows, 1))  # per-row max and sum (softmax)
        self.g_first: Array = self.g  # dL/dz of the first layer, after the backward calls
        Ops = list[tuple[Any, tuple[Any, ...]]]
        self.forward: Ops = []  # after the first layer's z, up to the logits
        self.backward: Ops = []  # from the logits' gradient down to the first layer's dL/dz


class _Lazy:
    """An argument evaluated when the op runs: np.copyto(a, _Lazy(f, z)) copies f(z)."""

    def __init__(self, f: Any, z: Array) -> None:
        self.f, self.z = f, z

    def __array__(self, dtype: Any = None, copy: Any = None) -> Array:
        return np.asarray(self.f(self.z), dtype=dtype)


def _sum_rows(t: Array, out: Array) -> None:
    np.add.reduce(t, axis=0, out=out)


def _prelu_slope(d: Array, neg: Array, alpha: Array) -> None:
    d *= np.where(neg < 0, alpha, 1.0)


def _times_derivative(d: Array, fn: Elementwise, z: Array, a: Array) -> None:
    np.multiply(d, fn.df(z, a), out=d)


class FastPath:
    """A training plan for one network structure; see the module docstring."""

    def __init__(self, net: MLP) -> None:
        self.key = structure_key(net)
        params = net.parameters()
        self.shapes = [p.shape for p in params]
        sizes = [p.size for p in params]
        self.offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(int).tolist()
        self.p = np.zeros(self.offsets[-1])  # every parameter, in parameters() order
        self.g = np.zeros_like(self.p)  # every gradient, same layout
        self.loss_name = net.loss_name
        self._loss = get_loss(net.loss_name)
        self._task = get_task(net.task)
        self.outputs = net.outputs
        self.l1 = self.l2 = 0.0
        self.layers: list[_Layer] = []
        k = 0  # index into params
        pending: _Layer | None = None
        for layer in net.layers:
            if isinstance(layer, Dense):
                d_in, d_out = layer.w.shape
                lo, hi = self.offsets[k], self.offsets[k + 2]  # W then b: contiguous
                w = self.p[lo:hi].reshape(d_in + 1, d_out)
                gw = self.g[lo:hi].reshape(d_in + 1, d_out)
                pending = _Layer(w, gw, None, None)
                self.layers.append(pending)
                k += 2
            elif isinstance(layer, (Activation, PReLU)) and pending is not None:
                pending.act = layer.name
                pending.fn = get_activation(layer.name)
                if isinstance(layer, PReLU):
                    lo, hi = self.offsets[k], self.offsets[k + 1]
                    pending.alpha, pending.galpha = self.p[lo:hi], self.g[lo:hi]
                    k += 1
        self._buffers: dict[int, _Buffers] = {}
        self._optimizer: Optimizer | None = None
        self._flat_state: State | None = None
        self._states: list[State] = []

    # ---- data in the plan's layout ----

    @staticmethod
    def inputs(x: Array) -> Array:
        """Features with a ones column appended: (n, f + 1), so the first bias folds into W."""
        return np.hstack([x, np.ones((len(x), 1))])

    def targets(self, y: Array) -> Array:
        """Float targets the loss gradient subtracts: (n, 1), one-hot (n, k) or values (n, k)."""
        t = self._task.targets(np.asarray(y), self.outputs)
        if self.loss_name == "cross_entropy":
            return np.eye(self.outputs)[t]  # type: ignore[no-any-return]
        return np.asarray(t, dtype=np.float64)

    # ---- entering and leaving a slice ----

    def begin(self, net: MLP, optimizer: Optimizer) -> None:
        """Copy the live parameters into P and line the optimizer state up with it."""
        params = net.parameters()
        for k, p in enumerate(params):
            self.p[self.offsets[k] : self.offsets[k + 1]] = p.ravel()
        self.l1, self.l2 = net.l1, net.l2
        self._optimizer = optimizer
        if len(optimizer.state) != len(params):  # as Optimizer.step does
            optimizer.state = [None] * len(params)
        for k, p in enumerate(params):
            s = optimizer.state[k]
            if s is None or s["shape"] != p.shape:
                optimizer.state[k] = {"shape": p.shape, **optimizer.init_state(p)}
        self._states = [s for s in optimizer.state if s is not None]
        self._flat_state = self._merge_states(self._states)

    def _merge_states(self, states: list[State]) -> State | None:
        """One state for the flat vector when every parameter's state is alike, else None."""
        first = states[0] if states else {}
        keys = set(first)
        if any(set(s) != keys for s in states):  # e.g. a momentum buffer not made yet
            return None
        flat: State = {"shape": self.p.shape}
        for key in keys - {"shape"}:
            values = [s[key] for s in states]
            if isinstance(first[key], np.ndarray):
                flat[key] = np.concatenate([v.ravel() for v in values])
            elif all(v == values[0] for v in values):
                flat[key] = values[0]  # e.g. Adam's step count
            else:
                return None
        return flat

    def end(self, net: MLP) -> None:
        """Write P (and a flat optimizer state) back into the live arrays and state dicts."""
        for k, p in enumerate(net.parameters()):
            p[...] = self.p[self.offsets[k] : self.offsets[k + 1]].reshape(p.shape)
        flat = self._flat_state
        if flat is None:
            return
        for k, s in enumerate(self._states):
            lo, hi = self.offsets[k], self.offsets[k + 1]
            for key, value in flat.items():
                if key == "shape":
                    continue
                if isinstance(value, np.ndarray):
                    s[key] = value[lo:hi].reshape(self.shapes[k])  # view: value is fresh per slice
                else:
                    s[key] = value

    # ---- training ----

    def run(
        self,
        x: Array,
        t: Array,
        start: int,
        batch: int,
        deadline: float,
        clock: Any = time.perf_counter,
    ) -> int:
        """Train batches x[s : s + batch] from s = start to the end of x, or until `deadline`
        on `clock`.

        x from `inputs`, t from `targets`, both in this epoch's order. Returns the next start.
        Run it inside np.errstate(all="ignore"): a diverging run is caught by the caller.
        """
        n = len(x)
        step = self.step
        while start < n:
            end = start + batch
            step(x[start:end], t[start:end])
            start = end
            if clock() >= deadline:
                break
        return start

    def _buffers_for(self, rows: int) -> _Buffers:
        bufs = self._buffers.get(rows)
        if bufs is None:
            if len(self._buffers) > 4:
                self._buffers.clear()
            bufs = self._buffers[rows] = _Buffers(rows, self.layers)
            self._compile(bufs)
        return bufs

    def step(self, x: Array, t: Array) -> None:
        """One mini-batch: forward, loss gradient, backward, optimizer update on P."""
        b = self._buffers_for(len(x))
        first = self.layers[0]
        np.dot(x, first.w_aug, b.z[0])  # z = [x, 1] [W; b]
        for op, args in b.forward:
            op(*args)
        self._loss_grad(b.z[-1], t, b)
        for op, args in b.backward:
            op(*args)
        np.dot(x.T, b.g_first, first.gw_aug)  # [dW; db] = [x, 1]^T dz
        if self.l1 or self.l2:
            for h in self.layers:
                h.gw += self.l1 * np.sign(h.w) + self.l2 * h.w  # as MLP.loss_and_grads
        self._update()

    def _compile(self, b: _Buffers) -> None:
        """The batch's NumPy calls as (function, args) lists, out= passed positionally."""
        layers, last = self.layers, len(self.layers) - 1
        b.forward, b.backward = [], []
        for i, h in enumerate(layers[:-1]):
            b.forward += self._activate(h, b, i)
            b.forward.append((np.dot, (b.a[i], layers[i + 1].w_aug, b.z[i + 1])))
        g = b.g
        for i in range(last, 0, -1):
            h = layers[i]
            d = b.d[i - 1]
            b.backward.append((np.dot, (b.a[i - 1].T, g, h.gw_aug)))  # [dW; db] = [a, 1]^T dz
            b.backward.append((np.dot, (g, h.w.T, d)))  # dL/da of the layer below
            b.backward += self._derive(layers[i - 1], d, b, i - 1)  # dL/dz, in place
            g = d
        b.g_first = g

    @staticmethod
    def _activate(h: _Layer, b: _Buffers, i: int) -> list[tuple[Any, tuple[Any, ...]]]:
        z, a, act = b.z[i], b.a_view[i], h.act
        if act == "tanh":
            return [(np.tanh, (z, a))]
        if act == "relu":
            return [(partial(np.maximum, out=a), (z, 0.0))]
        if act == "linear":
            return [(np.copyto, (a, z))]
        if act == "prelu":
            neg, t = b.neg[i], b.t[i]
            return [
                (partial(np.minimum, out=neg), (z, 0.0)),
                (partial(np.maximum, out=a), (z, 0.0)),
                (np.multiply, (h.alpha, neg, t)),
                (np.add, (a, t, a)),
            ]
        fn = h.fn
        assert fn is not None
        return [(np.copyto, (a, _Lazy(fn.f, z)))]

    @staticmethod
    def _derive(h: _Layer, d: Array, b: _Buffers, i: int) -> list[tuple[Any, tuple[Any, ...]]]:
        """Calls turning dL/da (in d) into dL/dz in place."""
        z, a, t, act = b.z[i], b.a_view[i], b.t[i], h.act
        if act == "tanh":  # f' = 1 - a^2
            return [(np.multiply, (a, a, t)), (np.subtract, (1.0, t, t)), (np.multiply, (d, t, d))]
        if act == "relu":  # f' = [z > 0]
            return [(np.greater, (z, 0.0, b.mask[i])), (np.multiply, (d, b.mask[i], d))]
        if act == "linear":
            return []
        if act == "prelu":  # dL/dalpha = sum(d * min(z, 0)), f' = alpha where z < 0, else 1
            neg = b.neg[i]
            return [
                (np.multiply, (d, neg, t)),
                (_sum_rows, (t, h.galpha)),
                (_prelu_slope, (d, neg, h.alpha)),
            ]
        fn = h.fn
        assert fn is not None
        return [(_times_derivative, (d, fn, z, a))]

    def _loss_grad(self, z: Array, t: Array, b: _Buffers) -> Array:
        """dL/dz of the batch-mean loss, the 1/n included."""
        g, name = b.g, self.loss_name
        if name == "logloss":  # sigmoid(z) - y
            np.negative(z, g)
            np.exp(g, g)
            g += 1.0
            np.divide(1.0, g, g)
            g -= t
            g /= z.size
        elif name == "cross_entropy":  # softmax(z) - onehot(y)
            row = b.row
            np.maximum.reduce(z, axis=1, keepdims=True, out=row)
            np.subtract(z, row, g)
            np.exp(g, g)
            np.add.reduce(g, axis=1, keepdims=True, out=row)
            g /= row
            g -= t
            g /= len(z)
        elif name == "mse":
            np.subtract(z, t, g)
            g *= 2.0
            g /= z.size
        else:
            g[...] = self._loss.grad(z, t)
        return g

    def _update(self) -> None:
        opt, flat = self._optimizer, self._flat_state
        assert opt is not None
        if flat is not None:  # alike states: the element-wise rule once on the flat vector
            opt.update(self.p, self.g, flat)
            return
        for k, s in enumerate(self._states):  # e.g. Adam steps differ after an edit
            lo, hi = self.offsets[k], self.offsets[k + 1]
            shape = self.shapes[k]
            opt.update(self.p[lo:hi].reshape(shape), self.g[lo:hi].reshape(shape), s)


# ---- pictures: a float32 forward pass for the frame's grids (never for training) ----


def forward_columns(
    net: MLP, xt: NDArray[np.float32], hidden: bool = True
) -> list[NDArray[np.float32]]:
    """Every hidden layer's output on xt (inputs, n), then the predictions, all in float32.

    Feature-major: each array is (units, n), so a grid's pictures are plain reshapes, and
    z = W^T a with a long last axis is the fast case for BLAS when the layers are narrow.
    What MLP.activations computes (transposed) at float32 precision, about 1e-6 relative:
    enough for pictures quantized to 8 bits. With hidden=False only the predictions return.
    """
    acts = [layer for layer in net.layers if isinstance(layer, (Activation, PReLU))]
    outs: list[NDArray[np.float32]] = []
    a = xt
    for (w, b), act in zip(net.weights(), [*acts, None], strict=True):
        z = w.T.astype(np.float32) @ a  # (d_out, n)
        z += b.astype(np.float32)[:, None]
        if act is None:
            break
        if act.name == "tanh":
            np.tanh(z, out=z)
        elif act.name == "relu":
            np.maximum(z, np.float32(0.0), out=z)
        elif isinstance(act, PReLU):
            z = np.maximum(z, 0.0) + act.alpha.astype(np.float32)[:, None] * np.minimum(z, 0.0)
        else:
            z = np.asarray(get_activation(act.name).f(z), dtype=np.float32)  # type: ignore[arg-type]
        if hidden:
            outs.append(z)
        a = z
    if net.task == "binary":  # sigmoid(z) = (1 + tanh(z / 2)) / 2: four in-place float32 calls
        z *= np.float32(0.5)
        np.tanh(z, out=z)
        z *= np.float32(0.5)
        z += np.float32(0.5)
        outs.append(z)
        return outs
    link = get_task(net.task).link  # expects rows (n, outputs): give it the transposed view
    outs.append(np.asarray(link(z.T), dtype=np.float32).T)  # type: ignore[arg-type]
    return outs
