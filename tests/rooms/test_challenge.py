"""Challenges: hidden test set, limits, deadline, leaderboard order (ties: fewer parameters)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from roomkit import (
    Clock,
    ServiceFactory,
    classroom,
    eventually,
    on_their_own,
    refused,
    teacher_network,
)

from app.rooms import ChallengeSpec, HiddenTest, Member, RoomService, Score


class FakeScorer:
    """Scores a network by what it says of itself; records the hidden tests it was given."""

    def __init__(self) -> None:
        self.hidden: list[HiddenTest] = []

    async def __call__(self, network: dict[str, Any], hidden: HiddenTest) -> Score:
        self.hidden.append(hidden)
        return Score(
            test_loss=network["loss"],
            test_accuracy=network.get("accuracy"),
            parameters=network["parameters"],
            neurons=network.get("neurons", 4),
            layers=network.get("layers", 1),
        )


async def students_on_their_own(
    services: list[RoomService], count: int
) -> tuple[Member, list[Member]]:
    teacher, students = await classroom(*services, students=count, network=teacher_network)
    for index, student in enumerate(students):
        await on_their_own(services[index % len(services)], student)
    return teacher, students


async def test_submissions_rank_by_loss_then_fewer_parameters(
    make_service: ServiceFactory, clock: Clock
) -> None:
    scorer = FakeScorer()
    first, second = await make_service(scorer), await make_service(scorer)
    teacher, students = await students_on_their_own([first, second], 4)
    challenge = await first.challenges.start(teacher, {"dataset": "spiral", "noise": 0.1})
    await eventually(lambda: all(s.events.received >= 1 for s in students))
    started = students[0].events.take_all()[-1]
    assert started == {"type": "challenge_started", "challenge": challenge.to_dict()}
    services = [first, second, first, second]
    results = [(0.30, 50), (0.20, 90), (0.20, 40), (None, 10)]
    for student, service, (loss, parameters) in zip(students, services, results, strict=True):
        clock.advance(1)
        await service.challenges.submit(
            student, {"loss": float("nan") if loss is None else loss, "parameters": parameters}, 5
        )
    board = await second.challenges.leaderboard(students[0])
    assert [(entry.name, entry.test_loss, entry.parameters) for entry in board] == [
        ("Student 2", 0.20, 40),
        ("Student 1", 0.20, 90),
        ("Student 0", 0.30, 50),
        ("Student 3", None, 10),  # diverged: last
    ]
    seeds = {hidden.seed for hidden in scorer.hidden}
    assert len(seeds) == 1 and all(h.spec.dataset == "spiral" for h in scorer.hidden)
    # The seed stays on the server: in no event, no public view.
    await eventually(lambda: teacher.events.received >= 5)
    seen = json.dumps([teacher.events.take_all(), challenge.to_dict()])
    assert str(seeds.pop()) not in seen and "seed" not in seen


async def test_a_worse_resubmission_keeps_the_best(make_service: ServiceFactory) -> None:
    rooms = await make_service(FakeScorer())
    teacher, (ana, bo) = await students_on_their_own([rooms], 2)
    await rooms.challenges.start(teacher, ChallengeSpec(dataset="xor"))
    await rooms.challenges.submit(bo, {"loss": 0.25, "parameters": 9}, 1)
    first = await rooms.challenges.submit(ana, {"loss": 0.2, "parameters": 9}, 1)
    assert first.rank == 1
    worse = await rooms.challenges.submit(ana, {"loss": 0.4, "parameters": 9}, 2)
    assert worse.entry.test_loss == 0.4 and worse.best.test_loss == 0.2 and worse.rank == 1
    better = await rooms.challenges.submit(bo, {"loss": 0.1, "parameters": 9}, 3)
    assert better.rank == 1
    assert [e.name for e in await rooms.challenges.leaderboard(teacher)] == [
        "Student 1",
        "Student 0",
    ]


async def test_rank_by_accuracy(make_service: ServiceFactory) -> None:
    rooms = await make_service(FakeScorer())
    teacher, (ana, bo) = await students_on_their_own([rooms], 2)
    await rooms.challenges.start(teacher, {"dataset": "circle", "rank_by": "test_accuracy"})
    await rooms.challenges.submit(ana, {"loss": 0.1, "accuracy": 0.90, "parameters": 9}, 1)
    await rooms.challenges.submit(bo, {"loss": 0.3, "accuracy": 0.95, "parameters": 9}, 1)
    assert [e.name for e in await rooms.challenges.leaderboard(ana)] == ["Student 1", "Student 0"]


async def test_limits_budget_and_deadline(make_service: ServiceFactory, clock: Clock) -> None:
    rooms = await make_service(FakeScorer())
    teacher, (ana, _) = await students_on_their_own([rooms], 2)
    await refused("no_challenge", rooms.challenges.submit(ana, {"loss": 1, "parameters": 1}, 1))
    assert await rooms.challenges.current(ana) is None
    spec = {"dataset": "moons", "max_neurons": 8, "max_layers": 2, "epoch_budget": 100}
    await rooms.challenges.start(teacher, spec | {"deadline_seconds": 300})
    net = {"loss": 0.1, "parameters": 30}
    error = await refused("over_limit", rooms.challenges.submit(ana, net | {"neurons": 9}, 10))
    assert "9 hidden neurons; the challenge allows 8" in error.message
    await refused("over_limit", rooms.challenges.submit(ana, net | {"layers": 3}, 10))
    error = await refused("over_limit", rooms.challenges.submit(ana, net, 101))
    assert "trained 101 epochs, over the budget of 100" in error.message
    await rooms.challenges.submit(ana, net, 100)
    clock.advance(301)
    await refused("challenge_closed", rooms.challenges.submit(ana, net, 100))
    current = await rooms.challenges.current(ana)
    assert current is not None and current.deadline == current.started + 300


@pytest.mark.parametrize(
    ("spec", "says"),
    [
        ({"dataset": "nope"}, "unknown dataset 'nope'"),
        ({"dataset": "xor", "noise": 0.9}, "noise"),
        ({"dataset": "xor", "max_neurons": 0}, "max_neurons"),
        ({"dataset": "xor", "deadline_seconds": float("inf")}, "deadline_seconds"),
        ({"dataset": "xor", "seed": 1}, "seed"),  # the seed is the server's
        ({}, "dataset"),
    ],
)
async def test_bad_challenges_are_refused(
    make_service: ServiceFactory, spec: dict[str, Any], says: str
) -> None:
    rooms = await make_service(FakeScorer())
    teacher, _ = await classroom(rooms, students=0)
    error = await refused("bad_challenge", rooms.challenges.start(teacher, spec))
    assert says in error.message


async def test_reset_empties_the_board_for_everyone(make_service: ServiceFactory) -> None:
    first, second = await make_service(FakeScorer()), await make_service(FakeScorer())
    teacher, (ana, bo) = await students_on_their_own([first, second], 2)
    await first.challenges.start(teacher, {"dataset": "xor"})
    await first.challenges.submit(ana, {"loss": 0.2, "parameters": 9}, 1)
    await refused("not_allowed", second.challenges.reset(bo))
    await first.challenges.reset(teacher)
    await eventually(
        lambda: any(e["type"] == "leaderboard" and e["entries"] == [] for e in bo.events.take_all())
    )
    assert await second.challenges.leaderboard(bo) == []


async def test_submissions_at_once_on_two_processes_leave_everyone_the_whole_board(
    make_service: ServiceFactory,
) -> None:
    """Announcements of boards changed at the same time may arrive in any order: the newest
    version, the one a member keeps, holds every submission."""
    first, second = await make_service(FakeScorer()), await make_service(FakeScorer())
    teacher, students = await students_on_their_own([first, second], 6)
    await first.challenges.start(teacher, {"dataset": "xor"})
    await eventually(lambda: teacher.events.received >= 7)
    teacher.events.take_all()
    services = [first, second] * 3
    await asyncio.gather(
        *(
            service.challenges.submit(student, {"loss": 0.1 * (1 + index), "parameters": 9}, 1)
            for index, (service, student) in enumerate(zip(services, students, strict=True))
        )
    )
    boards: list[dict[str, Any]] = []

    def all_announced() -> bool:
        boards.extend(e for e in teacher.events.take_all() if e["type"] == "leaderboard")
        return len(boards) == 6

    await eventually(all_announced)
    versions = [board["version"] for board in boards]
    assert len(set(versions)) == 6  # one version per change
    newest = max(boards, key=lambda board: board["version"])
    assert [entry["name"] for entry in newest["entries"]] == [f"Student {i}" for i in range(6)]
