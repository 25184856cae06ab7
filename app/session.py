"""Session: one user's training, apart from any connection; commands in, messages and frames out.

The interface a connection (or a room) drives, one call at a time, on any one thread at a time,
so the trainer needs no lock:
- `queue(command)`: a validated command, or a `RawMessage` too large to validate on the
  event loop; `has_commands()`, `is_running()`, `owes_frame()`, `frame_interval(...)`.
- `run_slice(share, want_frame) -> Outbox`: light commands, then training, then a frame if
  due, in about `share` seconds of CPU. It stops at a message too large to validate on the
  event loop (`Outbox.heavy`): the caller runs app/heavy.py's `prepare(*heavy_job())` elsewhere
  and hands the result back with `prepared(result)` before the next slice.
"""

from __future__ import annotations

import collections
import os
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from pydantic import ValidationError

from app import (
    custom_data,
    datasets,
    lessons,
    run_commands,
    session_configure,
    session_frame,
    session_points,
    session_room,
    session_training,
)
from app.config import Settings
from app.heavy import Prepared
from app.history import History, NoSnapshot
from app.pictures import Pictures
from app.protocol import (
    PROTOCOL_VERSION,
    Ack,
    AddPoints,
    Branch,
    ClearPoints,
    ConfigMessage,
    Configure,
    DenseWeights,
    Divergence,
    ErrorMessage,
    Export,
    Hello,
    LoadCsv,
    Pause,
    Play,
    Regenerate,
    RemovePoints,
    Reset,
    SetBias,
    SetWeight,
    SetWeights,
    Status,
    StatusReason,
    Step,
    StopAt,
    Stopped,
    Travel,
    Views,
    describe_validation_error,
)
from app.session_config import (
    MAX_SEED,
    Config,
    Rebuilt,
)
from app.stop_conditions import StopConditions
from app.trainer import NoData, Trainer

Array = NDArray[np.float64]


SECONDS_PER_ROW = 20e-6  # a heavy command's CPU per data row, an upper estimate (benchmarks)


@dataclass
class RawMessage:
    """A client message too large to validate on the event loop: validated in the heavy lane."""

    text: str


@dataclass
class Outbox:
    """What the session has to say: text messages in order, and the newest frame."""

    messages: list[dict[str, Any]] = field(default_factory=list)
    frame: bytes | None = None
    seq: int = 0  # the frame's sequence number
    heavy: bool = False  # stopped at a heavy command: run_heavy() next, off the event loop


def is_heavy(command: Any) -> bool:
    """A message too large to validate on the event loop (app/heavy.py does it, elsewhere).
    The rest, new data of 5000 points included, costs at most a few milliseconds."""
    return isinstance(command, RawMessage)


def _dense_arrays(index: int, layer: DenseWeights) -> tuple[Array, Array, Array | None]:
    """A set_weights layer as arrays; rows of unequal length are refused by name."""
    if len({len(row) for row in layer.w}) > 1:
        raise ValueError(f"layer {index + 1}: the rows of w differ in length")
    w = np.array(layer.w, dtype=np.float64).reshape(len(layer.w), -1 if layer.w else 0)
    slopes = None if layer.slopes is None else np.array(layer.slopes, dtype=np.float64)
    return w, np.array(layer.b, dtype=np.float64), slopes


