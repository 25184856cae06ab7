"""A session's custom points: drawing, removing, CSV, and whether they suit a new config.
Kept apart from app/session.py's dispatch; every refusal is a DataError naming what to do."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from app import custom_data, datasets
from app.session_config import MAX_CLASSES, MAX_POINTS, Config
from app.trainer import Trainer

if TYPE_CHECKING:
    from app.session import Session

Array = NDArray[np.float64]


def label_rule(trainer: Trainer) -> tuple[datasets.Task, int]:
    """The task custom labels are checked for, and the classes they may use: multi-class
    labels may go up to the largest class count, and the classes then follow them."""
    task, classes = trainer.data.task, trainer.config.classes
    return task, MAX_CLASSES if task == "multiclass" else classes


def current_custom(trainer: Trainer) -> np.ndarray:
    """The custom points; drawing on a generated dataset starts from its points."""
    if trainer.config.dataset == "custom":
        return trainer.custom
    data = trainer.data
    x = np.concatenate([data.x_train, data.x_test])  # (n, 2)
    y = np.concatenate([data.y_train, data.y_test])  # (n,), or (n, k): the first target
    return np.column_stack([x, y if y.ndim == 1 else y[:, 0]])


def _too_many(count: int) -> custom_data.DataError:
    return custom_data.DataError([f"at most {MAX_POINTS} points are allowed, received {count}"])


def add_points(session: Session, added: tuple[Array, Any]) -> list[dict[str, Any]]:
    """Add validated points to the custom ones (drawing on a generated set starts from its
    points)."""
    current = current_custom(session.trainer)
    if len(current) + len(added[1]) > MAX_POINTS:
        raise _too_many(len(current) + len(added[1]))
    x = np.concatenate([current[:, :2], added[0]])
    y = np.concatenate([current[:, 2], added[1]])
    return set_custom(session, (x, y.astype(added[1].dtype)))


def set_custom(session: Session, rows: np.ndarray | tuple[Array, Any]) -> list[dict[str, Any]]:
    """Switch to these custom points: rows (n, 3) to validate, or validated (x, y)."""
    trainer = session.trainer
    if isinstance(rows, np.ndarray):
        if len(rows) > MAX_POINTS:
            raise _too_many(len(rows))
        rows = custom_data.from_points(rows, *label_rule(trainer), min_rows=0)
    x, y = rows
    task, classes = trainer.data.task, trainer.config.classes
    rows = np.column_stack([x, y]).reshape(-1, 3)
    needed = int(y.max()) + 1 if task == "multiclass" and len(y) else classes
    trainer.set_custom(rows, max(classes, needed))
    message = f"custom data: {len(rows)} points"
    if needed > classes:
        message += f"; classes set to {needed} from the labels"
    return [session._config_message(["data"], message), session._data_message()]


def check_custom_fits(trainer: Trainer, config: Config) -> None:
    """Raise DataError, naming what to do, when the custom points do not suit `config`'s
    task and classes (data and config never disagree)."""
    labels = trainer.custom[:, 2]
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
