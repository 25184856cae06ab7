"""Lecture 1 as lessons: LESSONS maps each lesson to its steps, in the lecture's order.

A step sets the playground up (`preset`: config fields over the defaults, validated by Config
when this module loads), names the views it needs, the page controls to highlight, and the live
check (app/lesson_checks.py) that says whether its point holds. Its texts are the page's, by
key: `lesson.<lesson>.title`, `lesson.<lesson>.<step>.title` and `.text`. A step that compares
runs lists them as `compare` variants (config fields over its own preset): one session shows
one variant at a time; a compare mode may run them side by side.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.session_config import Config, implied_changes

# What a step may highlight: the page maps each name to its control or view.
HIGHLIGHTS = (
    "play", "map", "plot", "layers", "activation", "loss", "optimizer", "dropout", "features",
    "chart", "gradients", "linear", "units", "activations", "point", "output_maps",
)  # fmt: skip


@dataclass(frozen=True)
class Step:
    """One step of a lesson; see the module docstring."""

    name: str
    preset: dict[str, Any]
    views: tuple[str, ...] = ()
    highlight: tuple[str, ...] = ()
    check: str | None = None
    threshold: float | None = None  # the check's bound, where it has one
    compare: dict[str, dict[str, Any]] = field(default_factory=dict)
    ghost: bool = False  # keep the previous step's curves on the charts, for comparison

    def config(self) -> Config:
        """The whole config this step opens with: the defaults, then its preset and what it
        implies (a dataset's task, a 1-D curve's features), as a configure would."""
        changes = BASE | self.preset
        implied = implied_changes(Config(), changes)
        return Config.model_validate(Config().model_dump() | changes | implied)

    def variant(self, name: str) -> Config:
        """The config of compare variant `name`: this step's, with the variant's changes."""
        return Config.model_validate(self.config().model_dump() | self.compare[name])


BASE: dict[str, Any] = {"init": "glorot", "noise": 0.0, "speed": 30.0}


def _layers(*specs: tuple[int, str] | tuple[int, str, float]) -> list[dict[str, Any]]:
    return [
        {"units": spec[0], "activation": spec[1], "dropout": spec[2] if len(spec) == 3 else 0.0}
        for spec in specs
    ]


_LINE = {"task": "regression", "features": ["x1"], "layers": [], "learning_rate": 0.01}
_OUTLIERS = _LINE | {"dataset": "outliers", "noise": 0.05, "n_points": 200}
_DEEP = _layers(*[(4, "sigmoid")] * 6)
_SPIRAL = {"dataset": "spiral", "layers": _layers((8, "tanh"), (8, "tanh")), "learning_rate": 0.01,
           "speed": 100.0, "noise": 0.1}  # fmt: skip
_SINE = {"dataset": "sine", "features": ["x1"], "optimizer": "adam", "learning_rate": 0.03,
         "speed": 100.0, "noise": 0.05}  # fmt: skip

LESSONS: dict[str, list[Step]] = {
    "linear_regression": [
        Step("curve", _LINE | {"dataset": "line", "noise": 0.15}, ("linear",),
             ("plot", "linear"), "closed_form", 0.01),
        Step("plane", {"dataset": "plane", "noise": 0.1, "layers": [], "learning_rate": 0.01},
             ("linear",), ("map", "linear"), "closed_form", 0.01),
    ],
    "mse_mae": [
        Step("mse", _OUTLIERS | {"loss": "mse"}, ("linear",), ("plot", "loss"), "closed_form",
             0.01),
        Step("mae", _OUTLIERS | {"loss": "mae"}, ("linear",), ("plot", "loss"),
             "mae_below_least_squares"),
    ],
    "stacked": [
        Step("deep_linear", {"dataset": "plane", "noise": 0.1, "batch_size": 250,
                             "layers": _layers(*[(3, "linear")] * 3), "optimizer": "adam",
                             "learning_rate": 0.01, "speed": 100.0},
             ("linear",), ("layers", "linear"), "closed_form", 1e-3),
        Step("straight", {"dataset": "circle", "layers": _layers(*[(4, "linear")] * 3)},
             ("linear",), ("map", "activation"), "straight_boundary"),
    ],
    "nonlinearity": [
        Step("linear_fails", {"dataset": "xor", "layers": _layers((4, "linear")),
                              "learning_rate": 0.1}, (), ("map",), "accuracy_below", 0.75),
        Step("tanh", {"dataset": "xor", "layers": _layers((4, "tanh")), "learning_rate": 0.1},
             (), ("activation", "map"), "accuracy_above", 0.95),
        Step("relu", {"dataset": "xor", "layers": _layers((8, "relu")), "learning_rate": 0.1},
             (), ("activation", "map"), "accuracy_above", 0.95),
    ],
    "activations": [
        Step("table", {"dataset": "circle", "layers": _layers((6, "tanh"), (6, "relu"))},
             ("units",), ("activations", "units")),
    ],
    "step_function": [
        Step("step", {"dataset": "circle", "layers": _layers((4, "step"), (4, "step")),
                      "learning_rate": 0.1}, ("gradients",), ("gradients", "activation"),
             "zero_gradients"),
    ],
    "sigmoid_paralysis": [
        Step("sigmoid", {"dataset": "circle", "layers": _DEEP, "learning_rate": 0.1},
             ("gradients",), ("gradients", "layers"), "vanishing_gradient", 0.01,
             compare={"relu": {"layers": _layers(*[(4, "relu")] * 6)}}),
        Step("relu", {"dataset": "circle", "layers": _layers(*[(4, "relu")] * 6),
                      "learning_rate": 0.1}, ("gradients",), ("gradients", "activation"),
             "gradients_flow", 0.01, compare={"sigmoid": {"layers": _DEEP}}, ghost=True),
    ],
    "logistic_regression": [
        Step("neuron", {"dataset": "gauss", "noise": 0.2, "layers": [], "learning_rate": 0.1},
             ("linear", "point"), ("map", "point"), "straight_boundary"),
    ],
    "universal_approximation": [
        Step("two", _SINE | {"layers": _layers((2, "tanh"))}, (), ("plot", "layers")),
        Step("four", _SINE | {"layers": _layers((4, "tanh"))}, (), ("plot", "layers"),
             ghost=True),
        Step("sixteen", _SINE | {"layers": _layers((16, "tanh"))}, (), ("plot", "chart"),
             "loss_below", 0.02, ghost=True),
        Step("deep", _SINE | {"layers": _layers((4, "tanh"), (4, "tanh"), (4, "tanh"))}, (),
             ("layers", "chart"), compare={"wide": {"layers": _layers((16, "tanh"))}},
             ghost=True),
    ],
    "dropout": [
        Step("masks", {"dataset": "circle", "noise": 0.2, "learning_rate": 0.03,
                       "layers": _layers((8, "relu", 0.3), (8, "relu", 0.3))},
             ("dropout",), ("dropout", "map"), "dropout_active"),
    ],
    "tasks": [
        Step("regression", {"dataset": "multi_gauss", "layers": _layers((8, "tanh"), (8, "tanh")),
                            "optimizer": "adam", "learning_rate": 0.01}, (), ("map", "loss")),
        Step("multi_output", {"dataset": "three_targets", "optimizer": "adam",
                              "learning_rate": 0.01, "speed": 100.0,
                              "layers": _layers((8, "tanh"), (8, "tanh"))},
             (), ("output_maps",), "loss_below", 0.05),
        Step("binary", {"dataset": "circle", "layers": _layers((4, "tanh"), (2, "tanh"))},
             ("point",), ("point", "map"), "softmax_equals_sigmoid"),
        Step("multiclass", {"dataset": "blobs", "classes": 3, "layers": _layers((6, "tanh"))},
             ("point",), ("point", "map"), "cross_entropy_example"),
    ],
    "optimizers": [
        Step("sgd", _SPIRAL | {"optimizer": "sgd"}, (), ("optimizer", "chart"),
             compare={"momentum": {"optimizer": "momentum"}, "adam": {"optimizer": "adam"}}),
        Step("momentum", _SPIRAL | {"optimizer": "momentum"}, (), ("optimizer", "chart"),
             compare={"sgd": {"optimizer": "sgd"}, "adam": {"optimizer": "adam"}}, ghost=True),
        Step("adam", _SPIRAL | {"optimizer": "adam"}, (), ("optimizer", "chart"), "loss_below", 0.3,
             compare={"sgd": {"optimizer": "sgd"}, "momentum": {"optimizer": "momentum"}},
             ghost=True),
    ],
}  # fmt: skip


def get_step(lesson: str, step: int) -> Step:
    """Step `step` (0-based) of `lesson`; an unknown one is an error naming what exists."""
    if lesson not in LESSONS:
        raise ValueError(f"unknown lesson {lesson!r}; expected one of {sorted(LESSONS)}")
    steps = LESSONS[lesson]
    if not 0 <= step < len(steps):
        raise ValueError(f"lesson {lesson!r} has steps 0..{len(steps) - 1}, received {step}")
    return steps[step]


def text_keys() -> list[str]:
    """Every message-catalogue key the lessons' texts use (the page looks them up by name)."""
    keys = []
    for lesson, steps in LESSONS.items():
        keys.append(f"{lesson}.title")
        for step in steps:
            keys += [f"{lesson}.{step.name}.title", f"{lesson}.{step.name}.text"]
    return keys


def _over_defaults(config: Config) -> dict[str, Any]:
    """The fields of a resolved config that differ from the defaults (the page adds these)."""
    defaults = Config().model_dump()
    return {key: value for key, value in config.model_dump().items() if defaults[key] != value}


def catalog() -> list[dict[str, Any]]:
    """The lessons as the page reads them: every step's config (the fields that differ from
    the catalog's defaults, after validation), views, highlights and check."""
    return [
        {
            "name": lesson,
            "steps": [
                {
                    "name": step.name,
                    "config": _over_defaults(step.config()),
                    "views": list(step.views),
                    "highlight": list(step.highlight),
                    "check": step.check,
                    "threshold": step.threshold,
                    "compare": {name: _over_defaults(step.variant(name)) for name in step.compare},
                    "ghost": step.ghost,
                }
                for step in steps
            ],
        }
        for lesson, steps in LESSONS.items()
    ]


for _steps in LESSONS.values():  # every preset is a valid config, checked once at import
    for _step in _steps:
        _step.config()
        for _name in _step.compare:
            _step.variant(_name)
