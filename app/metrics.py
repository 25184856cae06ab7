"""Metrics beside the loss: the confusion matrix of a classifier, R² and RMSE of a regression,
on the test split (the training split when there is no test split)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from app.nn import MLP
from app.training_data import Data

Logits = Callable[[np.ndarray, np.ndarray], np.ndarray]  # (x (n, f), y (n,)) -> (n, outputs)


def confusion_matrix(true: np.ndarray, predicted: np.ndarray, classes: int) -> list[list[int]]:
    """counts[i][j]: rows of class i predicted as class j."""
    counts = np.bincount(true * classes + predicted, minlength=classes * classes)
    table: list[list[int]] = counts.reshape(classes, classes).tolist()
    return table


def r2_rmse(target: np.ndarray, predicted: np.ndarray) -> tuple[float | None, float | None]:
    """R² = 1 - Σ(y - ŷ)² / Σ(y - ȳ)² (None when y is constant) and RMSE = √mean((y - ŷ)²);
    with several targets, (n, k), both pooled over them (ȳ per target)."""
    residual = float(np.sum((target - predicted) ** 2))
    spread = float(np.sum((target - target.mean(axis=0)) ** 2))
    rmse = float(np.sqrt(residual / target.size))
    r2 = 1.0 - residual / spread if spread > 0 else None
    return (r2 if r2 is not None and np.isfinite(r2) else None), (
        rmse if np.isfinite(rmse) else None
    )


def metrics(net: MLP, data: Data, logits: Logits | None = None) -> dict[str, Any] | None:
    """The frame header's `metrics` (protocol.Metrics), None without any points; `logits(x, y)`
    gives the network's logits (default: net.logits, the readable forward)."""
    split, x, y = "test", data.f_test, data.y_test
    if len(y) == 0:
        split, x, y = "train", data.f_train, data.y_train
    if len(y) == 0:
        return None
    with np.errstate(all="ignore"):
        z = net.logits(x) if logits is None else logits(x, y)  # (n, outputs)
    if data.task == "regression":
        target = y.astype(np.float64)
        r2, rmse = r2_rmse(target, z if target.ndim == 2 else z[:, 0])
        return {"split": split, "r2": r2, "rmse": rmse}
    predicted = (z[:, 0] >= 0).astype(np.int64) if data.task == "binary" else z.argmax(axis=1)
    classes = data.classes if data.task == "multiclass" else 2
    return {"split": split, "confusion": confusion_matrix(y.astype(np.int64), predicted, classes)}
