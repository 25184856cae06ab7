"""The pictures' pass, compiled: a network over a grid's cells in float32, and the 8-bit
quantizer of the frame's grids.

A frame's maps are quantized to 8 bits, so float32 is plenty: BLAS's float32 products (the
biases folded in: the grid columns carry a row of ones), each activation in place.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from app.accel.activations import LINEAR, RELU, TANH, activate
from app.accel.layout import layout, structure_key
from app.accel.runtime import compiled, fused
from app.accel.scratch import scratch
from app.accel.tanh import tanh32
from app.nn import MLP, TASKS

F32 = np.float32
Floats = NDArray[np.float32]
Array = NDArray[np.float64]
Ints = NDArray[np.int64]
_HALF32 = F32(0.5)


@fused
def picture_activate(code: int, a: Floats, alpha: Floats, binary_out: bool) -> None:
    """a = f(a) in place, (units, cells) float32; with binary_out the output's sigmoid,
    (1 + tanh(a / 2)) / 2. Other activations than tanh and ReLU go through the training
    kernel's float64 formula, one value at a time."""
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
    elif code != LINEAR:
        for j in range(units):
            slope = float(alpha[j]) if alpha.shape[0] else 0.0
            for r in range(cells):
                a[j, r] = F32(activate(code, float(a[j, r]), slope))


@compiled
def picture_forward(p: Floats, layers: Ints, x: Floats, work: Floats, binary: bool) -> None:
    """The network on the columns of x (features + 1, cells; the last row ones), in float32,
    into work: each hidden layer's [a; 1] (d_out + 1, cells) in turn, then the outputs (k,
    cells), as probabilities when binary, else as logits. P and layers as for training."""
    cells = x.shape[1]
    n_layers = layers.shape[0]
    inp = x
    at = 0
    for h in range(n_layers):
        wo, d_in, d_out, act, ao = (
            layers[h, 0],
            layers[h, 1],
            layers[h, 2],
            layers[h, 4],
            layers[h, 5],
        )
        wb = p[wo : wo + (d_in + 1) * d_out].reshape(d_in + 1, d_out)
        last = h == n_layers - 1
        units = d_out if last else d_out + 1
        block = work[at : at + units * cells].reshape(units, cells)
        np.dot(wb.T, inp, block[:d_out])  # BLAS, float32
        if last:
            if binary:
                picture_activate(act, block, p[:0], True)
        else:
            block[d_out, :] = 1.0
            alpha = p[ao : ao + d_out] if ao >= 0 else p[:0]
            picture_activate(act, block[:d_out], alpha, False)
        inp = block
        at += units * cells


@compiled
def quantize_rows(flat: Floats, lo: Array, hi: Array, out: NDArray[np.uint8]) -> None:
    """app.frames.quantize, compiled, giving the same bytes: lo and hi (c,) come in as each
    row's min and max and leave widened to about 5 significant digits of their span (as
    frames.round_range does); out = uint8 of clip((v - lo) * 255 / (hi - lo) + 0.5, 0, 255)
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


class PicturePass:
    """The compiled pass for one network structure."""

    def __init__(self, net: MLP) -> None:
        self.key = structure_key(net)
        self.layers = layout(net)[0]
        self.task, self.outputs = net.task, net.outputs

    def columns(self, net: MLP, x: Floats, hidden: bool = True) -> list[Floats]:
        """Every hidden layer's outputs on x (features + 1, cells; a last row of ones), then the
        predictions, each (units, cells) float32. They are views of a scratch buffer: use them
        before the next call on this thread."""
        cells = x.shape[1]
        size = int((self.layers[:-1, 2] + 1).sum() + self.outputs) * cells
        # The output pass and the neuron maps' pass never share a buffer (both grids alive).
        work = scratch("pictures/hidden" if hidden else "pictures/output", size, np.float32)
        p = np.concatenate(net.parameters(), axis=None).astype(np.float32)  # P's layout
        picture_forward(p, self.layers, x, work, self.task == "binary")
        outs, at = [], 0
        for d_out in self.layers[:-1, 2]:
            if hidden:
                outs.append(work[at : at + d_out * cells].reshape(d_out, cells))
            at += (d_out + 1) * cells
        z = work[at : at + self.outputs * cells].reshape(self.outputs, cells)
        if self.task == "multiclass":  # softmax through NumPy (exp vectorizes there)
            z = np.asarray(TASKS[self.task].link(z.T.astype(np.float64)), dtype=np.float32).T
        outs.append(z)
        return outs


def warm_up() -> None:
    """Compile (or load from the cache) the pictures' pass and the quantizer."""
    net = MLP(2, [(2, "tanh")], 1, seed=0)
    PicturePass(net).columns(net, np.ones((3, 2), dtype=np.float32))
    grid = np.zeros((1, 2), dtype=np.float32)
    quantize_rows(grid, np.zeros(1), np.ones(1), np.empty((1, 2), dtype=np.uint8))
