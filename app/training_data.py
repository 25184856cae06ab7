"""A trainer's points: generated from the config or drawn by the user, split, as features."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from app import datasets
from app.nn import MLP
from app.session_config import Config

Array = NDArray[np.float64]


@dataclass
class Data:
    """The current points, as raw (x1, x2) and as the network's input features."""

    task: datasets.Task
    classes: int
    one_d: bool
    x_train: Array  # (n_train, 2)
    y_train: NDArray[Any]  # (n_train,)
    x_test: Array  # (n_test, 2)
    y_test: NDArray[Any]
    f_all: Array = field(init=False)  # (n_train + n_test, n_features): train rows first
    f_train: Array = field(init=False)  # views into f_all
    f_test: Array = field(init=False)
    y_all: NDArray[Any] = field(init=False)  # (n_train + n_test,): train rows first

    @property
    def targets(self) -> int:
        """Values per point: 1, or a multi-output regression set's number of outputs."""
        return int(self.y_train.shape[1]) if self.y_train.ndim == 2 else 1

    def featurize(self, names: list[str]) -> None:
        self.f_all = datasets.features(np.concatenate([self.x_train, self.x_test]), names)
        self.f_train, self.f_test = self.f_all[: len(self.x_train)], self.f_all[len(self.x_train) :]
        self.y_all = np.concatenate([self.y_train, self.y_test])

    def points(self) -> dict[str, Any]:
        """Train and test rows as [x1, x2, label-or-value] lists, for the data message."""

        def rows(x: Array, y: NDArray[Any]) -> list[list[float]]:
            table: list[list[float]] = np.column_stack([np.round(x, 4), y]).tolist()
            return table

        return {"train": rows(self.x_train, self.y_train), "test": rows(self.x_test, self.y_test)}


def resolve_task(config: Config) -> tuple[datasets.Task, int, bool]:
    """(task, classes, one_d) for the config's dataset."""
    if config.dataset == "custom":
        task = config.task
        classes = config.classes if task == "multiclass" else 2
        return task, classes, False
    spec = datasets.DATASETS[config.dataset]
    classes = spec.classes if spec.classes is not None else config.classes
    if spec.task == "binary":
        classes = 2
    return spec.task, classes, spec.one_d


def make_data(config: Config, custom: Array) -> Data:
    """The config's dataset (or the custom points (m, 3)), split and featurized."""
    task, classes, one_d = resolve_task(config)
    split: tuple[Array, NDArray[Any], Array, NDArray[Any]]
    y: NDArray[Any]
    if config.dataset == "custom":
        # A canonical order first: the same points, in whatever order they were drawn or
        # sent (a shared link re-sends them), get the same split.
        rows = custom[np.lexsort(custom.T[::-1])] if len(custom) else custom
        x, y = rows[:, :2], rows[:, 2]
        if task == "multiclass" and len(y) and y.max() >= classes:
            raise ValueError(
                f"the custom points have labels up to {y.max():g}: classes must be at least "
                f"{y.max() + 1:g}, received {classes}"
            )
        if len(y) < 2:  # a set still being drawn: train on what there is
            split = (x, y, x[:0], y[:0])
        else:
            split = datasets.split(x, y, config.train_share, config.data_seed)
    else:
        x, y = datasets.generate(
            config.dataset, config.n_points, config.noise, config.data_seed, config.classes
        )
        split = datasets.split(x, y, config.train_share, config.data_seed)
    x_train, y_train, x_test, y_test = split
    if task != "regression":  # class ids, however they were stored
        y_train, y_test = y_train.astype(np.int64), y_test.astype(np.int64)
    if config.dataset == "custom" and task == "regression" and len(custom):
        one_d = bool(np.all(custom[:, 1] == 0.0))  # points drawn on a 1-D curve's plot: y(x1)
    data = Data(task, classes, one_d, x_train, y_train, x_test, y_test)
    data.featurize(list(config.features))
    return data


@dataclass
class Stats:
    """Loss and accuracy on both splits, after the last slice."""

    train_loss: float | None
    test_loss: float | None
    train_accuracy: float | None
    test_accuracy: float | None


def evaluate(net: MLP, data: Data) -> Stats:
    """Data loss (no penalty, no dropout) and accuracy on both splits, from one forward."""
    n_train = len(data.y_train)
    if n_train + len(data.y_test) == 0:
        return Stats(None, None, None, None)
    with np.errstate(all="ignore"):
        z = net.logits(data.f_all)  # (n, outputs): one forward for both splits
        train = _split_stats(net, data.task, z[:n_train], data.y_train)
        test = _split_stats(net, data.task, z[n_train:], data.y_test)
    return Stats(train[0], test[0], train[1], test[1])


def _split_stats(
    net: MLP, task: str, z: Array, y: NDArray[Any]
) -> tuple[float | None, float | None]:
    """(loss, accuracy) of one split from its logits z (n, outputs)."""
    if len(y) == 0:
        return None, None
    loss = net.loss_from_logits(z, y)
    if not np.isfinite(loss):
        return None, None
    if task == "regression":
        return loss, None
    # sigmoid(z) >= 0.5 exactly when z >= 0; softmax's argmax is the logits' argmax.
    predicted = z[:, 0] >= 0 if task == "binary" else z.argmax(axis=1)
    return loss, np.count_nonzero(predicted == y) / len(y)
