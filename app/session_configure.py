"""A session's config change: validated whole first (a refusal changes nothing), applied with
only what it needs rebuilt, and described in the `config` reply's message."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app.protocol import Configure
from app.session_config import Config, Rebuilt, implied_changes, is_one_d
from app.session_points import check_custom_fits
from app.trainer import Trainer

if TYPE_CHECKING:
    from app.session import Session


def configure(session: Session, command: Configure) -> list[dict[str, Any]]:
    """Validate the whole change first; a refusal changes nothing."""
    changes, current = command.changes(), session.trainer.config
    implied = implied_changes(current, changes)
    config = command.patch(current, implied)
    fit_changed = (config.task, config.classes, config.dataset) != (
        current.task,
        current.classes,
        current.dataset,
    )
    if config.dataset == "custom" and fit_changed:
        check_custom_fits(session.trainer, config)
    asked = changes.get("features", current.features)
    note = ""
    if config.features != asked and is_one_d(config.dataset):
        dropped = [name for name in asked if name not in config.features]
        note = f"{config.dataset} is a 1-D curve (x2 is 0): dropped {', '.join(dropped)}"
    return configure_to(session, config, note)


def configure_to(session: Session, config: Config, note: str = "") -> list[dict[str, Any]]:
    """Move the session to `config`: the `config` reply, and `data` and `status` as needed."""
    rebuilt = session.trainer.apply(config)
    message = "; ".join(part for part in (describe(session.trainer, rebuilt), note) if part)
    replies = [session._config_message(rebuilt, message)]
    if "data" in rebuilt:
        replies.append(session._data_message())
    if "network" in rebuilt and session.step_target is None and not session.running:
        replies.append(session._status("rebuilt"))
    return replies


def describe(trainer: Trainer, rebuilt: list[Rebuilt]) -> str:
    parts = []
    config = trainer.config
    if "data" in rebuilt:
        total = len(trainer.data.y_train) + len(trainer.data.y_test)
        parts.append(f"new data: {config.dataset}, {total} points")
    if "network" in rebuilt:
        parts.append("network edited, weights kept where the shape allows")
    if "optimizer" in rebuilt:
        parts.append(f"optimizer {config.optimizer}, state reset")
    return "; ".join(parts)
