"""The reference networks: spiral, 500 points (L: 2000, so 1000 train), 50 % train, x1 and x2."""

from __future__ import annotations

from app.session_config import Config, LayerSpec


def reference(name: str, batch_size: int = 10) -> Config:
    """S = [4, 2] tanh (the classic default), M = [8, 8, 8, 8] tanh, L = [16] x 6 ReLU."""
    layers = {
        "S": [LayerSpec(units=4), LayerSpec(units=2)],
        "M": [LayerSpec(units=8)] * 4,
        "L": [LayerSpec(units=16, activation="relu")] * 6,
    }[name]
    points = 2000 if name == "L" else 500
    return Config(dataset="spiral", n_points=points, layers=layers, batch_size=batch_size)


NETWORKS = ("S", "M", "L")
