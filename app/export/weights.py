"""Weights as JSON, the shape `set_weights` takes back ("Load weights"), plus what the page
checks a file against: the layer sizes, activations, task and features it was saved from."""

from __future__ import annotations

import json
from typing import Any

from app.nn import MLP
from app.session_config import Config

FORMAT = "mlp-playground-weights"
VERSION = 1


def weights_document(config: Config, net: MLP, epoch: int) -> dict[str, Any]:
    """{"format", "version", "epoch", "sizes", "activations", "task", "features", "layers":
    [{"w": d_in x d_out rows, "b": d_out, "slopes": PReLU slopes or null}, ...]}."""
    slopes = [*net.slopes(), None]
    layers = [
        {"w": w.tolist(), "b": b.tolist(), "slopes": None if s is None else s.tolist()}
        for (w, b), s in zip(net.weights(), slopes, strict=True)
    ]
    return {
        "format": FORMAT,
        "version": VERSION,
        "epoch": epoch,
        "sizes": net.layer_sizes,
        "activations": [layer.activation for layer in config.layers],
        "task": net.task,
        "features": list(config.features),
        "layers": layers,
    }


def weights_json(config: Config, net: MLP, epoch: int) -> str:
    """The document as JSON text (floats written exactly: repr-shortest)."""
    return json.dumps(weights_document(config, net, epoch), indent=1) + "\n"
