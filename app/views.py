"""The optional views a frame carries when the page shows them (the `views` message): gradient
and weight norms per layer, unit health, the network's equivalent linear map beside least
squares, the dropout masks, and one point's logits. Each reads what training already computed
(the last batch's gradients, the live weights) or is one forward pass, never a training step.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from app import datasets
from app.nn import MLP, Dropout, get_activation, get_task
from app.nn.closed_form import least_squares
from app.pictures import domain_grid
from app.trainer import Trainer

Array = NDArray[np.float64]
VIEWS = ("gradients", "units", "linear", "dropout", "point")
Z_RANGE = (-6.0, 6.0)  # the activation inspector's z axis: where a unit's inputs fall
Z_BINS = 24
SATURATED = 0.1  # f'(z) below this share of the activation's largest slope: saturated there
LINEARITY_GRID = 21  # points a side where the boundary's straightness is measured
POINT_SNAP = 0.5  # a click this close to a data point inspects that point (and its label)
TRAIN_MAP = 50  # the training-mode (thinned) map's cells a side


def compute(
    trainer: Trainer, views: Sequence[str], point: tuple[float, float] | None
) -> tuple[dict[str, Any], list[tuple[str, NDArray[Any], bool]]]:
    """The frame header's `views` object for the views asked, and any extra blocks."""
    out: dict[str, Any] = {}
    blocks: list[tuple[str, NDArray[Any], bool]] = []
    net = trainer.net
    if "gradients" in views:
        out["gradients"] = gradients(trainer)
    if "units" in views:
        out["units"] = units(net, trainer.data.f_train)
    if "linear" in views:
        out["linear"] = linear(trainer)
    if "dropout" in views:
        out["dropout"], grid = dropout(trainer)
        if grid is not None:
            blocks.append(("output_train", grid, True))
    if "point" in views and point is not None:
        out["point"] = inspect_point(trainer, point)
    return out, blocks


