"""Bad input to a class on a real server: each gets its typed error, and the room and its other
members are unharmed. Also rejoining, idle expiry, a flood of joins, and Redis going away."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote

import httpx
import pytest
from roomclient import RoomClient
from serverproc import ServerProcess, start_server

from app.rooms.local_redis import LocalRedis

TEACHER_COMMANDS = [
    {"type": "push_setup"},
    {"type": "push_view", "fragment": "lesson=stacked&step=1"},
    {"type": "spotlight", "student_id": None},
    {"type": "adopt", "student_id": "0123456789ab"},
    {"type": "start_challenge", "spec": {"dataset": "xor"}},
    {"type": "reset_leaderboard"},
    {"type": "end_class"},
]
BAD_NAMES = ["", "   ", "x" * 25, "a\x07b", "<b>bold</b>", "evil\u202etxt", "tab\there"]


@pytest.fixture(scope="module")
def server() -> Iterator[ServerProcess]:
    process = start_server(PLAYGROUND_ROOM_JOINS_PER_MINUTE="1000", PLAYGROUND_ROOM_MAX_MEMBERS="3")
    yield process
    process.stop()


def open_room(server: ServerProcess) -> tuple[RoomClient, str]:
    teacher = RoomClient(server.ws_url)
    room = teacher.command({"type": "create_room"}, "room")
    return teacher, room["code"]


def join(server: ServerProcess, code: str, name: str) -> tuple[RoomClient, dict[str, Any]]:
    client = RoomClient(server.ws_url)
    return client, client.command({"type": "join_room", "code": code, "name": name}, "room")


def test_every_bad_input_is_a_typed_error_and_harms_nobody(server: ServerProcess) -> None:
    teacher, code = open_room(server)
    ana, _ = join(server, code, "Ana")
    ana.frame_from("teacher")

    stranger = RoomClient(server.ws_url)
    stranger.refused({"type": "fork"}, "no_room")
    stranger.refused({"type": "join_room", "code": "ZZZZZZ", "name": "Bo"}, "room_not_found")
    stranger.refused({"type": "join_room", "code": "<script>", "name": "Bo"}, "room_not_found")
    stranger.refused({"type": "teacher_room", "code": code, "token": "guess"}, "bad_token")
    stranger.refused({"type": "rejoin_room", "code": code, "token": "0123456789ab.x"}, "bad_token")
    stranger.refused({"type": "rejoin_room", "code": code, "token": "../../etc"}, "bad_token")
    for name in BAD_NAMES:
        stranger.refused({"type": "join_room", "code": code, "name": name}, "bad_name")
    stranger.refused({"type": "join_room", "code": code, "name": "ＡＮＡ"}, "name_taken")
    stranger.refused({"type": "push_view", "fragment": "x"}, "bad_message")

    for command in TEACHER_COMMANDS:
        ana.refused(command, "not_allowed")
    ana.refused({"type": "submit"}, "not_allowed")  # a follower submits nothing: fork first
    ana.refused({"type": "follow"}, "not_allowed")
    ana.refused({"type": "join_room", "code": code, "name": "Again"}, "not_allowed")
    ana.refused({"type": "configure", "config": {"learning_rate": 1}}, "following")

    teacher.refused({"type": "push_view", "fragment": "lesson=nope&step=1"}, "bad_message")
    teacher.refused({"type": "adopt", "student_id": "0123456789ab"}, "student_not_found")
    teacher.refused({"type": "spotlight", "student_id": "0123456789ab"}, "student_not_found")
    teacher.refused({"type": "reset_leaderboard"}, "no_challenge")
    teacher.refused({"type": "start_challenge", "spec": {"dataset": "nope"}}, "bad_message")

    # The room is full at three students (Settings): the fourth is refused.
    _bo, _ = join(server, code, "Bo")
    _cy, _ = join(server, code, "Cy")
    stranger.refused({"type": "join_room", "code": code, "name": "Dee"}, "room_full")

    # After all that the room works: the follower sees the teacher's edit, the view push.
    teacher.send({"type": "configure", "config": {"noise": 0.2}})
    ana.wait_until("config", lambda message: message["config"]["noise"] == 0.2)
    teacher.send({"type": "push_view", "fragment": "lesson=stacked&step=2"})
    assert ana.wait_for("view")["fragment"] == "lesson=stacked&step=2"


def test_the_share_endpoint_needs_no_token_and_knows_only_open_rooms(server: ServerProcess) -> None:
    teacher, code = open_room(server)
    share = httpx.get(f"{server.url}/api/rooms/{code.lower()}/share").json()
    assert share["code"] == code and share["join_link"].endswith(f"/?room={code}")
    assert share["qr_svg"].startswith("<svg") and "<script" not in share["qr_svg"]
    assert (share["on_network"], share["command"]) == (
        False,
        f"make run HOST=0.0.0.0 PORT={server.port}",
    )
    missing = httpx.get(f"{server.url}/api/rooms/ZZZZZZ/share")
    assert (missing.status_code, missing.json()["code"]) == (404, "room_not_found")
    teacher.send({"type": "end_class"})
    teacher.wait_for("room_closed")
    assert httpx.get(f"{server.url}/api/rooms/{code}/share").json()["code"] == "room_ended"


def test_challenge_limits_and_deadline(server: ServerProcess) -> None:
    teacher, code = open_room(server)
    ana, _ = join(server, code, "Ana")
    ana.command({"type": "fork"}, "room", role="student")
    ana.refused({"type": "submit"}, "no_challenge")
    spec = {"dataset": "circle", "max_neurons": 2}  # the default network has 6
    teacher.send({"type": "start_challenge", "spec": spec})
    ana.wait_for("challenge")
    assert "6 hidden neurons" in ana.refused({"type": "submit"}, "over_limit")["message"]
    teacher.send({"type": "start_challenge", "spec": {"dataset": "blobs"}})  # 3 classes
    ana.wait_for("challenge")
    assert "does not fit" in ana.refused({"type": "submit"}, "over_limit")["message"]
    teacher.send({"type": "start_challenge", "spec": {"dataset": "circle", "deadline_seconds": 1}})
    deadline = ana.wait_for("challenge")["challenge"]["deadline"]
    while time.time() <= deadline + 0.05:  # the server's clock is this machine's
        time.sleep(0.05)
    ana.refused({"type": "submit"}, "challenge_closed")


def test_a_student_who_leaves_and_rejoins_keeps_name_and_setup(server: ServerProcess) -> None:
    teacher, code = open_room(server)
    ana, joined = join(server, code, "Ana")
    ana.command({"type": "fork"}, "room", role="student")
    ana.command({"type": "configure", "config": {"learning_rate": 0.5, "dataset": "xor"}}, "config")
    ana.ws.close()
    teacher.wait_for("room_event", event="student_left", name="Ana")
    back = RoomClient(server.ws_url)
    room = back.command({"type": "rejoin_room", "code": code, "token": joined["token"]}, "room")
    assert (room["name"], room["role"], room["token"]) == ("Ana", "student", None)
    config = back.wait_for("config")["config"]
    assert (config["learning_rate"], config["dataset"]) == (0.5, "xor")
    teacher.wait_for("room_event", event="student_joined", name="Ana")
    RoomClient(server.ws_url).refused(
        {"type": "join_room", "code": code, "name": "ana"}, "name_taken"
    )


def test_a_projector_watches_the_teacher(server: ServerProcess) -> None:
    teacher = RoomClient(server.ws_url)
    room = teacher.command({"type": "create_room"}, "room")
    token = unquote(room["teacher_link"].split("#teacher=", 1)[1])  # the link's fragment
    join(server, room["code"], "Ana")
    teacher.wait_for("room_event", event="student_joined", name="Ana")
    projector = RoomClient(server.ws_url)
    joined = projector.command(
        {"type": "teacher_room", "code": room["code"], "token": token, "present": False}, "room"
    )
    assert (joined["role"], joined["presenting"], joined["teacher_link"]) == (
        "teacher",
        False,
        None,
    )
    # Who joined before the projector opened the class: its roster starts full, not empty.
    projector.wait_for("room_event", event="student_joined", name="Ana", mode="follower")
    teacher.send({"type": "play"})
    projector.frame_from("teacher", where=lambda header: header["epoch"] > 0)


@pytest.fixture()
def strict_server() -> Iterator[ServerProcess]:
    process = start_server(PLAYGROUND_ROOM_JOINS_PER_MINUTE="5", PLAYGROUND_ROOM_IDLE_SECONDS="1")
    yield process
    process.stop()


def test_a_flood_of_joins_and_an_idle_room(strict_server: ServerProcess) -> None:
    teacher, code = open_room(strict_server)  # two attempts: create, then the teacher's join
    teacher.ws.close()  # nobody left in the room: it idles
    share = f"{strict_server.url}/api/rooms/{code}/share"  # counts no join attempt
    deadline = time.monotonic() + 60
    while httpx.get(share).status_code == 200 and time.monotonic() < deadline:
        time.sleep(0.1)  # the idle clock runs on the server: poll until it says so
    assert httpx.get(share).json()["code"] == "room_expired"
    stranger = RoomClient(strict_server.ws_url)
    error = stranger.refused_any({"type": "join_room", "code": code, "name": "Bo"})
    assert error["code"] == "room_expired"
    codes = [stranger.refused_any({"type": "join_room", "code": code, "name": "Bo"})["code"]]
    while codes[-1] != "too_many_joins" and len(codes) < 10:
        codes.append(
            stranger.refused_any({"type": "join_room", "code": code, "name": "Bo"})["code"]
        )
    assert codes[-1] == "too_many_joins"
    other = RoomClient(strict_server.ws_url)  # the same address: still refused this minute
    other.refused({"type": "create_room"}, "too_many_joins")


def test_redis_going_away_mid_class(own_redis: LocalRedis) -> None:
    process = start_server(PLAYGROUND_REDIS_URL=own_redis.url, PLAYGROUND_REDIS_TIMEOUT_SECONDS="1")
    try:
        teacher, code = open_room(process)
        ana, _ = join(process, code, "Ana")
        ana.frame_from("teacher")
        own_redis.stop()
        for client in (teacher, ana):
            client.wait_for("room_event", event="rooms_unavailable", timeout=60)
        teacher.command({"type": "play"}, "status", reason="play")  # its own session goes on
        teacher.frame_from("own", where=lambda header: header["epoch"] > 0)
        teacher.refused({"type": "push_setup"}, "rooms_unavailable")
        own_redis.start()  # empty, as a restart without persistence: the server writes back
        for client in (teacher, ana):
            client.wait_for("room_event", event="rooms_available", timeout=60)
        teacher.send({"type": "configure", "config": {"noise": 0.3}})
        ana.wait_until("config", lambda message: message["config"]["noise"] == 0.3)
        bo, _ = join(process, code, "Bo")  # the room is back: joins work again
        bo.frame_from("teacher")
    finally:
        process.stop()
