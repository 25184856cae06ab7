"""The compiled network: Dense layers feature-major, one batch's forward and backward, and the
training loop that runs many batches per call (no NumPy call per batch).

P holds every parameter in parameters() order; a Dense layer's W (d_in, d_out) and then b
(d_out,) are together one (d_in + 1, d_out) matrix [W; b]. Every layer input carries a last row
of ones, so z = [W; b]^T [a; 1] is one product and [a; 1] dz^T gives dW and db at once.
layers[h] = (W offset, d_in, d_out, b offset, activation code, PReLU slopes' offset or -1).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from app.accel.activations import RELU, TANH, activate_in_place, activate_layer, derive_layer
from app.accel.losses import loss_grad, split_stats
from app.accel.optimizers import penalize, update
from app.accel.runtime import compiled, summing

Array = NDArray[np.float64]
Ints = NDArray[np.int64]

BLAS_MIN = 400  # multiply-adds from which a product goes to BLAS: below, a call costs more


@summing
def _accumulate(m: Array, v: Array, out: Array) -> None:
    """out += m v: (units, k) (k, rows) -> (units, rows). Four of v's rows per pass along the
    rows, so out is stored a quarter as often (stores, not arithmetic, bound these loops)."""
    k, rows = v.shape
    for j in range(m.shape[0]):
        i = 0
        while i + 4 <= k:
            m0, m1, m2, m3 = m[j, i], m[j, i + 1], m[j, i + 2], m[j, i + 3]
            for r in range(rows):
                out[j, r] += m0 * v[i, r] + m1 * v[i + 1, r] + m2 * v[i + 2, r] + m3 * v[i + 3, r]
            i += 4
        while i < k:
            mji = m[j, i]
            for r in range(rows):
                out[j, r] += mji * v[i, r]
            i += 1


@summing
def dense_forward(a: Array, wb: Array, z: Array) -> None:
    """z = [W; b]^T [a; 1]: a (d_in + 1, rows) with its row of ones, wb (d_in + 1, d_out)."""
    if a.shape[1] * wb.shape[0] * wb.shape[1] >= BLAS_MIN:
        np.dot(wb.T, a, z)
        return
    z[:, :] = 0.0
    _accumulate(wb.T, a, z)


@summing
def dense_backward(a: Array, dz: Array, wb: Array, gwb: Array, da: Array) -> None:
    """[dW; db] = [a; 1] dz^T (d_in + 1, d_out), and (when da has units) da = W dz (d_in, rows)."""
    d_in, rows = a.shape[0] - 1, a.shape[1]
    w = wb[:d_in]
    if rows * wb.shape[0] * wb.shape[1] >= BLAS_MIN:
        np.dot(a, dz.T, gwb)
        if da.shape[0]:
            np.dot(w, dz, da)
        return
    for i in range(d_in + 1):
        for j in range(dz.shape[0]):
            total = 0.0
            for r in range(rows):
                total += a[i, r] * dz[j, r]
            gwb[i, j] = total
    if da.shape[0]:
        da[:, :] = 0.0
        _accumulate(w, dz, da)


# ---- the network: layers[h] = (W offset, d_in, d_out, b offset, activation, alpha offset) ----


@compiled
def views(
    p: Array, g: Array, layers: Ints, work: Array, x_rows: int, t_rows: int, rows: int
) -> Any:  # fmt: skip
    """Carve work into the 2-D views one batch of `rows` columns needs, once per batch size
    rather than per batch (numba's reshapes are not free):

    [W; b] and its gradient per layer (views of P and of G = work's tail), z (d_out, rows) and
    [a; 1] (d_out + 1, rows) per layer, dL/da (d_in, rows) per layer for the layer below (in
    two blocks used in turn; layer 0's is empty), the output's dL/dz (outputs, rows), the
    batch's columns (x_rows, rows) and targets (t_rows, rows).
    """
    n_layers, width = layers.shape[0], 1
    for h in range(n_layers):
        width = max(width, layers[h, 2])
    wbs = []  # one statement each: numba infers a list's type from its appends
    gwbs = []
    zs = []
    acts = []
    das = []
    at, half = 0, rows * width
    d = work[n_layers * rows * (2 * width + 1) : n_layers * rows * (2 * width + 1) + 2 * half]
    for h in range(n_layers):
        wo, d_in, d_out = layers[h, 0], layers[h, 1], layers[h, 2]
        size = (d_in + 1) * d_out
        wbs.append(p[wo : wo + size].reshape(d_in + 1, d_out))
        gwbs.append(g[wo : wo + size].reshape(d_in + 1, d_out))
        zs.append(work[at : at + d_out * rows].reshape(d_out, rows))
        at += rows * width
    for h in range(n_layers):
        d_in, d_out = layers[h, 1], layers[h, 2]
        units = d_out + 1 if h < n_layers - 1 else 0  # the output layer has no [a; 1]
        acts.append(work[at : at + units * rows].reshape(units, rows))
        at += rows * (width + 1)
        lo = ((n_layers - h) % 2) * half
        das.append(d[lo : lo + (d_in if h > 0 else 0) * rows].reshape(d_in if h > 0 else 0, rows))
    at += 2 * half
    k = layers[n_layers - 1, 2]
    dz = d[: k * rows].reshape(k, rows)
    xb = work[at : at + x_rows * rows].reshape(x_rows, rows)
    at += x_rows * rows
    tb = work[at : at + t_rows * rows].reshape(t_rows, rows)
    return wbs, gwbs, zs, acts, das, dz, xb, tb


@compiled
def forward(p: Array, layers: Ints, x: Array, wbs: Any, zs: Any, acts: Any) -> Array:
    """Every layer's z and (hidden layers') [a; 1] for the columns of x (features + 1, rows),
    whose last row is ones, into the views from `views`. Returns the logits (outputs, rows)."""
    n_layers = layers.shape[0]
    inp = x
    for h in range(n_layers - 1):
        d_out, act, ao = layers[h, 2], layers[h, 4], layers[h, 5]
        ah = acts[h]
        ah[d_out, :] = 1.0
        if act == TANH or act == RELU:  # z into a's rows, then a = f(z) there
            dense_forward(inp, wbs[h], ah[:d_out])
            activate_in_place(act, ah[:d_out])
        else:
            dense_forward(inp, wbs[h], zs[h])
            activate_layer(act, zs[h], ah[:d_out], p[ao : ao + d_out] if ao >= 0 else p[:0])
        inp = ah
    dense_forward(inp, wbs[n_layers - 1], zs[n_layers - 1])
    return zs[n_layers - 1]  # type: ignore[no-any-return]


@compiled
def gradient(
    p: Array, g: Array, layers: Ints, xb: Array, tb: Array, parts: Any, loss: int
) -> None:  # fmt: skip
    """Forward and backward on one batch (columns of xb, with its row of ones; targets tb),
    in the views `parts` from `views`: fills g = dL/dP in P's layout."""
    wbs, gwbs, zs, acts, das, dz, _, _ = parts
    n_layers = layers.shape[0]
    loss_grad(loss, forward(p, layers, xb, wbs, zs, acts), tb, dz)
    for h in range(n_layers - 1, 0, -1):
        d_in, act, ao = layers[h, 1], layers[h - 1, 4], layers[h - 1, 5]
        below, da = acts[h - 1], das[h]
        dense_backward(below, dz, wbs[h], gwbs[h], da)
        alpha, galpha = (p[ao : ao + d_in], g[ao : ao + d_in]) if ao >= 0 else (p[:0], g[:0])
        derive_layer(act, zs[h - 1], below[:d_in], alpha, da, galpha)
        dz = da
    dense_backward(xb, dz, wbs[0], gwbs[0], das[0])


@compiled
def train(
    p: Array, slots: Array, counts: Ints, tensors: Ints, layers: Ints, hyper: Array, codes: Ints,
    x: Array, t: Array, order: Ints, start: int, batch: int, max_batches: int, repeat: bool,
    work: Array,
) -> int:  # fmt: skip
    """Train batches order[s : s + batch] from s = start, up to max_batches or the epoch's end
    (with repeat, the next epoch goes on in the same order: full batches). Returns the next start.

    x (features + 1, n) feature-major with a last row of ones, t (k, n); codes = (loss,
    optimizer); hyper = (lr, l1, l2, optimizer's own); tensors[k] = (lo, hi, is a weight) in P;
    work: work_size floats, kept by the caller (fresh memory costs page faults), G at its end.
    """
    n = order.shape[0]
    rows_max = min(batch, n)
    g = work[work.shape[0] - p.shape[0] :]
    parts = views(p, g, layers, work, x.shape[0], t.shape[0], rows_max)
    l1, l2 = hyper[1], hyper[2]
    done = 0
    while done < max_batches:
        if start >= n:
            if not repeat:
                break
            start = 0
        rows = min(batch, n - start)
        if rows != rows_max:  # a short last batch
            parts = views(p, g, layers, work, x.shape[0], t.shape[0], rows)
        xb, tb = parts[6], parts[7]  # contiguous: loops vectorize
        if done == 0 or not repeat:  # with repeat, the same whole set every time
            for c in range(x.shape[0]):
                for r in range(rows):
                    xb[c, r] = x[c, order[start + r]]
            for c in range(t.shape[0]):
                for r in range(rows):
                    tb[c, r] = t[c, order[start + r]]
        gradient(p, g, layers, xb, tb, parts, codes[0])
        for k in range(tensors.shape[0]):
            lo, hi, is_weight = tensors[k]
            if is_weight and (l1 != 0.0 or l2 != 0.0):  # as MLP.loss_and_grads
                penalize(p[lo:hi], g[lo:hi], l1, l2)
            update(codes[1], hyper, p[lo:hi], g[lo:hi], slots[0, lo:hi], slots[1, lo:hi],
                   counts, k)  # fmt: skip
        start += batch  # past n on a short last batch, as the other loops count
        done += 1
    return start


def work_size(layers: Ints, features: int, outputs: int, rows: int, params: int) -> int:
    """Floats of scratch `train` needs for batches of `rows`, features counting the row of
    ones (plain Python: the caller sizes it)."""
    width: int = max([1, *layers[:, 2].tolist()])  # tolist: np.max costs more than the rest here
    blocks = len(layers) * rows * (2 * width + 1) + 2 * rows * width
    return blocks + rows * (features + outputs) + params


@compiled
def evaluate(
    p: Array, layers: Ints, x: Array, t: Array, n_train: int, loss: int, classify: bool,
    work: Array,
) -> tuple[float, float, float, float]:  # fmt: skip
    """(train loss, test loss, train accuracy, test accuracy) of the columns of x (features + 1,
    n; the last row ones), the first n_train of them the training split; work holds
    work_size(layers, 0, 0, n, 0) floats."""
    parts = views(p, p, layers, work, 0, 0, x.shape[1])
    logits = forward(p, layers, x, parts[0], parts[2], parts[3])
    train_loss, train_accuracy = split_stats(loss, logits[:, :n_train], t[:, :n_train], classify)
    test_loss, test_accuracy = split_stats(loss, logits[:, n_train:], t[:, n_train:], classify)
    return train_loss, test_loss, train_accuracy, test_accuracy


@compiled
def logits(p: Array, layers: Ints, x: Array, work: Array) -> Array:
    """The output layer's pre-activations (k, n) of the columns of x (features + 1, n; the last
    row ones), a view of work (work_size(layers, 0, 0, n, 0) floats)."""
    parts = views(p, p, layers, work, 0, 0, x.shape[1])
    return forward(p, layers, x, parts[0], parts[2], parts[3])
