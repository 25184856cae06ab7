"""The closed-form least-squares fit: exact on linear data, optimal otherwise."""

from __future__ import annotations

import numpy as np
import pytest

from app.nn.closed_form import least_squares


def test_recovers_a_linear_function_exactly() -> None:
    x = np.random.default_rng(0).uniform(-6, 6, (50, 2))
    w, b = least_squares(x, x @ np.array([0.5, -2.0]) + 3.0)
    np.testing.assert_allclose(w, [0.5, -2.0], atol=1e-12)
    assert b == pytest.approx(3.0, abs=1e-12)


def test_gradient_of_the_mse_vanishes_at_the_solution() -> None:
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(40, 3)), rng.normal(size=40)
    w, b = least_squares(x, y)
    residual = x @ w + b - y  # (n,)
    np.testing.assert_allclose(x.T @ residual / 40, 0, atol=1e-12)  # dMSE/dw / 2
    assert abs(residual.mean()) < 1e-12  # dMSE/db / 2


def test_a_constant_feature_still_gets_an_answer() -> None:
    x = np.column_stack([np.linspace(-1, 1, 9), np.zeros(9)])  # x2 = 0, as on a 1-D curve
    w, b = least_squares(x, 2 * x[:, 0] + 1)
    assert w[0] == pytest.approx(2.0) and w[1] == pytest.approx(0.0) and b == pytest.approx(1.0)


def test_bad_shapes_are_named() -> None:
    with pytest.raises(ValueError, match="received"):
        least_squares(np.zeros((3, 2)), np.zeros(4))