class Session:
    """One user's playground: a Trainer plus the running state and the command queue."""

    def __init__(self, settings: Settings, config: Config | None = None) -> None:
        self.settings = settings
        self.id = secrets.token_hex(8)
        self.trainer = Trainer(config or Config())
        self.clock = time.thread_time  # budgets are CPU time, see run_slice
        self.trainer.clock = self.clock
        self.pictures = Pictures()
        self.running = False
        self.step_target: int | None = None  # epoch at which a `step` pauses
        self.commands: collections.deque[Any] = collections.deque()
        self.seq = 0
        self.dirty = True  # a frame is owed even while paused
        self.epochs_per_second = 0.0
        self.frame_seconds = 0.001  # running mean of the cost of one frame
        self.detailed: dict[str, Any] | None = None  # structure of the last frame with maps
        self.compress = False  # the client inflates u8z grids (it said so in its hello)
        self.owed_epochs = 0.0  # fractional epochs owed at the configured speed
        self._last_slice = time.perf_counter()
        self.speed_window: collections.deque[tuple[float, int]] = collections.deque(maxlen=30)
        self.views: tuple[str, ...] = ()  # the optional views the page shows (app/views.py)
        self.lesson_step: tuple[str, int] | None = None  # whose live check frames carry
        self.point: tuple[float, float] | None = None  # the point view's spot
        self.history = History(settings.history_snapshots, settings.history_bytes)
        self.stop = StopConditions()
        self.last_metrics: dict[str, Any] | None = None
        self.locked: frozenset[str] = frozenset()  # controls a room's teacher locked

    # ---- what the connection asks ----

    def queue(self, command: Any) -> None:
        """Queue a validated command (or a RawMessage) for the next slice."""
        self.commands.append(command)

    def queued(self) -> int:
        return len(self.commands)

    def heavy_job(self) -> tuple[str, datasets.Task, int]:
        """The heavy lane's arguments for the message at the head of the queue (app/heavy.py's
        prepare): its text, and the task and classes its points are checked for."""
        command = self.commands[0]
        assert isinstance(command, RawMessage)
        return (command.text, *session_points.label_rule(self.trainer))

    def heavy_cost(self) -> float:
        """Estimated CPU seconds of the heavy message at the head of the queue, from its size
        (about 16 bytes a point or CSV row)."""
        command = self.commands[0]
        size = len(command.text) if isinstance(command, RawMessage) else 0
        return 0.001 + size / 16 * SECONDS_PER_ROW

    def prepared(self, prepared: Prepared) -> None:
        """The heavy lane's result for the message at the head of the queue takes its place."""
        self.commands[0] = prepared

    def has_commands(self) -> bool:
        return bool(self.commands)

    def is_running(self) -> bool:
        return self.running

    def owes_frame(self) -> bool:
        """A paused session owes a frame for a change at once."""
        return self.dirty and not self.running

    def frame_interval(self, max_frame_rate: float) -> float:
        """Seconds between frames: the config's rate, capped by the server's."""
        return 1.0 / min(self.trainer.config.frame_rate, max_frame_rate)

    # ---- greeting ----

    def greeting(self) -> list[dict[str, Any]]:
        hello = {"type": "hello", "version": PROTOCOL_VERSION, "session": self.id}
        hello["worker"] = os.getpid()  # the process holding the session (rooms span several)
        hello["config"] = self.trainer.config.model_dump()
        return [hello, self._data_message()]

    def _data_message(self) -> dict[str, Any]:
        """DataMessage's fields (tested against the model), built without validating 5000
        points one by one."""
        return {"type": "data", **self.trainer.points()}

    def _status(
        self,
        reason: StatusReason,
        message: str = "",
        divergence: Divergence | None = None,
        stopped: Stopped | None = None,
    ) -> dict[str, Any]:
        return Status(
            running=self.running,
            epoch=self.trainer.epoch,
            reason=reason,
            message=message,
            divergence=divergence,
            stopped=stopped,
        ).model_dump()

    # ---- commands ----

    def handle(self, command: Any) -> list[dict[str, Any]]:
        """Apply one validated command; returns the replies. Never raises for bad input."""
        if not isinstance(command, (*run_commands.KEEPS_VIEW, session_room.Snapshot)):
            self.history.viewing = None  # any other command acts on the present
        try:
            session_room.check_locks(self, command)
            replies = self._dispatch(command)
        except session_room.Locked as error:
            reply = ErrorMessage(code="locked", message=str(error), field=error.field)
            replies = [reply.model_dump()]
        except NoSnapshot as error:
            replies = [ErrorMessage(code="no_snapshot", message=str(error)).model_dump()]
        except NoData as error:
            replies = [ErrorMessage(code="no_data", message=str(error)).model_dump()]
        except custom_data.DataError as error:
            replies = [ErrorMessage(code="bad_data", message=str(error)).model_dump()]
        except ValidationError as error:
            text, location = describe_validation_error(error)
            replies = [ErrorMessage(code="bad_message", message=text, field=location).model_dump()]
        except ValueError as error:
            replies = [ErrorMessage(code="bad_message", message=str(error)).model_dump()]
        self.dirty = True
        return replies

    def _dispatch(self, command: Any) -> list[dict[str, Any]]:
        trainer = self.trainer
        match command:
            case Hello(compress=compress):
                self.compress = compress
                return []
            case Configure():
                return session_configure.configure(self, command)
            case Play():
                trainer.require_data()
                self.running, self.step_target = True, None
                self.owed_epochs, self._last_slice = 0.0, time.perf_counter()
                return [self._status("play")]
            case Pause():
                self.running, self.step_target = False, None
                return [self._status("pause")]
            case Step(epochs=epochs):
                trainer.require_data()
                self.running, self.step_target = True, trainer.epoch + epochs
                return []
            case Reset(seed=seed):
                trainer.reset(seed)
                self.running, self.step_target = False, None
                return [self._config_message([]), self._status("reset")]
            case Regenerate(seed=seed):
                new_seed = (
                    seed if seed is not None else int(np.random.default_rng().integers(MAX_SEED))
                )
                return session_configure.configure_to(
                    self, trainer.config.model_copy(update={"data_seed": new_seed})
                )
            case SetWeight(layer=layer, source=source, target=target, value=value):
                trainer.set_weight(layer, source, target, value)
                return []
            case SetBias(layer=layer, neuron=neuron, value=value):
                trainer.set_bias(layer, neuron, value)
                return []
            case SetWeights(layers=layers, epoch=epoch):
                trainer.set_weights(
                    [_dense_arrays(index, layer) for index, layer in enumerate(layers)], epoch
                )
                return [self._status("restored")]
            case AddPoints(points=points):
                added = np.asarray(points, dtype=np.float64).reshape(-1, 3)
                return session_points.add_points(
                    self,
                    custom_data.from_points(added, *session_points.label_rule(self.trainer), 0),
                )
            case Prepared(error=error) if error is not None:
                return [error]
            case Prepared(points="load_csv", data=data) if data is not None:
                return session_points.set_custom(self, data)
            case Prepared(points="add_points", data=data) if data is not None:
                return session_points.add_points(self, data)
            case Prepared(command=inner) if not isinstance(inner, Ack):
                return self._dispatch(inner)
            case Prepared():
                return []  # a padded ack
            case RemovePoints(x1=x1, x2=x2, radius=radius):
                rows = session_points.current_custom(self.trainer)
                keep = np.hypot(rows[:, 0] - x1, rows[:, 1] - x2) > radius
                return session_points.set_custom(self, rows[keep])
            case ClearPoints():
                return session_points.set_custom(self, np.zeros((0, 3)))
            case Views(views=views, lesson=lesson, step=step, point=point):
                return self._set_views(views, lesson, step, point)
            case LoadCsv(text=text):
                return session_points.set_custom(
                    self, custom_data.from_csv(text, *session_points.label_rule(self.trainer))
                )
            case Export() | Travel() | Branch() | StopAt():
                return run_commands.handle(self, command)
            case session_room.LoadNetwork():
                return session_room.load(self, command)
            case session_room.Snapshot(reply=reply):
                reply(self.network())
                return []
            case session_room.Unlock():
                self.locked = frozenset()
                return []
            case session_room.Redraw():
                return session_room.redraw(self, command)
        raise ValueError(f"unhandled command {command!r}")

    def _set_views(
        self, views: Sequence[str], lesson: str | None, step: int | None, point: Any
    ) -> list[dict[str, Any]]:
        if (lesson is None) != (step is None):
            raise ValueError("lesson and step go together: give both or neither")
        if lesson is not None and step is not None:
            lessons.get_step(lesson, step)  # an unknown step is refused by name
        self.views = tuple(dict.fromkeys(views))
        self.lesson_step = None if lesson is None or step is None else (lesson, step)
        self.point = None if point is None else (float(point[0]), float(point[1]))
        return []

    def _config_message(self, rebuilt: list[Rebuilt], message: str = "") -> dict[str, Any]:
        return ConfigMessage(
            config=self.trainer.config, rebuilt=rebuilt, message=message
        ).model_dump()

    # ---- the slice ----

    def run_slice(self, share: float, want_frame: bool) -> Outbox:
        """Apply queued commands, train, and encode a frame if due, in about `share` seconds.

        Training gets what the frame (its cost measured as it goes) leaves of the share.
        """
        outbox = Outbox()
        started = self.clock()
        while self.commands:
            if is_heavy(self.commands[0]):
                outbox.heavy = True
                return outbox
            outbox.messages.extend(self.handle(self.commands.popleft()))
            if self.commands and self.clock() - started >= share:
                return outbox  # the rest in the next turn: one turn stays bounded
        now = time.perf_counter()
        elapsed, self._last_slice = now - self._last_slice, now
        if self.running:
            # A crowded server shares out less than a frame costs: training still gets half of
            # what a frame costs, so it slows but never stops, and frames come slower instead
            # (docs/benchmarks.md, table 3).
            floor = max(share / 8, self.frame_seconds / 2)
            budget = max(share - self.frame_seconds, floor) if want_frame else share
            # The budget is this thread's CPU time: waiting for the GIL while the event loop
            # sends frames does not use it up.
            outbox.messages.extend(session_training.train(self, self.clock() + budget, elapsed))
        else:
            self.speed_window.clear()
            self.epochs_per_second = 0.0
        if want_frame and (self.running or self.dirty or outbox.messages):
            started = self.clock()  # CPU time: waits for the GIL are not the frame's
            outbox.frame, outbox.seq = self.frame(), self.seq
            self.frame_seconds += 0.2 * (self.clock() - started - self.frame_seconds)
            self.dirty = False
        return outbox

    def frame(self) -> bytes:
        """The current state as one binary frame (app/session_frame.py)."""
        return session_frame.encode(self)

    # ---- in a classroom room (app/session_room.py) ----

    def network(self) -> dict[str, Any]:
        """Config, custom points, weights and epoch as JSON (fork, adopt, push, submit)."""
        return session_room.network_json(self)

    def tile(self) -> dict[str, Any]:
        """The gallery tile's fields, thumbnail included (call between turns)."""
        return session_room.tile(self)

    def refresh(self) -> None:
        """Owe a frame now (a new follower wants the current picture)."""
        self.dirty = True
