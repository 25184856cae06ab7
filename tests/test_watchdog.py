"""The watchdog: best weights kept, thrashing and spikes and non-finite losses caught."""

from __future__ import annotations

import numpy as np
import pytest

from app.nn import MLP
from app.watchdog import SPIKE, WINDOW, Watchdog, constant_loss


def test_constant_loss_is_what_knowing_nothing_scores() -> None:
    y = np.array([0, 1, 1, 1])
    binary = MLP(2, [], 1, task="binary", seed=0)
    p = 0.75
    assert constant_loss(binary, y) == pytest.approx(-(p * np.log(p) + (1 - p) * np.log(1 - p)))
    classes = MLP(2, [], 3, task="multiclass", seed=0)
    assert constant_loss(classes, np.array([0, 1, 2, 2])) == pytest.approx(
        -(2 * np.log(0.25) + 2 * np.log(0.5)) / 4
    )
    values = np.array([1.0, 2.0, 3.0, 10.0])
    mse = MLP(2, [], 1, task="regression", loss="mse", seed=0)
    assert constant_loss(mse, values) == pytest.approx(np.var(values))
    mae = MLP(2, [], 1, task="regression", loss="mae", seed=0)
    assert constant_loss(mae, values) == pytest.approx(np.mean(np.abs(values - 2.5)))
    assert constant_loss(mse, np.ones(4)) == 1e-3  # constant targets: a floor, not zero


def run(watchdog: Watchdog, losses: list[float | None]) -> list[bool]:
    params = [np.zeros(3)]
    verdicts = []
    for epoch, loss in enumerate(losses, start=1):
        params[0][...] = epoch  # the weights of this epoch
        verdicts.append(watchdog.observe(params, loss, epoch))
    return verdicts


def started(loss: float = 0.69, scale: float = 0.69) -> Watchdog:
    watchdog = Watchdog()
    watchdog.restart([np.zeros(3)], loss, 0, scale)
    return watchdog


def test_best_weights_are_copied_and_kept() -> None:
    watchdog = started()
    assert run(watchdog, [0.5, 0.3, 0.4, 0.35]) == [False] * 4
    assert watchdog.best is not None
    assert (watchdog.best.epoch, watchdog.best.loss) == (2, 0.3)
    assert np.all(watchdog.best.params[0] == 2)  # a copy: later epochs did not change it


def test_a_noisy_healthy_run_is_not_flagged() -> None:
    rng = np.random.default_rng(0)
    losses = list(0.05 + 0.3 * rng.random(200))  # SGD noise of half a constant-loss unit
    assert not any(run(started(), losses))


def test_thrashing_is_caught_after_a_window() -> None:
    # lr 10 on a classifier: 0.5 to 2.2, ~50 % accuracy, never non-finite.
    verdicts = run(started(), [0.3, 2.2, 0.5, 1.9, 0.6, 2.1, 0.5])
    assert verdicts[:WINDOW] == [False] * WINDOW and verdicts[WINDOW] is True


def test_a_spike_is_caught_at_once_and_non_finite_always() -> None:
    assert run(started(), [0.05, 0.05 + SPIKE * 0.69 + 1]) == [False, True]
    assert run(started(), [None]) == [True]


def test_restart_forgets_the_old_run() -> None:
    watchdog = started()
    run(watchdog, [0.01, 0.02])
    watchdog.restart([np.ones(5)], 0.6, 7, 0.69)  # an edit: new shapes, a higher loss
    assert watchdog.best is not None and watchdog.best.epoch == 7
    assert run(watchdog, [0.65, 0.7]) == [False, False]  # not measured against 0.01


def test_an_overshoot_on_the_way_down_from_a_bad_start_is_not_a_blow_up() -> None:
    # A deep linear net from a large start: 72 -> 2.1, then Adam overshoots to 3 and settles.
    losses = [58.5, 46.3, 36.2, 27.8, 21.0, 15.6, 11.3, 8.1, 5.7, 4.0, 3.0, 2.37, 2.13, 2.13,
              2.28, 2.5, 2.73, 2.93, 3.05, 3.0, 2.8, 2.5, 2.2, 1.9]  # fmt: skip
    assert not any(run(started(72.9, scale=0.158), losses))
