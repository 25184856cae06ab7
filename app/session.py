"""Session: one user's training, apart from any connection; commands in, messages and frames out.

All its methods run in one worker thread at a time (the connection's producer serialises them),
so the trainer needs no lock. `run_slice` applies queued commands, trains for a bounded slice
and, when a frame is due, encodes it.
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
from app.history import History, NoSnapshot
from app.metrics import metrics
from app.pictures import Pictures
from app.protocol import (
    PROTOCOL_VERSION,
    AddPoints,
    Branch,
    ClearPoints,
    ConfigMessage,
    Configure,
    DataMessage,
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
from app.session_config import MAX_POINTS, MAX_SEED, Config, Rebuilt, implied_changes
from app.stop_conditions import StopConditions
from app.trainer import Diverged, Trainer

Array = NDArray[np.float64]
COMPRESSED = frozenset({"output"})  # the one large grid; neuron maps are 100 bytes each


@dataclass
class Outbox:
    """What the session has to say: text messages in order, and the newest frame."""

    messages: list[dict[str, Any]] = field(default_factory=list)
    frame: bytes | None = None
    seq: int = 0  # the frame's sequence number


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
        """Queue a validated command for the next slice."""
        self.commands.append(command)

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
        return DataMessage(**self.trainer.points()).model_dump()

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
                self.running, self.step_target = True, None
                self._owed_epochs, self._last_slice = 0.0, time.perf_counter()
                return [self._status("play")]
            case Pause():
                self.running, self.step_target = False, None
                return [self._status("pause")]
            case Step(epochs=epochs):
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
                rows = np.concatenate([self._current_custom(), added])
                return self._set_custom(rows)
            case RemovePoints(x1=x1, x2=x2, radius=radius):
                rows = self._current_custom()
                keep = np.hypot(rows[:, 0] - x1, rows[:, 1] - x2) > radius
                return self._set_custom(rows[keep])
            case ClearPoints():
                return self._set_custom(np.zeros((0, 3)))
            case Views(views=views, lesson=lesson, step=step, point=point):
                return self._set_views(views, lesson, step, point)
            case LoadCsv(text=text):
                x, y = custom_data.from_csv(text, self._custom_task(), trainer.config.classes)
                return self._set_custom(np.column_stack([x, y]))
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

    def _set_custom(self, rows: np.ndarray) -> list[dict[str, Any]]:
        if len(rows) > MAX_POINTS:
            raise custom_data.DataError(
                [f"at most {MAX_POINTS} points are allowed, received {len(rows)}"]
            )
        task = self._custom_task()
        x, y = custom_data.from_points(rows.tolist(), task, self.trainer.config.classes, min_rows=0)
        rows = np.column_stack([x, y]).reshape(-1, 3)
        self.trainer.set_custom(rows)
        return [
            self._config_message(["data"], f"custom data: {len(rows)} points"),
            self._data_message(),
        ]

    def _configure(self, command: Configure) -> list[dict[str, Any]]:
        changes, current = command.changes(), self.trainer.config
        implied = implied_changes(current, changes)
        task, custom = changes.get("task"), self.trainer.custom
        dataset = implied.get("dataset", changes.get("dataset", current.dataset))
        if dataset == "custom" and task and len(custom):  # the points drawn must suit the task
            classes = changes.get("classes", current.classes)
            custom_data.from_points(custom.tolist(), task, classes, min_rows=0)
        return self._configure_to(command.patch(current, implied))

    def _configure_to(self, config: Config) -> list[dict[str, Any]]:
        rebuilt = self.trainer.apply(config)
        replies = [self._config_message(rebuilt, self._describe(rebuilt))]
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
        while self.commands:
            outbox.messages.extend(self.handle(self.commands.popleft()))
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
