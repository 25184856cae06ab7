"""The pictures' forward pass, compiled: a network over a grid's cells in float32.

A frame's maps are quantized to 8 bits, so float32 is plenty: BLAS's float32 products (the
biases folded in: the grid columns carry a row of ones), each activation in place, and a tanh of
its own that needs no exp. Used by app.nn.jit.JitPath.picture_columns when every hidden
activation is linear, tanh or ReLU; NumPy's float32 pass (app.nn.fast.forward_columns) serves
the others and while this compiles.

Its compiled functions call only each other (see app.nn.kernels: numba's cache checks only a
function's own file); the activation codes are repeated here for the same reason, and a test
holds them equal to app.nn.jit.ACTIVATION_CODES.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from app.nn.kernels import compiled, fused, inlined

Ints = NDArray[np.int64]
TANH, RELU = 2, 6  # as app.nn.jit.ACTIVATION_CODES (tested); linear (0) leaves values alone

F32 = np.float32
# tanh(x) = x P(x^2) / Q(x^2) on |x| <= 9 (tanh(9) is 1 - 3e-8): degree 4 over 4, fitted for
# this file by least squares with Sanathanan-Koerner reweighting on [0, 9]; within 1.2e-7 in
# exact arithmetic, 3.3e-7 evaluated in float32 (the maps it draws are 8-bit).
_TP = tuple(F32(c) for c in (0.9999999962900684, 0.13421524068801824, 0.003543512196324179,
                             2.138944344385085e-05, 1.4417864560609385e-08))  # fmt: skip
_TQ = tuple(F32(c) for c in (1.0, 0.46754852946972403, 0.026059770050105516,
                             0.00033636692616242133, 8.215675726652923e-07))  # fmt: skip
_NINE32, _HALF32 = F32(9.0), F32(0.5)


@inlined
def tanh32(x: Any) -> Any:  # float32 in, float32 out
    """tanh in float32 arithmetic, sixteen to a vector, no exp and one division: within
    about 3e-7 (NaN stays NaN)."""
    c = min(max(x, -_NINE32), _NINE32)
    s = c * c
    p = (((_TP[4] * s + _TP[3]) * s + _TP[2]) * s + _TP[1]) * s + _TP[0]
    q = (((_TQ[4] * s + _TQ[3]) * s + _TQ[2]) * s + _TQ[1]) * s + _TQ[0]
    return x if math.isnan(x) else c * p / q


@fused
def picture_activate(code: int, a: NDArray[np.float32], binary_out: bool) -> None:
    """a = f(a) in place, (units, cells) float32: TANH, RELU, LINEAR (nothing), or with
    binary_out the output's sigmoid, (1 + tanh(a / 2)) / 2."""
    units, cells = a.shape
    if binary_out:
        for j in range(units):
            for r in range(cells):
                a[j, r] = _HALF32 + _HALF32 * tanh32(_HALF32 * a[j, r])
    elif code == TANH:
        for j in range(units):
            for r in range(cells):
                a[j, r] = tanh32(a[j, r])
    elif code == RELU:
        for j in range(units):
            for r in range(cells):
                a[j, r] = a[j, r] if a[j, r] > 0 or math.isnan(a[j, r]) else F32(0.0)


@compiled
def picture_forward(
    p: NDArray[np.float32], layers: Ints, x: NDArray[np.float32], work: NDArray[np.float32],
    binary: bool,
) -> None:  # fmt: skip
    """The network on the columns of x (features + 1, cells; the last row ones), in float32
    (P as float32, layers as for train; hidden activations LINEAR, TANH or RELU): into work,
    each hidden layer's [a; 1] (d_out + 1, cells) in turn, then the outputs (k, cells), as
    probabilities when binary, else as logits."""
    cells = x.shape[1]
    n_layers = layers.shape[0]
    inp = x
    at = 0
    for h in range(n_layers):
        wo, d_in, d_out, act = layers[h, 0], layers[h, 1], layers[h, 2], layers[h, 4]
        wb = p[wo : wo + (d_in + 1) * d_out].reshape(d_in + 1, d_out)
        last = h == n_layers - 1
        units = d_out if last else d_out + 1
        block = work[at : at + units * cells].reshape(units, cells)
        np.dot(wb.T, inp, block[:d_out])  # BLAS, float32
        if last:
            if binary:
                picture_activate(act, block, True)
        else:
            block[d_out, :] = 1.0
            picture_activate(act, block[:d_out], False)
        inp = block
        at += units * cells
