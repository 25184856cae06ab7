"""The binary frame: a fixed 12-byte prefix, a JSON header, then the grids and weight blocks
the header describes (docs/protocol.md has the byte layout)."""

from __future__ import annotations

import json
import struct
import zlib
from typing import Any

import numpy as np
import orjson
from numpy.typing import NDArray
from zlib_ng import zlib_ng

from app import accel
from app.protocol import PROTOCOL_VERSION

FRAME_MAGIC = b"MLPF"

U8Grid = NDArray[np.uint8]
F32 = NDArray[np.float32]


def _round_range(lo: NDArray[Any], hi: NDArray[Any]) -> tuple[NDArray[Any], NDArray[Any]]:
    """Widen [lo, hi] to about 5 significant digits of its span, so the header stays short."""
    span = np.maximum(hi - lo, 1e-12)
    digits = np.minimum(np.maximum(4 - np.floor(np.log10(span)), -6), 12)  # np.clip costs more
    scale = 10.0**digits  # (c,)
    return np.floor(lo * scale) / scale, np.ceil(hi * scale) / scale


def quantize(values: NDArray[Any]) -> tuple[U8Grid, list[float], list[float]]:
    """Map (c, ...) float values to uint8 per channel: v -> round((v - lo) / (hi - lo) * 255)."""
    flat = values.reshape(values.shape[0], -1)  # (c, cells)
    # In float64: float32 would round the widened range off its few digits (longer headers).
    lo, hi = flat.min(axis=1).astype(np.float64), flat.max(axis=1).astype(np.float64)
    if flat.dtype == np.float32 and flat.flags.c_contiguous and accel.ready():
        packed = np.empty(flat.shape, dtype=np.uint8)
        accel.quantize_rows(flat, lo, hi, packed)  # the same bytes, in one compiled call
        return packed.reshape(values.shape), lo.tolist(), hi.tolist()
    lo, hi = _round_range(lo, hi)
    span = np.where(hi > lo, hi - lo, 1.0)
    cells = (flat - lo[:, None].astype(flat.dtype)) * (255.0 / span)[:, None].astype(flat.dtype)
    cells += 0.5
    np.maximum(cells, 0, out=cells)  # float32 rounding of lo and hi can step just outside
    np.minimum(cells, 255, out=cells)
    return cells.astype(np.uint8).reshape(values.shape), lo.tolist(), hi.tolist()


_OFFSET_WIDTH = 10  # digits kept for each offset in the header: up to ~9.3 GB


def encode_frame(
    header: dict[str, Any],
    arrays: list[tuple[str, NDArray[Any], bool]],
    compress: frozenset[str] = frozenset(),
) -> bytes:
    """Build one binary frame; arrays are (name, values, quantized) with channels first.

    Arrays to quantize that share a cell shape are quantized together in one pass; the
    quantized ones named in `compress` travel as u8z (see deflate_grid).
    """
    quantized = _quantize_groups([values for _, values, as_u8 in arrays if as_u8])
    blocks: list[dict[str, Any]] = []
    payloads: list[bytes] = []
    for index, (name, values, as_u8) in enumerate(arrays):
        sentinel = 10 ** (_OFFSET_WIDTH - 1) + index  # replaced by the real offset below
        if as_u8 and name in compress:
            grid, lo, hi = quantized.pop(0)
            packed = deflate_grid(grid)
            blocks.append({"name": name, "dtype": "u8z", "shape": list(values.shape),
                           "offset": sentinel, "length": len(packed), "lo": lo, "hi": hi})  # fmt: skip
            payloads.append(packed)
        elif as_u8:
            grid, lo, hi = quantized.pop(0)
            blocks.append({"name": name, "dtype": "u8", "shape": list(values.shape),
                           "offset": sentinel, "lo": lo, "hi": hi})  # fmt: skip
            payloads.append(grid.tobytes())
        else:
            blocks.append({"name": name, "dtype": "f32", "shape": list(values.shape),
                           "offset": sentinel})  # fmt: skip
            payloads.append(np.ascontiguousarray(values, dtype="<f4").tobytes())
    # orjson: a tenth of json.dumps's time for a header (numpy scalars as numbers, non-finite
    # ones as null).
    text = orjson.dumps({**header, "blocks": blocks}, option=orjson.OPT_SERIALIZE_NUMPY)
    # Each sentinel becomes its offset, padded to the same width: the header's length, and so
    # every offset, stays as computed. Only blocks have an "offset" key, in payload order.
    pieces = text.split(b'"offset":')
    offset = _pad4(12 + len(text))
    for index, payload in enumerate(payloads, start=1):
        pieces[index] = b"%-*d" % (_OFFSET_WIDTH, offset) + pieces[index][_OFFSET_WIDTH:]
        offset += _pad4(len(payload))
    encoded = b'"offset":'.join(pieces)
    encoded += b" " * (_pad4(12 + len(encoded)) - 12 - len(encoded))
    parts = [FRAME_MAGIC, struct.pack("<HHI", PROTOCOL_VERSION, 0, len(encoded)), encoded]
    for payload in payloads:
        parts.append(payload)
        parts.append(b"\0" * (_pad4(len(payload)) - len(payload)))
    return b"".join(parts)


