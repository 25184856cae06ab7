"""The fast path (app.nn.fast) equals the readable engine to 1e-12 on the same steps, edits included."""

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

from app.nn import ACTIVATIONS, MLP, OPTIMIZERS, fast
from app.nn.optimizers import Optimizer
from app.protocol import LayerSpec
from app.trainer import Trainer


def _fast_epochs(
    net: MLP, opt: Optimizer, x: Array, y: Array, orders: list[Array], batch: int
) -> None:
    plan = fast.FastPath(net)
    xs, ts = plan.inputs(x), plan.targets(y)
    plan.begin(net, opt)
    for order in orders:
        assert plan.run(xs[order], ts[order], 0, batch, float("inf")) >= len(order)
    plan.end(net)


@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
def test_fast_path_equals_readable_engine_for_each_optimizer(optimizer: str) -> None:
    a, opt_a, b, opt_b = twins([(6, "tanh"), (5, "relu"), (4, "prelu")], optimizer)
    x, y = data()
    orders = epoch_orders(len(x), 4)
    readable_epochs(a, opt_a, x, y, orders, 10)
    _fast_epochs(b, opt_b, x, y, orders, 10)
    assert_same(a, b)
    assert not np.allclose(a.parameters()[0], MLP(2, a.hidden, 1, seed=3).parameters()[0])


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_fast_path_equals_readable_engine_for_each_activation(name: str) -> None:
    a, opt_a, b, opt_b = twins([(5, name), (3, name)], "momentum")
    x, y = data()
    orders = epoch_orders(len(x), 3)
    readable_epochs(a, opt_a, x, y, orders, 7)  # 7 leaves a short last batch
    _fast_epochs(b, opt_b, x, y, orders, 7)
    assert_same(a, b)


@pytest.mark.parametrize(("task", "loss"), [("multiclass", None), ("regression", "mse"),
                                            ("regression", "mae"), ("regression", "huber")])  # fmt: skip
def test_fast_path_equals_readable_engine_for_each_loss(task: str, loss: str | None) -> None:
    a, opt_a, b, opt_b = twins([(6, "tanh"), (4, "relu")], "adam", task, loss)
    x, _ = data()
    y = (
        (x[:, 0] > 0).astype(int) + (x[:, 1] > 0).astype(int)
        if task == "multiclass"
        else np.sin(x[:, 0])
    )
    orders = epoch_orders(len(x), 3)
    readable_epochs(a, opt_a, x, y, orders, 10)
    _fast_epochs(b, opt_b, x, y, orders, 10)
    assert_same(a, b)


def test_fast_path_equals_readable_engine_with_l1_and_l2() -> None:
    a, opt_a, b, opt_b = twins([(6, "tanh"), (4, "tanh")], "sgd")
    for net in (a, b):
        net.l1, net.l2 = 0.001, 0.01
    x, y = data()
    orders = epoch_orders(len(x), 3)
    readable_epochs(a, opt_a, x, y, orders, 10)
    _fast_epochs(b, opt_b, x, y, orders, 10)
    assert_same(a, b)


@pytest.mark.parametrize("edit", sorted(EDITS))
@pytest.mark.parametrize("optimizer", ["adam", "momentum"])
def test_fast_path_stays_in_sync_through_live_edits(edit: str, optimizer: str) -> None:
    a, opt_a, b, opt_b = twins([(6, "tanh"), (5, "relu"), (4, "prelu")], optimizer)
    x, y = data()
    orders = epoch_orders(len(x), 4)
    readable_epochs(a, opt_a, x, y, orders[:2], 10)
    _fast_epochs(b, opt_b, x, y, orders[:2], 10)
    opt_a.sync(EDITS[edit](a))  # new tensors get fresh state: Adam steps now differ
    opt_b.sync(EDITS[edit](b))
    b.parameters()[0][0, 0] = a.parameters()[0][0, 0] = 0.5  # a hand-set weight, between slices
    readable_epochs(a, opt_a, x, y, orders[2:], 10)
    _fast_epochs(b, opt_b, x, y, orders[2:], 10)
    assert_same(a, b)


def test_dropout_is_left_to_the_readable_engine() -> None:
    net = MLP(2, [(4, "tanh", 0.2)], 1, seed=0)
    assert not fast.fits(net)
    net.set_dropout(0, 0.0)
    assert fast.fits(net)


@pytest.mark.parametrize("batch_size", [10, 7, 5000])
def test_trainer_fast_and_readable_loops_agree_across_slices_and_edits(batch_size: int) -> None:
    fast_trainer, plain = (
        Trainer(spiral_config(batch_size=batch_size)),
        Trainer(spiral_config(batch_size=batch_size)),
    )
    plain.use_fast_path = False
    for trainer in (fast_trainer, plain):
        trainer.train(float("inf"), 2)
        trainer.apply(
            trainer.config.model_copy(
                update={"layers": [LayerSpec(units=6, activation="prelu")] * 2}
            )
        )
        trainer.apply(
            trainer.config.model_copy(update={"optimizer": "adam", "learning_rate": 0.01})
        )
        trainer.train(float("inf"), 3)
    assert fast_trainer.epoch == plain.epoch == 5
    assert_same(fast_trainer.net, plain.net)
    assert fast_trainer._position == plain._position
    assert (
        fast_trainer.stats == plain.stats
        or abs((fast_trainer.stats.train_loss or 0) - (plain.stats.train_loss or 0)) < 1e-12
    )


def test_trainer_fast_path_stops_at_the_deadline_mid_epoch_and_resumes() -> None:
    fast_trainer, plain = Trainer(spiral_config()), Trainer(spiral_config())
    plain.use_fast_path = False
    assert fast_trainer.train(0.0, 10) == 0  # a past deadline: one batch, then stop
    assert fast_trainer._position == 10
    plain.train(0.0, 10)
    fast_trainer.train(float("inf"), 2)
    plain.train(float("inf"), 2)
    assert_same(fast_trainer.net, plain.net)
