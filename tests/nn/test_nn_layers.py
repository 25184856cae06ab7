"""Layers: backward passes against finite differences for inputs and parameters; dropout."""

from collections.abc import Callable

import numpy as np
import pytest

from app.nn import Dense, Dropout, Layer, PReLU
from app.nn.gradcheck import central_difference
from app.nn.layers import Activation, init_weights

Array = np.ndarray


def _away_from_zero(rng: np.random.Generator, shape: tuple[int, ...]) -> Array:
    return rng.choice([-1.0, 1.0], shape) * rng.uniform(0.2, 2.0, shape)


LAYERS: dict[str, Callable[[np.random.Generator], tuple[Layer, int]]] = {
    "dense": lambda rng: (Dense(rng.normal(size=(3, 4)), rng.normal(size=4)), 3),
    "prelu": lambda rng: (PReLU(rng.uniform(0.05, 0.5, 3)), 3),
    "activation_tanh": lambda rng: (Activation("tanh"), 3),
    "activation_elu": lambda rng: (Activation("elu"), 3),
    "dropout": lambda rng: (Dropout(0.4), 3),
}


def _check_layer(layer: Layer, x: Array, seed: int) -> None:
    """Compare backward's dL/dx and parameter grads with finite differences of L = sum(y * dy)."""
    rng = np.random.default_rng(1)
    dy = rng.normal(size=layer.forward(x, np.random.default_rng(seed)).shape)

    def loss(_: Array) -> float:
        return float(np.sum(layer.forward(x, np.random.default_rng(seed)) * dy))  # same mask

    layer.forward(x, np.random.default_rng(seed))
    dx = layer.backward(dy)
    grads = [g.copy() for g in layer.grads()]
    np.testing.assert_allclose(dx, central_difference(loss, x), rtol=1e-6, atol=1e-9)
    for p, g in zip(layer.params(), grads):
        np.testing.assert_allclose(g, central_difference(loss, p), rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_layer_backward_matches_finite_differences(name: str) -> None:
    rng = np.random.default_rng(0)
    layer, width = LAYERS[name](rng)
    _check_layer(layer, _away_from_zero(rng, (5, width)), seed=7)


def test_dense_is_x_w_plus_b() -> None:
    w, b, x = np.arange(6.0).reshape(2, 3), np.array([1.0, 0.0, -1.0]), np.array([[1.0, 2.0]])
    np.testing.assert_array_equal(Dense(w, b).forward(x), x @ w + b)
    assert [p.shape for p in Dense(w, b).params()] == [(2, 3), (3,)]


def test_prelu_slopes_start_at_a_quarter_and_learn_from_negative_inputs() -> None:
    layer = PReLU.create(2)
    np.testing.assert_array_equal(layer.alpha, [0.25, 0.25])
    y = layer.forward(np.array([[-4.0, 3.0]]))
    np.testing.assert_array_equal(y, [[-1.0, 3.0]])
    layer.backward(np.ones((1, 2)))
    np.testing.assert_array_equal(layer.dalpha, [-4.0, 0.0])


def test_dropout_is_inverted_and_only_active_with_an_rng() -> None:
    x = np.ones((2000, 10))
    layer = Dropout(0.25)
    np.testing.assert_array_equal(layer.forward(x), x)  # inference: identity
    y = layer.forward(x, np.random.default_rng(0))
    assert set(np.unique(y)) == {0.0, 1.0 / 0.75}
    assert abs(y.mean() - 1.0) < 0.02  # expectation kept by the 1/(1-rate) scale
    assert abs((y == 0).mean() - 0.25) < 0.01
    np.testing.assert_array_equal(layer.backward(np.ones_like(x)), y)  # same mask backwards


def test_weight_init_limits() -> None:
    rng = np.random.default_rng(0)
    assert np.abs(init_weights(30, 10, "glorot", rng)).max() <= np.sqrt(6 / 40)
    assert np.abs(init_weights(30, 10, "he", rng)).max() <= np.sqrt(6 / 30)
    w = init_weights(30, 10, "he", rng)
    assert np.abs(w).max() > np.sqrt(6 / 40)  # wider than Glorot
    assert np.abs(init_weights(30, 10, "uniform", rng)).max() <= 0.5
    with pytest.raises(ValueError, match="'normal'"):
        init_weights(3, 3, "normal", rng)
