"""tanh from +, * and / only, in float64 for training and in float32 for the pictures.

This LLVM has no vector math library, so math.tanh stays scalar; these vectorize. Training
needs float64 within a few ulp, to stay equal to the readable engine; the pictures, quantized
to 8 bits, take a cheaper float32 fit.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from app.accel.runtime import as_float, inlined

# |x| < 0.625: x + x s P(s) / Q(s), s = x^2 (the Cephes library's rational approximation)
_P = (-9.64399179425052238628e-1, -9.92877231001918586564e1, -1.61468768441708447952e3)
_Q = (1.12811678491632931402e2, 2.23548839060100448583e3, 4.84406305325125486048e3)
_LOG2E = 1.4426950408889634
_LN2_HI, _LN2_LO = 6.93147180369123816490e-01, 1.90821492927058770002e-10  # ln 2 = HI + LO


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
    e *= as_float((int(kf) + 1023) << 52)  # type: ignore[call-arg]  # 2^k, as exponent bits
    inside = y < 0.625  # tanh(y) = (e - 1) / (e + 1) outside: one division serves both
    out = math.copysign((small if inside else e - 1.0) / (q if inside else e + 1.0), x)
    return x if math.isnan(x) else out


F32 = np.float32
# tanh(x) = x P(x^2) / Q(x^2) on |x| <= 9 (tanh(9) is 1 - 3e-8): degree 4 over 4, fitted by least
# squares with Sanathanan-Koerner reweighting on [0, 9].
_TP = tuple(F32(c) for c in (0.9999999962900684, 0.13421524068801824, 0.003543512196324179,
                             2.138944344385085e-05, 1.4417864560609385e-08))  # fmt: skip
_TQ = tuple(F32(c) for c in (1.0, 0.46754852946972403, 0.026059770050105516,
                             0.00033636692616242133, 8.215675726652923e-07))  # fmt: skip
_NINE32 = F32(9.0)


@inlined
def tanh32(x: Any) -> Any:  # float32 in, float32 out
    """tanh in float32 arithmetic, no exp and one division: within 4e-7 (NaN stays NaN)."""
    # Comparisons with NaN are false, so NaN passes through these selects (min/max would not
    # promise that), and selects vectorize where an isnan branch did not.
    c = _NINE32 if x > _NINE32 else x  # noqa: FURB136
    c = -_NINE32 if c < -_NINE32 else c  # noqa: FURB136
    s = c * c
    p = (((_TP[4] * s + _TP[3]) * s + _TP[2]) * s + _TP[1]) * s + _TP[0]
    q = (((_TQ[4] * s + _TQ[3]) * s + _TQ[2]) * s + _TQ[1]) * s + _TQ[0]
    return c * p / q
