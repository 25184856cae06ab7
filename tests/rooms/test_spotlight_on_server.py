"""The spotlight on a real server: the teacher's connections get the spotlighted student's whole
session (config, data, status as `spotlight_message`, frames with neuron maps and weights) and
each of its edits live; a teacher connection opening later gets the last ones; the teacher's
own session and config stay its own. In one process, and with two workers on a real
redis-server, the student on the other worker than the teacher."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from roomclient import RoomClient
from serverproc import ServerProcess, start_server
from test_class_on_server import SETTINGS, clients_on_two_workers

from app.rooms.local_redis import LocalRedis


@pytest.fixture(scope="module", params=["memory", "redis-2-workers"])
def server(request: pytest.FixtureRequest) -> Iterator[ServerProcess]:
    env = {}
    if request.param != "memory":
        redis: LocalRedis = request.getfixturevalue("redis_server")
        env = {"PLAYGROUND_WORKERS": "2", "PLAYGROUND_REDIS_URL": redis.url}
    process = start_server(**SETTINGS, **env)
    yield process
    process.stop()


def spotlit(client: RoomClient, kind: str, holds: Any = None) -> dict[str, Any]:
    """The next spotlight_message carrying a `kind` message (for which `holds` is true)."""

    def wanted(message: dict[str, Any]) -> bool:
        inner = message["message"]
        return bool(inner["type"] == kind and (holds is None or holds(inner)))

    return client.wait_until("spotlight_message", wanted)["message"]


def spotlight_arrays(client: RoomClient, where: Any = None) -> tuple[dict[str, Any], set[str]]:
    """The next spotlight frame's header and the names of its arrays."""
    header = client.frame_from("spotlight", where=where)
    arrays = next(arrays for seen, arrays in reversed(client.frames) if seen is header)
    return header, set(arrays)


def test_the_spotlight_shows_the_students_whole_session(server: ServerProcess) -> None:
    teacher, (student,) = clients_on_two_workers(server, 1)
    room = teacher.command({"type": "create_room", "teacher": "Ms Rivera"}, "room")
    code = room["code"]
    joined = student.command({"type": "join_room", "code": code, "name": "Ana"}, "room")
    ana = joined["student_id"]
    student.command({"type": "fork"}, "room", role="student")
    student.wait_for("status", reason="restored")
    student.command({"type": "configure", "config": {"dataset": "xor", "speed": 0}}, "config")
    own_data = student.wait_until("data", lambda message: message["dataset"] == "xor")
    teacher_dataset = teacher.hello["config"]["dataset"]
    assert teacher_dataset != "xor"

    # The spotlight turns to Ana: her config, data and status, then her frames with the maps.
    teacher.send({"type": "spotlight", "student_id": ana})
    teacher.wait_for("room_event", event="spotlight", student_id=ana)
    config = spotlit(teacher, "config")
    assert config["config"]["dataset"] == "xor"
    data = spotlit(teacher, "data")
    assert data["train"] == own_data["train"] and data["test"] == own_data["test"]
    assert spotlit(teacher, "status")["running"] is False
    header, arrays = spotlight_arrays(teacher)  # a paused session owes one frame all the same
    assert {"output", "neurons/0", "weights/0", "biases/0"} <= arrays
    assert header["sizes"][0] == len(config["config"]["features"])

    # Ana edits and trains: each edit reaches the spotlight as it happens, the frames go on.
    student.command({"type": "configure", "config": {"layers": [{"units": 3}]}}, "config")
    assert spotlit(teacher, "config", lambda m: len(m["config"]["layers"]) == 1)
    student.command({"type": "play"}, "status", reason="play")
    assert spotlit(teacher, "status", lambda m: m["running"])["reason"] == "play"
    header, arrays = spotlight_arrays(teacher, where=lambda h: h["epoch"] > 0)
    assert header["sizes"][1] == 3 and header["test_loss"] is not None

    # A projector opening the class now gets Ana's last config and data after its room.
    token = urlsplit(room["teacher_link"]).fragment.removeprefix("teacher=")
    projector = RoomClient(server.ws_url)
    opened = {"type": "teacher_room", "code": code, "token": token, "present": False}
    assert projector.command(opened, "room")["spotlight"]["student_id"] == ana
    assert spotlit(projector, "config")["config"]["layers"][0]["units"] == 3
    assert spotlit(projector, "data")["dataset"] == "xor"
    spotlight_arrays(projector)

    # Ana pauses; another projector opening now still gets her picture (a paused session sends
    # no frame by itself: the opening asks hers for one).
    student.command({"type": "pause"}, "status", reason="pause")
    assert spotlit(teacher, "status", lambda m: not m["running"])
    late = RoomClient(server.ws_url)
    assert late.command(opened, "room")["spotlight"]["student_id"] == ana
    assert spotlit(late, "status")["running"] is False
    header, arrays = late.frame_since("spotlight", 0)  # its frame may come before the status
    assert "output" in arrays and header["sizes"][1] == 3

    # None of it is the teacher's own: its session's config never became Ana's.
    assert all(
        m["config"]["dataset"] == teacher_dataset for m in teacher.messages if m["type"] == "config"
    )

    # The spotlight off: Ana's edits stay hers.
    teacher.send({"type": "spotlight", "student_id": None})
    teacher.wait_for("room_event", event="spotlight", student_id=None)
    student.command({"type": "configure", "config": {"learning_rate": 0.3}}, "config")
    teacher.send({"type": "spotlight", "student_id": ana})  # on again: her edit since then
    assert spotlit(teacher, "config", lambda m: m["config"]["learning_rate"] == 0.3)
    for client in (teacher, student, projector, late):
        client.ws.close()


def test_only_a_student_relays_to_the_spotlight(server: ServerProcess) -> None:
    teacher = RoomClient(server.ws_url)
    teacher.command({"type": "create_room"}, "room")
    teacher.send({"type": "spotlight", "student_id": "0123456789ab"})
    assert teacher.wait_for("error")["code"] == "student_not_found"
    teacher.ws.close()


def test_a_spotlighted_student_rejoining_is_shown_again(server: ServerProcess) -> None:
    teacher, (student,) = clients_on_two_workers(server, 1)
    code = teacher.command({"type": "create_room", "teacher": "Ms Rivera"}, "room")["code"]
    joined = student.command({"type": "join_room", "code": code, "name": "Ana"}, "room")
    student.command({"type": "fork"}, "room", role="student")
    student.wait_for("status", reason="restored")
    student.command({"type": "configure", "config": {"dataset": "xor"}}, "config")
    teacher.send({"type": "spotlight", "student_id": joined["student_id"]})
    assert spotlit(teacher, "config")["config"]["dataset"] == "xor"
    student.ws.close()
    teacher.wait_for("room_event", event="student_left", name="Ana")

    # Ana's page reconnects (wherever it lands) and rejoins: the spotlight shows her again,
    # her kept setup and a frame, though her session is paused.
    back = RoomClient(server.ws_url)
    rejoined = {"type": "rejoin_room", "code": code, "token": joined["token"]}
    since = len(teacher.frames)
    assert back.command(rejoined, "room")["role"] == "student"
    assert spotlit(teacher, "config")["config"]["dataset"] == "xor"
    assert spotlit(teacher, "status")["running"] is False
    header, arrays = teacher.frame_since("spotlight", since)
    assert "output" in arrays and header["sizes"][0] == 2
    for client in (teacher, back):
        client.ws.close()
