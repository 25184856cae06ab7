"""What a session is set to: `Config`, its layers, and the names and ranges of every choice.

The names come from the registries (app.nn, app.datasets), so a new entry there is a new
choice here, in the messages' schema and in the catalog the page builds its controls from.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeAlias

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app import datasets
from app.datasets import Task
from app.nn import ACTIVATIONS, OPTIMIZERS, TASKS
from app.nn.model import WEIGHT_INITS


def _names(names: Any) -> Any:
    """A Literal of the registry's names, in its order (pydantic validates against it)."""
    return Literal[tuple(names)]


if TYPE_CHECKING:  # mypy sees names; pydantic sees the Literals
    ActivationName: TypeAlias = str
    DatasetName: TypeAlias = str
    FeatureName: TypeAlias = str
    RegressionLoss: TypeAlias = str
    OptimizerName: TypeAlias = str
    InitName: TypeAlias = str
else:
    ActivationName = _names(ACTIVATIONS)
    DatasetName = _names([*datasets.DATASETS, "custom"])
    FeatureName = _names(datasets.FEATURES)
    RegressionLoss = _names(TASKS["regression"].losses)
    OptimizerName = _names(OPTIMIZERS)
    InitName = _names(WEIGHT_INITS)
Regularization = Literal["none", "l1", "l2"]
Rebuilt = Literal["data", "network", "optimizer"]  # what a config change rebuilt

# The config fields each optimizer reads; the rest ignore them.
OPTIMIZER_FIELDS: dict[str, tuple[str, ...]] = {
    "sgd": (), "momentum": ("momentum",), "nesterov": ("momentum",),
    "adagrad": (), "rmsprop": ("rho",), "adam": ("beta1", "beta2"), "adamax": ("beta1", "beta2"),
}  # fmt: skip

MAX_LAYERS = 8
MAX_UNITS = 16
MAX_POINTS = int(datasets.N_POINTS.max)
MAX_CLASSES = int(datasets.CLASSES.max)
MAX_SEED = 2**31 - 1
LEARNING_RATES = [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0]
REGULARIZATION_RATES = [0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0]

Seed = Annotated[int, Field(ge=0, le=MAX_SEED)]


class Strict(BaseModel):
    """Base for the config and every message: unknown fields and NaN/inf are rejected."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class LayerSpec(Strict):
    """One hidden layer: Dense(units) + activation (+ Dropout(rate) when rate > 0)."""

    units: Annotated[int, Field(ge=1, le=MAX_UNITS)] = 4
    activation: ActivationName = "tanh"
    dropout: Annotated[float, Field(ge=0.0, le=0.9)] = 0.0


def _default_layers() -> list[LayerSpec]:
    return [LayerSpec(units=4), LayerSpec(units=2)]


class Config(Strict):
    """Everything a session's training depends on; the page keeps a copy in its URL."""

    # data
    task: Task = "binary"
    dataset: DatasetName = "circle"
    n_points: Annotated[int, Field(ge=datasets.N_POINTS.min, le=MAX_POINTS)] = 500
    noise: Annotated[float, Field(ge=datasets.NOISE.min, le=datasets.NOISE.max)] = 0.0
    train_share: Annotated[
        float, Field(ge=datasets.TRAIN_SHARE.min, le=datasets.TRAIN_SHARE.max)
    ] = 0.5
    classes: Annotated[int, Field(ge=datasets.CLASSES.min, le=MAX_CLASSES)] = 3
    data_seed: Seed = 0
    features: list[FeatureName] = Field(default_factory=lambda: ["x1", "x2"], min_length=1)
    # network
    layers: list[LayerSpec] = Field(default_factory=_default_layers, max_length=MAX_LAYERS)
    loss: RegressionLoss = "mse"
    init: InitName = "uniform"  # the classic playground's: it trains its datasets best
    seed: Seed = 0
    # training
    optimizer: OptimizerName = "sgd"
    learning_rate: Annotated[float, Field(gt=0.0, le=10.0)] = 0.03
    momentum: Annotated[float, Field(ge=0.0, lt=1.0)] = 0.9
    beta1: Annotated[float, Field(ge=0.0, lt=1.0)] = 0.9
    beta2: Annotated[float, Field(ge=0.0, lt=1.0)] = 0.999
    rho: Annotated[float, Field(ge=0.0, lt=1.0)] = 0.99
    regularization: Regularization = "none"
    regularization_rate: Annotated[float, Field(ge=0.0, le=10.0)] = 0.0
    batch_size: Annotated[int, Field(ge=1, le=MAX_POINTS)] = 10
    speed: Annotated[float, Field(ge=0.0, le=10000.0)] = 30.0  # epochs per second; 0 = max
    # streaming
    grid: Annotated[int, Field(ge=10, le=200)] = 100
    neuron_grid: Annotated[int, Field(ge=4, le=40)] = 10  # 100 bytes a map
    frame_rate: Annotated[float, Field(ge=1.0, le=60.0)] = 30.0

    @model_validator(mode="after")
    def _check_features(self) -> Config:
        """No repeats; a 1-D curve's features are those of x1 (see implied_changes)."""
        if len(set(self.features)) != len(self.features):
            raise ValueError(f"features must not repeat, received {self.features}")
        if is_one_d(self.dataset):  # x2 is 0 on a curve: its inputs are x1's alone, always
            self.features = one_d_features(self.features)
        return self


