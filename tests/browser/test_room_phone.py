"""A student on a phone (360 x 740, touch only): joins by the link, follows the teacher with
the map on the first screen, sees the challenge and its time left, forks and trains by touch."""

from __future__ import annotations

from typing import Any

import pytest
from pagehelpers import FAST
from roomhelpers import RECORD_HELLO, room_of, room_server, start_class, wait_role

pytestmark = pytest.mark.browser
__all__ = ["room_server"]  # the fixture, imported for the tests below

NO_SIDEWAYS_SCROLL = "() => document.scrollingElement.scrollWidth <= innerWidth + 1"
ON_FIRST_SCREEN = """(s) => { const r = document.querySelector(s).getBoundingClientRect();
  return r.top >= 0 && r.top < innerHeight && r.height > 0; }"""


def test_a_phone_follows_takes_the_challenge_and_forks(room_server: Any, open_page: Any) -> None:
    teacher = start_class(open_page, room_server.url, FAST)
    room = room_of(teacher)
    assert room is not None
    teacher.page.locator("#room-tab-challenge").click()
    teacher.page.locator("#challenge-epochs").fill("")  # no epoch budget: however long it trains
    teacher.page.locator("#challenge-start").click()
    teacher.page.locator("#room-sheet-close").click()
    teacher.page.locator("#play").click()

    phone = open_page(
        room_server.url, f"?room={room['code']}", width=360, height=740, script=RECORD_HELLO,
        has_touch=True, is_mobile=True,
    )  # fmt: skip
    phone.page.locator("#join-name").fill("Ana")
    phone.page.locator("#join-submit").tap()
    wait_role(phone, "follower")
    phone.page.wait_for_function("() => (window.__playground.header?.epoch ?? 0) > 10")
    assert phone.js(NO_SIDEWAYS_SCROLL)
    for selector in ("#room-mode", "#room-fork", "#room-challenge-status"):
        assert phone.js(ON_FIRST_SCREEN, selector), f"{selector} on the first screen"
    assert phone.page.locator("#room-submit").is_hidden(), "a follower submits after forking"
    assert phone.page.locator("#play").is_hidden(), "nothing of its own to press while following"
    map_top = phone.js("() => document.querySelector('#map-box').getBoundingClientRect().top")
    assert map_top < 740, "the teacher's map starts on the first screen"
    phone.shot("room-phone-follow")

    phone.page.locator("#room-fork").tap()
    wait_role(phone, "student")
    phone.page.locator("#play").tap()
    phone.page.wait_for_function("() => window.__playground.running")
    phone.page.locator("#room-submit").tap()
    phone.page.wait_for_function("() => window.__playground.leaderboard?.entries.length === 1")
    phone.page.locator("#room-board-open").tap()
    phone.page.locator("#student-board tbody tr.mine").wait_for()
    assert phone.js(NO_SIDEWAYS_SCROLL)
    phone.shot("room-phone-board")
    phone.page.locator("#room-board-close").tap()
    phone.page.locator("#room-follow").tap()
    wait_role(phone, "follower")
    assert phone.errors == [] and teacher.errors == []
