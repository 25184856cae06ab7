"""Export: the NumPy script replays the session (its losses equal the session's to 1e-9, run in
a subprocess), the notebook is that script in cells, PyTorch / Keras code has the session's
layers and hyper-parameters, the weights JSON loads back."""

from __future__ import annotations

import ast
import itertools
import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import nbformat
import numpy as np
import pytest

from app import datasets
from app.config import Settings
from app.export import export
from app.export.data_code import FEATURE_CODE, generator_code, needs
from app.export.formulas import ACTIVATION_CODE, HELPERS, LOSS_CODE, OPTIMIZER_CODE
from app.nn import ACTIVATIONS, LOSSES, OPTIMIZERS, make_optimizer
from app.protocol import parse_client_message
from app.session import Session
from app.session_config import Config, LayerSpec
from app.trainer import Trainer

CASES = {
    "default": Config(),
    "adam_prelu_dropout_l2": Config(
        optimizer="adam",
        learning_rate=0.01,
        layers=[LayerSpec(units=5, activation="prelu", dropout=0.2), LayerSpec(units=3, activation="gelu")],
        regularization="l2",
        regularization_rate=0.001,
    ),
    "blobs_momentum_l1": Config(
        dataset="blobs", classes=4, optimizer="momentum", regularization="l1",
        regularization_rate=0.001, features=["x1", "x2", "x1*x2"],
        layers=[LayerSpec(units=6, activation="relu"), LayerSpec(units=4, activation="silu")],
    ),
    "sine_mae_whole_batch": Config(
        dataset="sine", loss="mae", optimizer="adagrad", batch_size=5000, learning_rate=0.1,
        layers=[LayerSpec(units=8, activation="elu")], noise=0.1,
    ),
    "spiral_rmsprop_nesterov": Config(
        dataset="spiral", optimizer="nesterov", noise=0.2, batch_size=7,
        features=["x1", "x2", "sin(x1)", "sin(x2)"],
        layers=[LayerSpec(units=8, activation="softsign"), LayerSpec(units=5, activation="leaky_relu")],
    ),
    "linear_adamax": Config(dataset="plane", optimizer="adamax", layers=[], loss="huber"),
    "three_targets_adam": Config(
        dataset="three_targets", task="regression", optimizer="adam", learning_rate=0.01,
        noise=0.1, layers=[LayerSpec(units=6, activation="tanh")],
    ),
}  # fmt: skip


