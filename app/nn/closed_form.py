"""Linear regression's closed form, the lecture's w = (X^T X)^-1 X^T y, to compare with training."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]


def least_squares(x: Array, y: Array) -> tuple[Array, float]:
    """Weights w (d,) and bias b minimising mean((x w + b - y)^2) for x (n, d), y (n,).

    Solved as the normal equations [x, 1]^T [x, 1] [w; b] = [x, 1]^T y, through lstsq so a
    constant or repeated feature (a singular X^T X) still gets the minimum-norm answer.
    """
    if x.ndim != 2 or y.shape != (x.shape[0],) or x.shape[0] == 0:
        raise ValueError(f"x must be (n, d) and y (n,) with n > 0, received {x.shape}, {y.shape}")
    ones = np.ones((x.shape[0], 1))
    solution, *_ = np.linalg.lstsq(np.hstack([x, ones]), y, rcond=None)  # (d + 1,)
    weights = np.asarray(solution[:-1], dtype=np.float64)
    return weights, float(solution[-1])
