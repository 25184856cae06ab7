"""The compiled training kernel (Numba): element-wise math, Dense layers, the batch loop.

The formulas are the readable engine's (activations.py, losses.py, optimizers.py), written per
element in the same order of operations, so both agree to about 1e-15 per step. Arrays are
feature-major: a layer's values are (units, rows), one row of memory per unit, so every inner
loop runs along the batch's rows and vectorizes; a layer's products of BLAS_MIN multiply-adds
or more go through BLAS (numba's np.dot), smaller ones through loops (cheaper than a BLAS call).
Choices are integer codes (app.nn.jit), so one compiled function serves every network.

Every compiled function here calls only compiled functions of this file, on purpose: numba's
disk cache checks only the source file of the function it caches, so a kernel that called into
another module could keep running that module's old code after an update. (app.deflate and
app.nn.picture_kernels, whose functions call none of these, keep to the same rule in their own
files.)
"""

from __future__ import annotations

import importlib.util
import math
import struct
from collections.abc import Callable
from typing import Any, TypeVar, cast

import numpy as np
from numpy.typing import NDArray

try:
    import llvmlite.ir  # type: ignore[import-untyped]
    import numba
    import numba.extending
except ImportError:  # app.nn.jit reports the kernel unavailable; these stay plain Python
    numba = None  # type: ignore[assignment]
if importlib.util.find_spec("scipy") is None:  # numba's np.dot needs SciPy's BLAS bindings
    numba = None  # type: ignore[assignment]
COMPILED = numba is not None  # else app.nn.jit says the kernel is unavailable

Array = NDArray[np.float64]
Ints = NDArray[np.int64]
F = TypeVar("F", bound=Callable[..., Any])

GELU_C = math.sqrt(2.0 / math.pi)  # as activations.GELU_C
LEAKY_SLOPE = 0.01  # as activations.LEAKY_SLOPE
HUBER_DELTA = 1.0  # as losses.HUBER_DELTA
BLAS_MIN = 400  # products of this many multiply-adds or more go through BLAS (measured: below
# it a BLAS call costs more than the kernel's loops, above it BLAS wins, by 1.5x for L at batch 10)
TANH, RELU = 2, 6  # activation codes with loops of their own (app.nn.jit.ACTIVATION_CODES)
LOGLOSS, CROSS_ENTROPY, MSE, MAE = 0, 1, 2, 3  # loss codes (app.nn.jit.LOSS_CODES); 4 is huber


def compiled(f: F) -> F:
    """numba.njit with NumPy's float semantics (1/0 is inf, not an exception); no fastmath."""
    if numba is None:
        return f
    return cast(F, numba.njit(cache=True, nogil=True, error_model="numpy")(f))


def inlined(f: F) -> F:
    """compiled, and inlined into its callers by Numba itself, so LLVM sees one loop body that
    it can vectorize (a call left to LLVM's own inliner keeps the loop scalar)."""
    if numba is None:
        return f
    return cast(F, numba.njit(cache=True, nogil=True, error_model="numpy", inline="always")(f))


def fused(f: F) -> F:
    """compiled, with a * b + c fused into one rounding (FMA) where LLVM sees it: fewer
    instructions for the polynomials that tanh inlines here, and no less accurate."""
    if numba is None:
        return f
    return cast(
        F, numba.njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract"})(f)
    )


def summing(f: F) -> F:
    """compiled for loops that sum: sums may be reordered and fused (FMA), as BLAS does, so
    they vectorize. Never nnan / ninf: a diverging run must stay visible."""
    if numba is None:
        return f
    flags = {"reassoc", "contract"}
    return cast(F, numba.njit(cache=True, nogil=True, error_model="numpy", fastmath=flags)(f))


# ---- tanh from +, *, / only: LLVM has no vector math library here, so math.tanh stays scalar
# (about 10 ns an element); this one vectorizes (about 3 ns) and is within 2 ulp of np.tanh.

# |x| < 0.625: x + x s P(s) / Q(s), s = x^2 (the Cephes library's rational approximation)
_P = (-9.64399179425052238628e-1, -9.92877231001918586564e1, -1.61468768441708447952e3)
_Q = (1.12811678491632931402e2, 2.23548839060100448583e3, 4.84406305325125486048e3)
_LOG2E = 1.4426950408889634
_LN2_HI, _LN2_LO = 6.93147180369123816490e-01, 1.90821492927058770002e-10  # ln 2 = HI + LO


