"""The websocket protocol: typed messages both ways and PROTOCOL_VERSION.

Text messages are JSON objects discriminated by `type`. A frame is one binary message whose
JSON header FrameHeader describes (app/frames.py writes it; docs/protocol.md has the layout).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal, Optional, TypeAlias, get_args

from pydantic import Field, TypeAdapter, ValidationError, create_model

from app.lessons import LESSONS
from app.room_messages import RoomCommand
from app.server_messages import (
    MAX_TARGETS,
    Block,
    Change,
    ConfigMessage,
    DataMessage,
    DataRow,
    Divergence,
    ErrorCode,
    ErrorMessage,
    ExportMessage,
    FrameHeader,
    HistoryMessage,
    Marker,
    MemberErrorCode,
    Metrics,
    SessionErrorCode,
    Status,
    StatusReason,
    Stopped,
)
from app.session_config import (
    MAX_LAYERS,
    MAX_POINTS,
    MAX_UNITS,
    Config,
    Rebuilt,
    Seed,
    Strict,
)

__all__ = [  # the client's messages, and the server's (app/server_messages.py)
    "CLIENT_MESSAGE",
    "MAX_TARGETS",
    "PROTOCOL_VERSION",
    "Ack",
    "AddPoints",
    "AnyWeight",
    "Block",
    "Branch",
    "Change",
    "ClearPoints",
    "ClientMessage",
    "ConfigMessage",
    "ConfigPatch",
    "Configure",
    "Coordinate",
    "DataMessage",
    "DataRow",
    "DenseWeights",
    "Divergence",
    "ErrorCode",
    "ErrorMessage",
    "Export",
    "ExportMessage",
    "FrameHeader",
    "Hello",
    "HistoryMessage",
    "Index",
    "LoadCsv",
    "Marker",
    "MemberErrorCode",
    "Metrics",
    "Pause",
    "Play",
    "Point",
    "Rebuilt",
    "Regenerate",
    "RemovePoints",
    "Reset",
    "Row",
    "SessionErrorCode",
    "SetBias",
    "SetWeight",
    "SetWeights",
    "Status",
    "StatusReason",
    "Step",
    "StopAt",
    "Stopped",
    "Travel",
    "ViewName",
    "Views",
    "Weight",
    "cut",
    "describe_validation_error",
    "parse_client_message",
]

PROTOCOL_VERSION = 2  # 2: u8z grids filtered along both axes


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

    def changes(self) -> dict[str, Any]:
        """The fields this message sets."""
        return self.config.model_dump(exclude_unset=True)  # type: ignore[attr-defined, no-any-return]

    def patch(self, current: Config, implied: dict[str, Any] | None = None) -> Config:
        """The current config with this message's fields (and what they imply) applied, fully
        validated."""
        return Config.model_validate(current.model_dump() | self.changes() | (implied or {}))


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


AnyWeight = Annotated[float, Field(ge=-1e6, le=1e6)]  # what training may reach, finite
Row = Annotated[list[AnyWeight], Field(max_length=MAX_UNITS)]


class DenseWeights(Strict):
    """One Dense layer's weights w (d_in rows of d_out) and biases b (d_out), and, for a
    hidden PReLU layer, its learned slopes (one per neuron)."""

    w: list[Row] = Field(max_length=MAX_UNITS)
    b: Row
    slopes: Row | None = None


class SetWeights(Strict):
    """Replace every weight at once, shapes checked against the network: a page restores its
    network after a reconnect (with the epoch it had reached), or a user loads a weights file."""

    type: Literal["set_weights"]
    layers: list[DenseWeights] = Field(min_length=1, max_length=MAX_LAYERS + 1)
    epoch: Annotated[int, Field(ge=0, le=10**12)] | None = None


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


ViewName = Literal["gradients", "units", "linear", "dropout", "point"]  # app/views.py's VIEWS
if TYPE_CHECKING:
    LessonName: TypeAlias = str
else:
    LessonName = Literal[tuple(LESSONS)]


class Views(Strict):
    """Which optional views the page shows (docs/protocol.md, "Views"): frames carry their
    figures in the header's `views` until the next `views` message; with `lesson` and `step`,
    that step's live check too; `point` is the spot the point view inspects."""

    type: Literal["views"]
    views: list[ViewName] = Field(default_factory=list, max_length=len(get_args(ViewName)))
    lesson: LessonName | None = None
    step: Annotated[int, Field(ge=0, le=20)] | None = None
    point: tuple[Coordinate, Coordinate] | None = None


class Export(Strict):
    """Ask for the run as a file: the NumPy script that replays it, a notebook, PyTorch or
    Keras code, or the weights as JSON (answered with `export`)."""

    type: Literal["export"]
    format: Literal["numpy", "notebook", "pytorch", "keras", "weights"]


class Travel(Strict):
    """Show the run as it was at `epoch` (the nearest kept snapshot at or before it), paused;
    `epoch` null goes back to the present. Answered with `history` and a frame."""

    type: Literal["travel"]
    epoch: Annotated[int, Field(ge=0, le=10**12)] | None


class Branch(Strict):
    """Continue from the epoch being shown: the run goes back to it (a branch)."""

    type: Literal["branch"]


class StopAt(Strict):
    """Pause by itself at `epoch`, or once the test loss falls below `test_loss_below`
    (null: no such condition); the status says which."""

    type: Literal["stop_at"]
    epoch: Annotated[int, Field(ge=1, le=10**12)] | None = None
    test_loss_below: Annotated[float, Field(gt=0.0, le=1e6)] | None = None


ClientMessage = Annotated[
    Hello | Ack | Configure | Play | Pause | Step | Reset | Regenerate
    | SetWeight | SetBias | SetWeights | AddPoints | RemovePoints | ClearPoints | LoadCsv | Views
    | Export | Travel | Branch | StopAt | RoomCommand,
    Field(discriminator="type"),
]  # fmt: skip
CLIENT_MESSAGE: TypeAdapter[Any] = TypeAdapter(ClientMessage)


def parse_client_message(text: str | bytes) -> Any:
    """One client message, parsed and validated in one pass with strict types: a JSON number
    where a number is documented, a boolean where a boolean is ("5" and true are not 5).
    Raises ValidationError; malformed JSON (or nesting past the parser's limit) is the error
    type "json_invalid"."""
    return CLIENT_MESSAGE.validate_json(text, strict=True)


def cut(text: str, limit: int) -> str:
    """`text`, or its first `limit` characters and an ellipsis: a reply never echoes a client's
    input at full size."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def describe_validation_error(
    error: ValidationError, strip_tag: bool = False
) -> tuple[str, str | None]:
    """One readable line per problem (at most three), naming the field and what was received,
    each part cut short.

    `strip_tag` drops the union tag (the message `type`) that leads each error location.
    """
    lines, first_field = [], None
    for problem in error.errors()[:3]:
        parts = problem["loc"][1:] if strip_tag else problem["loc"]
        location = cut(".".join(str(part) for part in parts), 60)
        first_field = first_field or location or None
        received = problem.get("input")
        shown = repr(received) if not isinstance(received, dict | list) else type(received).__name__
        lines.append(
            f"{location or 'message'}: {cut(problem['msg'], 100)} (received {cut(shown, 60)})"
        )
    return "; ".join(lines), first_field
