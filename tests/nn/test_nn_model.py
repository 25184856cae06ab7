"""MLP: whole-network gradients per task and activation, structure, seeding, errors."""

import numpy as np
import pytest

from app.nn import ACTIVATIONS, LOSSES, MLP, TASKS
from app.nn.gradcheck import central_difference

Array = np.ndarray


def _data(task: str, n: int = 7, d: int = 3, k: int = 3, seed: int = 0) -> tuple[Array, Array]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d))
    if task == "binary":
        return x, rng.integers(0, 2, n)
    if task == "multiclass":
        return x, rng.integers(0, k, n)
    return x, rng.normal(size=(n, k))


def _outputs(task: str) -> int:
    return 1 if task == "binary" else 3


def _check_net(net: MLP, x: Array, y: Array) -> None:
    """Every gradient of loss_and_grads equals central differences (dropout mask fixed by seed)."""

    def loss(_: Array) -> float:
        net.rng = np.random.default_rng(42)
        return net.loss_and_grads(x, y)[0]

    net.rng = np.random.default_rng(42)
    _, grads = net.loss_and_grads(x, y)
    grads = [g.copy() for g in grads]
    params = net.parameters()
    assert [g.shape for g in grads] == [p.shape for p in params]
    for p, g in zip(params, grads):
        np.testing.assert_allclose(g, central_difference(loss, p), rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("loss", sorted(LOSSES))
def test_network_gradients_for_every_task_and_loss(loss: str) -> None:
    task = next(t for t in TASKS if loss in TASKS[t].losses)
    layers = [(4, "tanh"), (3, "prelu", 0.3), (3, "sigmoid", 0.2)]
    net = MLP(3, layers, _outputs(task), task=task, loss=loss, l1=0.01, l2=0.03, seed=1)
    x, y = _data(task)
    if loss in ("mae", "huber"):
        y = net.predict(x) + np.where(np.arange(y.size).reshape(y.shape) % 2, 2.0, -2.0)
    _check_net(net, x, y)


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_network_gradients_for_every_activation(activation: str) -> None:
    net = MLP(3, [(5, activation), (4, activation, 0.25)], 1, task="binary", l2=0.01, seed=3)
    _check_net(net, *_data("binary"))


@pytest.mark.parametrize("task", sorted(TASKS))
def test_zero_hidden_layers_is_plain_regression(task: str) -> None:
    net = MLP(3, [], _outputs(task), task=task, seed=0)
    x, y = _data(task)
    w, b = net.weights()[0]
    assert len(net.parameters()) == 2
    link = TASKS[task].link
    np.testing.assert_allclose(net.predict(x), link(x @ w + b))
    _check_net(net, x, y)


def test_penalty_adds_to_loss_and_grads_only_on_weights() -> None:
    net = MLP(2, [(3, "prelu")], 1, task="regression", seed=0)
    x, y = _data("regression", d=2, k=1)
    base, g0 = net.loss_and_grads(x, y)
    g0 = [g.copy() for g in g0]
    net.l1, net.l2 = 0.1, 0.2
    value, g1 = net.loss_and_grads(x, y)
    (w1, _), (w2, _) = net.weights()
    penalty = 0.1 * (np.abs(w1).sum() + np.abs(w2).sum()) + 0.1 * ((w1**2).sum() + (w2**2).sum())
    assert value == pytest.approx(base + penalty)
    assert net.loss(x, y) == pytest.approx(base)  # data loss only by default
    assert net.loss(x, y, penalty=True) == pytest.approx(value)
    for k, (a, b) in enumerate(zip(g0, g1)):
        p = net.parameters()[k]
        extra = 0.1 * np.sign(p) + 0.2 * p if k in (0, 3) else 0.0  # W1, W2 (b1, alpha1, b2 not)
        np.testing.assert_allclose(b, a + extra)


def test_shapes_parameters_and_neuron_outputs() -> None:
    net = MLP(2, [(8, "tanh"), (8, "prelu", 0.1), (4, "relu")], 3, task="multiclass", seed=0)
    shapes = [p.shape for p in net.parameters()]
    assert shapes == [(2, 8), (8,), (8, 8), (8,), (8,), (8, 4), (4,), (4, 3), (3,)]
    assert net.layer_sizes == [2, 8, 8, 4, 3]
    assert net.hidden == [(8, "tanh", 0.0), (8, "prelu", 0.1), (4, "relu", 0.0)]
    x = np.random.default_rng(0).normal(size=(5, 2))
    outs = net.activations(x)
    assert [a.shape for a in outs] == [(5, 8), (5, 8), (5, 4), (5, 3)]
    np.testing.assert_allclose(outs[-1], net.predict(x))
    np.testing.assert_allclose(net.predict(x).sum(axis=1), 1.0)
    np.testing.assert_array_equal(net.predict(x), net.predict(x))  # no dropout at inference
    net.parameters()[0][1, 2] = 5.0  # parameters are the live arrays
    assert net.weights()[0][0][1, 2] == 5.0


def test_binary_predict_is_probability_column_and_accepts_either_target_shape() -> None:
    net = MLP(3, [(4, "tanh")], seed=0)
    x, y = _data("binary")
    p = net.predict(x)
    assert p.shape == (7, 1) and np.all((p > 0) & (p < 1))
    assert net.loss(x, y) == net.loss(x, y.reshape(-1, 1))


def test_same_seed_same_weights_and_layers_draw_independently() -> None:
    a = MLP(2, [(8, "tanh"), (8, "relu")], 1, seed=7)
    b = MLP(2, [(8, "tanh"), (8, "relu")], 1, seed=7)
    c = MLP(2, [(8, "tanh"), (8, "relu")], 1, seed=8)
    assert all(np.array_equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    assert not np.array_equal(a.parameters()[0], c.parameters()[0])
    d = MLP(2, [(8, "tanh"), (5, "relu")], 1, seed=7)  # layer 2 differs: layer 1 identical
    np.testing.assert_array_equal(a.parameters()[0], d.parameters()[0])


def test_init_schemes() -> None:
    glorot = MLP(2, [(8, "tanh"), (8, "relu")], 1, seed=0)
    assert np.abs(glorot.parameters()[0]).max() <= np.sqrt(6 / 10)  # Glorot: tanh
    assert np.abs(glorot.parameters()[2]).max() > np.sqrt(6 / 16)  # He: relu is wider
    assert np.abs(glorot.parameters()[2]).max() <= np.sqrt(6 / 8)
    assert np.all(glorot.parameters()[1] == 0)
    classic = MLP(2, [(8, "tanh")], 1, init="uniform", seed=0)
    assert np.abs(classic.parameters()[0]).max() <= 0.5
    assert np.all(classic.parameters()[1] == 0.1)


def test_dropout_only_in_training_and_driven_by_the_net_rng() -> None:
    net = MLP(3, [(50, "tanh", 0.5)], 1, seed=0)
    x, y = _data("binary")
    assert net.loss(x, y) == net.loss(x, y)
    net.rng = np.random.default_rng(1)
    first = net.loss_and_grads(x, y)[0]
    second = net.loss_and_grads(x, y)[0]
    net.rng = np.random.default_rng(1)
    assert net.loss_and_grads(x, y)[0] == first != second


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"layers": [(4, "swish")]}, r"unknown activation 'swish'.*'relu'"),
        ({"layers": [(0, "tanh")]}, r"units must be a positive int, received 0"),
        ({"layers": [(4, "tanh", 1.0)]}, r"dropout rate must be .*\[0, 1\), received 1.0"),
        ({"layers": [4]}, r"a layer is \(units, activation\).*received 4"),
        ({"task": "ranking"}, r"unknown task 'ranking'.*'binary'"),
        ({"task": "binary", "loss": "mse"}, r"loss 'mse' does not fit task 'binary'.*'logloss'"),
        ({"task": "regression", "loss": "hinge"}, r"unknown loss 'hinge'"),
        ({"task": "multiclass", "outputs": 1}, r"outputs in \[2, inf\], received 1"),
        ({"outputs": 2}, r"task 'binary' needs outputs in \[1, 1\], received 2"),
        ({"init": "zeros"}, r"unknown init 'zeros'.*'glorot'"),
        ({"l2": -1.0}, r"l2 must be a number >= 0, received -1.0"),
    ],
)
def test_bad_arguments_name_the_bad_value(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        MLP(2, **kwargs)


def test_bad_data_and_indices_name_the_bad_value() -> None:
    net = MLP(2, [(3, "tanh")], 3, task="multiclass", seed=0)
    with pytest.raises(ValueError, match=r"X must have shape \(n, 2\), received \(4, 3\)"):
        net.predict(np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"class ids in 0..2"):
        net.loss(np.zeros((2, 2)), [0, 3])
    with pytest.raises(ValueError, match=r"one target per row of X \(2\), received shape \(3,\)"):
        net.loss(np.zeros((2, 2)), [0, 1, 2])
    with pytest.raises(ValueError, match=r"index must be an int in \[0, 1\), received 1"):
        net.resize_layer(1, 4)
    with pytest.raises(ValueError, match=r"index must be an int in \[0, 2\), received -1"):
        net.insert_layer(-1, 4)
