"""The websocket protocol: typed messages both ways, PROTOCOL_VERSION and the binary frame layout.

Text messages are JSON objects discriminated by `type`. A frame is one binary message:
a fixed 12-byte prefix, a JSON header, then the grids and weight blocks the header describes
(see docs/protocol.md for the byte layout).
"""

from __future__ import annotations

import json
import struct
import zlib
from typing import Annotated, Any, Literal, Optional

import numpy as np
import orjson
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, create_model, model_validator

from app import deflate
from app.nn import jit, kernels

PROTOCOL_VERSION = 2  # 2: u8z grids filtered along both axes
FRAME_MAGIC = b"MLPF"

# One source of truth for the names the page may offer; tests check they match the registries.
Task = Literal["binary", "multiclass", "regression"]
ActivationName = Literal[
    "linear", "sigmoid", "tanh", "softsign", "step", "softplus",
    "relu", "leaky_relu", "prelu", "elu", "gelu", "silu",
]  # fmt: skip
DatasetName = Literal[
    "circle", "xor", "gauss", "spiral", "moons", "checkerboard",
    "blobs", "spiral_k", "rings",
    "plane", "multi_gauss", "sine", "abs", "step", "cubic",
    "custom",
]  # fmt: skip
FeatureName = Literal[
    "x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)", "cos(x1)", "cos(x2)"
]
RegressionLoss = Literal["mse", "mae", "huber"]
OptimizerName = Literal["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"]
Regularization = Literal["none", "l1", "l2"]
# The config fields each optimizer reads; the rest ignore them.
OPTIMIZER_FIELDS: dict[str, tuple[str, ...]] = {
    "sgd": (), "momentum": ("momentum",), "nesterov": ("momentum",),
    "adagrad": (), "rmsprop": ("rho",), "adam": ("beta1", "beta2"),
}  # fmt: skip
InitName = Literal["glorot", "uniform"]

MAX_LAYERS = 8
MAX_UNITS = 16
MAX_POINTS = 5000
MAX_CLASSES = 6
MAX_SEED = 2**31 - 1
LEARNING_RATES = [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0]
REGULARIZATION_RATES = [0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0]

Finite = Field(allow_inf_nan=False)
Seed = Annotated[int, Field(ge=0, le=MAX_SEED)]


class Strict(BaseModel):
    """Base for every message: unknown fields and NaN/inf are rejected."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class LayerSpec(Strict):
    """One hidden layer: Dense(units) + activation (+ Dropout(rate) when rate > 0)."""

    units: Annotated[int, Field(ge=1, le=MAX_UNITS)] = 4
    activation: ActivationName = "tanh"
    dropout: Annotated[float, Field(ge=0.0, le=0.9)] = 0.0


def _default_layers() -> list[LayerSpec]:
    return [LayerSpec(units=4), LayerSpec(units=2)]


class Config(Strict):
    """Everything a session's training depends on; the page keeps a copy in its URL."""

    # data
    task: Task = "binary"
    dataset: DatasetName = "circle"
    n_points: Annotated[int, Field(ge=10, le=MAX_POINTS)] = 500
    noise: Annotated[float, Field(ge=0.0, le=0.5)] = 0.0
    train_share: Annotated[float, Field(ge=0.1, le=0.9)] = 0.5
    classes: Annotated[int, Field(ge=2, le=MAX_CLASSES)] = 3
    data_seed: Seed = 0
    features: list[FeatureName] = Field(default_factory=lambda: ["x1", "x2"], min_length=1)  # type: ignore[arg-type]
    # network
    layers: list[LayerSpec] = Field(default_factory=_default_layers, max_length=MAX_LAYERS)
    loss: RegressionLoss = "mse"
    init: InitName = "uniform"  # the classic playground's: it trains its datasets best
    seed: Seed = 0
    # training
    optimizer: OptimizerName = "sgd"
    learning_rate: Annotated[float, Field(gt=0.0, le=10.0)] = 0.03
    momentum: Annotated[float, Field(ge=0.0, lt=1.0)] = 0.9
    beta1: Annotated[float, Field(ge=0.0, lt=1.0)] = 0.9
    beta2: Annotated[float, Field(ge=0.0, lt=1.0)] = 0.999
    rho: Annotated[float, Field(ge=0.0, lt=1.0)] = 0.99
    regularization: Regularization = "none"
    regularization_rate: Annotated[float, Field(ge=0.0, le=10.0)] = 0.0
    batch_size: Annotated[int, Field(ge=1, le=MAX_POINTS)] = 10
    speed: Annotated[float, Field(ge=0.0, le=10000.0)] = 30.0  # epochs per second; 0 = max
    # streaming
    grid: Annotated[int, Field(ge=10, le=200)] = 100
    neuron_grid: Annotated[int, Field(ge=4, le=40)] = 10  # 100 bytes a map
    frame_rate: Annotated[float, Field(ge=1.0, le=60.0)] = 30.0

    @model_validator(mode="after")
    def _unique_features(self) -> Config:
        if len(set(self.features)) != len(self.features):
            raise ValueError(f"features must not repeat, received {self.features}")
        return self


