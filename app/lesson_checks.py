"""The lessons' live checks: CHECKS maps a name to the views it reads and a test of the frame's
numbers; each says whether its step's point holds now (True / False), or None while it cannot
tell yet (no batch trained, no point clicked), with the figures the page's sentence quotes."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from app import views
from app.lessons import get_step
from app.nn.closed_form import least_squares
from app.trainer import Trainer

Result = tuple[bool | None, Mapping[str, float | None]]
Test = Callable[[Trainer, dict[str, Any], float], Result]
STRAIGHT = 1e-6  # the logits' largest distance from a plane, over their spread
EXACT = 1e-9  # two ways of computing one number agree to rounding


@dataclass(frozen=True)
class Check:
    needs: tuple[str, ...]
    test: Test


def _closed_form(trainer: Trainer, shown: dict[str, Any], threshold: float) -> Result:
    gap = shown["linear"]["gap"]
    return (None if gap is None else gap <= threshold), {"gap": gap, "threshold": threshold}


def _mae_below_least_squares(trainer: Trainer, shown: dict[str, Any], threshold: float) -> Result:
    """The network's mean absolute error on the training points against the least-squares
    line's: minimising MAE, the network ends below it (outliers pull least squares)."""
    data = trainer.data
    if not len(data.y_train):
        return None, {}
    y = data.y_train.reshape(len(data.y_train), -1)[:, 0].astype(np.float64)
    w, b = least_squares(data.f_train, y)
    network = float(np.mean(np.abs(trainer.net.predict(data.f_train)[:, 0] - y)))
    closed = float(np.mean(np.abs(data.f_train @ w + b - y)))
    return network < closed, {"network": network, "least_squares": closed}


def _straight(trainer: Trainer, shown: dict[str, Any], threshold: float) -> Result:
    value = shown["linear"]["curvature"]
    return (None if value is None else value < STRAIGHT), {"curvature": value}


def _accuracy(below: bool) -> Test:
    def test(trainer: Trainer, shown: dict[str, Any], threshold: float) -> Result:
        value = trainer.stats.test_accuracy
        if value is None:
            return None, {}
        percent = {"accuracy": round(100 * value, 1), "threshold": round(100 * threshold)}
        return (value < threshold if below else value >= threshold), percent

    return test


def _norms(shown: dict[str, Any]) -> list[float] | None:
    norms = shown["gradients"]["gradient"]
    return None if norms is None or any(v is None for v in norms) else norms


def _zero_gradients(trainer: Trainer, shown: dict[str, Any], threshold: float) -> Result:
    """Every layer below a step activation gets exactly zero gradient: f'(z) = 0."""
    norms = _norms(shown)
    if norms is None or len(norms) < 2:
        return None, {}
    below = norms[:-1]
    return all(v == 0.0 for v in below), {"largest": max(below), "output": norms[-1]}


def _ratio(vanishing: bool) -> Test:
    def test(trainer: Trainer, shown: dict[str, Any], threshold: float) -> Result:
        norms = _norms(shown)
        if norms is None or len(norms) < 2 or norms[-1] == 0:
            return None, {}
        ratio = norms[0] / norms[-1]
        values = {"first": norms[0], "last": norms[-1], "ratio": ratio, "threshold": threshold}
        return (ratio < threshold if vanishing else ratio >= threshold), values

    return test


def _loss_below(trainer: Trainer, shown: dict[str, Any], threshold: float) -> Result:
    """Whether the run's test loss has fallen below the bound: once it has, the point is made,
    even if the loss climbs back later (a long run overfits a noisy set)."""
    best, now = trainer.best_test_loss, trainer.stats.test_loss
    values = {"loss": now, "best": best, "threshold": threshold}
    return (None if best is None else best < threshold), values


def _dropout_active(trainer: Trainer, shown: dict[str, Any], threshold: float) -> Result:
    masks = [mask for mask in shown["dropout"]["masks"] if mask is not None]
    if not masks:
        return None, {}
    dropped = sum(mask.count(0) for mask in masks)
    return dropped > 0, {"dropped": dropped, "units": sum(len(mask) for mask in masks)}


def _softmax_equals_sigmoid(trainer: Trainer, shown: dict[str, Any], threshold: float) -> Result:
    point = shown.get("point")
    if point is None or "softmax_pair" not in point:
        return None, {}
    sigmoid, softmax = point["outputs"][0], point["softmax_pair"][1]
    return abs(sigmoid - softmax) < EXACT, {"z": point["logits"][0], "sigmoid": sigmoid,
                                            "softmax": softmax}  # fmt: skip


def _cross_entropy_example(trainer: Trainer, shown: dict[str, Any], threshold: float) -> Result:
    """The loss of one labelled point is -ln of the probability softmax gives its class."""
    point = shown.get("point")
    if point is None or point["label"] is None or point["loss"] is None:
        return None, {}
    p = point["outputs"][int(point["label"])]
    return abs(point["loss"] + np.log(p)) < EXACT, {"p": p, "loss": point["loss"]}


CHECKS: dict[str, Check] = {
    "closed_form": Check(("linear",), _closed_form),
    "mae_below_least_squares": Check((), _mae_below_least_squares),
    "straight_boundary": Check(("linear",), _straight),
    "accuracy_below": Check((), _accuracy(below=True)),
    "accuracy_above": Check((), _accuracy(below=False)),
    "zero_gradients": Check(("gradients",), _zero_gradients),
    "vanishing_gradient": Check(("gradients",), _ratio(vanishing=True)),
    "gradients_flow": Check(("gradients",), _ratio(vanishing=False)),
    "loss_below": Check((), _loss_below),
    "dropout_active": Check(("dropout",), _dropout_active),
    "softmax_equals_sigmoid": Check(("point",), _softmax_equals_sigmoid),
    "cross_entropy_example": Check(("point",), _cross_entropy_example),
}


def run_check(
    trainer: Trainer, name: str, threshold: float | None, shown: dict[str, Any]
) -> dict[str, Any]:
    """The frame's `check` object: {name, ok, values}; `shown` holds the views it needs."""
    ok, values = CHECKS[name].test(trainer, shown, threshold if threshold is not None else 0.0)
    clean = {key: (None if v is None else round(float(v), 12)) for key, v in values.items()}
    return {"name": name, "ok": None if ok is None else bool(ok), "values": clean}


def frame_views(
    trainer: Trainer,
    asked: tuple[str, ...],
    point: tuple[float, float] | None,
    step: tuple[str, int] | None,
    details: bool = True,
) -> tuple[dict[str, Any], list[Any]]:
    """The header's `views` object (the views asked, and the step's check) and extra blocks.
    Unit health rides on detailed frames only: it changes slowly and costs a forward pass."""
    check = get_step(*step) if step is not None else None
    needs = set(asked) | set(CHECKS[check.check].needs if check and check.check else ())
    if not details:
        needs.discard("units")
    shown, blocks = views.compute(trainer, sorted(needs), point)
    out = {name: value for name, value in shown.items() if name in asked}
    if step is not None and check is not None and check.check is not None:
        out["check"] = run_check(trainer, check.check, check.threshold, shown) | {
            "lesson": step[0],
            "step": step[1],
        }
    return out, blocks