def is_one_d(dataset: str) -> bool:
    """A 1-D curve y(x1): x2 is 0 for every point."""
    return dataset != "custom" and datasets.DATASETS[dataset].one_d


def one_d_features(features: list[str]) -> list[str]:
    """The features a 1-D curve can use: those of x1 alone (x2 is 0 there); x1 if none is."""
    kept = [name for name in features if "x2" not in name]
    return kept or ["x1"]


def optimizer_hyper(config: Config) -> dict[str, Any]:
    """The optimizer's hyper-parameters from the config, under torch.optim's names."""
    fields = {name: getattr(config, name) for name in OPTIMIZER_FIELDS[config.optimizer]}
    if "beta1" in fields:
        return {"betas": (fields["beta1"], fields["beta2"])}
    if "rho" in fields:
        return {"alpha": fields["rho"]}  # RMSprop's smoothing constant
    return fields


def implied_changes(current: Config, changes: dict[str, Any]) -> dict[str, Any]:
    """What a configure's `changes` imply: a dataset brings its task, a task a dataset of it,
    a move to or from a 1-D curve its features; a dataset of another task is an error."""
    dataset = changes.get("dataset", current.dataset)
    implied: dict[str, Any] = {}
    if "dataset" in changes and dataset != "custom":
        dataset_task = datasets.DATASETS[dataset].task
        if "task" in changes and changes["task"] != dataset_task:
            raise ValueError(
                f"dataset {dataset!r} is a {dataset_task} dataset, received task {changes['task']!r}"
            )
        implied["task"] = dataset_task
    elif dataset != "custom" and changes.get("task", datasets.DATASETS[dataset].task) != (
        datasets.DATASETS[dataset].task
    ):
        dataset = implied["dataset"] = next(
            name for name, spec in datasets.DATASETS.items() if spec.task == changes["task"]
        )
    if "features" not in changes and dataset != current.dataset:
        implied["features"] = _default_features(current, dataset)
    if is_one_d(dataset):  # x2 is 0 on a curve: x2-based inputs would feed the network zeros
        features = implied.get("features", changes.get("features", current.features))
        if one_d_features(list(features)) != list(features):
            implied["features"] = one_d_features(list(features))
    return implied


def _default_features(current: Config, dataset: str) -> list[str]:
    """A 1-D curve has x2 = 0 everywhere: it starts with x1 alone (y against x, as in the
    lecture), and leaving one for 2-D data brings x2 back; other choices are kept."""
    one_d, was_one_d = is_one_d(dataset), is_one_d(current.dataset)
    if one_d and not was_one_d:
        return ["x1"]
    if was_one_d and not one_d and list(current.features) == ["x1"]:
        return ["x1", "x2"]
    return list(current.features)
