"""GET /api/catalog's content: every choice and limit the page may offer, from the registries."""

from __future__ import annotations

from typing import Any, get_args

import numpy as np

from app import datasets, lessons, views
from app.config import Settings
from app.lesson_checks import CHECKS
from app.nn import ACTIVATIONS, LOSSES, OPTIMIZERS
from app.protocol import PROTOCOL_VERSION, Weight
from app.session_config import (
    LEARNING_RATES,
    MAX_CLASSES,
    MAX_LAYERS,
    MAX_POINTS,
    MAX_UNITS,
    OPTIMIZER_FIELDS,
    REGULARIZATION_RATES,
    ActivationName,
    Config,
    FeatureName,
    InitName,
    LayerSpec,
    OptimizerName,
    RegressionLoss,
    Regularization,
)

TASKS = [
    {"name": "binary", "title": "Binary classification"},
    {"name": "multiclass", "title": "Multi-class classification"},
    {"name": "regression", "title": "Regression"},
]
FEATURE_LABELS = {
    "x1": "x₁", "x2": "x₂", "x1^2": "x₁²", "x2^2": "x₂²", "x1*x2": "x₁x₂",
    "sin(x1)": "sin(x₁)", "sin(x2)": "sin(x₂)", "cos(x1)": "cos(x₁)", "cos(x2)": "cos(x₂)",
}  # fmt: skip
EXCLUSIVE_MARGIN = 0.001  # an upper bound like momentum < 1 is offered as 0.999
SPEEDS = [3, 10, 30, 100, 300, 0]  # epochs per second; 0 = as fast as possible


def _ranges() -> dict[str, dict[str, float]]:
    """min/max of every numeric config field (and of a layer's units and dropout), and of a
    weight or bias set by hand (set_weight, set_bias)."""
    fields = {
        **Config.model_fields,
        **{k: v for k, v in LayerSpec.model_fields.items() if k != "activation"},
    }
    ranges = {name: _bounds(info.metadata) for name, info in fields.items()}
    _, weight = get_args(Weight)  # Annotated[float, Field(ge=..., le=...)]
    ranges["weight"] = _bounds(weight.metadata)
    return {name: bounds for name, bounds in ranges.items() if bounds}


def _bounds(metadata: list[Any]) -> dict[str, float]:
    bounds: dict[str, float] = {}
    for item in metadata:
        for key, label in (("ge", "min"), ("gt", "min"), ("le", "max"), ("lt", "max")):
            value = getattr(item, key, None)
            if value is not None:
                bounds[label] = value
        if getattr(item, "lt", None) is not None:
            bounds["max"] = round(item.lt - EXCLUSIVE_MARGIN, 6)  # the largest value offered
        if getattr(item, "gt", None) is not None:
            bounds["min_exclusive"] = True  # e.g. a learning rate of exactly 0
    return bounds


def build_catalog(settings: Settings) -> dict[str, Any]:
    dataset_rows: list[dict[str, Any]] = []
    for name, spec in datasets.DATASETS.items():
        dataset_rows.append(
            {
                "name": name,
                "title": spec.title,
                "task": spec.task,
                "one_d": spec.one_d,
                "classes": 2 if spec.task == "binary" else spec.classes,
                "targets": spec.targets,
            }
        )
    dataset_rows.append(
        {
            "name": "custom",
            "title": "Draw your own",
            "task": None,
            "one_d": False,
            "classes": None,
            "targets": 1,
        }
    )
    return {
        "version": PROTOCOL_VERSION,
        "defaults": Config().model_dump(),
        "domain": list(datasets.DOMAIN),  # every point and map lies in domain², x1 and x2 alike
        "tasks": TASKS,
        "datasets": dataset_rows,
        "features": [
            {"name": name, "label": FEATURE_LABELS[name], "uses_x2": "x2" in name}
            for name in get_args(FeatureName)
        ],
        "activations": list(get_args(ActivationName)),
        "activation_details": [
            {"name": name, "title": ACTIVATIONS[name].title, "formula": ACTIVATIONS[name].formula}
            for name in get_args(ActivationName)
        ],
        "loss_details": [
            {"name": name, "title": loss.title, "formula": loss.formula}
            for name, loss in LOSSES.items()
        ],
        "losses": {
            "binary": ["logloss"],
            "multiclass": ["cross_entropy"],
            "regression": list(get_args(RegressionLoss)),
        },
        "optimizers": [
            {
                "name": name,
                "title": OPTIMIZERS[name].title,
                "hyper": list(OPTIMIZER_FIELDS[name]),
                "formula": OPTIMIZERS[name].formula,
            }
            for name in get_args(OptimizerName)
        ],
        "initializers": list(get_args(InitName)),
        "regularizations": list(get_args(Regularization)),
        "learning_rates": LEARNING_RATES,
        "regularization_rates": REGULARIZATION_RATES,
        "speeds": SPEEDS,
        "ranges": _ranges(),
        "lessons": lessons.catalog(),
        "highlights": list(lessons.HIGHLIGHTS),
        "views": list(views.VIEWS),
        "checks": sorted(CHECKS),
        "activation_curves": activation_curves(),
        "limits": {
            "layers": MAX_LAYERS,
            "units": MAX_UNITS,
            "points": MAX_POINTS,
            "classes": MAX_CLASSES,
            "message_bytes": settings.max_message_bytes,
            "commands_per_second": settings.commands_per_second,
            "activations_registered": sorted(ACTIVATIONS),
            "optimizers_registered": sorted(OPTIMIZERS),
        },
    }


CURVE_POINTS = 61  # z from -6 to 6 in steps of 0.2: the activation table's curves


def activation_curves() -> dict[str, Any]:
    """f(z) and f'(z) of every activation on one z axis, from the registry (the table of lesson
    5 draws them; PReLU at its starting slope)."""
    z = np.linspace(*views.Z_RANGE, CURVE_POINTS)
    curves = {}
    for name in get_args(ActivationName):
        fn = ACTIVATIONS[name]
        a = fn.forward(z)
        curves[name] = {"f": np.round(a, 4).tolist(), "df": np.round(fn.df(z, a), 4).tolist()}
    return {"z": np.round(z, 4).tolist(), "curves": curves}
