"""Live edits: untouched weights stay exactly, survivors keep theirs, training goes on."""

from collections.abc import Callable

import numpy as np
import pytest

from app.nn import MLP, make_optimizer
from app.nn.optimizers import Optimizer

Array = np.ndarray


def _net() -> MLP:
    return MLP(2, [(6, "tanh"), (5, "relu"), (4, "tanh")], 1, task="binary", seed=0)


def _snapshot(net: MLP) -> list[Array]:
    return [p.copy() for p in net.parameters()]


def _xor(n: int = 200, seed: int = 0) -> tuple[Array, Array]:
    x = np.random.default_rng(seed).uniform(-1, 1, (n, 2))
    return x, (x[:, 0] * x[:, 1] > 0).astype(float)


def _train(net: MLP, opt: Optimizer, x: Array, y: Array, epochs: int) -> None:
    rng = np.random.default_rng(1)
    for _ in range(epochs):
        order = rng.permutation(len(x))
        for batch in np.array_split(order, len(x) // 10):
            _, grads = net.loss_and_grads(x[batch], y[batch])
            opt.step(net.parameters(), grads)


def test_set_activation_keeps_weights_and_adds_or_removes_prelu_slopes() -> None:
    net = _net()
    before = net.parameters()
    assert net.set_activation(1, "sigmoid") == list(range(8))
    assert all(p is q for p, q in zip(net.parameters(), before))
    mapping = net.set_activation(1, "prelu")  # [W1 b1 W2 b2 alpha2 W3 b3 W4 b4]
    assert mapping == [0, 1, 2, 3, None, 4, 5, 6, 7]
    np.testing.assert_array_equal(net.parameters()[4], np.full(5, 0.25))
    net.parameters()[4][:] = 0.3
    assert net.set_activation(1, "prelu") == list(range(9))  # prelu -> prelu keeps slopes
    assert np.all(net.parameters()[4] == 0.3)
    assert net.set_activation(1, "elu") == [0, 1, 2, 3, 5, 6, 7, 8]
    assert net.hidden[1] == (5, "elu", 0.0)
    assert all(p is q for p, q in zip(net.parameters(), before))


def test_insert_layer_changes_only_the_new_layer_and_its_consumer() -> None:
    net = _net()
    old = _snapshot(net)
    mapping = net.insert_layer(1, 3, "relu", dropout=0.1)
    params = net.parameters()
    assert net.layer_sizes == [2, 6, 3, 5, 4, 1]
    assert net.hidden[1] == (3, "relu", 0.1)
    # new: [W1 b1 | Wn bn | W2' b2 | W3 b3 | W4 b4]
    assert mapping == [0, 1, None, None, None, 3, 4, 5, 6, 7]
    for new, was in enumerate(mapping):
        if was is not None:
            np.testing.assert_array_equal(params[new], old[was])
    assert params[2].shape == (6, 3) and params[4].shape == (3, 5)
    net.insert_layer(4, 2, "tanh")  # at the end: the output layer consumes it
    assert net.layer_sizes == [2, 6, 3, 5, 4, 2, 1]
    assert net.parameters()[-2].shape == (2, 1)


def test_remove_layer_keeps_the_consumer_rows_that_still_fit() -> None:
    net = _net()
    old = _snapshot(net)
    mapping = net.remove_layer(1)  # 6 -> [5 removed] -> 4: W3 goes from (5, 4) to (6, 4)
    params = net.parameters()
    assert net.layer_sizes == [2, 6, 4, 1]
    assert mapping == [0, 1, None, 5, 6, 7]
    np.testing.assert_array_equal(params[2][:5], old[4])  # overlapping rows kept
    assert params[2].shape == (6, 4)
    np.testing.assert_array_equal(params[3], old[5])
    net.remove_layer(0)  # 4 units feeding W3 (6, 4) -> (2, 4): first two rows kept
    np.testing.assert_array_equal(net.parameters()[0], params[2][:2])
    net.remove_layer(0)
    assert net.layer_sizes == [2, 1] and len(net.parameters()) == 2


@pytest.mark.parametrize("units", [3, 8])
def test_resize_layer_keeps_surviving_neurons(units: int) -> None:
    net = _net()
    net.set_activation(1, "prelu")
    net.parameters()[4][:] = np.arange(5.0)  # distinct slopes to follow
    old = _snapshot(net)
    mapping = net.resize_layer(1, units)
    params, m = net.parameters(), min(units, 5)
    assert mapping == [0, 1, None, None, None, None, 6, 7, 8]
    assert net.layer_sizes == [2, 6, units, 4, 1]
    np.testing.assert_array_equal(params[2][:, :m], old[2][:, :m])  # incoming columns
    np.testing.assert_array_equal(params[3][:m], old[3][:m])  # biases
    np.testing.assert_array_equal(params[4][:m], old[4][:m])  # slopes
    np.testing.assert_array_equal(params[5][:m], old[5][:m])  # outgoing rows
    for k in (0, 1, 6, 7, 8):
        np.testing.assert_array_equal(params[k], old[k])
    if units > 5:
        assert np.all(params[4][5:] == 0.25) and np.all(params[3][5:] == 0.0)
        assert not np.all(params[2][:, 5:] == 0.0)  # fresh neurons are initialised
    assert net.resize_layer(1, units) == list(range(9))


def test_set_dropout_and_set_input_size() -> None:
    net = _net()
    old = _snapshot(net)
    assert net.set_dropout(2, 0.5) == list(range(8))
    assert net.hidden[2] == (4, "tanh", 0.5)
    mapping = net.set_input_size(3)
    assert mapping == [None] + list(range(1, 8))
    np.testing.assert_array_equal(net.parameters()[0][:2], old[0])
    assert net.layer_sizes[0] == 3
    assert net.predict(np.zeros((1, 3))).shape == (1, 1)
    with pytest.raises(ValueError, match=r"dropout rate .*received 2"):
        net.set_dropout(0, 2)


def test_optimizer_state_follows_the_mapping() -> None:
    net, opt = _net(), make_optimizer("adam", 0.01)
    x, y = _xor(20)
    opt.step(net.parameters(), net.loss_and_grads(x, y)[1])
    states = list(opt.state)
    opt.sync(net.resize_layer(1, 7))
    assert opt.state[:2] == states[:2] and opt.state[0] is states[0]
    assert opt.state[2:5] == [None, None, None]
    assert opt.state[5] is states[5] and opt.state[7] is states[7]
    opt.step(net.parameters(), net.loss_and_grads(x, y)[1])
    assert opt.state[0]["step"] == 2 and opt.state[2]["step"] == 1


EDITS: dict[str, Callable[[MLP], list[int | None]]] = {
    "set_activation": lambda net: net.set_activation(0, "prelu"),
    "insert_layer": lambda net: net.insert_layer(1, 4, "relu"),
    "remove_layer": lambda net: net.remove_layer(1),
    "resize_layer": lambda net: net.resize_layer(0, 8),
    "set_dropout": lambda net: net.set_dropout(0, 0.1),
}


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_network_still_trains_after_each_edit(edit: str) -> None:
    net, opt = MLP(2, [(4, "tanh"), (4, "tanh")], 1, seed=0), make_optimizer("adam", 0.03)
    x, y = _xor()
    _train(net, opt, x, y, 3)
    opt.sync(EDITS[edit](net))
    after_edit = net.loss(x, y)
    _train(net, opt, x, y, 15)
    assert net.loss(x, y) < 0.8 * after_edit
