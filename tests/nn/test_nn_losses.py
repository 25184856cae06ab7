"""Losses: finite-difference gradients, fused forms equal the plain chains, huge logits."""

import numpy as np
import pytest

from app.nn import LOSSES, TASKS, get_loss
from app.nn.activations import sigmoid, softmax
from app.nn.gradcheck import central_difference

Array = np.ndarray


def _task_of(loss: str) -> str:
    return next(name for name, task in TASKS.items() if loss in task.losses)


def _targets(loss: str, rng: np.random.Generator, n: int, k: int) -> Array:
    task = _task_of(loss)
    if task == "binary":
        return rng.integers(0, 2, (n, 1)).astype(float)
    if task == "multiclass":
        return rng.integers(0, k, n)
    return rng.normal(size=(n, k))


def _logits(loss: str, rng: np.random.Generator, n: int, k: int) -> Array:
    return rng.normal(size=(n, 1 if _task_of(loss) == "binary" else k)) * 2


def test_every_loss_belongs_to_exactly_one_task() -> None:
    owners = [loss for task in TASKS.values() for loss in task.losses]
    assert sorted(owners) == sorted(LOSSES)
    assert {t: TASKS[t].default_loss for t in TASKS} == {
        "binary": "logloss", "multiclass": "cross_entropy", "regression": "mse"
    }  # fmt: skip


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_loss_grad_matches_finite_differences(name: str) -> None:
    rng, loss = np.random.default_rng(0), get_loss(name)
    z, y = _logits(name, rng, 6, 3), _targets(name, rng, 6, 3)
    if name in ("mae", "huber"):
        z = y + rng.choice([-1.0, 1.0], y.shape) * rng.uniform(0.1, 3.0, y.shape)  # off kinks
    numeric = central_difference(lambda v: loss.value(v, y), z.copy())
    np.testing.assert_allclose(loss.grad(z, y), numeric, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_loss_is_finite_and_silent_for_huge_logits(name: str) -> None:
    rng, loss = np.random.default_rng(0), get_loss(name)
    y = _targets(name, rng, 4, 3)
    z = np.where(rng.random(_logits(name, rng, 4, 3).shape) < 0.5, -1e4, 1e4)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        value, grad = loss.value(z, y), loss.grad(z, y)
    assert np.isfinite(value) and np.all(np.isfinite(grad))


def test_fused_logloss_equals_sigmoid_then_log_loss() -> None:
    rng = np.random.default_rng(0)
    z, y = rng.normal(size=(8, 1)) * 3, rng.integers(0, 2, (8, 1)).astype(float)
    p = sigmoid(z)
    plain = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert LOSSES["logloss"].value(z, y) == pytest.approx(plain, rel=1e-12)


def test_fused_cross_entropy_equals_softmax_then_negative_log() -> None:
    rng = np.random.default_rng(0)
    z, y = rng.normal(size=(8, 4)) * 3, rng.integers(0, 4, 8)
    plain = -np.mean(np.log(softmax(z)[np.arange(8), y]))
    assert LOSSES["cross_entropy"].value(z, y) == pytest.approx(plain, rel=1e-12)


def test_regression_losses_match_torch_definitions() -> None:
    z, y = np.array([[0.0, 3.0], [1.0, -0.5]]), np.array([[1.0, 0.0], [1.0, 0.0]])
    d = z - y  # -1, 3, 0, -0.5
    assert LOSSES["mse"].value(z, y) == pytest.approx((1 + 9 + 0 + 0.25) / 4)
    assert LOSSES["mae"].value(z, y) == pytest.approx((1 + 3 + 0 + 0.5) / 4)
    huber = (0.5 + 2.5 + 0 + 0.125) / 4  # 0.5 d^2 inside |d| <= 1, |d| - 0.5 outside
    assert LOSSES["huber"].value(z, y) == pytest.approx(huber)
    assert d.size == 4


def test_unknown_loss_names_the_allowed_ones() -> None:
    with pytest.raises(ValueError, match=r"unknown loss 'hinge'.*'mse'"):
        get_loss("hinge")