CONFIG_FIELDS = tuple(Config.model_fields)


def _optional_fields() -> dict[str, Any]:
    """Config's fields, each with its constraints kept but optional (default None)."""
    fields: dict[str, Any] = {}
    for name, info in Config.model_fields.items():
        annotation = (
            Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation
        )
        fields[name] = (Optional[annotation], None)  # noqa: UP045 - a runtime-built type
    return fields


ConfigPatch = create_model("ConfigPatch", __base__=Strict, **_optional_fields())


class Configure(Strict):
    """Change any subset of the settings, live: {"type": "configure", "config": {...}}."""

    type: Literal["configure"]
    config: ConfigPatch  # type: ignore[valid-type]

    def patch(self, current: Config) -> Config:
        """The current config with this message's fields applied, fully validated."""
        changes = self.config.model_dump(exclude_unset=True)  # type: ignore[attr-defined]
        return Config.model_validate(current.model_dump() | changes)


class Hello(Strict):
    """Optional first client message: the protocol version the page speaks, and whether it
    can inflate compressed grids ("u8z" blocks)."""

    type: Literal["hello"]
    version: int
    compress: bool = False


class Ack(Strict):
    """The client has received frame `seq`; once a client acks, at most 2 frames are in flight."""

    type: Literal["ack"]
    seq: Annotated[int, Field(ge=0)]


class Play(Strict):
    type: Literal["play"]


class Pause(Strict):
    type: Literal["pause"]


class Step(Strict):
    """Train exactly `epochs` epochs, then pause."""

    type: Literal["step"]
    epochs: Annotated[int, Field(ge=1, le=1000)] = 1


class Reset(Strict):
    """New initial weights (from `seed` if given), epoch 0, optimizer state cleared."""

    type: Literal["reset"]
    seed: Seed | None = None


class Regenerate(Strict):
    """New data from the same generator (from `seed` if given, else a fresh random seed)."""

    type: Literal["regenerate"]
    seed: Seed | None = None


Weight = Annotated[float, Field(ge=-100.0, le=100.0)]
Index = Annotated[int, Field(ge=0, le=64)]


class SetWeight(Strict):
    """Set one weight of Dense layer `layer` (0 = the first): from neuron `source` to `target`."""

    type: Literal["set_weight"]
    layer: Index
    source: Index
    target: Index
    value: Weight


class SetBias(Strict):
    """Set the bias of neuron `neuron` in Dense layer `layer` (the last one is the output)."""

    type: Literal["set_bias"]
    layer: Index
    neuron: Index
    value: Weight


Coordinate = Annotated[float, Field(ge=-6.0, le=6.0)]
Point = tuple[Coordinate, Coordinate, Annotated[float, Field(ge=-1e6, le=1e6)]]


class AddPoints(Strict):
    """Add user points (x1, x2, label or value) to the custom dataset."""

    type: Literal["add_points"]
    points: list[Point] = Field(min_length=1, max_length=MAX_POINTS)


class RemovePoints(Strict):
    """Remove the custom points within `radius` of (x1, x2)."""

    type: Literal["remove_points"]
    x1: Coordinate
    x2: Coordinate
    radius: Annotated[float, Field(gt=0.0, le=12.0)] = 0.3


class ClearPoints(Strict):
    type: Literal["clear_points"]


class LoadCsv(Strict):
    """Replace the custom dataset with CSV text: x1, x2, label rows."""

    type: Literal["load_csv"]
    text: str = Field(max_length=400_000)