def run_script(text: str, tmp_path: Path, name: str = "mlp_run.py") -> list[tuple[float, float]]:
    """Run an exported script in a fresh interpreter; its (train, test) loss per epoch."""
    path = tmp_path / name
    path.write_text(text)
    done = subprocess.run(
        [sys.executable, str(path)],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    rows = []
    for line in done.stdout.splitlines():
        words = line.split()
        rows.append((float(words[4]), float(words[7])))
    return rows


def train_epochs(trainer: Trainer, epochs: int) -> list[tuple[float, float]]:
    """The session's losses after each of `epochs` epochs, trained one at a time."""
    losses = []
    for _ in range(epochs):
        trainer.train(math.inf, 1)
        losses.append((trainer.stats.train_loss, trainer.stats.test_loss))
    return losses


def assert_same(script: list[tuple[float, float]], session: list[tuple[Any, Any]]) -> None:
    assert len(script) == len(session)
    for (train, test), (train_now, test_now) in zip(script, session, strict=True):
        assert train == pytest.approx(train_now, abs=1e-9, rel=0)
        if test_now is not None:
            assert test == pytest.approx(test_now, abs=1e-9, rel=0)


@pytest.mark.parametrize("name", sorted(CASES))
def test_exported_script_reproduces_the_session_losses(name: str, tmp_path: Path) -> None:
    trainer = Trainer(CASES[name])
    session_losses = train_epochs(trainer, 6)
    exported = export(trainer, "numpy")
    assert exported.start_epoch == 0 and exported.epoch == 6
    assert "import app" not in exported.text and "from app" not in exported.text
    assert_same(run_script(exported.text, tmp_path), session_losses)


def test_a_mid_epoch_change_replays_from_there(tmp_path: Path) -> None:
    """An edit between two batches starts the exported run there: weights, optimizer state,
    both generators and the rest of that epoch embedded."""
    config = CASES["adam_prelu_dropout_l2"]
    trainer = Trainer(config)
    train_epochs(trainer, 2)
    trainer.use_compiled = False
    calls = itertools.count()
    trainer.clock = lambda: 0.0 if next(calls) < 7 else 10.0  # stop after 7 batches
    trainer.train(1.0, 1)
    trainer.clock = lambda: 0.0
    trainer.apply(config.model_copy(update={"learning_rate": 0.03}))
    start = trainer.run_start
    assert start.epoch == 2 and start.mid_epoch() and start.change is not None
    losses = train_epochs(trainer, 4)
    text = export(trainer, "numpy").text
    assert "EPOCH_IN_PROGRESS = np.array" in text and "bit_generator.state" in text
    assert "epoch 2, where its run last started" in text
    assert_same(run_script(text, tmp_path), losses)


def test_custom_points_are_embedded(tmp_path: Path) -> None:
    session = Session(Settings(), Config(layers=[LayerSpec(units=3)]))
    rng = np.random.default_rng(4)
    points = [[*rng.uniform(-5, 5, 2).round(2), int(i % 2)] for i in range(40)]
    session.handle(parse_client_message(json.dumps({"type": "add_points", "points": points})))
    session.handle(parse_client_message(json.dumps({"type": "clear_points"})))
    session.handle(parse_client_message(json.dumps({"type": "add_points", "points": points})))
    losses = train_epochs(session.trainer, 3)
    text = export(session.trainer, "numpy").text
    assert "points = np.array" in text
    assert_same(run_script(text, tmp_path), losses)


def test_export_message_through_the_session() -> None:
    session = Session(Settings())
    session.handle(parse_client_message('{"type": "step", "epochs": 2}'))
    while session.running:
        session.run_slice(0.05, want_frame=False)
    (reply,) = session.handle(parse_client_message('{"type": "export", "format": "numpy"}'))
    assert reply["type"] == "export" and reply["filename"] == "mlp_run.py"
    assert reply["start_epoch"] == 0 and reply["epoch"] == 2


@pytest.mark.parametrize("name", sorted(datasets.DATASETS))
def test_generator_code_makes_the_same_points(name: str) -> None:
    code, maker = generator_code(name)
    namespace: dict[str, Any] = {"np": np}
    header = "from __future__ import annotations\n" + "\n".join(needs(code))
    exec(compile(header + "\n" + code, name, "exec"), namespace)  # noqa: S102 - the exporter's own code
    spec = datasets.DATASETS[name]
    extra = (4,) if spec.variable_classes else ()
    x, y = namespace[maker](300, 0.2, np.random.default_rng(7), *extra)
    x_now, y_now = datasets.generate(name, 300, 0.2, 7, *extra)
    np.testing.assert_array_equal(x, x_now)
    np.testing.assert_array_equal(y, y_now)


def test_feature_code_matches_the_features() -> None:
    assert list(FEATURE_CODE) == list(datasets.FEATURES)
    x = np.random.default_rng(0).uniform(-6, 6, (50, 2))
    for name, code in FEATURE_CODE.items():
        value = eval(code, {"np": np, "x": x})
        np.testing.assert_array_equal(value, datasets.FEATURES[name](x))


def _helpers(names: tuple[str, ...]) -> dict[str, Any]:
    namespace: dict[str, Any] = {"np": np}
    for name in names:
        exec(HELPERS[name], namespace)  # noqa: S102 - the exporter's own code
    return namespace


@pytest.mark.parametrize("name", sorted(set(ACTIVATIONS) - {"prelu"}))
def test_activation_code_matches_the_registry(name: str) -> None:
    f, df, helpers = ACTIVATION_CODE[name]
    z = np.linspace(-12, 12, 241).reshape(-1, 1)
    a = ACTIVATIONS[name].forward(z)
    namespace = {**_helpers(helpers), "z": z, "a": a}
    np.testing.assert_allclose(eval(f, namespace), a, rtol=0, atol=1e-15)
    np.testing.assert_allclose(eval(df, namespace), ACTIVATIONS[name].df(z, a), rtol=0, atol=1e-15)


@pytest.mark.parametrize("name", sorted(LOSS_CODE))
def test_loss_code_matches_the_registry(name: str) -> None:
    rng = np.random.default_rng(1)
    z = rng.normal(size=(20, 3 if name == "cross_entropy" else 1))
    t = rng.integers(0, 3, 20) if name == "cross_entropy" else rng.integers(0, 2, (20, 1)) * 1.0
    value, grad, helpers = LOSS_CODE[name]
    namespace = {**_helpers(helpers), "z": z, "t": t}
    assert eval(value, namespace) == pytest.approx(LOSSES[name].value(z, t), abs=1e-15)
    np.testing.assert_allclose(eval(grad, namespace), LOSSES[name].grad(z, t), atol=1e-15)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_optimizer_code_matches_the_registry(name: str) -> None:
    optimizer = make_optimizer(name, lr=0.1)
    fresh, update = OPTIMIZER_CODE[name]
    hyper = vars(optimizer)
    constants = {
        "LEARNING_RATE": 0.1, "MOMENTUM": hyper.get("momentum"), "EPS": hyper.get("eps"),
        "LR_DECAY": hyper.get("lr_decay"), "ALPHA": hyper.get("alpha"),
        "INITIAL_ACCUMULATOR_VALUE": hyper.get("initial_accumulator_value"),
        "BETA1": hyper.get("betas", (0, 0))[0], "BETA2": hyper.get("betas", (0, 0))[1],
    }  # fmt: skip
    rng = np.random.default_rng(2)
    p = rng.normal(size=(3, 2))
    p_mine = p.copy()
    state: dict[str, Any] = eval(fresh, {"np": np, "p": p_mine, **constants})
    for _ in range(3):
        g = rng.normal(size=p.shape)
        optimizer.step([p], [g])
        exec(update, {"np": np, "p": p_mine, "g": g, "s": state, **constants})  # noqa: S102 - the exporter's own code
        np.testing.assert_allclose(p_mine, p, rtol=0, atol=1e-15)


def test_notebook_is_the_script_in_cells(tmp_path: Path) -> None:
    trainer = Trainer(CASES["default"])
    losses = train_epochs(trainer, 3)
    book = nbformat.reads(export(trainer, "notebook").text, as_version=4)
    nbformat.validate(book)
    code = [cell.source for cell in book.cells if cell.cell_type == "code"]
    titles = [cell.source for cell in book.cells if cell.cell_type == "markdown"][1:]
    assert titles[:3] == ["## Imports", "## 1. The data", "## 2. The network's weights"]
    assert len(code) == len(titles) == 8
    assert_same(run_script("\n\n".join(code), tmp_path, "cells.py"), losses)


def _calls(text: str, name: str) -> list[ast.Call]:
    """Every call of a dotted name (e.g. nn.Linear) in a source text."""
    found = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Call) and ast.unparse(node.func) == name:
            found.append(node)
    return found


