"""The compiled path (app.accel) equals the readable engine to 1e-12 on the same steps, edits too."""

from dataclasses import astuple

import numpy as np
import pytest
from nn_twins import (
    EDITS,
    Array,
    assert_same,
    data,
    epoch_orders,
    readable_epochs,
    spiral_config,
    twins,
)
from numpy.typing import NDArray

from app import accel
from app.accel import activations, losses, optimizers, pictures, tanh
from app.accel.layout import code_of
from app.nn import ACTIVATIONS, LOSSES, MLP, OPTIMIZERS, make_optimizer
from app.nn.optimizers import Optimizer
from app.session_config import Config, LayerSpec
from app.trainer import Trainer

pytestmark = pytest.mark.skipif(not accel.available(), reason="PLAYGROUND_NO_JIT=1")


@pytest.fixture(scope="module", autouse=True)
def _compiled() -> None:
    accel.warm_up()  # compile (or load from the cache) once, not inside the first test


def _compiled_epochs(
    net: MLP, opt: Optimizer, x: Array, y: Array, orders: list[Array], batch: int, chunk: int = 3
) -> None:
    plan = accel.TrainingPlan(net)
    xs, t = plan.columns(x, y)
    plan.begin(net, opt)
    for order in orders:
        start = 0
        while start < len(order):  # a few batches per call, as the trainer's chunks
            start = plan.run(xs, t, order, start, batch, chunk)
    plan.end(net)


def test_every_registry_entry_has_a_code() -> None:
    assert set(ACTIVATIONS) == set(activations.CODES)
    assert set(LOSSES) == set(losses.CODES)
    assert set(OPTIMIZERS) == set(optimizers.CODES) == set(optimizers.RULES)


def test_an_unknown_code_is_an_error_not_another_choice() -> None:
    unknown = len(ACTIVATIONS)  # the next code: an entry the kernel would not know
    with pytest.raises(ValueError, match="unknown activation code"):
        activations.activate(unknown, 0.5, 0.0)
    with pytest.raises(ValueError, match="unknown activation code"):
        activations.derivative(unknown, 0.5, 0.5, 0.0)
    z = np.zeros((1, 2))
    with pytest.raises(ValueError, match="unknown loss code"):
        losses.loss_grad(len(LOSSES), z, z, z.copy())
    p = np.zeros(2)
    counts = np.zeros((2, 1), dtype=np.int64)
    with pytest.raises(ValueError, match="unknown optimizer code"):
        optimizers.update(len(OPTIMIZERS), np.zeros(8), p, p, p, p, counts, 0)
    with pytest.raises(ValueError, match="no activation 'swish'"):
        code_of(activations.CODES, "swish", "activation")


@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
def test_compiled_equals_readable_engine_for_each_optimizer(optimizer: str) -> None:
    a, opt_a, b, opt_b = twins([(6, "tanh"), (5, "relu"), (4, "prelu")], optimizer)
    x, y = data()
    orders = epoch_orders(len(x), 4)
    readable_epochs(a, opt_a, x, y, orders, 10)
    _compiled_epochs(b, opt_b, x, y, orders, 10)
    assert_same(a, b)
    assert not np.allclose(a.parameters()[0], MLP(2, a.hidden, 1, seed=3).parameters()[0])


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
@pytest.mark.parametrize("optimizer", ["momentum", "adam"])
def test_compiled_equals_readable_engine_for_each_activation(name: str, optimizer: str) -> None:
    a, opt_a, b, opt_b = twins([(5, name), (3, name)], optimizer)
    x, y = data()
    orders = epoch_orders(len(x), 3)
    readable_epochs(a, opt_a, x, y, orders, 7)  # 7 leaves a short last batch
    _compiled_epochs(b, opt_b, x, y, orders, 7)
    assert_same(a, b)


@pytest.mark.parametrize(("task", "loss"), [("binary", None), ("multiclass", None),
                                            ("regression", "mse"), ("regression", "mae"),
                                            ("regression", "huber")])  # fmt: skip
# Batches of 10 run the kernel's loops, of 40 mostly BLAS (network.BLAS_MIN). Not Adam at 40: MAE's
# gradients are sums of +-1/n that cancel to 0 in one summation order and to ~1e-18 in another,
# and Adam, dividing by the gradient's own size, turns that into a step of +-lr.
@pytest.mark.parametrize(("optimizer", "batch"), [("sgd", 10), ("adam", 10), ("sgd", 40),
                                                  ("momentum", 40)])  # fmt: skip
