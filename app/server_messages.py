"""The server's messages: text replies (config, data, status, export, history, error) and the
JSON header of a binary frame. app/protocol.py re-exports them beside the client's messages."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from app.datasets import Task
from app.rooms.errors import RoomErrorCode
from app.session_config import Config, DatasetName, Rebuilt, Strict

MAX_TARGETS = 3  # the most values a multi-output regression point has


# ---- server -> client (text) ----


StatusReason = Literal[
    "play", "pause", "step", "reset", "diverged", "rebuilt", "idle", "restored",
    "stopped", "branched",
]  # fmt: skip


class ConfigMessage(Strict):
    """The whole config after a change, and what had to be rebuilt for it."""

    type: Literal["config"] = "config"
    config: Config
    rebuilt: list[Rebuilt] = Field(default_factory=list)
    message: str = ""


DataRow = Annotated[list[float], Field(min_length=3, max_length=2 + MAX_TARGETS)]


class DataMessage(Strict):
    """The current data: points as [x1, x2, label-or-value] rows."""

    type: Literal["data"] = "data"
    revision: int
    task: Task
    dataset: DatasetName
    classes: int
    one_d: bool
    domain: tuple[float, float]
    targets: int = 1  # values per point: 1, or a multi-output regression set's outputs
    train: list[DataRow]  # [x1, x2, label] or [x1, x2, y1, ..., yk]
    test: list[DataRow]


class Change(Strict):
    """An edit: a config field (or a layer's activation / units / dropout), before and after."""

    field: str
    layer: int | None = None
    before: str | None = None
    after: str | None = None


class Divergence(Strict):
    """Why a run paused itself: the loss at `epoch` (None: non-finite) against the best one,
    whose weights were restored, and the likely cause: the last edit, or the learning rate."""

    epoch: int
    loss: float | None
    best_epoch: int | None
    best_loss: float | None
    cause: Literal["edit", "learning_rate"]
    change: Change | None
    learning_rate: float
    suggested_learning_rate: float | None


class Stopped(Strict):
    """Which stop condition paused the run: the epoch reached, or the test loss (`value`)
    fallen below the bound (`below`)."""

    kind: Literal["epoch", "test_loss"]
    value: float
    below: float | None = None


class Status(Strict):
    """Running state changes: play, pause, step finished, reset, diverged (with `divergence`),
    a stop condition met (with `stopped`), a branch from a past epoch."""

    type: Literal["status"] = "status"
    running: bool
    epoch: int
    reason: StatusReason
    message: str = ""
    divergence: Divergence | None = None
    stopped: Stopped | None = None


class ExportMessage(Strict):
    """A file to download: its name, type and text; the NumPy script and notebook replay the
    epochs from `start_epoch` to `epoch`."""

    type: Literal["export"] = "export"
    format: str
    filename: str
    media_type: str
    text: str
    start_epoch: int
    epoch: int


class Marker(Strict):
    """An event on the run's time line: a divergence (the weights of `restored` put back) or
    a branch (the run went back to `epoch`, from `left`)."""

    kind: Literal["diverged", "branch"]
    epoch: int
    restored: int | None = None
    left: int | None = None


class HistoryMessage(Strict):
    """The epochs the scrubber can show (kept snapshots, thinning out as the run grows), the
    one shown (null: the present), the run's epoch now, and its markers."""

    type: Literal["history"] = "history"
    epochs: list[int]
    viewing: int | None
    epoch: int
    markers: list[Marker]
    limit: int  # snapshots kept at most (Settings.history_snapshots)


SessionErrorCode = Literal[
    "bad_json", "bad_message", "too_large", "rate_limited", "bad_data", "no_data", "too_costly",
    "diverged", "version", "server_busy", "internal", "no_snapshot",
]  # fmt: skip
# A room member's own refusals: a locked control, a session command while following the
# teacher, a room command outside a room; then the room service's (app/rooms/errors.py).
MemberErrorCode = Literal["locked", "following", "no_room"]
ErrorCode = Literal[SessionErrorCode, MemberErrorCode, RoomErrorCode]


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


class Metrics(Strict):
    """Beside the loss, on the test split (the training split when there is none):
    classification's confusion matrix (rows: the true class, columns: the predicted one),
    regression's R² and RMSE."""

    split: Literal["test", "train"]
    confusion: list[list[int]] | None = None
    r2: float | None = None
    rmse: float | None = None


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
    views: dict[str, Any] | None = None  # the views the page asked for (the `views` message)
    metrics: Metrics | None = None
    live_epoch: int | None = None  # set while a past epoch is shown: the run's epoch now
