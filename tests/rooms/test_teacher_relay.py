"""The teacher's relay to its followers: a follower's page draws the kept state when it arrives,
then the relayed messages; one relayed before that state was read but delivered after it (the
bus delivers on its own time, in another process with Redis) is an older one, and dropped. The
follower's side is the socket layer's own (room_traffic), with the page's outbox a list."""

from __future__ import annotations

from typing import Any

import orjson
from roomkit import ADDRESS, ServiceFactory, eventually

from app.rooms import Member
from app.web import room_traffic
from app.web.classroom import Classroom


def config(dataset: str) -> dict[str, Any]:
    return {"type": "config", "config": {"dataset": dataset}, "rebuilt": [], "message": ""}


class Page:
    """What a Connection's page receives (post), the rest of a Connection unused here."""

    def __init__(self) -> None:
        self.posted: list[Any] = []

    def post(self, message: Any) -> None:
        self.posted.append(message)

    def configs(self) -> list[str]:
        """The datasets of the config messages posted (relayed ones come as JSON text)."""
        messages = [orjson.loads(m) if isinstance(m, str) else m for m in self.posted]
        return [m["config"]["dataset"] for m in messages if m["type"] == "config"]


class Relay:
    """A teacher on one service, a follower's page on another, and the teacher's config relayed:
    circle, received by the follower (not yet shown)."""

    async def start(self, make_service: ServiceFactory) -> Relay:
        self.teachers_side, self.students_side = await make_service(), await make_service()
        ticket = await self.teachers_side.create_room(ADDRESS)
        self.teacher = await self.teachers_side.join_teacher(
            ticket.code, ticket.teacher_token, ADDRESS
        )
        self.follower = await self.students_side.join(ticket.code, "Ana", ADDRESS)
        self.page = Page()
        self.classroom = Classroom(self.page, self.students_side, host="127.0.0.1")  # type: ignore[arg-type]
        self.classroom.member = self.follower
        await self.send("circle", received=1)
        return self

    async def send(self, dataset: str, received: int) -> None:
        """The teacher's config with `dataset`, until the follower has `received` events."""
        await self.teachers_side.relay(self.teacher, config(dataset))
        await eventually(lambda: self.follower.events.received >= received)


async def test_a_relay_crossing_the_state_a_follower_read_is_dropped(
    make_service: ServiceFactory,
) -> None:
    # The teacher's config is kept and published; the follower reads the kept one first, and
    # the publication reaches it after: shown once, not twice (a second "circle" used to come
    # after the page had read it, and a test waiting for the next edit took it for that).
    relay = await Relay().start(make_service)
    classroom, page = relay.classroom, relay.page
    await room_traffic.show_teacher(classroom)
    room_traffic.pump(classroom)
    assert page.configs() == ["circle"]

    # Two edits relayed before the state is read again (back to following, say): the state
    # holds the newest, and both publications arriving after it are older or the same.
    await relay.send("xor", received=2)
    await relay.send("gauss", received=3)
    page.posted.clear()
    await room_traffic.show_teacher(classroom)
    room_traffic.pump(classroom)
    assert page.configs() == ["gauss"]

    # And an edit after that is shown.
    await relay.send("spiral", received=4)
    room_traffic.pump(classroom)
    assert page.configs() == ["gauss", "spiral"]


async def test_relays_shown_while_the_state_is_read_are_not_undone(
    make_service: ServiceFactory,
) -> None:
    """The connection's send loop runs while show_teacher waits for the kept state (a Redis
    round trip): a relay it shows meanwhile is not shown again, nor followed by an older one
    (a second "circle" after the page had it failed a class test on two workers)."""
    relay = await Relay().start(make_service)
    classroom, page = relay.classroom, relay.page
    read = relay.students_side.teacher_state
    newer: list[str] = []  # a relay published after the state was read, shown during the read

    async def read_while_the_send_loop_pumps(member: Member) -> Any:
        state = await read(member)
        for dataset in newer:
            await relay.send(dataset, received=2)
        room_traffic.pump(classroom)
        return state

    relay.students_side.teacher_state = read_while_the_send_loop_pumps  # type: ignore[method-assign]
    await room_traffic.show_teacher(classroom)
    room_traffic.pump(classroom)
    assert page.configs() == ["circle"]  # once

    page.posted.clear()
    newer.append("xor")
    await room_traffic.show_teacher(classroom)  # back to following: the state read is "circle"
    room_traffic.pump(classroom)
    assert page.configs() == ["xor"]  # not "circle" after it


async def test_relayed_versions_rise_in_one_process(make_service: ServiceFactory) -> None:
    rooms = await make_service()
    versions = [rooms.relay_version() for _ in range(1000)]  # faster than the clock's microsecond
    assert versions == sorted(set(versions))
