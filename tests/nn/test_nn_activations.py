"""Activations: registry names, finite-difference derivatives, stability for huge inputs."""

import numpy as np
import pytest

from app.nn import ACTIVATIONS, get_activation
from app.nn.gradcheck import central_difference

NAMES = {
    "linear", "sigmoid", "tanh", "softsign", "step", "softplus", "relu", "leaky_relu", "prelu",
    "elu", "gelu", "silu", "hardtanh",
}  # fmt: skip


def test_registry_holds_exactly_the_playground_names() -> None:
    assert set(ACTIVATIONS) == NAMES


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_backward_matches_finite_differences(name: str) -> None:
    act, rng = get_activation(name), np.random.default_rng(0)
    z = rng.choice([-1.0, 1.0], (4, 3)) * rng.uniform(0.1, 3.0, (4, 3))  # away from kinks
    da = rng.normal(size=z.shape)
    numeric = central_difference(lambda v: float(np.sum(act.forward(v) * da)), z.copy())
    np.testing.assert_allclose(act.backward(z, act.forward(z), da), numeric, rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_is_finite_and_silent_for_huge_inputs(name: str) -> None:
    act = get_activation(name)
    z = np.array([[-1e300, -1e4, -750.0, -40.0, 0.0, 40.0, 750.0, 1e4, 1e300]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        a = act.forward(z)
        d = act.backward(z, a, np.ones_like(z))
    assert np.all(np.isfinite(a)) and np.all(np.isfinite(d))


def test_known_values() -> None:
    z = np.array([-2.0, 0.5])
    np.testing.assert_allclose(ACTIVATIONS["sigmoid"].forward(z), 1 / (1 + np.exp(-z)))
    np.testing.assert_allclose(ACTIVATIONS["leaky_relu"].forward(z), [-0.02, 0.5])
    np.testing.assert_allclose(ACTIVATIONS["prelu"].forward(z), [-0.5, 0.5])
    np.testing.assert_allclose(ACTIVATIONS["elu"].forward(z), [np.expm1(-2.0), 0.5])
    np.testing.assert_array_equal(ACTIVATIONS["step"].forward(z), [0.0, 1.0])
    np.testing.assert_array_equal(ACTIVATIONS["step"].backward(z, z, np.ones(2)), [0.0, 0.0])
    gelu = 0.5 * z * (1 + np.tanh(np.sqrt(2 / np.pi) * (z + 0.044715 * z**3)))
    np.testing.assert_allclose(ACTIVATIONS["gelu"].forward(z), gelu)


def test_unknown_activation_names_the_allowed_ones() -> None:
    with pytest.raises(ValueError, match=r"unknown activation 'swish'.*'tanh'"):
        get_activation("swish")