def _finite(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def gradients(trainer: Trainer) -> dict[str, Any]:
    """|dL/dW| of each Dense layer on the last batch trained (None before one), and |W|."""
    grads = trainer.weight_gradients()
    weights = [_finite(float(np.linalg.norm(w))) for w, _ in trainer.net.weights()]
    norms = None if grads is None else [_finite(float(np.linalg.norm(g))) for g in grads]
    return {"epoch": trainer.epoch, "gradient": norms, "weight": weights}


def _peak_slope(name: str) -> float:
    z = np.linspace(-10.0, 10.0, 2001)
    fn = get_activation(name)
    return float(np.max(np.abs(fn.df(z, fn.forward(z)))))


def units(net: MLP, x: Array) -> list[dict[str, Any]]:
    """Per hidden layer: each unit's status (dead: f'(z) = 0 on every training point; saturated:
    f'(z) under a tenth of its largest slope on 90 % of them; else ok), the share of points
    where it is active, and where its inputs z fall (a histogram over Z_RANGE)."""
    if len(x) == 0:
        return []
    layers = []
    slopes = net.slopes()
    for (units_, name, _), z, alpha in zip(net.hidden, net.pre_activations(x), slopes, strict=True):
        fn = get_activation(name)
        if alpha is not None:  # PReLU: its learned slope below 0
            slope = np.where(z > 0, 1.0, alpha)
        else:
            slope = np.abs(fn.df(z, fn.forward(z)))  # (n, units)
        peak = max(_peak_slope(name), 1e-12)
        flat = slope < SATURATED * peak  # (n, units)
        dead = np.all(slope == 0.0, axis=0)
        saturated = ~dead & (flat.mean(axis=0) >= 0.9)
        status = np.where(dead, "dead", np.where(saturated, "saturated", "ok"))
        edges = np.linspace(*Z_RANGE, Z_BINS + 1)
        clipped = np.clip(z, Z_RANGE[0], Z_RANGE[1] - 1e-9)
        hist = [np.histogram(clipped[:, j], edges)[0] / len(z) for j in range(units_)]
        layers.append(
            {
                "activation": name,
                "status": status.tolist(),
                "active": np.round(1.0 - flat.mean(axis=0), 3).tolist(),
                "z_hist": np.round(np.array(hist), 3).tolist(),
                "z_range": list(Z_RANGE),
            }
        )
    return layers


def equivalent_map(net: MLP) -> tuple[Array, Array] | None:
    """A (features, outputs) and c (outputs,) with logits = x A + c, when every hidden layer is
    linear: W1 W2 ... Wk, the lecture's "two regressions stacked are one". Else None."""
    if any(name != "linear" for _, name, _ in net.hidden):
        return None
    a, c = np.eye(net.inputs), np.zeros(net.inputs)
    for w, b in net.weights():
        a, c = a @ w, c @ w + b
    return a, c


def linear(trainer: Trainer) -> dict[str, Any]:
    """The network's equivalent linear map (None when some activation is not linear), linear
    regression's closed form on the same features (regression only), the largest gap between
    them, and how far the output's logits are from a plane in (x1, x2) (0: a straight
    boundary)."""
    net, data = trainer.net, trainer.data
    mapped = equivalent_map(net)
    closed = None
    if data.task == "regression" and len(data.y_train):
        y = data.y_train.reshape(len(data.y_train), -1)
        fits = [least_squares(data.f_train, y[:, k].astype(np.float64)) for k in range(y.shape[1])]
        closed = (np.column_stack([w for w, _ in fits]), np.array([b for _, b in fits]))
    gap = None
    if mapped is not None and closed is not None:
        gap = float(
            max(np.max(np.abs(mapped[0] - closed[0])), np.max(np.abs(mapped[1] - closed[1])))
        )
    return {
        "features": list(trainer.config.features),
        "network": None if mapped is None else _matrix(*mapped),
        "closed_form": None if closed is None else _matrix(*closed),
        "gap": None if gap is None else _finite(gap),
        "curvature": _finite(curvature(net, trainer.config.features)),
    }


def _matrix(a: Array, c: Array) -> dict[str, Any]:
    return {"a": np.round(a, 6).tolist(), "c": np.round(c, 6).tolist()}


def curvature(net: MLP, features: Sequence[str]) -> float:
    """How far the logits over the domain are from a plane in (x1, x2): the largest residual
    of their least-squares plane, over the logits' spread (0 for a linear network on x1, x2)."""
    points = domain_grid(LINEARITY_GRID)  # (m, 2)
    with np.errstate(all="ignore"):
        z = net.logits(datasets.features(points, features))  # (m, outputs)
    design = np.column_stack([points, np.ones(len(points))])
    coef, *_ = np.linalg.lstsq(design, z, rcond=None)
    spread = max(float(np.ptp(z)), 1e-12)
    return float(np.max(np.abs(design @ coef - z)) / spread)


def dropout(trainer: Trainer) -> tuple[dict[str, Any], NDArray[Any] | None]:
    """The masks of the last training batch's first example, per hidden layer (1 kept, 0
    dropped; None without dropout or before a batch), and the output over the domain of the
    network thinned by those masks: what that training step saw, beside the evaluation map."""
    net = trainer.net
    drops = [layer for layer in net.layers if isinstance(layer, Dropout)]
    masks: list[list[int] | None] = []
    for layer in drops:
        mask = layer.last_mask
        masks.append(
            None if mask is None or layer.rate == 0 else (mask[0] > 0).astype(int).tolist()
        )
    if all(mask is None for mask in masks):
        return {"masks": masks, "rates": [layer.rate for layer in drops]}, None
    x = datasets.features(domain_grid(TRAIN_MAP), trainer.config.features)
    grid = thinned_predict(net, x, masks).T.reshape(-1, TRAIN_MAP, TRAIN_MAP)  # (outputs, r, r)
    return {"masks": masks, "rates": [layer.rate for layer in drops]}, grid.astype(np.float32)


def thinned_predict(net: MLP, x: Array, masks: Sequence[Sequence[int] | None]) -> Array:
    """Predictions (n, outputs) with the hidden units of `masks` dropped (kept ones scaled by
    1/(1 - rate), as inverted dropout trains)."""
    a = x
    pairs = net.weights()
    for (w, b), (_, name, rate), alpha, mask in zip(
        pairs[:-1], net.hidden, net.slopes(), masks, strict=True
    ):
        z = a @ w + b
        a = np.where(z > 0, z, alpha * z) if alpha is not None else get_activation(name).forward(z)
        if mask is not None:
            a = a * np.asarray(mask, dtype=np.float64) / (1.0 - rate)
    w, b = pairs[-1]
    return get_task(net.task).link(a @ w + b)


def inspect_point(trainer: Trainer, point: tuple[float, float]) -> dict[str, Any]:
    """One point's numbers, as the lecture's worked examples: the nearest data point within
    POINT_SNAP (with its label) or the spot clicked; its logits z, the probabilities (sigmoid
    or softmax) or values, the loss on its label, and for binary softmax([0, z]) beside
    sigmoid(z): the same number."""
    data, net = trainer.data, trainer.net
    xs = np.concatenate([data.x_train, data.x_test])
    ys = np.concatenate([data.y_train, data.y_test])
    at, label = np.asarray(point, dtype=np.float64), None
    if len(xs):
        distance = np.hypot(*(xs - at).T)
        nearest = int(np.argmin(distance))
        if distance[nearest] <= POINT_SNAP:
            at, label = xs[nearest], ys[nearest]
    with np.errstate(all="ignore"):
        z = net.logits(datasets.features(at.reshape(1, 2), trainer.config.features))  # (1, k)
        predicted = get_task(net.task).link(z)[0]
        loss = None if label is None else net.loss_from_logits(z, np.asarray([label]))
    out: dict[str, Any] = {
        "x1": float(at[0]),
        "x2": float(at[1]),
        "label": None if label is None else np.asarray(label, dtype=np.float64).tolist(),
        "logits": [_finite(v) for v in z[0]],
        "outputs": [_finite(v) for v in predicted],
        "loss": None if loss is None else _finite(loss),
    }
    if net.task == "binary":
        pair = np.array([[0.0, z[0, 0]]])
        out["softmax_pair"] = [_finite(v) for v in get_task("multiclass").link(pair)[0]]
    return out
