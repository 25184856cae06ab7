"""A session's binary frame: its header (FrameHeader's fields) and the pictures' blocks."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app import datasets, lesson_checks
from app.frames import encode_frame
from app.metrics import metrics
from app.trainer import Trainer

if TYPE_CHECKING:
    from app.session import Session

COMPRESSED = frozenset({"output"})  # the one large grid; neuron maps are 100 bytes each


def _metrics(session: Session, trainer: Trainer, details: bool) -> dict[str, Any] | None:
    """The frame's metrics: computed with the maps (every other frame while training)."""
    if details or session.last_metrics is None:
        session.last_metrics = metrics(trainer.net, trainer.data, trainer.logits)
    return session.last_metrics


def encode(session: Session) -> bytes:
    """The current state as one binary frame (its header is FrameHeader's fields).

    While training, every other frame leaves out the neuron maps and the weights (the
    page keeps the last ones): a third less to send for a mid-sized network, while the
    decision map still moves at the full frame rate. A new structure sends them at once.
    """
    trainer = session.history.shown(session.trainer)  # the present, or a past epoch shown
    viewing = trainer is not session.trainer
    session.seq += 1
    stats = trainer.stats
    structure = trainer.structure()
    details = not session.running or session.seq % 2 == 0 or structure != session.detailed
    if details:
        session.detailed = structure
    header = {
        "type": "frame",
        "seq": session.seq,
        "epoch": trainer.epoch,
        "running": session.running and not viewing,
        "train_loss": stats.train_loss,
        "test_loss": stats.test_loss,
        "train_accuracy": stats.train_accuracy,
        "test_accuracy": stats.test_accuracy,
        "epochs_per_second": round(session.epochs_per_second, 2),
        **structure,
        "domain": datasets.DOMAIN,
        "metrics": _metrics(session, trainer, details),
        "live_epoch": session.trainer.epoch if viewing else None,
    }
    packed = COMPRESSED if session.compress else frozenset()
    arrays = session.pictures.snapshot(
        trainer.net, trainer.config, trainer.data, trainer.data_revision, details
    )
    if session.views or session.lesson_step:  # only what the page shows (docs/protocol.md)
        header["views"], extra = lesson_checks.frame_views(
            trainer, session.views, session.point, session.lesson_step, details
        )
        arrays += extra
    return encode_frame(header, arrays, packed)