if numba is not None:

    @numba.extending.intrinsic
    def _as_float(typingctx: Any, bits: Any) -> Any:
        """The float64 whose bits are the int64 `bits` (a bit cast: no conversion)."""

        def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
            return builder.bitcast(args[0], llvmlite.ir.DoubleType())

        return numba.types.float64(numba.types.int64), codegen
else:

    def _as_float(bits: int) -> float:
        return float(struct.unpack("<d", struct.pack("<q", bits))[0])


@inlined
def tanh(x: float) -> float:
    """tanh(x) within 3 ulp; for |x| >= 0.625 it is (e - 1) / (e + 1), e = e^2|x| = 2^k e^r
    with |r| <= ln2 / 2, e^r by its Taylor series to r^12, and 2^k (0 <= k <= 58) exactly."""
    y = abs(x)
    s = x * x
    q = ((s + _Q[0]) * s + _Q[1]) * s + _Q[2]
    small = y * q + y * s * ((_P[0] * s + _P[1]) * s + _P[2])  # tanh(y) = small / q
    t = min(2.0 * y, 40.0)  # tanh(20) is 1.0 in float64
    kf = math.floor(t * _LOG2E + 0.5)
    r = (t - kf * _LN2_HI) - kf * _LN2_LO
    e = (
        ((((1 / 479001600 * r + 1 / 39916800) * r + 1 / 3628800) * r + 1 / 362880) * r + 1 / 40320)
        * r
        + 1 / 5040
    ) * r + 1 / 720  # Horner, 1/12! first: error < 1e-16
    e = (((((e * r + 1 / 120) * r + 1 / 24) * r + 1 / 6) * r + 0.5) * r + 1.0) * r + 1.0
    e *= _as_float((int(kf) + 1023) << 52)  # type: ignore[call-arg]  # 2^k, as exponent bits
    inside = y < 0.625  # tanh(y) = (e - 1) / (e + 1) outside: one division serves both
    out = math.copysign((small if inside else e - 1.0) / (q if inside else e + 1.0), x)
    return x if math.isnan(x) else out


# ---- activations, one element at a time ----


@compiled
def sigmoid(z: float) -> float:
    e = math.exp(-abs(z))  # e^-|z| never overflows
    return 1.0 / (1.0 + e) if z >= 0 else e / (1.0 + e)


@compiled
def _gelu_parts(z: float) -> tuple[float, float]:
    zc = min(max(z, -10.0), 10.0)
    return zc, math.tanh(GELU_C * (zc + 0.044715 * zc**3))


@compiled
def _softplus(z: float) -> float:
    if z == 0.0:  # np.logaddexp(0, z), branch for branch
        return math.log(2.0)
    if z < 0.0:
        return math.log1p(math.exp(z))
    if z > 0.0:
        return z + math.log1p(math.exp(-z))
    return z  # nan


@compiled
def activate(code: int, z: float, alpha: float) -> float:
    """a = f(z) for one element; alpha is the PReLU slope."""
    if code == 0:
        return z
    if code == 1:
        return sigmoid(z)
    if code == TANH:
        return tanh(z)
    if code == 3:
        return z / (1.0 + abs(z))
    if code == 4:
        return 1.0 if z > 0 else 0.0
    if code == 5:
        return _softplus(z)
    if code == RELU:
        return z if z > 0 or math.isnan(z) else 0.0
    if code == 7:
        return z if z > 0 else LEAKY_SLOPE * z
    if code == 8:
        return z if z > 0 else math.expm1(min(z, 0.0))
    if code == 9:
        t = _gelu_parts(z)[1]
        return 0.5 * z * (1.0 + t)
    if code == 10:
        return z * sigmoid(z)
    return max(z, 0.0) + alpha * min(z, 0.0)  # prelu


@compiled
def _derivative(code: int, z: float, a: float, alpha: float) -> float:
    """f'(z) for one element, reusing a = f(z) where the readable engine does."""
    if code == 0:
        return 1.0
    if code == 1:
        return a * (1.0 - a)
    if code == TANH:
        return 1.0 - a * a
    if code == 3:
        return (1.0 - abs(a)) ** 2
    if code == 4:
        return 0.0
    if code == 5:
        return sigmoid(z)
    if code == RELU:
        return 1.0 if z > 0 else 0.0
    if code == 7:
        return 1.0 if z > 0 else LEAKY_SLOPE
    if code == 8:
        return 1.0 if z > 0 else a + 1.0
    if code == 9:
        zc, t = _gelu_parts(z)
        return 0.5 * (1.0 + t) + 0.5 * zc * (1.0 - t * t) * GELU_C * (1.0 + 3 * 0.044715 * zc * zc)
    if code == 10:
        s = sigmoid(z)
        return s * (1.0 + z * (1.0 - s))
    return alpha if min(z, 0.0) < 0 else 1.0  # prelu


