"""A session's training within a slice: at the configured speed, up to a step's end or a stop
condition; empty data and a divergence pause it with their error and status."""

from __future__ import annotations

import dataclasses
import time
from typing import TYPE_CHECKING, Any

from app import run_commands
from app.protocol import Divergence, ErrorMessage, Stopped
from app.trainer import Diverged, NoData

if TYPE_CHECKING:
    from app.session import Session


def train(session: Session, deadline: float, elapsed: float) -> list[dict[str, Any]]:
    """Train until `deadline` (CPU clock) within what the speed, a step and the stop conditions
    allow; the replies when the run paused itself."""
    trainer, speed = session.trainer, session.trainer.config.speed
    if len(trainer.data.y_train) == 0:  # the points were cleared while it ran
        session.running, session.step_target = False, None
        message = str(NoData())
        return [
            ErrorMessage(code="no_data", message=message).model_dump(),
            session._status("pause", message),
        ]
    if session.step_target is not None:
        allowed = float(session.step_target - trainer.epoch)
    elif speed == 0:
        allowed = float("inf")
    else:
        # Epochs owed at the configured speed; a stall is not made up for in a burst.
        session.owed_epochs = min(session.owed_epochs + speed * min(elapsed, 0.25), speed + 1)
        allowed = float(int(session.owed_epochs))
    allowed = session.stop.cap(trainer.epoch, allowed)
    try:
        done = session.history.train(trainer, deadline, allowed, session.clock)  # with snapshots
    except Diverged as error:
        session.running, session.step_target = False, None
        run_commands.mark_divergence(session, trainer.epoch, error.divergence.best_epoch)
        divergence = Divergence.model_validate(dataclasses.asdict(error.divergence))
        return [
            ErrorMessage(code="diverged", message=str(error)).model_dump(),
            session._status("diverged", str(error), divergence),
        ]
    session.owed_epochs = max(0.0, session.owed_epochs - done)
    _measure_speed(session, done)
    stopped = session.stop.check(trainer.epoch, trainer.stats)
    if stopped is not None:
        session.running, session.step_target, session.dirty = False, None, True
        message = session.stop.message(trainer.epoch, stopped)
        return [session._status("stopped", message, stopped=Stopped.model_validate(stopped))]
    if session.step_target is not None and trainer.epoch >= session.step_target:
        session.running, session.step_target = False, None
        session.dirty = True
        return [session._status("step")]
    return []


def _measure_speed(session: Session, done: int) -> None:
    now = time.perf_counter()
    session.speed_window.append((now, session.trainer.epoch))
    first_time, first_epoch = session.speed_window[0]
    if now - first_time > 0:
        session.epochs_per_second = (session.trainer.epoch - first_epoch) / (now - first_time)
