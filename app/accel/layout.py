"""How a network lies in the kernels' flat arrays: one table row per Dense layer."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from app.accel.activations import CODES as ACTIVATION_CODES
from app.nn import MLP, Activation, Dense, PReLU

Ints = NDArray[np.int64]


def code_of(codes: dict[str, int], name: str, kind: str) -> int:
    """The kernel's code for a registry name; a name the kernel lacks is an error."""
    if name not in codes:
        raise ValueError(
            f"the compiled kernel has no {kind} {name!r}; expected one of {sorted(codes)}"
        )
    return codes[name]


def structure_key(net: MLP) -> tuple[Any, ...]:
    """What a layout depends on: parameter shapes, activations, loss; a new key, a new plan."""
    acts = tuple(layer.name for layer in net.layers if isinstance(layer, (Activation, PReLU)))
    shapes = tuple(p.shape for p in net.parameters())
    return shapes, acts, net.loss_name, net.task, net.outputs


def layout(net: MLP) -> tuple[Ints, Ints, Ints]:
    """(layers, tensors, offsets): layers[h] = (W offset, d_in, d_out, b offset, activation code,
    PReLU slopes' offset or -1), tensors[k] = (lo, hi, is a weight) of parameter k in P, and
    offsets[k] where parameter k starts in P (parameters() order, each flattened)."""
    params = net.parameters()
    offsets = np.concatenate([[0], np.cumsum([p.size for p in params])]).astype(np.int64)
    tensors: list[list[int]] = []
    layers: list[list[int]] = []
    k = 0
    for layer in net.layers:
        if isinstance(layer, Dense):
            d_in, d_out = layer.w.shape
            lo = int(offsets[k])
            layers.append([lo, d_in, d_out, lo + d_in * d_out, ACTIVATION_CODES["linear"], -1])
            tensors += [[lo, lo + d_in * d_out, 1], [lo + d_in * d_out, lo + (d_in + 1) * d_out, 0]]
            k += 2
        elif isinstance(layer, (Activation, PReLU)):
            layers[-1][4] = code_of(ACTIVATION_CODES, layer.name, "activation")
            if isinstance(layer, PReLU):
                layers[-1][5] = int(offsets[k])
                tensors.append([int(offsets[k]), int(offsets[k + 1]), 0])
                k += 1
    table = np.array(layers, dtype=np.int64).reshape(-1, 6)
    return table, np.array(tensors, dtype=np.int64).reshape(-1, 3), offsets