def _keywords(call: ast.Call) -> dict[str, Any]:
    return {k.arg: ast.literal_eval(k.value) for k in call.keywords if k.arg}


@pytest.mark.parametrize("name", sorted(CASES))
def test_pytorch_code_has_the_sessions_layers_and_optimizer(name: str) -> None:
    trainer = Trainer(CASES[name])
    text = export(trainer, "pytorch").text
    compile(text, "mlp_torch.py", "exec")
    sizes = trainer.net.layer_sizes
    linears = [tuple(ast.literal_eval(a) for a in c.args) for c in _calls(text, "nn.Linear")]
    assert linears == list(itertools.pairwise(sizes))
    config = trainer.config
    torch_name = {"momentum": "SGD", "nesterov": "SGD"}.get(config.optimizer)
    (call,) = _calls(text, f"torch.optim.{torch_name or OPTIMIZERS[config.optimizer].__name__}")
    assert _keywords(call)["lr"] == config.learning_rate
    if config.optimizer in ("momentum", "nesterov"):
        assert _keywords(call)["momentum"] == config.momentum
    if config.optimizer == "adam":
        assert _keywords(call)["betas"] == (config.beta1, config.beta2)
    dropouts = [ast.literal_eval(c.args[0]) for c in _calls(text, "nn.Dropout")]
    assert dropouts == [layer.dropout for layer in config.layers if layer.dropout]
    assert "W1 = np.array" in text and "model[0].weight.copy_" in text


@pytest.mark.parametrize("name", sorted(CASES))
def test_keras_code_has_the_sessions_layers_and_optimizer(name: str) -> None:
    trainer = Trainer(CASES[name])
    text = export(trainer, "keras").text
    compile(text, "mlp_keras.py", "exec")
    units = [ast.literal_eval(c.args[0]) for c in _calls(text, "keras.layers.Dense")]
    assert units == trainer.net.layer_sizes[1:]
    (shape,) = _calls(text, "keras.Input")
    assert _keywords(shape)["shape"] == (len(trainer.config.features),)
    optimizers = [
        c for c in ast.walk(ast.parse(text))
        if isinstance(c, ast.Call) and ast.unparse(c.func).startswith("keras.optimizers.")
    ]  # fmt: skip
    assert _keywords(optimizers[0])["learning_rate"] == trainer.config.learning_rate
    assert len(_calls(text, "model.fit")) == 1
    assert f"BATCH_SIZE = {trainer.config.batch_size}" in text


def test_weights_json_loads_back_and_a_wrong_shape_names_the_layer() -> None:
    session = Session(Settings(), Config(layers=[LayerSpec(units=3, activation="prelu")]))
    document = json.loads(export(session.trainer, "weights").text)
    assert document["format"] == "mlp-playground-weights" and document["sizes"] == [2, 3, 1]
    assert np.array(document["layers"][0]["w"]).shape == (2, 3)
    assert document["layers"][0]["slopes"] == [0.25, 0.25, 0.25]
    session.trainer.reset(seed=5)
    message = {"type": "set_weights", "layers": document["layers"]}
    (status,) = session.handle(parse_client_message(json.dumps(message)))
    assert status["reason"] == "restored"
    w, _ = session.trainer.net.weights()[0]
    np.testing.assert_array_equal(w, document["layers"][0]["w"])
    document["layers"][1]["w"] = [[0.5], [0.5]]
    (error,) = session.handle(parse_client_message(json.dumps(message)))
    assert error["code"] == "bad_message"
    assert error["message"].startswith("the output layer: weights must be 3 x 1")
