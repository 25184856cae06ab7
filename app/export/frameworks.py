"""The session's network as idiomatic PyTorch and Keras code: the architecture, the loss and
the optimizer with its hyper-parameters, the current weights loaded, the data as arrays.
These train with their libraries' own shuffles and kernels: the same model, not the same run
(the NumPy export is the exact replay)."""

from __future__ import annotations

from app.export.literals import array, number
from app.nn import MLP, make_optimizer
from app.session_config import Config, optimizer_hyper
from app.training_data import Data

TORCH_ACTIVATIONS = {
    "linear": "nn.Identity()",
    "sigmoid": "nn.Sigmoid()",
    "tanh": "nn.Tanh()",
    "hardtanh": "nn.Hardtanh()",
    "softsign": "nn.Softsign()",
    "step": "Step()",
    "softplus": "nn.Softplus()",
    "relu": "nn.ReLU()",
    "leaky_relu": "nn.LeakyReLU(0.01)",
    "prelu": "nn.PReLU({units}, init=0.25)",
    "elu": "nn.ELU()",
    "gelu": 'nn.GELU(approximate="tanh")',
    "silu": "nn.SiLU()",
}
TORCH_LOSSES = {
    "logloss": "nn.BCEWithLogitsLoss()",
    "cross_entropy": "nn.CrossEntropyLoss()",
    "mse": "nn.MSELoss()",
    "mae": "nn.L1Loss()",
    "huber": "nn.HuberLoss(delta=1.0)",
}
TORCH_OPTIMIZERS = {
    "sgd": "SGD",
    "momentum": "SGD",
    "nesterov": "SGD",
    "adagrad": "Adagrad",
    "rmsprop": "RMSprop",
    "adam": "Adam",
    "adamax": "Adamax",
}
KERAS_ACTIVATIONS = {
    "linear": '"linear"',
    "sigmoid": '"sigmoid"',
    "tanh": '"tanh"',
    "hardtanh": '"hard_tanh"',
    "softsign": '"softsign"',
    "softplus": '"softplus"',
    "relu": '"relu"',
    "elu": '"elu"',
    "silu": '"silu"',
    "gelu": "lambda x: keras.activations.gelu(x, approximate=True)",
    "step": 'lambda x: keras.ops.cast(x > 0, "float32")',
}
KERAS_LOSSES = {
    "logloss": "keras.losses.BinaryCrossentropy(from_logits=True)",
    "cross_entropy": "keras.losses.SparseCategoricalCrossentropy(from_logits=True)",
    "mse": "keras.losses.MeanSquaredError()",
    "mae": "keras.losses.MeanAbsoluteError()",
    "huber": "keras.losses.Huber(delta=1.0)",
}


def _loss(config: Config, data: Data) -> str:
    return {"binary": "logloss", "multiclass": "cross_entropy"}.get(data.task, config.loss)


def _arrays(data: Data) -> str:
    y_kind = "float64" if data.task == "regression" else "int64"
    return (
        "# The data as the session has it: the input features of each point, and its target.\n"
        f"X_train = {array(data.f_train)}\n"
        f"y_train = {array(data.y_train, y_kind)}\n"
        f"X_test = {array(data.f_test)}\n"
        f"y_test = {array(data.y_test, y_kind)}"
    )


def _weights(net: MLP) -> str:
    lines = ["# The session's current weights (W: inputs x units, as in the lecture's X W + b)."]
    for i, (w, b) in enumerate(net.weights(), start=1):
        lines += [f"W{i} = {array(w)}", f"b{i} = {array(b)}"]
    for i, slopes in enumerate(net.slopes(), start=1):
        if slopes is not None:
            lines.append(f"alpha{i} = {array(slopes)}  # PReLU slopes")
    return "\n".join(lines)


def _hyper(config: Config) -> dict[str, str]:
    """The optimizer's keyword arguments, under torch.optim's names, as code."""
    optimizer = make_optimizer(config.optimizer, lr=config.learning_rate, **optimizer_hyper(config))
    words = {"lr": number(config.learning_rate)}
    if config.optimizer in ("momentum", "nesterov"):
        words["momentum"] = number(vars(optimizer)["momentum"])
    if config.optimizer == "nesterov":
        words["nesterov"] = "True"
    if config.optimizer == "rmsprop":
        words["alpha"] = number(vars(optimizer)["alpha"])
    if config.optimizer in ("adam", "adamax"):
        beta1, beta2 = vars(optimizer)["betas"]
        words["betas"] = f"({number(beta1)}, {number(beta2)})"
    return words