def test_compiled_equals_readable_engine_for_each_loss(
    task: str, loss: str | None, optimizer: str, batch: int
) -> None:
    a, opt_a, b, opt_b = twins([(6, "tanh"), (4, "relu")], optimizer, task, loss)
    x, y = data()
    if task == "multiclass":
        y = (x[:, 0] > 0).astype(int) + (x[:, 1] > 0).astype(int)
    elif task == "regression":
        y = np.sin(x[:, 0])
    orders = epoch_orders(len(x), 3)
    readable_epochs(a, opt_a, x, y, orders, batch)
    _compiled_epochs(b, opt_b, x, y, orders, batch)
    assert_same(a, b)


@pytest.mark.parametrize(("l1", "l2"), [(0.001, 0.0), (0.0, 0.01), (0.001, 0.01)])
@pytest.mark.parametrize("optimizer", ["sgd", "rmsprop"])
def test_compiled_equals_readable_engine_with_l1_and_l2(
    l1: float, l2: float, optimizer: str
) -> None:
    a, opt_a, b, opt_b = twins([(6, "tanh"), (4, "tanh")], optimizer)
    for net in (a, b):
        net.l1, net.l2 = l1, l2
    x, y = data()
    orders = epoch_orders(len(x), 3)
    readable_epochs(a, opt_a, x, y, orders, 10)
    _compiled_epochs(b, opt_b, x, y, orders, 10)
    assert_same(a, b)


@pytest.mark.parametrize(("batch", "epochs"), [(120, 3), (1, 1)])  # 360 steps of 1 drift 1e-11
def test_compiled_full_batch_and_batch_of_one(batch: int, epochs: int) -> None:
    a, opt_a, b, opt_b = twins([(5, "tanh"), (3, "elu")], "nesterov")
    x, y = data()
    orders = epoch_orders(len(x), epochs)
    readable_epochs(a, opt_a, x, y, orders, batch)
    _compiled_epochs(b, opt_b, x, y, orders, batch, chunk=1000)
    assert_same(a, b)


def test_whole_set_epochs_repeat_inside_one_call() -> None:
    a, opt_a, b, opt_b = twins([(9, "tanh"), (40, "relu")], "adam")  # 40 wide: BLAS
    x, y = data()
    orders = [np.arange(len(x))] * 25  # whole-set batches are not shuffled
    readable_epochs(a, opt_a, x, y, orders, len(x))
    plan = accel.TrainingPlan(b)
    xs, t = plan.columns(x, y)
    plan.begin(b, opt_b)
    assert plan.run(xs, t, orders[0], 0, 5000, 20, repeat=True) == 5000  # 20 epochs
    assert plan.run(xs, t, orders[0], 0, 5000, 5, repeat=True) == 5000
    plan.end(b)
    assert_same(a, b)
    assert opt_b.state[0] is not None and opt_b.state[0]["step"] == 25


def test_tanh_without_a_vector_library_is_within_3_ulp() -> None:
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.normal(0, s, 3000) for s in (1e-3, 0.3, 0.62, 1.0, 4.0, 30.0)])
    x = np.concatenate([x, [0.0, 0.625, -0.625, 0.6249999, 19.9, 20.1, 1e300, 5e-324]])
    for got in (  # inlined in a layer's loop (vectorized, with FMA), and called on its own
        _tanh_layer(x),
        np.array([tanh.tanh(v) for v in x]),
    ):
        ulps = np.abs(got - np.tanh(x)) / np.spacing(np.abs(np.tanh(x)))
        assert ulps.max() <= 3, x[ulps.argmax()]
    assert np.signbit(tanh.tanh(-0.0)) and tanh.tanh(np.inf) == 1.0
    assert tanh.tanh(-np.inf) == -1.0 and np.isnan(tanh.tanh(np.nan))


def _tanh_layer(x: Array) -> Array:
    a = np.empty((1, len(x)))
    activations.activate_layer(activations.TANH, x.reshape(1, -1), a, np.empty(0))
    return a[0]


@pytest.mark.parametrize(("task", "loss"), [("binary", None), ("multiclass", None),
                                            ("regression", "mse"), ("regression", "mae"),
                                            ("regression", "huber")])  # fmt: skip
