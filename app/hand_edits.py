"""Weights set by hand: one weight or bias from the diagram, or all of them at once (a page
restoring its network after a reconnect, a weights file loaded). Every index and shape is
checked against the network before anything changes, and a refusal names the layer."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from app.nn import MLP

Array = NDArray[np.float64]
Layer = tuple[Array, Array, Array | None]  # one Dense layer's w (d_in, d_out), b (d_out,), slopes


def dense(net: MLP, layer: int) -> tuple[Array, Array]:
    """(w, b) of Dense layer `layer` (0 = the first; the last is the output layer)."""
    pairs = net.weights()
    if not 0 <= layer < len(pairs):
        raise ValueError(f"layer must be 0..{len(pairs) - 1}, received {layer}")
    return pairs[layer]


def set_weight(net: MLP, layer: int, source: int, target: int, value: float) -> None:
    w, _ = dense(net, layer)
    if not (0 <= source < w.shape[0] and 0 <= target < w.shape[1]):
        raise ValueError(
            f"layer {layer} has weights {w.shape[0]} x {w.shape[1]}; "
            f"received source {source}, target {target}"
        )
    w[source, target] = value


def set_bias(net: MLP, layer: int, neuron: int, value: float) -> None:
    _, b = dense(net, layer)
    if not 0 <= neuron < b.shape[0]:
        raise ValueError(f"layer {layer} has {b.shape[0]} neurons; received neuron {neuron}")
    b[neuron] = value


def set_weights(net: MLP, layers: list[Layer]) -> None:
    """Replace every Dense layer's (w, b) and each PReLU layer's slopes (None: keep them)."""
    pairs, slopes = net.weights(), net.slopes()
    if len(layers) != len(pairs):
        raise ValueError(
            f"the network has {len(pairs)} layers of weights ({len(pairs) - 1} hidden and "
            f"the output), received {len(layers)}"
        )
    expected_slopes = [*slopes, None]  # the output layer has none
    for index, ((w, b, alpha), (w_now, b_now)) in enumerate(zip(layers, pairs, strict=True)):
        name = f"layer {index + 1}" if index < len(slopes) else "the output layer"
        if w.shape != w_now.shape or b.shape != b_now.shape:
            raise ValueError(
                f"{name}: weights must be {w_now.shape[0]} x {w_now.shape[1]} with "
                f"{b_now.shape[0]} biases, received {' x '.join(map(str, w.shape))} with "
                f"{b.shape[0]}"
            )
        expected = expected_slopes[index]
        if alpha is not None and (expected is None or alpha.shape != expected.shape):
            wanted = "no slopes" if expected is None else f"{expected.shape[0]} slopes"
            raise ValueError(f"{name}: has {wanted}, received {alpha.shape[0]}")
    for (w, b, alpha), (w_now, b_now), expected in zip(layers, pairs, expected_slopes, strict=True):
        w_now[...], b_now[...] = w, b
        if alpha is not None and expected is not None:
            expected[...] = alpha
