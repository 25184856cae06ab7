"""The session's run tools: export a file, travel to a past epoch and branch from it, set the
stop conditions. Kept apart from app/session.py's dispatch of the playground's own commands."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from app import export
from app.history import Marker, NoSnapshot
from app.protocol import Branch, Export, ExportMessage, HistoryMessage, StopAt, Travel
from app.stop_conditions import StopConditions

if TYPE_CHECKING:
    from app.session import Session

RUN_COMMANDS = (Export, Travel, Branch, StopAt)
KEEPS_VIEW = (*RUN_COMMANDS,)  # the commands that leave a past epoch shown


def history_message(session: Session) -> dict[str, Any]:
    history = session.history
    return HistoryMessage.model_validate(
        {
            "epochs": history.epochs,
            "viewing": None if history.viewing is None else history.viewing.epoch,
            "epoch": session.trainer.epoch,
            "markers": [dataclasses.asdict(marker) for marker in history.markers],
            "limit": history.limit,
        }
    ).model_dump()


def handle(session: Session, command: Any) -> list[dict[str, Any]]:
    """Apply one run command; returns the replies (a ValueError is a bad_message)."""
    history, trainer = session.history, session.trainer
    match command:
        case Export(format=format):
            exported = export.export(trainer, format)
            return [ExportMessage(**dataclasses.asdict(exported)).model_dump()]
        case Travel(epoch=None):
            history.viewing = None
            return [history_message(session)]
        case Travel(epoch=int() as epoch):
            history.record(trainer)  # the present is one of the epochs to come back to
            state = history.nearest(epoch)
            if state is None:
                raise NoSnapshot(f"no snapshot at or before epoch {epoch}")
            session.running, session.step_target = False, None
            history.viewing = state
            return [session._status("pause"), history_message(session)]
        case Branch():
            left = history.branch(trainer)
            session.running, session.step_target = False, None
            message = f"continued from epoch {trainer.epoch} (left epoch {left})"
            return [
                session._config_message([], message),
                session._status("branched", message),
                history_message(session),
            ]
        case StopAt(epoch=epoch, test_loss_below=bound):
            session.stop = StopConditions(epoch, bound)
            return []
    raise ValueError(f"unhandled command {command!r}")


def mark_divergence(session: Session, epoch: int, restored: int | None) -> None:
    """The scrubber marks where the run blew up and which epoch's weights came back."""
    session.history.mark(Marker("diverged", epoch, restored=restored))
    session.history.record(session.trainer)
