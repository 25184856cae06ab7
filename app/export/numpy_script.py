"""The run as one standalone NumPy script, in the lecture's steps: data, weights, forward, loss,
backward, update. It replays the session from where its run last started (a reset, or the last
change of its setup: app.train_state), with that point's weights, optimizer state and random
generators embedded, so its losses equal the session's epoch by epoch."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.export import formulas
from app.export.data_code import data_code, needs
from app.export.literals import array, number
from app.nn import make_optimizer
from app.session_config import Config, optimizer_hyper
from app.train_state import TrainState
from app.training_data import Data


@dataclass
class Section:
    """One step of the script: a title (a notebook's markdown cell) and its code."""

    title: str
    code: str


@dataclass
class Run:
    """What the exporter reads: the run's start, where it is now, its data and points."""

    start: TrainState
    epoch: int  # the session's epoch now
    data: Data
    custom: np.ndarray  # the custom points (m, 3)


def _layers(config: Config) -> list[tuple[int, str, float]]:
    return [(layer.units, layer.activation, layer.dropout) for layer in config.layers]


def _param_names(config: Config) -> list[str]:
    """W1, b1, (alpha1), ..., in net.parameters() order; the output layer's come last."""
    names: list[str] = []
    for i, (_, activation, _) in enumerate(_layers(config), start=1):
        names += [f"W{i}", f"b{i}"] + ([f"alpha{i}"] if activation == "prelu" else [])
    out = len(config.layers) + 1
    return [*names, f"W{out}", f"b{out}"]


def describe_network(config: Config, data: Data) -> str:
    """'2 -> 4 tanh -> 2 tanh -> 1': the layer sizes and activations in words."""
    outputs = data.classes if data.task == "multiclass" else 1
    hidden = [
        f"{units} {activation}" + (f" (dropout {rate:g})" if rate else "")
        for units, activation, rate in _layers(config)
    ]
    return " -> ".join([str(len(config.features)), *hidden, str(outputs)])


def loss_name(config: Config, data: Data) -> str:
    """The session's loss: the task's, or the regression loss chosen."""
    return {"binary": "logloss", "multiclass": "cross_entropy"}.get(data.task, config.loss)


def _header(run: Run) -> str:
    start, config = run.start, run.start.config
    epochs = run.epoch - start.epoch
    why = (
        "its start (a reset: the weights the seed gave)"
        if start.change is None and start.epoch == 0
        else f"epoch {start.epoch}, where its run last started"
        + (
            f" (the last change of its setup: {start.change.field.replace('_', ' ')})"
            if start.change is not None
            else " (a reset, loaded weights or a restored epoch)"
        )
    )
    replay = (
        ""
        if start.epoch == 0 and start.change is None
        else "\nWhat came before that point is not replayed: the weights, optimizer state and "
        "random\ngenerators the session had there are embedded, so the epochs after it match."
    )
    return f'''"""MLP Playground: one run as a standalone NumPy script (NumPy only; nothing else).

Data: {config.dataset}, features {", ".join(config.features)}.
Network: {describe_network(config, run.data)}; loss: {formulas.LOSS_WORDS[loss_name(config, run.data)]}.
Training: {config.optimizer}, learning rate {config.learning_rate:g}, batches of {config.batch_size}.

It replays the session from {why},
for the {epochs} epochs the session trained since, printing each epoch's losses (they equal the
playground's to about 1e-12).{replay}

Run it:  python {{filename}}        (edit EPOCHS to train on)
"""'''


def _weights_code(run: Run) -> str:
    start = run.start
    lines = [f"# The weights the session had at epoch {start.epoch}, exactly (W: inputs x units)."]
    for name, value in zip(_param_names(start.config), start.params, strict=True):
        lines.append(f"{name} = {array(value)}  # {value.shape}")
    lines.append(f"params = [{', '.join(_param_names(start.config))}]  # what training changes")
    return "\n".join(lines)


def _forward_code(config: Config, loss: str) -> tuple[str, str]:
    """(helper and activation definitions, forward())."""
    used = {activation for _, activation, _ in _layers(config)} - {"prelu"}
    helpers = {h for name in used for h in formulas.ACTIVATION_CODE[name][2]}
    helpers |= set(formulas.LOSS_CODE[loss][2])
    definitions = [formulas.HELPERS[h] for h in ("sigmoid", "softmax", "gelu") if h in helpers]
    definitions += [formulas.activation_functions(name) for name in sorted(used)]
    dropout = any(rate for _, _, rate in _layers(config))
    if dropout:
        definitions.append(
            "def dropout_mask(shape, rate, rng):\n"
            '    """Inverted dropout: keep a unit with chance 1 - rate, scaled by 1 / (1 - rate)."""\n'
            "    return (rng.random(shape) >= rate) / (1.0 - rate)"
        )
    body = ["    a0 = X  # (n, features)"]
    previous = "a0"
    for i, (units, activation, rate) in enumerate(_layers(config), start=1):
        body.append(f"    z{i} = {previous} @ W{i} + b{i}  # ({'n'}, {units})")
        if activation == "prelu":
            body.append(f"    a{i} = np.maximum(z{i}, 0.0) + alpha{i} * np.minimum(z{i}, 0.0)")
        else:
            body.append(f"    a{i} = {activation}(z{i})")
        previous = f"a{i}"
        if rate:
            body.append(
                f"    m{i} = None if dropout_rng is None else "
                f"dropout_mask(a{i}.shape, {number(rate)}, dropout_rng)"
            )
            body.append(f"    h{i} = a{i} if m{i} is None else a{i} * m{i}  # dropout")
            previous = f"h{i}"
    out = len(config.layers) + 1
    body.append(f"    z{out} = {previous} @ W{out} + b{out}  # (n, outputs): the logits")
    body.append(f"    return z{out}, locals()  # the logits, and what backward reads")
    doc = (
        '    """z = a W + b, then a = f(z), layer by layer; dropout only while training."""'
        if dropout
        else '    """z = a W + b, then a = f(z), layer by layer."""'
    )
    signature = "def forward(X, dropout_rng=None):" if dropout else "def forward(X):"
    return "\n\n\n".join(definitions), "\n".join([signature, doc, *body])


def _loss_code(task: str, loss: str) -> str:
    value, grad, _ = formulas.LOSS_CODE[loss]
    return (
        "def targets(y):\n"
        '    """The targets as the loss takes them."""\n'
        f"    return {formulas.TARGETS[task]}\n\n\n"
        "def loss(z, t):\n"
        f'    """The {formulas.LOSS_WORDS[loss]}, a batch mean, from the logits z."""\n'
        f"    return float({value})\n\n\n"
        "def loss_gradient(z, t):\n"
        '    """dL/dz, holding the 1/n of the mean."""\n'
        f"    return {grad}"
    )


def _backward_code(config: Config, l1: float, l2: float) -> str:
    layers = _layers(config)
    out = len(layers) + 1

    def below(i: int) -> str:
        """The name of layer i's output as the next layer reads it (after its dropout)."""
        return "a0" if i == 0 else (f"h{i}" if layers[i - 1][2] else f"a{i}")

    body = [
        f'    dW{out} = cache["{below(out - 1)}"].T @ dz{out}  # dL/dW = a^T dz',
        f"    db{out} = dz{out}.sum(axis=0)",
        f"    d{below(out - 1)} = dz{out} @ W{out}.T  # dL/da of the layer below",
    ]
    for i in range(len(layers), 0, -1):
        _, activation, rate = layers[i - 1]
        if rate:
            body.append(f'    da{i} = dh{i} * cache["m{i}"]  # through the dropout mask')
        if activation == "prelu":
            body.append(f'    negative{i} = np.minimum(cache["z{i}"], 0.0)')
            body.append(f"    dalpha{i} = (da{i} * negative{i}).sum(axis=0)")
            body.append(f"    dz{i} = da{i} * np.where(negative{i} < 0, alpha{i}, 1.0)")
        else:
            body.append(
                f'    dz{i} = da{i} * {activation}_derivative(cache["z{i}"], cache["a{i}"])'
            )
        body.append(f'    dW{i} = cache["{below(i - 1)}"].T @ dz{i}')
        body.append(f"    db{i} = dz{i}.sum(axis=0)")
        if i > 1:
            body.append(f"    d{below(i - 1)} = dz{i} @ W{i}.T")
    if l1 or l2:
        body.append(
            "    # the penalty L1·Σ|W| + L2/2·ΣW² adds L1·sign(W) + L2·W (weights only, no biases)"
        )
        for i in range(1, out + 1):
            body.append(f"    dW{i} += L1 * np.sign(W{i}) + L2 * W{i}")
    names = ", ".join("d" + name for name in _param_names(config))
    body.append(f"    return [{names}]")
    return "\n".join(
        [
            f"def backward(cache, dz{out}):",
            '    """The chain rule from the output back: each parameter\'s gradient, in params\'',
            '    order, from dL/dz of the output layer."""',
            *body,
        ]
    )


def _optimizer_code(start: TrainState) -> str:
    config = start.config
    name = config.optimizer
    optimizer = make_optimizer(name, lr=config.learning_rate, **optimizer_hyper(config))
    fresh, update = formulas.OPTIMIZER_CODE[name]
    constants = [f"LEARNING_RATE = {number(config.learning_rate)}"]
    for attribute in {**type(optimizer).defaults, **optimizer_hyper(config)}:
        if attribute == "betas":
            beta1, beta2 = vars(optimizer)["betas"]
            constants.append(f"BETA1, BETA2 = {number(beta1)}, {number(beta2)}")
        else:
            constants.append(
                f"{formulas.HYPER_NAMES[attribute]} = {number(vars(optimizer)[attribute])}"
            )
    state = [s for s in start.optimizer_state if s is not None and len(s) > 1]
    lines = [
        f"# {type(optimizer).title}, as torch.optim updates: {type(optimizer).formula}",
        *constants,
        "",
        "",
        "def fresh_state(p):",
        '    """What the optimizer keeps for one parameter before its first step."""',
        f"    return {fresh}",
        "",
        "",
    ]
    if state and len(start.optimizer_state) == len(start.params):
        entries = []
        for s in start.optimizer_state:
            if s is None:
                entries.append("    None,")
                continue
            parts = [
                f'"{key}": {array(value, indent="        ") if isinstance(value, np.ndarray) else repr(value)}'
                for key, value in s.items()
                if key != "shape"
            ]
            entries.append("    {" + ", ".join(parts) + "},")
        lines += [
            f"# The optimizer's state at epoch {start.epoch}, as the session had it (None: fresh).",
            "state = [",
            *entries,
            "]",
            "state = [fresh_state(p) if s is None else s for p, s in zip(params, state)]",
        ]
    else:
        lines.append("state = [fresh_state(p) for p in params]")
    step = "\n".join("        " + line for line in update.splitlines())
    lines += [
        "",
        "",
        "def update(params, grads):",
        '    """One step of every parameter, in place, from its gradient and its state."""',
        "    for p, g, s in zip(params, grads, state):",
        step,
    ]
    return "\n".join(lines)


def _rng_code(name: str, state: dict[str, object], seed: int, fresh: bool, what: str) -> str:
    if fresh:
        return f"{name} = np.random.default_rng({seed})  # {what}"
    return (
        f"{name} = np.random.default_rng()  # {what}, as the session had drawn it so far:\n"
        f"{name}.bit_generator.state = {state!r}"
    )


def _training_code(run: Run, dropout: bool) -> str:
    start, config = run.start, run.start.config
    fresh = start.fresh_rngs()
    lines = [
        f"START_EPOCH = {start.epoch}",
        f"EPOCHS = {run.epoch - start.epoch}  # the epochs the session trained from there",
        f"BATCH_SIZE = {config.batch_size}",
        _rng_code("batch_rng", start.batch_rng, config.seed, fresh, "one shuffle per epoch"),
    ]
    if dropout:
        lines.append(
            _rng_code("dropout_rng", start.dropout_rng, config.seed, fresh, "the dropout masks")
        )
    if start.mid_epoch():
        lines += [
            "# The run started between two batches: the rest of that epoch, in the session's order.",
            f"EPOCH_IN_PROGRESS = {array(start.order, 'int64')}",
            f"POSITION = {start.position}",
        ]
    else:
        lines += ["EPOCH_IN_PROGRESS, POSITION = None, 0"]
    accuracy = run.data.task != "regression"
    report = '    line = f"epoch {epoch:5d}  train loss {train:.12f}  test loss {test:.12f}"\n'
    if accuracy:
        report += (
            '    line += f"  accuracy {accuracy(X_train, y_train):.4f} / '
            '{accuracy(X_test, y_test):.4f}"\n'
        )
    forward_train = "forward(X_train[rows], dropout_rng)" if dropout else "forward(X_train[rows])"
    lines += [
        "",
        "",
        "def evaluate(X, y):",
        '    """Loss on a split: the data loss alone (no penalty, no dropout)."""',
        '    return loss(forward(X)[0], targets(y)) if len(y) else float("nan")',
        "",
        "",
    ]
    if accuracy:
        rule = "z[:, 0] >= 0" if run.data.task == "binary" else "z.argmax(axis=1)"
        lines += [
            "def accuracy(X, y):",
            '    """The share of rows whose predicted class is right (train / test)."""',
            "    z = forward(X)[0]",
            f'    return float(np.mean(({rule}) == y)) if len(y) else float("nan")',
            "",
            "",
        ]
    lines += [
        "n = len(X_train)",
        "batch = min(BATCH_SIZE, n)",
        "for epoch in range(START_EPOCH + 1, START_EPOCH + EPOCHS + 1):",
        "    if epoch == START_EPOCH + 1 and EPOCH_IN_PROGRESS is not None:",
        "        order, first = EPOCH_IN_PROGRESS, POSITION",
        "    else:  # a new shuffle each epoch; whole-set batches need none",
        "        order, first = (np.arange(n) if batch >= n else batch_rng.permutation(n)), 0",
        "    for begin in range(first, n, batch):",
        "        rows = order[begin : begin + batch]",
        f"        z, cache = {forward_train}  # forward",
        "        grads = backward(cache, loss_gradient(z, targets(y_train[rows])))  # backward",
        "        update(params, grads)  # update",
        "    train, test = evaluate(X_train, y_train), evaluate(X_test, y_test)",
    ]
    lines.append(report + "    print(line)")
    return "\n".join(lines)


def sections(run: Run) -> list[Section]:
    """The script's steps, in order."""
    start, config = run.start, run.start.config
    loss = loss_name(config, run.data)
    net_l1 = config.regularization_rate if config.regularization == "l1" else 0.0
    net_l2 = config.regularization_rate if config.regularization == "l2" else 0.0
    data = data_code(config, run.data, run.custom)
    imports = [*needs(data), "import numpy as np"]
    helpers, forward = _forward_code(config, loss)
    dropout = any(rate for _, _, rate in _layers(config))
    regularization = (
        f"L1, L2 = {number(net_l1)}, {number(net_l2)}  # the regularisation rates\n\n\n"
        if net_l1 or net_l2
        else ""
    )
    return [
        Section("Imports", "from __future__ import annotations\n\n" + "\n".join(imports)),
        Section("1. The data", data),
        Section("2. The network's weights", _weights_code(run)),
        Section("3. The forward pass", f"{helpers}\n\n\n{forward}" if helpers else forward),
        Section("4. The loss", _loss_code(run.data.task, loss)),
        Section("5. The backward pass", regularization + _backward_code(config, net_l1, net_l2)),
        Section("6. The update", _optimizer_code(start)),
        Section("7. Training, epoch by epoch", _training_code(run, dropout)),
    ]


def header(run: Run, filename: str) -> str:
    """The script's docstring: what it reproduces and how to run it."""
    return _header(run).replace("{filename}", filename)


def script(run: Run, filename: str = "mlp_run.py") -> str:
    """The whole script's text."""
    rule = "# " + "-" * 96
    parts = [header(run, filename)]
    for section in sections(run):
        parts.append(f"{rule}\n# {section.title}\n{rule}\n{section.code}")
    return "\n\n".join(parts) + "\n"
