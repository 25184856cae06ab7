"""A challenge submission scored on the hidden test points: the same dataset generator, the
server's seed, the student's network (features, layers, weights) as it is now."""

from __future__ import annotations

from typing import Any

import numpy as np

from app import datasets, hand_edits
from app.rooms.challenge import HiddenTest, Score
from app.rooms.errors import RoomError
from app.session_config import Config
from app.session_room import layer_arrays
from app.trainer import Trainer
from app.training_data import Data, evaluate


def score(network: dict[str, Any], hidden: HiddenTest) -> Score:
    """Test loss and accuracy of `network` (a session's network JSON) on the hidden points."""
    spec = hidden.spec
    registry = datasets.DATASETS[spec.dataset]
    config = Config.model_validate(network["config"])
    classes = registry.classes or spec.classes or config.classes
    task = {"task": registry.task, "dataset": spec.dataset, "noise": spec.noise}
    try:  # the network as the challenge's task builds it, then the student's weights
        challenge = Config.model_validate(config.model_dump() | task | {"classes": classes})
        net = Trainer(challenge).net
        hand_edits.set_weights(net, layer_arrays(network["layers"]))
    except ValueError as problem:
        raise RoomError(
            "over_limit", f"the network does not fit the challenge's {spec.dataset}: {problem}"
        ) from None
    x, y = datasets.generate(spec.dataset, spec.n_points, spec.noise, hidden.seed, classes)
    if registry.task != "regression":
        y = y.astype(np.int64)
    labels = classes if registry.task == "multiclass" else 2
    data = Data(registry.task, labels, registry.one_d, x[:0], y[:0], x, y)
    data.featurize(list(challenge.features))
    stats = evaluate(net, data)
    return Score(
        test_loss=float("inf") if stats.test_loss is None else float(stats.test_loss),
        test_accuracy=None if stats.test_accuracy is None else float(stats.test_accuracy),
        parameters=int(sum(array.size for array in net.parameters())),
        neurons=sum(layer.units for layer in config.layers),
        layers=len(config.layers),
    )
