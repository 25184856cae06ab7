"""A run that blows up pauses with its best recent network restored, and says why."""

from __future__ import annotations

import time

import numpy as np
import pytest

from app import accel
from app.session_config import Config, LayerSpec
from app.trainer import Diverged, Trainer
from app.watchdog import Change, describe_change, smaller_learning_rate

PATHS = ["readable", pytest.param("compiled", marks=pytest.mark.skipif(
    not accel.available(), reason="PLAYGROUND_NO_JIT=1"))]  # fmt: skip


@pytest.fixture(params=PATHS)
def path(request: pytest.FixtureRequest) -> str:
    if request.param == "compiled":
        accel.warm_up()
    return str(request.param)


def trainer(path: str, **config: object) -> Trainer:
    made = Trainer(Config(**config))  # type: ignore[arg-type]
    made.use_compiled = path == "compiled"
    return made


def train_until_diverged(made: Trainer, epochs: int = 3000) -> Diverged:
    for _ in range(epochs):
        try:
            made.train(time.perf_counter() + 5, 2)
        except Diverged as error:
            return error
    raise AssertionError(f"no divergence in {made.epoch} epochs: loss {made.stats.train_loss}")


def test_thrashing_at_learning_rate_10_is_caught(path: str) -> None:
    made = trainer(path, learning_rate=10.0)  # the default circle: loss 0.5-3, never NaN
    error = train_until_diverged(made)
    info = error.divergence
    assert info.loss is not None and np.isfinite(info.loss)  # a finite loss, blown up
    assert info.cause == "learning_rate" and info.suggested_learning_rate == 3.0
    assert made.stats.train_loss == pytest.approx(info.best_loss)  # the best is back
    assert "learning rate 10 is too large" in str(error)


def test_a_bad_late_edit_rolls_back_to_the_good_network(path: str) -> None:
    made = trainer(path, learning_rate=0.1)
    while made.stats.train_loss is None or made.stats.train_loss > 0.05:
        made.train(time.perf_counter() + 5, 20)
        assert made.epoch < 5000
    good = made.stats.train_loss
    made.apply(made.config.model_copy(update={"learning_rate": 10.0}))
    info = train_until_diverged(made).divergence
    assert made.stats.train_loss <= good + 1e-12  # not the broken network of the last slice
    assert info.cause == "edit" and info.change == Change("learning_rate", None, "0.1", "10.0")


def test_a_non_finite_loss_restores_the_best_not_the_last_finite(path: str) -> None:
    made = trainer(path, task="regression", dataset="sine", features=["x1"], learning_rate=3.0)
    start = made.stats.train_loss
    info = train_until_diverged(made).divergence
    assert made.stats.train_loss is not None and made.stats.train_loss <= start + 1e-12
    assert info.best_epoch is not None and info.best_epoch < info.epoch
    made.apply(made.config.model_copy(update={"learning_rate": 0.01}))
    made.train(time.perf_counter() + 5, 2)  # and training goes on from there
    assert made.stats.train_loss is not None


def test_the_default_run_is_never_flagged(path: str) -> None:
    made = trainer(path)
    for _ in range(500):
        made.train(time.perf_counter() + 5, 2)
    assert made.stats.train_accuracy == 1.0


def test_describe_change_names_the_likeliest_culprit() -> None:
    base = Config()
    tanh4 = [LayerSpec(units=4, activation="tanh"), LayerSpec(units=2)]
    relu = [LayerSpec(units=4, activation="relu"), LayerSpec(units=2)]
    assert describe_change(Config(layers=tanh4), Config(layers=relu)) == Change(
        "activation", 0, "tanh", "relu"
    )
    both = base.model_copy(update={"learning_rate": 3.0, "layers": relu})
    assert describe_change(base, both) == Change("learning_rate", None, "0.03", "3.0")
    assert describe_change(base, base.model_copy(update={"layers": tanh4[:1]})) == Change(
        "layers", None, "4-2", "4"
    )
    assert describe_change(base, base.model_copy(update={"speed": 0.0, "grid": 50})) is None
    assert smaller_learning_rate(10.0) == 3.0 and smaller_learning_rate(0.03) == 0.01
    assert smaller_learning_rate(0.00001) is None
