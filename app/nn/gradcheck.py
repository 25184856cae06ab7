"""Central finite differences, the reference every backward pass is tested against."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from app.nn.activations import Array


def central_difference(f: Callable[[Array], float], x: Array, eps: float = 1e-6) -> Array:
    """Numerical gradient of scalar f at x: (f(x + eps e_i) - f(x - eps e_i)) / 2 eps per entry.

    x is perturbed in place and restored, so it may be a live parameter array of a model.
    """
    grad = np.zeros_like(x)
    flat, out = x.reshape(-1), grad.reshape(-1)  # views: writing flat writes x
    for i in range(flat.size):  # a test-only loop; fine for the few entries checked
        keep = flat[i]
        flat[i] = keep + eps
        up = f(x)
        flat[i] = keep - eps
        down = f(x)
        flat[i] = keep
        out[i] = (up - down) / (2 * eps)
    return grad
