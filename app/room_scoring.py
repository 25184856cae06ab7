"""A challenge submission scored on the hidden test points: the same dataset generator, the
server's seed, the student's network (features, layers, weights) as it is now."""

from __future__ import annotations

from typing import Any

import numpy as np

from app import datasets, hand_edits
from app.nn import MLP
from app.rooms.challenge import HiddenTest, Score
from app.rooms.errors import RoomError
from app.session_config import Config
from app.training_data import Data, evaluate


def score(network: dict[str, Any], hidden: HiddenTest) -> Score:
    """Test loss and accuracy of `network` (a session's network JSON) on the hidden points."""
    spec = hidden.spec
    config = Config.model_validate(network["config"])
    registry = datasets.DATASETS[spec.dataset]
    classes = registry.classes or spec.classes or config.classes
    if registry.task == "binary":
        classes = 2
    x, y = datasets.generate(spec.dataset, spec.n_points, spec.noise, hidden.seed, classes)
    if registry.task != "regression":
        y = y.astype(np.int64)
    data = Data(registry.task, classes, registry.one_d, x[:0], y[:0], x, y)
    data.featurize(list(config.features))
    outputs = classes if registry.task == "multiclass" else data.targets
    net = MLP(
        inputs=len(config.features),
        layers=[(layer.units, layer.activation, layer.dropout) for layer in config.layers],
        outputs=outputs,
        task=registry.task,
        loss=config.loss if registry.task == "regression" else None,
        init=config.init,
        seed=config.seed,
    )
    layers = [
        (
            np.asarray(layer["w"], dtype=np.float64),
            np.asarray(layer["b"], dtype=np.float64),
            None if layer.get("slopes") is None else np.asarray(layer["slopes"], np.float64),
        )
        for layer in network["layers"]
    ]
    try:
        hand_edits.set_weights(net, layers)
    except ValueError as problem:
        raise RoomError(
            "over_limit", f"the network does not fit the challenge's {spec.dataset}: {problem}"
        ) from None
    stats = evaluate(net, data)
    return Score(
        test_loss=float("inf") if stats.test_loss is None else stats.test_loss,
        test_accuracy=stats.test_accuracy,
        parameters=int(sum(array.size for array in net.parameters())),
        neurons=sum(layer.units for layer in config.layers),
        layers=len(config.layers),
    )
