"""The teacher's display name on a real server: checked by the rules of a student's name
(empty allowed: the page says "the teacher"), cleaned, and given to every student who joins."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from roomclient import RoomClient
from serverproc import ServerProcess, start_server
from test_class_on_server import SETTINGS

REFUSED = {
    "Ms <b>Rivera</b>": "< or >",
    "M" * 25: "at most 24",
    "Ms\u202eRivera": "U+202E",  # a bidi override
    "Ms\x07Rivera": "U+0007",
}


@pytest.fixture(scope="module")
def server() -> Iterator[ServerProcess]:
    process = start_server(**SETTINGS)
    yield process
    process.stop()


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_a_bad_teacher_name_is_refused_in_words(server: ServerProcess, name: str) -> None:
    teacher = RoomClient(server.ws_url)
    error = teacher.refused({"type": "create_room", "teacher": name}, "bad_name")
    assert REFUSED[name] in error["message"]
    assert teacher.command({"type": "create_room", "teacher": ""}, "room")["teacher"] == ""
    teacher.ws.close()


def test_students_get_the_cleaned_name(server: ServerProcess) -> None:
    teacher = RoomClient(server.ws_url)
    room = teacher.command({"type": "create_room", "teacher": "  Ms   Rivera & Co "}, "room")
    assert room["teacher"] == "Ms Rivera & Co"
    student = RoomClient(server.ws_url)
    joined = student.command({"type": "join_room", "code": room["code"], "name": "Ana"}, "room")
    assert joined["teacher"] == "Ms Rivera & Co"
    for client in (teacher, student):
        client.ws.close()
