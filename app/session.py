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
import dataclasses
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from pydantic import ValidationError

from app import custom_data, datasets, lesson_checks, lessons, run_commands
from app.config import Settings
from app.frames import encode_frame
from app.heavy import Prepared
from app.history import History, NoSnapshot
from app.metrics import metrics
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
    MAX_CLASSES,
    MAX_POINTS,
    MAX_SEED,
    Config,
    Rebuilt,
    implied_changes,
    is_one_d,
)
from app.stop_conditions import StopConditions
from app.trainer import Diverged, NoData, Trainer

Array = NDArray[np.float64]
COMPRESSED = frozenset({"output"})  # the one large grid; neuron maps are 100 bytes each


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
        self._detailed: dict[str, Any] | None = None  # structure of the last frame with maps
        self.compress = False  # the client inflates u8z grids (it said so in its hello)
        self._owed_epochs = 0.0  # fractional epochs owed at the configured speed
        self._last_slice = time.perf_counter()
        self._speed_window: collections.deque[tuple[float, int]] = collections.deque(maxlen=30)
        self.views: tuple[str, ...] = ()  # the optional views the page shows (app/views.py)
        self.lesson_step: tuple[str, int] | None = None  # whose live check frames carry
        self.point: tuple[float, float] | None = None  # the point view's spot
        self.history = History(settings.history_snapshots, settings.history_bytes)
        self.stop = StopConditions()
        self._last_metrics: dict[str, Any] | None = None

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
        return (command.text, *self._label_rule())

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
        if not isinstance(command, run_commands.KEEPS_VIEW):
            self.history.viewing = None  # any other command acts on the present
        try:
            replies = self._dispatch(command)
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
                return self._configure(command)
            case Play():
                trainer.require_data()
                self.running, self.step_target = True, None
                self._owed_epochs, self._last_slice = 0.0, time.perf_counter()
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
                return self._configure_to(trainer.config.model_copy(update={"data_seed": new_seed}))
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
                return self._add_points(custom_data.from_points(added, *self._label_rule(), 0))
            case Prepared(error=error) if error is not None:
                return [error]
            case Prepared(points="load_csv", data=data) if data is not None:
                return self._set_custom(data)
            case Prepared(points="add_points", data=data) if data is not None:
                return self._add_points(data)
            case Prepared(command=inner) if not isinstance(inner, Ack):
                return self._dispatch(inner)
            case Prepared():
                return []  # a padded ack
            case RemovePoints(x1=x1, x2=x2, radius=radius):
                rows = self._current_custom()
                keep = np.hypot(rows[:, 0] - x1, rows[:, 1] - x2) > radius
                return self._set_custom(rows[keep])
            case ClearPoints():
                return self._set_custom(np.zeros((0, 3)))
            case Views(views=views, lesson=lesson, step=step, point=point):
                return self._set_views(views, lesson, step, point)
            case LoadCsv(text=text):
                return self._set_custom(custom_data.from_csv(text, *self._label_rule()))
            case Export() | Travel() | Branch() | StopAt():
                return run_commands.handle(self, command)
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

    def _custom_task(self) -> datasets.Task:
        return self.trainer.data.task

    def _current_custom(self) -> np.ndarray:
        """The custom points; drawing on a generated dataset starts from its points."""
        trainer = self.trainer
        if trainer.config.dataset == "custom":
            return trainer.custom
        data = trainer.data
        x = np.concatenate([data.x_train, data.x_test])  # (n, 2)
        y = np.concatenate([data.y_train, data.y_test])  # (n,), or (n, k): the first target
        return np.column_stack([x, y if y.ndim == 1 else y[:, 0]])

    def _add_points(self, added: tuple[Array, Any]) -> list[dict[str, Any]]:
        """Add validated points to the custom ones (drawing on a generated set starts from its
        points)."""
        current = self._current_custom()
        if len(current) + len(added[1]) > MAX_POINTS:
            raise custom_data.DataError(
                [
                    f"at most {MAX_POINTS} points are allowed, received {len(current) + len(added[1])}"
                ]
            )
        x = np.concatenate([current[:, :2], added[0]])
        y = np.concatenate([current[:, 2], added[1]])
        return self._set_custom((x, y.astype(added[1].dtype)))

    def _label_rule(self) -> tuple[datasets.Task, int]:
        """The task custom labels are checked for, and the classes they may use: multi-class
        labels may go up to the largest class count, and the classes then follow them."""
        task, classes = self._custom_task(), self.trainer.config.classes
        return task, MAX_CLASSES if task == "multiclass" else classes

    def _set_custom(self, rows: np.ndarray | tuple[Array, Any]) -> list[dict[str, Any]]:
        """Switch to these custom points: rows (n, 3) to validate, or validated (x, y)."""
        if isinstance(rows, np.ndarray):
            if len(rows) > MAX_POINTS:
                raise custom_data.DataError(
                    [f"at most {MAX_POINTS} points are allowed, received {len(rows)}"]
                )
            rows = custom_data.from_points(rows, *self._label_rule(), min_rows=0)
        x, y = rows
        task, classes = self._custom_task(), self.trainer.config.classes
        rows = np.column_stack([x, y]).reshape(-1, 3)
        needed = int(y.max()) + 1 if task == "multiclass" and len(y) else classes
        self.trainer.set_custom(rows, max(classes, needed))
        message = f"custom data: {len(rows)} points"
        if needed > classes:
            message += f"; classes set to {needed} from the labels"
        return [self._config_message(["data"], message), self._data_message()]

    def _configure(self, command: Configure) -> list[dict[str, Any]]:
        """Validate the whole change first; a refusal changes nothing."""
        changes, current = command.changes(), self.trainer.config
        implied = implied_changes(current, changes)
        config = command.patch(current, implied)
        fit_changed = (config.task, config.classes, config.dataset) != (
            current.task,
            current.classes,
            current.dataset,
        )
        if config.dataset == "custom" and fit_changed:
            self._check_custom_fits(config)
        asked = changes.get("features", current.features)
        note = ""
        if config.features != asked and is_one_d(config.dataset):
            dropped = [name for name in asked if name not in config.features]
            note = f"{config.dataset} is a 1-D curve (x2 is 0): dropped {', '.join(dropped)}"
        return self._configure_to(config, note)

    def _check_custom_fits(self, config: Config) -> None:
        """Raise DataError, naming what to do, when the custom points do not suit `config`'s
        task and classes (data and config never disagree)."""
        labels = self.trainer.custom[:, 2]
        if not len(labels) or config.task == "regression":
            return
        whole = bool(np.all((labels == np.round(labels)) & (labels >= 0)))
        if config.task == "binary" and not np.all(np.isin(labels, [0.0, 1.0])):
            problem = "the custom points have labels other than 0 and 1: binary needs 0 or 1"
            raise custom_data.DataError([f"{problem}; clear the points or pick multi-class"])
        if config.task == "multiclass" and not whole:
            raise custom_data.DataError(["the custom points have labels that are not classes"])
        if config.task == "multiclass" and labels.max() >= config.classes:
            top = labels.max()
            needed = f"classes must be at least {top + 1:g}, received {config.classes}"
            advice = "remove the points of the higher classes first"
            problem = f"the custom points have labels up to {top:g}: {needed}; {advice}"
            raise custom_data.DataError([problem])

    def _configure_to(self, config: Config, note: str = "") -> list[dict[str, Any]]:
        rebuilt = self.trainer.apply(config)
        message = "; ".join(part for part in (self._describe(rebuilt), note) if part)
        replies = [self._config_message(rebuilt, message)]
        if "data" in rebuilt:
            replies.append(self._data_message())
        if "network" in rebuilt and self.step_target is None and not self.running:
            replies.append(self._status("rebuilt"))
        return replies

    def _describe(self, rebuilt: list[Rebuilt]) -> str:
        parts = []
        config = self.trainer.config
        if "data" in rebuilt:
            total = len(self.trainer.data.y_train) + len(self.trainer.data.y_test)
            parts.append(f"new data: {config.dataset}, {total} points")
        if "network" in rebuilt:
            parts.append("network edited, weights kept where the shape allows")
        if "optimizer" in rebuilt:
            parts.append(f"optimizer {config.optimizer}, state reset")
        return "; ".join(parts)

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
            outbox.messages.extend(self._train(self.clock() + budget, elapsed))
        else:
            self._speed_window.clear()
            self.epochs_per_second = 0.0
        if want_frame and (self.running or self.dirty or outbox.messages):
            started = self.clock()  # CPU time: waits for the GIL are not the frame's
            outbox.frame, outbox.seq = self.frame(), self.seq
            self.frame_seconds += 0.2 * (self.clock() - started - self.frame_seconds)
            self.dirty = False
        return outbox

    def _train(self, deadline: float, elapsed: float) -> list[dict[str, Any]]:
        trainer, speed = self.trainer, self.trainer.config.speed
        if len(trainer.data.y_train) == 0:  # the points were cleared while it ran
            self.running, self.step_target = False, None
            message = str(NoData())
            return [
                ErrorMessage(code="no_data", message=message).model_dump(),
                self._status("pause", message),
            ]
        if self.step_target is not None:
            allowed = float(self.step_target - trainer.epoch)
        elif speed == 0:
            allowed = float("inf")
        else:
            # Epochs owed at the configured speed; a stall is not made up for in a burst.
            self._owed_epochs = min(self._owed_epochs + speed * min(elapsed, 0.25), speed + 1)
            allowed = float(int(self._owed_epochs))
        allowed = self.stop.cap(trainer.epoch, allowed)
        try:
            done = self.history.train(trainer, deadline, allowed, self.clock)  # with snapshots
        except Diverged as error:
            self.running, self.step_target = False, None
            run_commands.mark_divergence(self, trainer.epoch, error.divergence.best_epoch)
            divergence = Divergence.model_validate(dataclasses.asdict(error.divergence))
            return [
                ErrorMessage(code="diverged", message=str(error)).model_dump(),
                self._status("diverged", str(error), divergence),
            ]
        self._owed_epochs = max(0.0, self._owed_epochs - done)
        self._measure_speed(done)
        stopped = self.stop.check(trainer.epoch, trainer.stats)
        if stopped is not None:
            self.running, self.step_target, self.dirty = False, None, True
            message = self.stop.message(trainer.epoch, stopped)
            return [self._status("stopped", message, stopped=Stopped.model_validate(stopped))]
        if self.step_target is not None and trainer.epoch >= self.step_target:
            self.running, self.step_target = False, None
            self.dirty = True
            return [self._status("step")]
        return []

    def _measure_speed(self, done: int) -> None:
        now = time.perf_counter()
        self._speed_window.append((now, self.trainer.epoch))
        first_time, first_epoch = self._speed_window[0]
        if now - first_time > 0:
            self.epochs_per_second = (self.trainer.epoch - first_epoch) / (now - first_time)

    def _metrics(self, trainer: Trainer, details: bool) -> dict[str, Any] | None:
        """The frame's metrics: computed with the maps (every other frame while training)."""
        if details or self._last_metrics is None:
            self._last_metrics = metrics(trainer.net, trainer.data)
        return self._last_metrics

    def frame(self) -> bytes:
        """The current state as one binary frame (its header is FrameHeader's fields).

        While training, every other frame leaves out the neuron maps and the weights (the
        page keeps the last ones): a third less to send for a mid-sized network, while the
        decision map still moves at the full frame rate. A new structure sends them at once.
        """
        trainer = self.history.shown(self.trainer)  # the present, or a past epoch shown
        viewing = trainer is not self.trainer
        self.seq += 1
        stats = trainer.stats
        structure = trainer.structure()
        details = not self.running or self.seq % 2 == 0 or structure != self._detailed
        if details:
            self._detailed = structure
        header = {
            "type": "frame",
            "seq": self.seq,
            "epoch": trainer.epoch,
            "running": self.running and not viewing,
            "train_loss": stats.train_loss,
            "test_loss": stats.test_loss,
            "train_accuracy": stats.train_accuracy,
            "test_accuracy": stats.test_accuracy,
            "epochs_per_second": round(self.epochs_per_second, 2),
            **structure,
            "domain": datasets.DOMAIN,
            "metrics": self._metrics(trainer, details),
            "live_epoch": self.trainer.epoch if viewing else None,
        }
        packed = COMPRESSED if self.compress else frozenset()
        arrays = self.pictures.snapshot(
            trainer.net, trainer.config, trainer.data, trainer.data_revision, details
        )
        if self.views or self.lesson_step:  # only what the page shows (docs/protocol.md)
            header["views"], extra = lesson_checks.frame_views(
                trainer, self.views, self.point, self.lesson_step, details
            )
            arrays += extra
        return encode_frame(header, arrays, packed)