def deflate_grid(grid: U8Grid) -> bytes:
    """u8 cells (c, R, R) -> the two filters (filter_grid), then a zlib stream. Smooth maps leave
    mostly zeros (a linear ramp leaves only zeros), so a 10 kB decision map packs to 1-4 kB.
    Runs of one byte are all deflate needs here (Z_RLE); zlib-ng writes them fastest."""
    packer = zlib_ng.compressobj(1, zlib_ng.DEFLATED, 15, 8, zlib_ng.Z_RLE)
    return packer.compress(filter_grid(grid)) + packer.flush()


def filter_grid(grid: U8Grid) -> U8Grid:
    """u8z's two filters: left differences along each row, then of those the differences down
    each column, mod 256."""
    rows = grid.copy()
    rows[..., 1:] -= grid[..., :-1]  # uint8 arithmetic wraps: mod 256
    both = rows.copy()
    both[..., 1:, :] -= rows[..., :-1, :]
    return both


def inflate_grid(packed: bytes, shape: list[int]) -> U8Grid:
    """Inverse of deflate_grid: running sums down each column, then along each row, mod 256."""
    both = np.frombuffer(zlib.decompress(packed), np.uint8).reshape(shape)
    return np.cumsum(np.cumsum(both, axis=-2, dtype=np.uint8), axis=-1, dtype=np.uint8)


def _quantize_groups(arrays: list[NDArray[Any]]) -> list[tuple[U8Grid, list[float], list[float]]]:
    """quantize() each array, in one pass per group of arrays with the same cell shape."""
    results: list[tuple[U8Grid, list[float], list[float]] | None] = [None] * len(arrays)
    groups: dict[tuple[int, ...], list[int]] = {}
    for index, values in enumerate(arrays):
        groups.setdefault(values.shape[1:], []).append(index)
    for members in groups.values():
        stacked = np.concatenate([arrays[i] for i in members])  # (sum of c, ...)
        grid, lo, hi = quantize(stacked)
        start = 0
        for i in members:
            stop = start + arrays[i].shape[0]
            results[i] = (grid[start:stop], lo[start:stop], hi[start:stop])
            start = stop
    return [result for result in results if result is not None]


def decode_frame(message: bytes) -> tuple[dict[str, Any], dict[str, NDArray[Any]]]:
    """Inverse of encode_frame (for tests and tools): header and float arrays by name."""
    if message[:4] != FRAME_MAGIC:
        raise ValueError(f"not a frame: magic {message[:4]!r}")
    version, _, length = struct.unpack_from("<HHI", message, 4)
    if version != PROTOCOL_VERSION:
        raise ValueError(f"frame version {version}, expected {PROTOCOL_VERSION}")
    header = json.loads(message[12 : 12 + length])
    arrays: dict[str, NDArray[Any]] = {}
    for block in header["blocks"]:
        count = int(np.prod(block["shape"]))
        if block["dtype"] in ("u8", "u8z"):
            if block["dtype"] == "u8z":
                start = block["offset"]
                raw = inflate_grid(message[start : start + block["length"]], block["shape"])
            else:
                raw = np.frombuffer(message, np.uint8, count, block["offset"])
                raw = raw.reshape(block["shape"])
            lo = np.asarray(block["lo"]).reshape((-1,) + (1,) * (raw.ndim - 1))
            hi = np.asarray(block["hi"]).reshape((-1,) + (1,) * (raw.ndim - 1))
            arrays[block["name"]] = lo + raw / 255.0 * (hi - lo)
        else:
            raw32 = np.frombuffer(message, "<f4", count, block["offset"])
            arrays[block["name"]] = raw32.reshape(block["shape"]).astype(np.float64)
    return header, arrays


def _pad4(n: int) -> int:
    return (n + 3) // 4 * 4
