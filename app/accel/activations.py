"""Compiled activations: each of app.nn.ACTIVATIONS per element, and a layer's loops.

The formulas are the readable engine's (app/nn/activations.py), in the same order of
operations, so both agree to about 1e-15. A layer's values are (units, rows), feature-major, so
every inner loop runs along the rows and vectorizes. The codes are the registry's positions;
a code no branch handles raises instead of computing another function.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from app.accel.runtime import compiled, fused, summing
from app.accel.tanh import tanh
from app.nn.activations import ACTIVATIONS, GELU_C, LEAKY_SLOPE

Array = NDArray[np.float64]

CODES = {name: code for code, name in enumerate(ACTIVATIONS)}  # the registry's positions
LINEAR, SIGMOID, TANH, SOFTSIGN = (CODES[n] for n in ("linear", "sigmoid", "tanh", "softsign"))
STEP, SOFTPLUS, RELU = (CODES[n] for n in ("step", "softplus", "relu"))
LEAKY_RELU, PRELU, ELU = (CODES[n] for n in ("leaky_relu", "prelu", "elu"))
GELU, SILU, HARDTANH = (CODES[n] for n in ("gelu", "silu", "hardtanh"))


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
    if code == LINEAR:
        return z
    if code == SIGMOID:
        return sigmoid(z)
    if code == TANH:
        return tanh(z)
    if code == SOFTSIGN:
        return z / (1.0 + abs(z))
    if code == STEP:
        return 1.0 if z > 0 else 0.0
    if code == SOFTPLUS:
        return _softplus(z)
    if code == RELU:
        return z if z > 0 or math.isnan(z) else 0.0
    if code == LEAKY_RELU:
        return z if z > 0 else LEAKY_SLOPE * z
    if code == PRELU:
        return max(z, 0.0) + alpha * min(z, 0.0)
    if code == ELU:
        return z if z > 0 else math.expm1(min(z, 0.0))
    if code == GELU:
        return 0.5 * z * (1.0 + _gelu_parts(z)[1])
    if code == SILU:
        return z * sigmoid(z)
    if code == HARDTANH:
        return z if math.isnan(z) else min(max(z, -1.0), 1.0)
    raise ValueError("unknown activation code")


@compiled
def derivative(code: int, z: float, a: float, alpha: float) -> float:
    """f'(z) for one element, reusing a = f(z) where the readable engine does."""
    if code == LINEAR:
        return 1.0
    if code == SIGMOID:
        return a * (1.0 - a)
    if code == TANH:
        return 1.0 - a * a
    if code == SOFTSIGN:
        return (1.0 - abs(a)) ** 2
    if code == STEP:
        return 0.0
    if code == SOFTPLUS:
        return sigmoid(z)
    if code == RELU:
        return 1.0 if z > 0 else 0.0
    if code == LEAKY_RELU:
        return 1.0 if z > 0 else LEAKY_SLOPE
    if code == PRELU:
        return alpha if min(z, 0.0) < 0 else 1.0
    if code == ELU:
        return 1.0 if z > 0 else a + 1.0
    if code == GELU:
        zc, t = _gelu_parts(z)
        return 0.5 * (1.0 + t) + 0.5 * zc * (1.0 - t * t) * GELU_C * (1.0 + 3 * 0.044715 * zc * zc)
    if code == SILU:
        s = sigmoid(z)
        return s * (1.0 + z * (1.0 - s))
    if code == HARDTANH:
        return 1.0 if -1.0 < z < 1.0 else 0.0
    raise ValueError("unknown activation code")


@fused
def activate_layer(code: int, z: Array, a: Array, alpha: Array) -> None:
    """a = f(z), both (units, rows); alpha holds PReLU's slopes (units,), else it is empty."""
    units, rows = z.shape
    for j in range(units):
        slope = alpha[j] if alpha.shape[0] else 0.0
        for r in range(rows):
            a[j, r] = activate(code, z[j, r], slope)


@fused
def activate_in_place(code: int, a: Array) -> None:
    """a = f(a) for TANH or RELU, (units, rows). One array on purpose: given overlapping z and
    a, LLVM's runtime alias check sends the loop down its scalar path."""
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
    TANH and RELU read only a (their forward leaves no separate z)."""
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
            da[j, r] = da[j, r] * derivative(code, z[j, r], a[j, r], slope)
