"""The pictures' pass, compiled: a network over a grid's cells in float32, and the 8-bit
quantizer of the frame's grids.

A frame's maps are quantized to 8 bits, so float32 is plenty. The grid goes through the network
a chunk of cells at a time, every layer's product and activation on the chunk before the next
chunk starts: a layer's values for the 10,000 cells of the output grid are more than the cache
holds, a chunk's are not (the output pass 0.81 -> 0.39 ms for M, docs/benchmarks.md).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from app.accel.activations import LINEAR, RELU, SIGMOID, TANH, activate
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


CHUNK = 512  # grid cells taken through every layer at once: their values stay in cache


@fused
def dense_chunk(
    p: Floats, layer: Ints, src: Floats, s_at: int, s_stride: int,
    dst: Floats, d_at: int, d_stride: int, n: int, last: bool, binary: bool,
) -> None:  # fmt: skip
    """One Dense layer and its activation on n cells, rows of flat arrays: dst's row j (from
    d_at + j d_stride) = f(b_j + sum_i W[i, j] src's row i (from s_at + i s_stride)); a hidden
    layer's row of ones after its rows. The last layer's outputs stay logits, or with binary
    become probabilities. tanh, sigmoid (through tanh) and ReLU vectorize; other activations
    go through the training kernel's float64 formula, one value at a time."""
    wo, d_in, d_out, act, ao = layer[0], layer[1], layer[2], layer[4], layer[5]
    for j in range(d_out):
        o = d_at + j * d_stride
        row = dst[o : o + n]  # 1-D contiguous slices: the loops below vectorize
        row[:] = p[wo + d_in * d_out + j]  # b_j
        i = 0
        while i + 4 <= d_in:  # four input rows a pass: the row is loaded and stored less often
            q, s0 = wo + i * d_out + j, s_at + i * s_stride
            w0, w1, w2, w3 = p[q], p[q + d_out], p[q + 2 * d_out], p[q + 3 * d_out]
            a0, a1 = src[s0 : s0 + n], src[s0 + s_stride : s0 + s_stride + n]
            a2 = src[s0 + 2 * s_stride : s0 + 2 * s_stride + n]
            a3 = src[s0 + 3 * s_stride : s0 + 3 * s_stride + n]
            for r in range(n):
                row[r] += (w0 * a0[r] + w1 * a1[r]) + (w2 * a2[r] + w3 * a3[r])
            i += 4
        while i < d_in:
            w0, s0 = p[wo + i * d_out + j], s_at + i * s_stride
            a0 = src[s0 : s0 + n]
            for r in range(n):
                row[r] += w0 * a0[r]
            i += 1
        if (last and binary) or (not last and act == SIGMOID):  # sigmoid(z) = (1 + tanh(z/2)) / 2
            for r in range(n):
                row[r] = _HALF32 + _HALF32 * tanh32(_HALF32 * row[r])
        elif last:
            pass
        elif act == TANH:
            for r in range(n):
                row[r] = tanh32(row[r])
        elif act == RELU:
            for r in range(n):
                row[r] = F32(0.0) if row[r] <= 0 else row[r]  # NaN stays NaN
        elif act != LINEAR:
            slope = float(p[ao + j]) if ao >= 0 else 0.0
            for r in range(n):
                row[r] = F32(activate(act, float(row[r]), slope))
    if not last:
        o = d_at + d_out * d_stride
        dst[o : o + n] = 1.0


@compiled
def picture_forward(
    p: Floats, layers: Ints, x: Floats, work: Floats, binary: bool, keep: bool
) -> None:  # fmt: skip
    """The network on the columns of x (features + 1, cells; the last row ones), in float32,
    CHUNK cells at a time through every layer. The outputs (k, cells), as probabilities when
    binary, else as logits, end work. With keep, work first holds each hidden layer's [a; 1]
    (d_out + 1, cells) in turn; without, the hidden values pass through two chunk-sized
    blocks at its start (2 * (widest + 1) * CHUNK floats). P and layers as for training."""
    cells, n_layers = x.shape[1], layers.shape[0]
    width, kept = 1, 0
    for h in range(n_layers - 1):
        width, kept = max(width, layers[h, 2] + 1), kept + (layers[h, 2] + 1) * cells
    out_at = kept if keep else 2 * width * CHUNK
    flat = x.reshape(-1)
    for c0 in range(0, cells, CHUNK):
        n = min(CHUNK, cells - c0)
        src, s_at, s_stride = flat, c0, cells
        at = 0
        for h in range(n_layers - 1):
            if keep:  # in place for good: (d_out + 1, cells)
                d_at, d_stride = at + c0, cells
                at += (layers[h, 2] + 1) * cells
            else:  # the chunk's block, the two used in turn
                d_at, d_stride = (h % 2) * width * CHUNK, CHUNK
            dense_chunk(p, layers[h], src, s_at, s_stride, work, d_at, d_stride, n, False, False)
            src, s_at, s_stride = work, d_at, d_stride
        last = layers[n_layers - 1]
        dense_chunk(p, last, src, s_at, s_stride, work, out_at + c0, cells, n, True, binary)


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
        predictions, each (units, cells) float32; without `hidden`, only the predictions. They
        are views of a scratch buffer: use them before the next call on this thread."""
        cells = x.shape[1]
        widths = self.layers[:-1, 2] + 1  # each hidden layer's [a; 1]
        before = int(widths.sum()) * cells if hidden else 2 * int(widths.max(initial=1)) * CHUNK
        # The output pass and the neuron maps' pass never share a buffer (both grids alive).
        kind = "pictures/hidden" if hidden else "pictures/output"
        work = scratch(kind, before + self.outputs * cells, np.float32)
        p = np.concatenate(net.parameters(), axis=None).astype(np.float32)  # P's layout
        picture_forward(p, self.layers, x, work, self.task == "binary", hidden)
        outs, at = [], 0
        for units in widths if hidden else ():
            outs.append(work[at : at + (units - 1) * cells].reshape(units - 1, cells))
            at += units * cells
        z = work[before:].reshape(self.outputs, cells)
        if self.task == "multiclass":  # softmax through NumPy (exp vectorizes there)
            z = np.asarray(TASKS[self.task].link(z.T.astype(np.float64)), dtype=np.float32).T
        outs.append(z)
        return outs


def warm_up() -> None:
    """Compile (or load from the cache) the pictures' pass and the quantizer."""
    net = MLP(2, [(2, "tanh")], 1, seed=0)
    PicturePass(net).columns(net, np.ones((3, 2), dtype=np.float32))
    PicturePass(net).columns(net, np.ones((3, 2), dtype=np.float32), hidden=False)
    grid = np.zeros((1, 2), dtype=np.float32)
    quantize_rows(grid, np.zeros(1), np.ones(1), np.empty((1, 2), dtype=np.uint8))