def test_compiled_stats_equal_the_trainers_evaluate(task: str, loss: str | None) -> None:
    config = spiral_config(batch_size=10)
    if task != "binary":
        changes = (
            {"dataset": "blobs"} if task == "multiclass" else {"dataset": "plane", "loss": loss}
        )
        config = config.model_copy(update=changes)
    trainer = Trainer(config)
    trainer.train(float("inf"), 3)  # through the kernel: stats from plan.stats
    assert trainer.compiled.plan is not None
    compiled, readable = astuple(trainer.stats), astuple(trainer.evaluate())
    assert compiled[:2] == pytest.approx(readable[:2], rel=1e-14)
    assert compiled[2:] == readable[2:]  # accuracies: None for regression
    trainer.net.parameters()[0][0, 0] = np.inf  # a non-finite loss: None, as evaluate says
    trainer.compiled.plan.begin(trainer.net, trainer.optimizer)
    x, t = trainer.compiled.plan.columns(trainer.data.f_all, trainer.data.y_all)
    assert trainer.compiled.plan.stats(x, t, len(trainer.data.y_train), task != "regression") == (
        None, None, None, None)  # fmt: skip


@pytest.mark.parametrize("task", ["binary", "multiclass", "regression"])
def test_compiled_logits_equal_the_readable_ones_and_keep_no_activations(task: str) -> None:
    dataset = {"binary": "spiral", "multiclass": "blobs", "regression": "plane"}[task]
    layers = [LayerSpec(units=6, activation="tanh"), LayerSpec(units=5, activation="prelu")]
    trainer = Trainer(spiral_config(batch_size=10).model_copy(
        update={"dataset": dataset, "layers": layers}))  # fmt: skip
    trainer.train(float("inf"), 3)
    data = trainer.data
    compiled = trainer.logits(data.f_test, data.y_test)  # what a frame's metrics read
    assert all(layer._a.size == 0 for layer in trainer.net.layers if hasattr(layer, "_a"))
    readable = trainer.net.logits(data.f_test)
    assert compiled.shape == readable.shape
    np.testing.assert_allclose(compiled, readable, rtol=1e-12, atol=1e-13)
    # a past epoch shown has a network of another structure: a plan of its own, the trainer's
    # plan stays
    plan = trainer.compiled.plan
    other = MLP(2, [(3, "relu")], trainer.net.outputs, task=trainer.net.task, seed=1)
    np.testing.assert_allclose(trainer.compiled.logits(other, data.f_test, data.y_test),
                               other.logits(data.f_test), rtol=1e-12, atol=1e-13)  # fmt: skip
    assert trainer.compiled.plan is plan


@pytest.mark.parametrize("edit", sorted(EDITS))
@pytest.mark.parametrize("optimizer", ["adam", "momentum", "adagrad"])
def test_compiled_stays_in_sync_through_live_edits(edit: str, optimizer: str) -> None:
    a, opt_a, b, opt_b = twins([(6, "tanh"), (5, "relu"), (4, "prelu")], optimizer)
    x, y = data()
    orders = epoch_orders(len(x), 4)
    readable_epochs(a, opt_a, x, y, orders[:2], 10)
    _compiled_epochs(b, opt_b, x, y, orders[:2], 10)
    opt_a.sync(EDITS[edit](a))  # new tensors get fresh state: Adam steps now differ
    opt_b.sync(EDITS[edit](b))
    b.parameters()[0][0, 0] = a.parameters()[0][0, 0] = 0.5  # a hand-set weight, between slices
    readable_epochs(a, opt_a, x, y, orders[2:3], 10)  # the readable engine takes one epoch
    readable_epochs(b, opt_b, x, y, orders[2:3], 10)  # on both: state dicts stay in use
    readable_epochs(a, opt_a, x, y, orders[3:], 10)
    _compiled_epochs(b, opt_b, x, y, orders[3:], 10)
    assert_same(a, b)
    for s, r in zip(opt_a.state, opt_b.state, strict=True):  # the hand-over keeps every key
        assert s is not None and r is not None and set(s) == set(r)


def test_dropout_is_left_to_the_readable_engine() -> None:
    net = MLP(2, [(4, "tanh", 0.2)], 1, seed=0)
    assert not accel.fits(net)
    net.set_dropout(0, 0.0)
    assert accel.fits(net)
    plan = accel.TrainingPlan(net)
    plan.begin(net, make_optimizer("adam", lr=0.1))  # every optimizer has its rule


def test_no_jit_environment_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLAYGROUND_NO_JIT", "1")
    assert not accel.available() and not accel.ready() and accel.kernel_state() == "off"
    trainer = Trainer(spiral_config())
    assert trainer.train(float("inf"), 1) == 1
    assert trainer.compiled.plan is None  # the readable engine trained it


