"""Optimizers: two steps of each torch.optim rule, computed by hand; state sync; errors."""

import numpy as np
import pytest

from app.nn import OPTIMIZERS, make_optimizer

G1, G2 = np.array([0.5, -1.0]), np.array([0.2, 0.4])  # the gradients of step 1 and step 2
LR = 0.1

# p starts at [1, -2]; expected p after step 1 and after step 2, from torch's formulas.
EXPECTED = {
    # p -= lr g
    "sgd": ([0.95, -1.9], [0.93, -1.94]),
    # b1 = g1 = [.5, -1];  b2 = .9 b1 + g2 = [.65, -.5];  p -= lr b
    "momentum": ([0.95, -1.9], [0.885, -1.85]),
    # p -= lr (g + .9 b):  step 1: 1.9 g1 = [.95, -1.9];  step 2: g2 + .9 [.65, -.5] = [.785, -.05]
    "nesterov": ([0.905, -1.81], [0.8265, -1.805]),
    # sum1 = [.25, 1];  sum2 = [.29, 1.16];  p -= lr g / sqrt(sum)
    "adagrad": ([0.9, -1.9], [0.9 - 0.02 / np.sqrt(0.29), -1.9 - 0.04 / np.sqrt(1.16)]),
    # v1 = .01 g1^2 = [.0025, .01];  v2 = .99 v1 + .01 g2^2 = [.002875, .0115];  p -= lr g / sqrt(v)
    "rmsprop": ([0.0, -1.0], [-0.02 / np.sqrt(0.002875), -1.0 - 0.04 / np.sqrt(0.0115)]),
    # t=1: m = [.05, -.1], v = [.00025, .001], bias-corrected m/sqrt(v) = sign(g1) -> p -= lr sign
    # t=2: m = [.065, -.05], v = [.00028975, .001159], bc1 = .19, bc2 = .001999
    "adam": (
        [0.9, -1.9],
        [
            0.9 - LR / 0.19 * 0.065 / np.sqrt(0.00028975 / 0.001999),
            -1.9 - LR / 0.19 * -0.05 / np.sqrt(0.001159 / 0.001999),
        ],
    ),
    # torch.optim.Adamax: m = b1 m + (1 - b1) g, u = max(b2 u, |g| + eps), p -= lr/(1-b1^t) m/u
    # t=1: m = [.05, -.1], u = [.5, 1] (+eps), lr/(1 - .9) = 1 -> p -= [.1, -.1]
    # t=2: m = [.065, -.05], u = max(.999 [.5, 1], [.2, .4]) = [.4995, .999], lr/(1 - .81)
    "adamax": (
        [0.9, -1.9],
        [0.9 - LR / 0.19 * 0.065 / 0.4995, -1.9 - LR / 0.19 * -0.05 / 0.999],
    ),
}


def test_every_optimizer_has_a_hand_computed_check() -> None:
    assert set(EXPECTED) == set(OPTIMIZERS)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_two_steps_match_the_torch_update_rule(name: str) -> None:
    p, opt = np.array([1.0, -2.0]), make_optimizer(name, LR)  # atol 1e-6: eps effects ~2e-7
    opt.step([p], [G1])
    np.testing.assert_allclose(p, EXPECTED[name][0], rtol=1e-7, atol=1e-6)
    opt.step([p], [G2])
    np.testing.assert_allclose(p, EXPECTED[name][1], rtol=1e-7, atol=1e-6)


def test_defaults_are_torch_defaults_and_discoverable() -> None:
    assert OPTIMIZERS["momentum"].defaults == {"momentum": 0.9}
    assert OPTIMIZERS["nesterov"].defaults == {"momentum": 0.9}
    assert OPTIMIZERS["adam"].defaults == {"betas": (0.9, 0.999), "eps": 1e-8}
    assert OPTIMIZERS["adamax"].defaults == {"betas": (0.9, 0.999), "eps": 1e-8}
    assert OPTIMIZERS["rmsprop"].defaults == {"alpha": 0.99, "eps": 1e-8}
    assert OPTIMIZERS["adagrad"].defaults == {
        "lr_decay": 0.0, "eps": 1e-10, "initial_accumulator_value": 0.0
    }  # fmt: skip
    assert OPTIMIZERS["sgd"].defaults == {}


def test_hyper_parameters_are_live_attributes() -> None:
    opt = make_optimizer("momentum", 0.1, momentum=0.5)
    p = np.array([0.0])
    opt.step([p], [np.array([1.0])])  # b = 1, p = -0.1
    opt.lr, opt.momentum = 1.0, 0.0  # b = 0 b + 1 = 1
    opt.step([p], [np.array([1.0])])
    np.testing.assert_allclose(p, [-1.1])


def test_sync_keeps_state_of_surviving_tensors_and_resets_new_ones() -> None:
    opt = make_optimizer("momentum", 1.0)
    a, b = np.zeros(2), np.zeros(3)
    opt.step([a, b], [np.ones(2), np.ones(3)])  # buffers: ones
    c = np.zeros(4)
    opt.sync([None, 1])  # new params [c, b]: c is new, b was index 1
    opt.step([c, b], [np.ones(4), np.ones(3)])
    np.testing.assert_allclose(c, -np.ones(4))  # fresh buffer: b = g
    np.testing.assert_allclose(b, -np.ones(3) - 1.9)  # kept buffer: .9 * 1 + 1


def test_state_resets_itself_on_shape_or_length_mismatch() -> None:
    opt = make_optimizer("adam", 0.1)
    opt.step([np.zeros(2)], [np.ones(2)])
    p = np.zeros(3)
    opt.step([p], [np.ones(3)])  # the old (2,) state cannot apply: fresh Adam step
    np.testing.assert_allclose(p, -0.1 * np.ones(3))
    opt.step([p, np.zeros(1)], [np.ones(3), np.ones(1)])  # length changed: all fresh
    assert opt.state[0] is not None and opt.state[0]["step"] == 1
    opt.reset()
    assert opt.state == []


def test_bad_arguments_name_the_value_and_the_choices() -> None:
    with pytest.raises(ValueError, match=r"unknown optimizer 'lbfgs'.*'adam'"):
        make_optimizer("lbfgs", 0.1)
    with pytest.raises(ValueError, match=r"unknown hyper-parameter 'beta'.*'betas'"):
        make_optimizer("adam", 0.1, beta=0.9)
    with pytest.raises(ValueError, match=r"lr must be .*-1"):
        make_optimizer("sgd", -1)
