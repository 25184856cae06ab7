"""Twin nets for the equality tests: the readable engine against a faster path, same steps."""

from collections.abc import Callable

import numpy as np

from app.nn import MLP, make_optimizer
from app.nn.optimizers import Optimizer
from app.session_config import Config, LayerSpec

Array = np.ndarray
TOLERANCE = 1e-12


def data(n: int = 120, seed: int = 0) -> tuple[Array, Array]:
    x = np.random.default_rng(seed).uniform(-2, 2, (n, 2))
    return x, (x[:, 0] * x[:, 1] > 0).astype(float)


def readable_epochs(
    net: MLP, opt: Optimizer, x: Array, y: Array, orders: list[Array], batch: int
) -> None:
    for order in orders:
        for start in range(0, len(order), batch):
            index = order[start : start + batch]
            _, grads = net.loss_and_grads(x[index], y[index])
            opt.step(net.parameters(), grads)


def assert_same(a: MLP, b: MLP) -> None:
    for p, q in zip(a.parameters(), b.parameters(), strict=True):
        np.testing.assert_allclose(p, q, rtol=0, atol=TOLERANCE)


def twins(
    layers: list[tuple[int, str]], optimizer: str, task: str = "binary", loss: str | None = None
) -> tuple[MLP, Optimizer, MLP, Optimizer]:
    outputs = 3 if task == "multiclass" else 1
    nets = [MLP(2, layers, outputs, task=task, loss=loss, seed=3) for _ in range(2)]
    opts = [make_optimizer(optimizer, lr=0.05) for _ in range(2)]
    return nets[0], opts[0], nets[1], opts[1]


def epoch_orders(n: int, epochs: int) -> list[Array]:
    rng = np.random.default_rng(7)
    return [rng.permutation(n) for _ in range(epochs)]


EDITS: dict[str, Callable[[MLP], list[int | None]]] = {  # live edits every faster path must follow
    "insert": lambda net: net.insert_layer(1, 3, "relu"),
    "remove": lambda net: net.remove_layer(0),
    "resize": lambda net: net.resize_layer(1, 7),
    "to_prelu": lambda net: net.set_activation(0, "prelu"),
    "from_prelu": lambda net: net.set_activation(2, "elu"),
    "inputs": lambda net: net.set_input_size(2),
}


def spiral_config(**changes: object) -> Config:
    """The trainer-level twin tests' setup: spiral, three ReLU layers of 8."""
    layers = [LayerSpec(units=8, activation="relu")] * 3
    return Config(dataset="spiral", layers=layers, **changes)  # type: ignore[arg-type]
