"""A session's side of a classroom room: its network as JSON (fork, adopt, push, submit,
rejoin), loading one, the teacher's locks, and its gallery tile.

`LoadNetwork` and `Snapshot` are commands the room layer queues like a client's, so they run
in the session's own turn, on whichever thread has the session then.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import orjson

from app import datasets, hand_edits
from app.export.weights import weights_document
from app.heavy import Prepared
from app.pictures import domain_grid
from app.protocol import (
    AddPoints,
    ClearPoints,
    Configure,
    LoadCsv,
    Regenerate,
    RemovePoints,
    Reset,
    SetBias,
    SetWeight,
    SetWeights,
)
from app.session_config import Config, implied_changes

if TYPE_CHECKING:
    from app.session import Session

JSON = dict[str, Any]
TILE_CELLS = 32  # a gallery thumbnail's side: 1024 cells, one forward pass a second
POINT_COMMANDS = (AddPoints, RemovePoints, ClearPoints, LoadCsv)
WEIGHT_COMMANDS = (SetWeight, SetBias, SetWeights)


@dataclass
class LoadNetwork:
    """Take a room's network: its config and custom points, and its weights and epoch
    (`weights` false: the config's seed's starting weights, epoch 0); `locked`, when given,
    replaces the controls the teacher locked."""

    network: JSON
    weights: bool = True
    locked: tuple[str, ...] | None = None


@dataclass
class Snapshot:
    """Hand the session's network (network_json) to `reply`, from the session's turn."""

    reply: Callable[[JSON], None]


@dataclass
class Redraw:
    """The session's config, data and status again: for its page (it followed the teacher),
    or, `page` false, for the room only (the teachers' spotlight has just turned to it)."""

    page: bool = True


class RoomOnly(dict[str, Any]):
    """A session message for the room, not for the session's own page (it has it already)."""


@dataclass
class Unlock:
    """The room is gone: no control stays locked."""


class Locked(ValueError):
    """A student's command would change a control the teacher locked."""

    def __init__(self, field: str) -> None:
        super().__init__(f"the teacher locked {field}: this command would change it")
        self.field = field


def network_json(session: Session) -> JSON:
    """The session's config, custom points, weights (the weights file's layers) and epoch."""
    trainer = session.trainer
    document = weights_document(trainer.config, trainer.net, trainer.epoch)
    custom = trainer.config.dataset == "custom"
    return {
        "config": trainer.config.model_dump(),
        "points": trainer.custom.tolist() if custom else None,
        "layers": document["layers"],
        "epoch": trainer.epoch,
    }


def layer_arrays(layers: list[JSON]) -> list[hand_edits.Layer]:
    """The weights file's layers as (w, b, slopes) arrays, as set_weights takes them."""
    return [
        (
            np.asarray(layer["w"], dtype=np.float64),
            np.asarray(layer["b"], dtype=np.float64),
            None if layer.get("slopes") is None else np.asarray(layer["slopes"], np.float64),
        )
        for layer in layers
    ]


def load(session: Session, command: LoadNetwork) -> list[JSON]:
    """Apply a room's network to the session, paused; replies config, data and status."""
    network, trainer = command.network, session.trainer
    config = Config.model_validate(network["config"])
    session.running, session.step_target = False, None
    points = network.get("points")
    if config.dataset == "custom" and points is not None:
        trainer.set_custom(np.asarray(points, dtype=np.float64).reshape(-1, 3), config.classes)
    rebuilt = trainer.apply(config)
    if command.weights and network.get("layers"):
        trainer.set_weights(layer_arrays(network["layers"]), int(network.get("epoch") or 0))
    else:
        trainer.reset(config.seed)
    if command.locked is not None:
        session.locked = frozenset(command.locked)
    return [
        session._config_message(rebuilt, "the class's setup"),
        session._data_message(),
        session._status("restored"),
    ]


def redraw(session: Session, command: Redraw) -> list[JSON]:
    """Config, data and status as they are now (status reason `pause`: nothing changed)."""
    messages = [session._config_message([]), session._data_message(), session._status("pause")]
    return messages if command.page else [RoomOnly(message) for message in messages]


def check_locks(session: Session, command: Any) -> None:
    """Raise Locked when `command` would change a control the teacher locked."""
    locked = session.locked
    if not locked:
        return
    if isinstance(command, Prepared):
        if command.points is not None:
            command = LoadCsv(type="load_csv", text="")  # a point set or CSV text
        elif command.command is not None:
            command = command.command
    config = session.trainer.config
    changed: set[str] = set()
    match command:
        case Configure():
            new = command.patch(config, implied_changes(config, command.changes())).model_dump()
            old = config.model_dump()
            changed = {name for name in new if new[name] != old[name]}
        case Regenerate():
            changed = {"data_seed"}
        case Reset(seed=seed) if seed is not None and seed != config.seed:
            changed = {"seed"}
        case _ if isinstance(command, POINT_COMMANDS):
            changed = {"points"} | ({"dataset"} if config.dataset != "custom" else set())
        case _ if isinstance(command, WEIGHT_COMMANDS):
            changed = {"weights"}
    hit = sorted(changed & locked)
    if hit:
        raise Locked(hit[0])


def tile(session: Session) -> JSON:
    """The gallery's tile fields: epoch, test loss and accuracy, size, and a small decision
    map (`Thumbnail`: u8 cells, base64, channels over [lo, hi]) as JSON bytes."""
    trainer = session.trainer
    config, net, stats = trainer.config, trainer.net, trainer.stats
    grid = datasets.features(domain_grid(TILE_CELLS), list(config.features))  # (r*r, f)
    with np.errstate(all="ignore"):
        out = net.predict(grid).T.reshape(-1, TILE_CELLS, TILE_CELLS)  # (c, r, r)
    out = np.nan_to_num(out, nan=0.0, posinf=0.0, neginf=0.0)
    if trainer.data.task == "regression":
        lo, hi = out.min(axis=(1, 2)), out.max(axis=(1, 2))
    else:
        lo, hi = np.zeros(len(out)), np.ones(len(out))
    span = np.where(hi > lo, hi - lo, 1.0)[:, None, None]
    cells = np.clip(np.rint((out - lo[:, None, None]) / span * 255), 0, 255).astype(np.uint8)
    thumbnail = {
        "task": trainer.data.task,
        "shape": list(cells.shape),
        "lo": lo.tolist(),
        "hi": hi.tolist(),
        "cells": base64.b64encode(cells.tobytes()).decode(),
    }
    return {
        "epoch": trainer.epoch,
        "test_loss": None if stats.test_loss is None else float(stats.test_loss),
        "test_accuracy": None if stats.test_accuracy is None else float(stats.test_accuracy),
        "parameters": int(sum(array.size for array in net.parameters())),
        "layers": [layer.units for layer in config.layers],
        "thumbnail": orjson.dumps(thumbnail),
    }