# ---- a layer's activation and its derivative: (units, rows) blocks ----


@fused
def activate_layer(code: int, z: Array, a: Array, alpha: Array) -> None:
    """a = f(z), both (units, rows); alpha holds PReLU's slopes (units,), else it is empty.
    TANH and RELU go through activate_in_place (z is a then)."""
    units, rows = z.shape
    for j in range(units):
        slope = alpha[j] if alpha.shape[0] else 0.0
        for r in range(rows):
            a[j, r] = activate(code, z[j, r], slope)


@fused
def activate_in_place(code: int, a: Array) -> None:
    """a = f(a) for TANH or RELU, (units, rows): one buffer streamed instead of two (measured:
    L at full batch about 1.05x). One array on purpose: given z and a that overlap, LLVM's
    runtime alias check sends the loop down its scalar path, 3x slower for tanh."""
    units, rows = a.shape
    if code == TANH:
        for j in range(units):
            for r in range(rows):
                a[j, r] = tanh(a[j, r])
        return
    for j in range(units):
        for r in range(rows):
            a[j, r] = a[j, r] if a[j, r] > 0 or math.isnan(a[j, r]) else 0.0


@summing
def derive_layer(code: int, z: Array, a: Array, alpha: Array, da: Array, galpha: Array) -> None:
    """dL/da (in da) -> dL/dz in place; PReLU's dL/dalpha = sum over rows of dL/da min(z, 0).
    TANH and RELU read only a (forward leaves no separate z for them)."""
    units, rows = z.shape
    if code == TANH:  # f' = 1 - a^2
        for j in range(units):
            for r in range(rows):
                da[j, r] = da[j, r] * (1.0 - a[j, r] * a[j, r])
        return
    if code == RELU:  # f' = [z > 0] = [a > 0] (a NaN z gives a NaN a)
        for j in range(units):
            for r in range(rows):
                da[j, r] = da[j, r] * (1.0 if a[j, r] > 0 else 0.0)
        return
    for j in range(units):
        slope = alpha[j] if alpha.shape[0] else 0.0
        if galpha.shape[0]:
            total = 0.0
            for r in range(rows):
                total += da[j, r] * min(z[j, r], 0.0)
            galpha[j] = total
        for r in range(rows):
            da[j, r] = da[j, r] * _derivative(code, z[j, r], a[j, r], slope)


# ---- losses: the gradient of the batch mean, and a split's mean loss and accuracy ----


@compiled
def loss_grad(code: int, z: Array, t: Array, g: Array) -> None:
    """g = dL/dz (k, rows) of the batch-mean loss, the 1/n included; t holds float targets
    (0/1, one-hot rows, or values), (k, rows) like z."""
    k, rows = z.shape
    size = rows * k
    if code == CROSS_ENTROPY:  # softmax(z) - onehot(y), over each column
        for r in range(rows):
            m = z[0, r]
            for j in range(1, k):
                m = max(m, z[j, r])
            total = 0.0
            for j in range(k):
                g[j, r] = math.exp(z[j, r] - m)
                total += g[j, r]
            for j in range(k):
                g[j, r] = (g[j, r] / total - t[j, r]) / rows
        return
    for j in range(k):
        for r in range(rows):
            e = z[j, r] - t[j, r]
            if code == LOGLOSS:  # sigmoid(z) = (1 + tanh(z / 2)) / 2: vectorizes, unlike exp
                g[j, r] = ((0.5 + 0.5 * tanh(0.5 * z[j, r])) - t[j, r]) / size
            elif code == MSE:
                g[j, r] = 2.0 * e / size
            elif code == MAE:
                g[j, r] = (0.0 if e == 0 else 1.0 if e > 0 else -1.0 if e < 0 else e) / size
            else:
                g[j, r] = min(max(e, -HUBER_DELTA), HUBER_DELTA) / size