ClientMessage = Annotated[
    Hello | Ack | Configure | Play | Pause | Step | Reset | Regenerate
    | SetWeight | SetBias | AddPoints | RemovePoints | ClearPoints | LoadCsv,
    Field(discriminator="type"),
]  # fmt: skip
CLIENT_MESSAGE: TypeAdapter[Any] = TypeAdapter(ClientMessage)


# ---- server -> client (text) ----


class ServerHello(Strict):
    """First message of every connection."""

    type: Literal["hello"] = "hello"
    version: int = PROTOCOL_VERSION
    session: str
    config: Config


Rebuilt = Literal["data", "network", "optimizer"]
StatusReason = Literal["play", "pause", "step", "reset", "diverged", "rebuilt", "idle"]


class ConfigMessage(Strict):
    """The whole config after a change, and what had to be rebuilt for it."""

    type: Literal["config"] = "config"
    config: Config
    rebuilt: list[Rebuilt] = Field(default_factory=list)
    message: str = ""


class DataMessage(Strict):
    """The current data: points as [x1, x2, label-or-value] rows."""

    type: Literal["data"] = "data"
    revision: int
    task: Task
    dataset: DatasetName
    classes: int
    one_d: bool
    domain: tuple[float, float]
    train: list[tuple[float, float, float]]
    test: list[tuple[float, float, float]]


class Status(Strict):
    """Running state changes: play, pause, step finished, reset, diverged."""

    type: Literal["status"] = "status"
    running: bool
    epoch: int
    reason: StatusReason
    message: str = ""


ErrorCode = Literal[
    "bad_json", "bad_message", "too_large", "rate_limited", "bad_data", "diverged",
    "version", "server_busy", "internal",
]  # fmt: skip


class ErrorMessage(Strict):
    """A readable refusal; the connection stays open unless the code says otherwise."""

    type: Literal["error"] = "error"
    code: ErrorCode
    message: str
    field: str | None = None


# ---- server -> client (binary frame) ----


class Block(Strict):
    """One array in a frame: uint8 cells over [lo, hi] per channel (u8z: row-delta filtered
    and zlib-compressed, `length` bytes), or raw float32."""

    name: str
    dtype: Literal["u8", "u8z", "f32"]
    shape: list[int]
    offset: int  # bytes from the start of the message, a multiple of 4
    length: int | None = None  # u8z only: the compressed size
    lo: list[float] | None = None  # per channel (the first axis), u8 only
    hi: list[float] | None = None


class FrameHeader(Strict):
    """The JSON part of a frame: training stats, the network's structure, the block table."""

    type: Literal["frame"] = "frame"
    seq: int
    epoch: int
    running: bool
    train_loss: float | None
    test_loss: float | None
    train_accuracy: float | None = None
    test_accuracy: float | None = None
    epochs_per_second: float = 0.0
    sizes: list[int]  # [inputs, hidden..., outputs]
    activations: list[str]  # one per hidden layer
    dropout: list[float]  # one per hidden layer
    features: list[str]
    task: Task
    domain: tuple[float, float]
    blocks: list[Block]


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
    if flat.dtype == np.float32 and flat.flags.c_contiguous and jit.ready():
        packed = np.empty(flat.shape, dtype=np.uint8)
        kernels.quantize_rows(flat, lo, hi, packed)  # the same bytes, in one compiled call
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
    # orjson: about 2 us for a small network's header where json.dumps took 22 (numpy scalars
    # as numbers, non-finite ones as null).
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
    """u8 cells (c, R, R) -> the differences to the left neighbour along each row (the first
    cell kept), then of those the differences to the row above (the first row kept), mod 256;
    then a zlib stream. Smooth maps leave mostly zeros (a linear ramp leaves only zeros), so a
    10 kB decision map packs to 1-4 kB. Once compiled, app.deflate does it all in one call
    (about 0.035 ms); until then zlib's run-length strategy, as small and slower."""
    if jit.ready():
        return deflate.deflate(grid)
    packer = zlib.compressobj(1, zlib.DEFLATED, 15, 8, zlib.Z_RLE)
    return packer.compress(filter_grid(grid).tobytes()) + packer.flush()


def filter_grid(grid: U8Grid) -> U8Grid:
    """u8z's two filters in NumPy: left differences along each row, then of those the
    differences down each column, mod 256 (app.deflate does the same, compiled)."""
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
