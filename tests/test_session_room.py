"""A session's room side: locks refused on the server, networks moved between sessions, the
gallery tile, and a challenge's score on the hidden set."""

from __future__ import annotations

import base64
from typing import Any

import numpy as np
import orjson
import pytest

from app.config import Settings
from app.protocol import parse_client_message
from app.room_scoring import score
from app.rooms.challenge import ChallengeSpec, HiddenTest
from app.rooms.errors import RoomError
from app.session import Session
from app.session_config import Config
from app.session_room import LoadNetwork

M = [{"units": 8, "activation": "tanh"}] * 2


def session(**config: Any) -> Session:
    return Session(Settings(), Config.model_validate(config) if config else None)


def reply(session_: Session, message: dict[str, Any]) -> list[dict[str, Any]]:
    return session_.handle(parse_client_message(orjson.dumps(message)))


@pytest.mark.parametrize(
    "message, field",
    [
        ({"type": "configure", "config": {"dataset": "xor"}}, "dataset"),
        ({"type": "configure", "config": {"layers": []}}, "layers"),
        ({"type": "regenerate"}, "data_seed"),
        ({"type": "add_points", "points": [[0, 0, 1]]}, "dataset"),  # generated -> custom
        ({"type": "clear_points"}, "dataset"),
        ({"type": "set_weight", "layer": 0, "source": 0, "target": 0, "value": 1}, "weights"),
    ],
)
def test_a_locked_control_is_refused_and_nothing_changes(
    message: dict[str, Any], field: str
) -> None:
    student = session()
    student.locked = frozenset({"dataset", "layers", "data_seed", "points", "weights"})
    before = student.network()
    (error,) = reply(student, message)
    assert (error["type"], error["code"], error["field"]) == ("error", "locked", field)
    assert student.network() == before


def test_drawing_is_refused_when_the_points_are_locked() -> None:
    student = session()
    student.locked = frozenset({"points"})
    (error,) = reply(student, {"type": "remove_points", "x1": 0, "x2": 0})
    assert (error["code"], error["field"]) == ("locked", "points")


def test_unlocked_changes_and_unchanged_locked_values_pass() -> None:
    student = session()
    student.locked = frozenset({"dataset"})
    assert (
        reply(student, {"type": "configure", "config": {"learning_rate": 0.1}})[0]["type"]
        == "config"
    )
    same = reply(student, {"type": "configure", "config": {"dataset": "circle"}})
    assert same[0]["type"] == "config"  # the value it has already


def test_a_network_moves_between_sessions_with_its_weights_or_its_seed() -> None:
    teacher = session(dataset="xor", layers=M, seed=7)
    teacher.handle(parse_client_message('{"type":"step","epochs":3}'))
    for _ in range(50):
        teacher.run_slice(0.05, False)
    network = teacher.network()
    assert network["epoch"] >= 3
    student = session()
    replies = student.handle(LoadNetwork(network))
    assert [message["type"] for message in replies] == ["config", "data", "status"]
    assert student.network() == network
    fresh = session()
    fresh.handle(LoadNetwork(network, weights=False, locked=("dataset",)))
    assert fresh.trainer.epoch == 0 and fresh.locked == frozenset({"dataset"})
    assert fresh.network()["layers"] == session(dataset="xor", layers=M, seed=7).network()["layers"]


def test_the_gallery_tile_is_a_small_map() -> None:
    tile = session(dataset="xor").tile()
    thumbnail = orjson.loads(tile["thumbnail"])
    cells = np.frombuffer(base64.b64decode(thumbnail["cells"]), dtype=np.uint8)
    assert thumbnail["shape"] == [1, 32, 32] and cells.size == 32 * 32
    assert tile["parameters"] == 2 * 4 + 4 + 4 * 2 + 2 + 2 + 1 and tile["layers"] == [4, 2]


def test_a_challenge_scores_on_hidden_points_and_refuses_a_misfit() -> None:
    network = session(dataset="xor").network()
    first = score(network, HiddenTest(ChallengeSpec(dataset="xor", n_points=300), 1))
    again = score(network, HiddenTest(ChallengeSpec(dataset="xor", n_points=300), 1))
    other = score(network, HiddenTest(ChallengeSpec(dataset="xor", n_points=300), 2))
    assert first == again and first.test_loss != other.test_loss  # the seed makes the points
    assert (first.parameters, first.neurons, first.layers) == (25, 6, 2)
    with pytest.raises(RoomError) as refused:
        score(network, HiddenTest(ChallengeSpec(dataset="blobs"), 1))
    assert refused.value.code == "over_limit"
