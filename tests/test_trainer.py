"""Trainer: bounded slices, live config changes, evaluation, custom data."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pytest

from app import accel, datasets
from app.pictures import Pictures, domain_grid
from app.session_config import Config, LayerSpec
from app.trainer import Diverged, Trainer


def spiral(**changes: object) -> Config:
    base = {"dataset": "spiral", "layers": [LayerSpec(units=8, activation="tanh")] * 2}
    return Config(**{**base, **changes})


def test_evaluate_matches_the_engine_per_split() -> None:
    for config in (spiral(), Config(dataset="blobs", classes=4), Config(dataset="sine")):
        trainer = Trainer(config)
        trainer.train(time.perf_counter() + 5, 3)
        stats, net, data = trainer.stats, trainer.net, trainer.data
        assert stats.train_loss == pytest.approx(net.loss(data.f_train, data.y_train), rel=1e-12)
        assert stats.test_loss == pytest.approx(net.loss(data.f_test, data.y_test), rel=1e-12)
        if data.task != "regression":
            out = net.predict(data.f_test)
            predicted = out[:, 0] >= 0.5 if data.task == "binary" else out.argmax(axis=1)
            assert stats.test_accuracy == pytest.approx(np.mean(predicted == data.y_test))


@pytest.mark.parametrize("path", ["compiled", "readable"])
@pytest.mark.parametrize(
    "config",
    [
        spiral(layers=[LayerSpec(units=5, activation=name) for name in ("tanh", "relu", "prelu")]),
        spiral(layers=[LayerSpec(units=4, activation=name) for name in ("sigmoid", "elu")]),
        spiral(layers=[LayerSpec(units=16, activation="relu")] * 3),  # compiled when ready
        spiral(layers=[LayerSpec(units=6, activation="linear", dropout=0.2), LayerSpec(units=3)]),
        Config(dataset="blobs", classes=4),
        Config(dataset="plane", features=["x1", "x2", "x1*x2"]),
        Config(dataset="sine", layers=[LayerSpec(units=7, activation="relu")]),
        spiral(grid=20, neuron_grid=20),  # the two passes at one resolution
    ],
)
def test_frame_pictures_are_the_engines_outputs_in_float32(
    config: Config, path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if path == "compiled":  # app.accel.pictures.picture_forward
        if not accel.available():
            pytest.skip("PLAYGROUND_NO_JIT=1")
        accel.warm_up()
    else:  # the readable engine's activations
        monkeypatch.setattr(accel, "ready", lambda: False)
    compiled_calls: list[object] = []  # the compiled pass, counted
    compiled_pass = accel.PicturePass.columns

    def counted(*args: Any, **kwargs: Any) -> Any:
        compiled_calls.append(args)
        return compiled_pass(*args, **kwargs)

    monkeypatch.setattr(accel.PicturePass, "columns", counted)
    trainer = Trainer(config)
    trainer.train(time.perf_counter() + 5, 5)
    pictures = Pictures()
    snapshot = pictures.snapshot(trainer.net, config, trainer.data, trainer.data_revision)
    arrays = {name: values for name, values, _ in snapshot}
    assert (len(compiled_calls) > 0) == (path == "compiled")
    big, small, net = config.grid, config.neuron_grid, trainer.net
    expected = net.predict(datasets.features(domain_grid(big), config.features))  # (cells, k)
    np.testing.assert_allclose(arrays["output"], expected.T.reshape(-1, big, big), atol=1e-5)
    inputs = datasets.features(domain_grid(small), config.features)
    layers = [inputs, *net.activations(inputs)]
    maps = len(arrays) - 2 * len(net.weights()) - 1 - ("curve" in arrays)  # output, weights
    assert maps == len(layers)  # neuron maps: one a layer
    for index, values in enumerate(layers):
        maps = arrays[f"neurons/{index}"]
        np.testing.assert_allclose(maps, values.T.reshape(-1, small, small), atol=1e-5)


def test_train_counts_whole_epochs_and_respects_the_deadline() -> None:
    trainer = Trainer(spiral())
    assert trainer.train(time.perf_counter() + 10, 4) == 4 and trainer.epoch == 4
    ticks = iter(range(1, 10**6))
    trainer.clock = lambda: float(next(ticks))  # one "second" passes at every look
    assert trainer.train(0.5, float("inf")) == 0  # deadline passed at once: one batch, then stop
    assert trainer.epoch == 4 and trainer.batches.position == trainer.config.batch_size


def test_reset_reproduces_the_starting_weights() -> None:
    trainer = Trainer(spiral(seed=7))
    first = [p.copy() for p in trainer.net.parameters()]
    trainer.train(time.perf_counter() + 5, 2)
    trainer.reset()
    assert trainer.epoch == 0
    assert all(np.array_equal(a, b) for a, b in zip(first, trainer.net.parameters(), strict=True))


def test_layer_edits_keep_the_other_weights_and_training_goes_on() -> None:
    trainer = Trainer(spiral())
    trainer.train(time.perf_counter() + 5, 2)
    w0 = trainer.net.weights()[0][0].copy()
    layers = [LayerSpec(units=8, activation="tanh"), LayerSpec(units=5, activation="relu")]
    assert trainer.apply(trainer.config.model_copy(update={"layers": layers})) == ["network"]
    assert np.array_equal(trainer.net.weights()[0][0], w0)
    assert trainer.net.layer_sizes == [2, 8, 5, 1]
    assert trainer.train(time.perf_counter() + 5, 2) == 2 and trainer.epoch == 4


def test_features_change_keeps_what_fits() -> None:
    trainer = Trainer(spiral())
    w1 = trainer.net.weights()[1][0].copy()
    rebuilt = trainer.apply(trainer.config.model_copy(update={"features": ["x1", "x2", "x1*x2"]}))
    assert rebuilt == ["network"] and trainer.net.layer_sizes[0] == 3
    assert np.array_equal(trainer.net.weights()[1][0], w1)


@pytest.mark.parametrize("path", ["compiled", "readable"])
def test_divergence_rolls_back_to_the_slices_starting_weights(path: str) -> None:
    config = Config(dataset="plane", layers=[LayerSpec(units=16, activation="relu")] * 4,
                    learning_rate=10, batch_size=1, optimizer="momentum")  # fmt: skip
    trainer = Trainer(config)
    if path == "compiled":
        if not accel.available():
            pytest.skip("PLAYGROUND_NO_JIT=1")
        accel.warm_up()
    trainer.use_compiled = path == "compiled"
    with pytest.raises(Diverged):
        for _ in range(50):
            before = [p.copy() for p in trainer.net.parameters()]
            trainer.train(time.perf_counter() + 1, 1)
    assert (
        path != "compiled" or trainer.compiled.plan is not None
    )  # (evaluate may make one either way)
    assert all(np.array_equal(a, b) for a, b in zip(before, trainer.net.parameters(), strict=True))
    assert trainer.optimizer.state == []  # reset: no momentum left
    assert trainer.stats.train_loss is not None
    trainer.apply(config.model_copy(update={"learning_rate": 0.001}))
    trainer.train(time.perf_counter() + 1, 1)  # and training goes on from there


def test_custom_points_split_the_same_in_any_order() -> None:
    rng = np.random.default_rng(0)
    points = np.column_stack([rng.uniform(-5, 5, (40, 2)), rng.integers(0, 2, 40)])
    one, other = Trainer(Config()), Trainer(Config())
    one.set_custom(points)
    other.set_custom(points[rng.permutation(40)])
    assert np.array_equal(one.data.x_train, other.data.x_train)
    assert np.array_equal(one.data.y_test, other.data.y_test)
    single = Trainer(Config())
    single.set_custom(points[:1])  # a set still being drawn trains on what there is
    assert len(single.data.y_train) == 1 and len(single.data.y_test) == 0
    assert single.train(time.perf_counter() + 1, 1) == 1