@pytest.mark.parametrize("batch_size", [10, 7, 5000])
def test_trainer_compiled_and_readable_loops_agree_across_slices_and_edits(batch_size: int) -> None:
    compiled, plain = (
        Trainer(spiral_config(batch_size=batch_size)),
        Trainer(spiral_config(batch_size=batch_size)),
    )
    plain.use_compiled = False
    for trainer in (compiled, plain):
        trainer.train(float("inf"), 2)
        layers = [LayerSpec(units=6, activation="prelu")] * 2
        trainer.apply(trainer.config.model_copy(update={"layers": layers}))
        trainer.apply(
            trainer.config.model_copy(update={"optimizer": "adam", "learning_rate": 0.01})
        )
        trainer.train(float("inf"), 3)
    assert compiled.compiled.plan is not None
    assert compiled.epoch == plain.epoch == 5
    assert_same(compiled.net, plain.net)
    assert compiled.batches.position == plain.batches.position
    assert abs((compiled.stats.train_loss or 0) - (plain.stats.train_loss or 0)) < 1e-12


def test_trainer_compiled_stops_at_the_deadline_mid_epoch_and_resumes() -> None:
    compiled, plain = Trainer(spiral_config()), Trainer(spiral_config())
    plain.use_compiled = False
    assert compiled.train(0.0, 10) == 0  # a past deadline: one batch, then stop
    assert compiled.batches.position == 10
    plain.train(0.0, 10)
    compiled.train(float("inf"), 2)
    plain.train(float("inf"), 2)
    assert_same(compiled.net, plain.net)


def float32_tanh(values: NDArray[np.float32]) -> NDArray[np.float32]:
    """tanh32 as the pictures' pass applies it: a layer of one tanh unit, weight 1, bias 0."""
    layer = np.array([0, 1, 1, 1, activations.TANH, -1], dtype=np.int64)
    n, p = len(values), np.array([1.0, 0.0], dtype=np.float32)
    out = np.empty(2 * n, dtype=np.float32)  # the layer's row, then its row of ones
    pictures.dense_chunk(p, layer, values, 0, n, out, 0, n, n, False, False)
    assert (out[n:] == 1.0).all()
    return out[:n]


def test_float32_tanh_for_the_pictures_is_within_4e_7() -> None:
    x = np.concatenate([np.linspace(-12, 12, 200_001), [0.0, -0.0, 1e-30, 88.0, -1e30]])
    got = float32_tanh(x.astype(np.float32))
    assert np.abs(got.astype(np.float64) - np.tanh(x.astype(np.float32))).max() < 4e-7
    special = float32_tanh(np.array([np.inf, -np.inf, np.nan], dtype=np.float32))
    np.testing.assert_allclose(special, [1.0, -1.0, np.nan], atol=4e-7)


@pytest.mark.parametrize("batch_size", [10, 7, 5000])
@pytest.mark.parametrize("regularization", ["none", "l2"])
def test_compiled_last_batch_gradients_equal_the_readable_engines(
    batch_size: int, regularization: str
) -> None:
    """The gradient-norm view reads the last batch's dL/dW from either loop: the same arrays."""
    config = spiral_config(
        batch_size=batch_size, regularization=regularization, regularization_rate=0.01
    )
    compiled, plain = Trainer(config), Trainer(config)
    plain.use_compiled = False
    assert compiled.weight_gradients() is None and plain.weight_gradients() is None
    for trainer in (compiled, plain):
        trainer.train(float("inf"), 2)
    assert (compiled._gradients_from, plain._gradients_from) == ("compiled", "readable")
    ours, theirs = compiled.weight_gradients(), plain.weight_gradients()
    assert ours is not None and theirs is not None and len(ours) == len(theirs) == 4
    for g, h in zip(ours, theirs, strict=True):
        assert g.shape == h.shape
        np.testing.assert_allclose(g, h, rtol=0, atol=1e-12)
    compiled.apply(compiled.config.model_copy(update={"layers": [LayerSpec(units=3)]}))
    assert compiled.weight_gradients() is None  # another network's gradients are not shown


@pytest.mark.parametrize("loss", ["mse", "mae", "huber"])
def test_compiled_trains_multi_output_regression_as_the_readable_engine(loss: str) -> None:
    """three_targets: one output per target; the kernel takes targets (k, n) like the logits."""
    config = Config(dataset="three_targets", task="regression", loss=loss, batch_size=7,
                    layers=[LayerSpec(units=5, activation="tanh")])  # fmt: skip
    compiled, plain = Trainer(config), Trainer(config)
    plain.use_compiled = False
    for trainer in (compiled, plain):
        trainer.train(float("inf"), 3)
    assert compiled.compiled.plan is not None and compiled.net.outputs == 3
    assert_same(compiled.net, plain.net)
    assert abs((compiled.stats.test_loss or 0) - (plain.stats.test_loss or 0)) < 1e-12