@compiled
def split_stats(code: int, z: Array, t: Array, classify: bool) -> tuple[float, float]:
    """(mean loss, accuracy) over the columns of z (k, rows): the readable engine's loss values
    (losses.py) and its accuracy rule (sigmoid(z) >= 0.5 exactly when z >= 0; softmax's argmax
    is the logits' first largest). Accuracy is NaN when not classify, and for no rows."""
    k, rows = z.shape
    total, right = 0.0, 0
    for r in range(rows):
        if code == CROSS_ENTROPY:  # log sum e^z - z_y, shifted by the column max
            m, best, y = z[0, r], 0, 0
            for j in range(1, k):
                if z[j, r] > m:
                    m, best = z[j, r], j
                if t[j, r] == 1.0:
                    y = j
            s = 0.0
            for j in range(k):
                s += math.exp(z[j, r] - m)
            total += m + math.log(s) - z[y, r]
            right += best == y
            continue
        for j in range(k):
            e, v = z[j, r] - t[j, r], z[j, r]
            if code == LOGLOSS:
                total += max(v, 0.0) - v * t[j, r] + math.log1p(math.exp(-abs(v)))
                right += (v >= 0) == (t[j, r] == 1.0)
            elif code == MSE:
                total += e * e
            elif code == MAE:
                total += abs(e)
            else:
                d = abs(e)
                total += 0.5 * d * d if d <= HUBER_DELTA else HUBER_DELTA * (d - 0.5 * HUBER_DELTA)
    count = rows if code == CROSS_ENTROPY else rows * k
    loss = total / count if count else math.nan
    return loss, right / rows if classify and rows else math.nan


# ---- optimizers: one step on one tensor's slice of the flat vectors ----


@compiled
def penalize(p: Array, g: Array, l1: float, l2: float) -> None:
    """g += l1 sign(w) + l2 w, as MLP.loss_and_grads adds the penalties' gradient."""
    for e in range(p.shape[0]):
        w = p[e]
        g[e] += l1 * (1.0 if w > 0 else -1.0 if w < 0 else w) + l2 * w


@compiled
def update(
    code: int, hyper: Array, p: Array, g: Array, s0: Array, s1: Array, counts: Ints, k: int
) -> None:
    """One optimizer step on tensor k's slice, as app.nn.optimizers writes it.

    hyper = (lr, l1, l2, the optimizer's own); s0, s1 the state slots; counts[0, k] Adam's and
    Adagrad's step count, counts[1, k] "has a momentum buffer".
    """
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


# ---- a Dense layer, feature-major: values (units, rows); the bias folded into the weights ----
# P holds a Dense layer's W (d_in, d_out) and then b (d_out,): together one (d_in + 1, d_out)
# matrix [W; b]. Every layer input carries a last row of ones, so z = [W; b]^T [a; 1] is one
# product and [a; 1] dz^T gives dW and db at once (as app.nn.fast does, feature-major here).


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
    (a reshape costs ~20 ns, and a batch uses ~25 of them):

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
    width = max(1, int(layers[:, 2].max()))
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


# ---- pictures: 8-bit quantization of a frame's float32 grids ----


@compiled
def quantize_rows(
    flat: NDArray[np.float32], lo: Array, hi: Array, out: NDArray[np.uint8]
) -> None:  # fmt: skip
    """app.protocol.quantize, compiled, giving the same bytes: lo and hi (c,) come in as each
    row's min and max and leave widened to about 5 significant digits of their span (as
    protocol.round_range does); out = uint8 of clip((v - lo) * 255 / (hi - lo) + 0.5, 0, 255)
    per row of flat (c, n), in float32 step for step."""
    c, n = flat.shape
    half, top = np.float32(0.5), np.float32(255.0)
    for ch in range(c):
        span = max(hi[ch] - lo[ch], 1e-12)
        scale = 10.0 ** min(max(4 - math.floor(math.log10(span)), -6.0), 12.0)
        lo[ch] = math.floor(lo[ch] * scale) / scale
        hi[ch] = math.ceil(hi[ch] * scale) / scale
        base = np.float32(lo[ch])
        step = np.float32(255.0 / (hi[ch] - lo[ch]) if hi[ch] > lo[ch] else 255.0)
        for e in range(n):
            v = (flat[ch, e] - base) * step + half
            out[ch, e] = np.uint8(min(max(v, np.float32(0.0)), top))
