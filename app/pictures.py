"""The pictures a frame carries: the output over the domain grid, every neuron's map, the
weights, and for 1-D curves the fit against x1 beside linear regression's closed form."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from app import accel, datasets
from app.nn import MLP
from app.nn.closed_form import least_squares
from app.session_config import Config
from app.training_data import Data

Array = NDArray[np.float64]
CURVE_POINTS = 200
Named = tuple[str, NDArray[Any], bool]  # (block name, values with channels first, quantize?)


def domain_grid(resolution: int) -> Array:
    """Cell centres of a resolution x resolution grid, row 0 at the top: (r*r, 2)."""
    lo, hi = datasets.DOMAIN
    step = (hi - lo) / resolution
    x1 = lo + (np.arange(resolution) + 0.5) * step  # left to right
    x2 = hi - (np.arange(resolution) + 0.5) * step  # top to bottom
    g1, g2 = np.meshgrid(x1, x2)
    return np.stack([g1.ravel(), g2.ravel()], axis=1)


@functools.lru_cache(maxsize=16)
def grid_columns(resolution: int, features: tuple[str, ...]) -> NDArray[np.float32]:
    """Pictures.grid_columns, one copy per process (never written): the same for every session
    with this grid and these features (120 kB for 100 x 100 and two features, once a session)."""
    grid = datasets.features(domain_grid(resolution), features)  # (r*r, f)
    columns = np.ones((grid.shape[1] + 1, len(grid)), dtype=np.float32)
    columns[:-1] = grid.T
    return columns


class Pictures:
    """Builds a frame's arrays for a session, caching what only a config change alters."""

    def __init__(self) -> None:
        self._closed_form: tuple[tuple[int, tuple[str, ...]], tuple[Array, float]] | None = None
        self._compiled: accel.PicturePass | None = None

    def grid_columns(self, resolution: int, features: Sequence[str]) -> NDArray[np.float32]:
        """The input features on the domain grid, feature-major, and a last row of ones (for
        the compiled pass's folded biases): (features + 1, r*r) float32. Its first rows alone
        are the features."""
        return grid_columns(resolution, tuple(features))

    def forward(
        self, net: MLP, columns: NDArray[np.float32], hidden: bool = True
    ) -> list[NDArray[np.float32]]:
        """Every hidden layer's outputs on the grid columns, then the predictions, (units,
        cells) float32: compiled once the kernel is ready, else the readable engine's
        activations. Use them before the next call: the compiled pass reuses its buffer."""
        if accel.ready():
            plan = self._compiled
            if plan is None or plan.key != accel.structure_key(net):
                plan = self._compiled = accel.PicturePass(net)
            return plan.columns(net, columns, hidden)
        outs = [np.asarray(a.T, dtype=np.float32) for a in net.activations(columns[:-1].T)]
        return outs if hidden else outs[-1:]

    def snapshot(
        self, net: MLP, config: Config, data: Data, revision: int, details: bool = True
    ) -> list[Named]:
        """Every array a frame carries; without `details`, only the output grid (and curve).

        The grids come from a float32, feature-major pass (forward): they are quantized to 8
        bits anyway, and (units, cells) arrays reshape straight into maps.
        """
        big, small = config.grid, config.neuron_grid
        out = self.forward(net, self.grid_columns(big, config.features), hidden=False)
        arrays: list[Named] = [("output", out[-1].reshape(-1, big, big), True)]  # (c, R, R)
        if data.one_d:
            arrays.append(("curve", self.curve(net, config.features, data, revision), False))
        if not details:
            return arrays
        columns = self.grid_columns(small, config.features)  # (f + 1, r*r)
        for index, values in enumerate([columns[:-1], *self.forward(net, columns)]):
            arrays.append((f"neurons/{index}", values.reshape(-1, small, small), True))
        for index, (w, b) in enumerate(net.weights()):
            arrays.append((f"weights/{index}", w, False))
            arrays.append((f"biases/{index}", b, False))
        return arrays

    def curve(self, net: MLP, features: Sequence[str], data: Data, revision: int) -> Array:
        """(3, m): x1 along x2 = 0, the network's prediction, and linear regression's closed
        form on the same input features (the lecture's w = (X^T X)^-1 X^T y)."""
        lo, hi = datasets.DOMAIN
        x1 = np.linspace(lo, hi, CURVE_POINTS)  # (m,)
        points = datasets.features(np.stack([x1, np.zeros_like(x1)], axis=1), features)
        network = net.predict(points).reshape(CURVE_POINTS, -1)[:, 0]  # (m,)
        key = (revision, tuple(features))
        if self._closed_form is None or self._closed_form[0] != key:
            fit = least_squares(data.f_train, data.y_train.astype(np.float64))
            self._closed_form = (key, fit)
        w, b = self._closed_form[1]
        return np.stack([x1, network, points @ w + b])