def _penalty(config: Config, weights: str) -> tuple[float, float, str]:
    l1 = config.regularization_rate if config.regularization == "l1" else 0.0
    l2 = config.regularization_rate if config.regularization == "l2" else 0.0
    return l1, l2, weights


def torch_script(config: Config, data: Data, net: MLP, epoch: int) -> str:
    """A PyTorch script with the session's network, loss, optimizer, weights and data."""
    layers, fan_in = [], len(config.features)
    linear_index, index = [], 0
    for spec in config.layers:
        layers.append(f"    nn.Linear({fan_in}, {spec.units}),")
        linear_index.append(index)
        layers.append("    " + TORCH_ACTIVATIONS[spec.activation].format(units=spec.units) + ",")
        index += 2
        if spec.dropout:
            layers.append(f"    nn.Dropout({number(spec.dropout)}),")
            index += 1
        fan_in = spec.units
    outputs = net.outputs
    layers.append(f"    nn.Linear({fan_in}, {outputs}),  # the logits")
    linear_index.append(index)
    loads = [
        f"    model[{k}].weight.copy_(torch.from_numpy(W{i}.T))  # torch keeps (units, inputs)\n"
        f"    model[{k}].bias.copy_(torch.from_numpy(b{i}))"
        for i, k in enumerate(linear_index, start=1)
    ]
    for i, slopes in enumerate(net.slopes(), start=1):
        if slopes is not None:
            loads.append(
                f"    model[{linear_index[i - 1] + 1}].weight.copy_(torch.from_numpy(alpha{i}))"
            )
    hyper = ", ".join(f"{key}={value}" for key, value in _hyper(config).items())
    l1, l2, _ = _penalty(config, "")
    penalty = ""
    if l1 or l2:
        term = (
            f"{number(l1)} * sum(w.abs().sum() for w in weights)"
            if l1
            else f"{number(l2)} / 2 * sum((w**2).sum() for w in weights)"
        )
        penalty = (
            "        weights = [m.weight for m in model if isinstance(m, nn.Linear)]\n"
            f"        loss = loss + {term}  # the playground's penalty: weights only\n"
        )
    target = {
        "binary": "torch.from_numpy(y_train).float().unsqueeze(1)",
        "multiclass": "torch.from_numpy(y_train)",
        "regression": "torch.from_numpy(y_train).reshape(len(y_train), -1)",
    }[data.task]
    test_target = target.replace("y_train", "y_test")
    step_class = (
        "\n\nclass Step(nn.Module):\n"
        '    """The Heaviside step: 1 where z > 0, else 0 (its gradient is 0 everywhere)."""\n\n'
        "    def forward(self, z):\n"
        "        return (z > 0).to(z.dtype)\n"
        if any(spec.activation == "step" for spec in config.layers)
        else ""
    )
    return f'''"""MLP Playground's network at epoch {epoch}, in PyTorch.

Run it:  pip install torch numpy  &&  python mlp_torch.py
The architecture, loss and optimizer are the session's, with its current weights loaded; it
trains on for EPOCHS epochs with torch's own shuffling (the NumPy export replays the session
exactly).
"""

import numpy as np
import torch
from torch import nn

torch.set_default_dtype(torch.float64)  # the playground computes in float64
EPOCHS = 100
BATCH_SIZE = {config.batch_size}

{_arrays(data)}

{_weights(net)}
{step_class}

model = nn.Sequential(
{chr(10).join(layers)}
)
with torch.no_grad():
{chr(10).join(loads)}

loss_fn = {TORCH_LOSSES[_loss(config, data)]}
optimizer = torch.optim.{TORCH_OPTIMIZERS[config.optimizer]}(model.parameters(), {hyper})

X, y = torch.from_numpy(X_train), {target}
X_val, y_val = torch.from_numpy(X_test), {test_target}
for epoch in range(1, EPOCHS + 1):
    model.train()  # dropout on
    for rows in torch.randperm(len(X)).split(BATCH_SIZE):
        optimizer.zero_grad()
        loss = loss_fn(model(X[rows]), y[rows])
{penalty}        loss.backward()
        optimizer.step()
    model.eval()  # dropout off
    with torch.no_grad():
        print(f"epoch {{epoch}}: train loss {{loss_fn(model(X), y).item():.4f}}, "
              f"test loss {{loss_fn(model(X_val), y_val).item():.4f}}")
'''


