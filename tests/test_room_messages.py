"""The room messages are client messages like the others: one strict parser, fields checked."""

from __future__ import annotations

import json
from typing import Any, get_args

import pytest
from pydantic import ValidationError

from app.protocol import ErrorCode, describe_validation_error, parse_client_message
from app.room_messages import LOCKABLE, ROOM_COMMANDS, JoinRoom, PushSetup, StartChallenge
from app.rooms.errors import RoomErrorCode


def parse(message: dict[str, Any]) -> Any:
    return parse_client_message(json.dumps(message))


@pytest.mark.parametrize("model", ROOM_COMMANDS, ids=lambda model: model.__name__)
def test_every_room_command_is_in_the_union(model: type[Any]) -> None:
    """A bare message of each type parses, or lacks only its required fields (never an unknown
    tag)."""
    (tag,) = get_args(model.model_fields["type"].annotation)
    try:
        parse({"type": tag})
    except ValidationError as problem:
        assert {error["type"] for error in problem.errors()} == {"missing"}, problem


def test_room_commands_parse() -> None:
    assert parse({"type": "join_room", "code": "k7qx-3m", "name": "Ana"}) == JoinRoom(
        type="join_room", code="k7qx-3m", name="Ana"
    )
    pushed = parse({"type": "push_setup", "locked": ["dataset", "points"]})
    assert isinstance(pushed, PushSetup) and pushed.weights == "current"
    challenge = parse({"type": "start_challenge", "spec": {"dataset": "xor", "max_neurons": 8}})
    assert isinstance(challenge, StartChallenge) and challenge.spec.max_neurons == 8
    for bare in ("leave_room", "reset_leaderboard", "submit", "fork", "follow"):
        assert parse({"type": bare}).type == bare


@pytest.mark.parametrize(
    "raw, location",
    [
        ({"type": "fork", "extra": 1}, "extra"),
        ({"type": "push_setup", "locked": ["nonsense"]}, "locked.0"),
        ({"type": "spotlight", "student_id": "../etc"}, "student_id"),
        ({"type": "join_room", "code": "ABC", "name": 5}, "name"),
        ({"type": "start_challenge", "spec": {"dataset": "nope"}}, "spec.dataset"),
        ({"type": "start_challenge", "spec": {"dataset": "xor", "noise": "0.1"}}, "spec.noise"),
        ({"type": "end_class", "message": "x" * 301}, "message"),
    ],
)
def test_bad_room_commands_name_the_field(raw: dict[str, Any], location: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse(raw)
    assert describe_validation_error(caught.value, strip_tag=True)[1] == location


def test_lockable_controls_are_config_fields_and_two_more() -> None:
    assert "dataset" in LOCKABLE and "points" in LOCKABLE and "weights" in LOCKABLE


def test_every_room_error_code_is_an_error_code() -> None:
    assert set(get_args(RoomErrorCode)) <= set(get_args(ErrorCode))
