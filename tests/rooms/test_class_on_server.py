"""A class on a real server: a teacher, three students; follow, fork, gallery, spotlight, push
setup with locks, a challenge, end of class. In one process (rooms in memory), and with two
workers and a real redis-server, the teacher on one worker and the students on the other."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from roomclient import RoomClient
from serverproc import ServerProcess, start_server

from app.rooms.local_redis import LocalRedis

NAMES = ("Ana", "Björn", "Chen")
SETTINGS = {
    "PLAYGROUND_ROOM_JOINS_PER_MINUTE": "1000",  # every client here is 127.0.0.1
    "PLAYGROUND_MAX_SESSIONS_PER_CLIENT": "64",
}


@pytest.fixture(scope="module", params=["memory", "redis-2-workers"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    log = tmp_path_factory.mktemp("server") / "stderr.log"
    if request.param == "memory":
        process = start_server(log, **SETTINGS)
    else:
        redis: LocalRedis = request.getfixturevalue("redis_server")
        env = {"PLAYGROUND_WORKERS": "2", "PLAYGROUND_REDIS_URL": redis.url}
        process = start_server(log, **SETTINGS, **env)
    yield process
    process.stop()
    # The class used the heavy lane (large messages): its process and queue end with the
    # workers, without "resource_tracker: ... leaked semaphore objects" at every stop.
    stderr = log.read_text()
    assert "leaked" not in stderr, stderr[-2000:]


def clients_on_two_workers(server: ServerProcess, students: int) -> tuple[RoomClient, list[Any]]:
    """A teacher, and students each on a different worker than the teacher's when there are
    two: new connections until they differ (the supervisor hands each to the worker holding
    fewer; those on the teacher's stay open until then, weighing on it)."""
    teacher = RoomClient(server.ws_url)
    chosen: list[RoomClient] = []
    spare: list[RoomClient] = []
    two = server.extra_env.get("PLAYGROUND_WORKERS") == "2"
    for _ in range(200):
        if len(chosen) == students:
            break
        client = RoomClient(server.ws_url)
        if two and client.hello["worker"] == teacher.hello["worker"]:
            spare.append(client)
        else:
            chosen.append(client)
    for client in spare:
        client.ws.close()
    assert len(chosen) == students, "no connection landed on the other worker"
    return teacher, chosen


def names_on_wall(teacher: RoomClient, wanted: set[str]) -> dict[str, dict[str, Any]]:
    """Gallery tiles until every wanted student has one (the newest per student)."""
    tiles: dict[str, dict[str, Any]] = {}
    while not wanted <= set(tiles):
        message = teacher.wait_for("gallery", timeout=60)
        tiles.update({entry["name"]: entry for entry in message["entries"]})
    return tiles


def test_a_class_from_start_to_end(server: ServerProcess) -> None:
    teacher, students = clients_on_two_workers(server, len(NAMES))
    room = teacher.command({"type": "create_room", "teacher": "Ms Rivera"}, "room")
    code = room["code"]
    assert room["role"] == "teacher" and f"/?room={code}#teacher=" in room["teacher_link"]
    assert "<svg" in room["share"]["qr_svg"] and room["share"]["join_link"].endswith(code)
    assert room["share"]["command"].startswith("make run HOST=0.0.0.0")  # 127.0.0.1: local only

    # Three students join by code, typed loosely; each follows the teacher.
    for client, name in zip(students, NAMES, strict=True):
        joined = client.command(
            {"type": "join_room", "code": f" {code.lower()} ", "name": name}, "room"
        )
        assert joined["role"] == "follower" and joined["token"] and joined["teacher"] == "Ms Rivera"
        assert joined["commands"] == ["fork", "leave_room"]
        assert client.wait_for("config")["config"] == teacher_config(teacher)
        teacher.wait_for("room_event", event="student_joined", name=name)
    for client in students:
        client.frame_from("teacher")  # the teacher's frame, sent to every follower

    # The teacher edits and trains: every follower sees the edit and the teacher's frames.
    teacher.send({"type": "configure", "config": {"learning_rate": 0.1, "dataset": "xor"}})
    for client in students:
        assert client.wait_for("config")["config"]["dataset"] == "xor"
    teacher.send({"type": "play"})
    for client in students:
        first = client.frame_from("teacher", where=lambda header: header["epoch"] > 0)
        epoch = first["epoch"]
        later = client.frame_from(
            "teacher", where=lambda header, after=epoch: header["epoch"] > after
        )
        assert later["sizes"] == first["sizes"]
    students[0].refused({"type": "play"}, "following")  # a follower's own session is frozen
    padded = json.dumps({"type": "play"}) + " " * 9000  # a large message: the heavy lane checks it
    students[0].refused(padded, "following")  # ...and it is refused all the same

    # Each student forks ("try it yourself") and trains their own session.
    for n, client in enumerate(students):
        fork = json.dumps({"type": "fork"}) + " " * 9000 * (n == 0)  # large or not: the room's
        forked = client.command(fork, "room", role="student")
        assert forked["commands"] == ["submit", "follow", "leave_room"]
        assert client.wait_for("config")["config"]["dataset"] == "xor"  # the teacher's setup
        assert client.wait_for("status", reason="restored")["epoch"] > 0  # and its weights
        client.command({"type": "configure", "config": {"speed": 0}}, "config")
        client.command({"type": "play"}, "status", reason="play")
    own = students[0].frame_from("own", where=lambda header: header["epoch"] > 0)
    students[0].frame_from("own", where=lambda header: header["epoch"] > own["epoch"])

    # The gallery lists the three, with their maps.
    tiles = names_on_wall(teacher, set(NAMES))
    assert all(tile["thumbnail"]["shape"] == [1, 32, 32] for tile in tiles.values())

    # Spotlight: the teacher's connection receives Ana's frames live.
    ana = tiles["Ana"]["student_id"]
    teacher.send({"type": "spotlight", "student_id": ana})
    teacher.wait_for("room_event", event="spotlight", student_id=ana)
    spot = teacher.frame_from("spotlight")
    teacher.frame_from("spotlight", where=lambda header: header["epoch"] > spot["epoch"])

    # Adopt: Björn's network into the teacher's session.
    bjorn = tiles["Björn"]["student_id"]
    teacher.command({"type": "adopt", "student_id": bjorn}, "room_event", event="adopted")

    # Push setup with locks: each student's session gets it; locked fields are refused.
    teacher.send({"type": "pause"})
    pushed = {"type": "push_setup", "weights": "initial", "locked": ["dataset", "layers"]}
    teacher.send(pushed)
    for client in students:
        room_now = client.wait_for("room", locked=["dataset", "layers"])
        assert room_now["role"] == "student"
        assert client.wait_for("status", reason="restored")["epoch"] == 0
    locked = students[1].refused({"type": "configure", "config": {"dataset": "circle"}}, "locked")
    assert locked["field"] == "dataset"
    students[1].refused({"type": "configure", "config": {"layers": []}}, "locked")
    students[1].refused({"type": "add_points", "points": [[0, 0, 1]]}, "locked")  # not custom
    students[1].command({"type": "configure", "config": {"learning_rate": 0.3}}, "config")

    # A challenge: hidden test points, submissions scored and ranked.
    spec = {"dataset": "xor", "noise": 0.05, "n_points": 400, "max_neurons": 16}
    teacher.send({"type": "start_challenge", "spec": spec})
    for client in [teacher, *students]:
        assert client.wait_for("challenge")["challenge"]["spec"]["dataset"] == "xor"
    for client in students:
        client.command({"type": "play"}, "status", reason="play")
    ranks = []
    for client in students:
        submitted = client.command({"type": "submit"}, "submitted")
        ranks.append(submitted["rank"])
        assert submitted["entry"]["parameters"] > 0
    board = wait_for_board(teacher, len(NAMES))
    losses = [entry["test_loss"] for entry in board]
    assert losses == sorted(losses) and {entry["name"] for entry in board} == set(NAMES)
    teacher.command({"type": "reset_leaderboard"}, "leaderboard", entries=[])

    # A student follows again, then the teacher ends the class for everyone.
    students[2].command({"type": "follow"}, "room", role="follower")
    teacher.send({"type": "end_class", "message": "Thanks, see you Thursday"})
    for client in [teacher, *students]:
        closed = client.wait_for("room_closed")
        assert closed == {
            "type": "room_closed",
            "reason": "ended",
            "message": "Thanks, see you Thursday",
        }
    students[2].command({"type": "play"}, "status", reason="play")  # its own session again
    students[1].send({"type": "configure", "config": {"dataset": "circle"}})  # was locked
    students[1].wait_until("config", lambda message: message["config"]["dataset"] == "circle")
    assert not [m for m in students[1].messages if m["type"] == "error"]  # the locks went
    late = RoomClient(server.ws_url)
    late.refused({"type": "join_room", "code": code, "name": "Dana"}, "room_ended")
    for client in [teacher, *students, late]:
        client.ws.close()


def teacher_config(teacher: RoomClient) -> dict[str, Any]:
    return dict(teacher.hello["config"])


def wait_for_board(teacher: RoomClient, size: int) -> list[dict[str, Any]]:
    while True:
        board = teacher.wait_for("leaderboard", timeout=60)
        if len(board["entries"]) == size:
            return list(board["entries"])