def keras_script(config: Config, data: Data, net: MLP, epoch: int) -> str:
    """A Keras 3 script with the session's network, loss, optimizer, weights and data."""
    l1, l2, _ = _penalty(config, "")
    regularizer = (
        f", kernel_regularizer=keras.regularizers.L1({number(l1)})"
        if l1
        else f", kernel_regularizer=keras.regularizers.L2({number(l2 / 2)})"  # ours: l2/2 ΣW²
        if l2
        else ""
    )
    layers = [f"        keras.Input(shape=({len(config.features)},)),"]
    loads = []
    index = 0
    for i, spec in enumerate(config.layers, start=1):
        if spec.activation in KERAS_ACTIVATIONS:
            layers.append(
                f"        keras.layers.Dense({spec.units}, activation="
                f"{KERAS_ACTIVATIONS[spec.activation]}{regularizer}),"
            )
            loads.append(f"model.layers[{index}].set_weights([W{i}, b{i}])")
            index += 1
        else:
            layers.append(f"        keras.layers.Dense({spec.units}{regularizer}),")
            loads.append(f"model.layers[{index}].set_weights([W{i}, b{i}])")
            if spec.activation == "leaky_relu":
                layers.append("        keras.layers.LeakyReLU(negative_slope=0.01),")
            else:  # prelu: one learned slope per neuron
                layers.append("        keras.layers.PReLU(),")
                loads.append(f"model.layers[{index + 1}].set_weights([alpha{i}])")
            index += 2
        if spec.dropout:
            layers.append(f"        keras.layers.Dropout({number(spec.dropout)}),")
            index += 1
    outputs = net.outputs
    out = len(config.layers) + 1
    layers.append(f"        keras.layers.Dense({outputs}{regularizer}),  # the logits")
    loads.append(f"model.layers[{index}].set_weights([W{out}, b{out}])")
    optimizer = make_optimizer(config.optimizer, lr=config.learning_rate, **optimizer_hyper(config))
    rate = number(config.learning_rate)
    keras_optimizer = {
        "sgd": f"keras.optimizers.SGD(learning_rate={rate})",
        "momentum": f"keras.optimizers.SGD(learning_rate={rate}, momentum={number(vars(optimizer).get('momentum', 0.0))})",
        "nesterov": f"keras.optimizers.SGD(learning_rate={rate}, momentum={number(vars(optimizer).get('momentum', 0.0))}, nesterov=True)",
        "adagrad": f"keras.optimizers.Adagrad(learning_rate={rate}, initial_accumulator_value=0.0, epsilon=1e-10)",
        "rmsprop": f"keras.optimizers.RMSprop(learning_rate={rate}, rho={number(vars(optimizer).get('alpha', 0.99))}, epsilon=1e-08)",
        "adam": "keras.optimizers.Adam(learning_rate={0}, beta_1={1}, beta_2={2}, epsilon=1e-08)",
        "adamax": "keras.optimizers.Adamax(learning_rate={0}, beta_1={1}, beta_2={2}, epsilon=1e-08)",
    }[config.optimizer]
    if config.optimizer in ("adam", "adamax"):
        beta1, beta2 = vars(optimizer)["betas"]
        keras_optimizer = keras_optimizer.format(rate, number(beta1), number(beta2))
    metrics = ', metrics=["accuracy"]' if data.task != "regression" else ""
    return f'''"""MLP Playground's network at epoch {epoch}, in Keras 3.

Run it:  pip install keras tensorflow numpy  &&  python mlp_keras.py  (or keras with jax/torch)
The architecture, loss and optimizer are the session's, with its current weights loaded; it
trains on for EPOCHS epochs with Keras's own shuffling (the NumPy export replays the session
exactly).
"""

import keras
import numpy as np

keras.config.set_floatx("float64")  # the playground computes in float64
EPOCHS = 100
BATCH_SIZE = {config.batch_size}

{_arrays(data)}

{_weights(net)}

model = keras.Sequential(
    [
{chr(10).join(layers)}
    ]
)
{chr(10).join(loads)}

model.compile(
    optimizer={keras_optimizer},
    loss={KERAS_LOSSES[_loss(config, data)]}{metrics},
)
model.fit(
    X_train, y_train, batch_size=BATCH_SIZE, epochs=EPOCHS, shuffle=True,
    validation_data=(X_test, y_test),
)
'''
