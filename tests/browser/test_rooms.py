"""The classroom on real pages: a teacher starts a class, three students join by the link and
follow the teacher's edits live, fork and train; the gallery shows them, a spotlight, a
challenge scored and ranked, and the class ended (docs/protocol.md, "Rooms"). Twice: in one
process, and on two workers over a real redis-server with the students on the other worker."""

from __future__ import annotations

import re
from typing import Any

import pytest
from pagehelpers import FAST, wait_epoch_above
from roomhelpers import join_class, room_of, room_server, start_class, wait_role

pytestmark = pytest.mark.browser
__all__ = ["room_server"]  # the fixture, imported for the tests below

NAMES = ["Ana", "Bo <Li>", "Zoë & Co"]  # markup-like text is refused or shown as text
# Each gallery tile's map: more than one colour (a map drawn while its tab was hidden once
# came out as a single averaged pixel).
PAINTED_TILES = """() => [...document.querySelectorAll('#gallery-wall canvas')].map((c) => {
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  const colours = new Set();
  for (let i = 0; i < d.length; i += 4) colours.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
  return c.width >= 16 && colours.size > 1;
})"""


def test_a_whole_class(room_server: Any, open_page: Any) -> None:
    teacher = start_class(open_page, room_server.url, FAST, width=1366, height=768)
    room = room_of(teacher)
    assert room is not None
    code = room["code"]
    assert re.fullmatch(r"[23456789ABCDEFGHJKMNPQRSTWXYZ]{6}", code)
    # The join tab: the code big; on 127.0.0.1 the command that serves the class on the network.
    assert teacher.page.locator("#room-code").text_content() == code
    assert teacher.page.locator("#room-local").is_visible()
    assert "make run HOST=0.0.0.0" in (teacher.page.locator("#room-command").text_content() or "")
    assert teacher.page.locator("#room-qr").is_hidden(), "no QR code of a link nobody can open"
    assert teacher.page.locator("#room-copy-teacher").is_visible()
    teacher.page.locator("#room-sheet-close").click()

    # A name holding markup is refused in the join form, in words; the page stays out of the room.
    refused = open_page(room_server.url, f"?room={code.lower()}")
    refused.page.locator("#join-name").fill(NAMES[1])
    refused.page.locator("#join-submit").click()
    refused.page.locator("#join-error").wait_for(state="visible")
    assert "no < or >" in (refused.page.locator("#join-error").text_content() or "")
    assert room_of(refused) is None

    students = [
        join_class(open_page, room_server, teacher, name) for name in ("Ana", "Zoë & Co", "Chen")
    ]
    for s in students:
        assert "Following" in (s.page.locator("#room-mode").text_content() or "")
    teacher.page.wait_for_function(
        "() => window.__playground.roster.filter((s) => s.here).length === 3"
    )
    assert teacher.page.locator("#room-count").text_content() == "3 students"

    # The teacher's edits reach every follower: a third layer, then training.
    teacher.page.locator("#add-layer").click()
    teacher.page.wait_for_function("() => window.__playground.config.layers.length === 3")
    for s in students:
        s.page.wait_for_function("() => window.__playground.config.layers.length === 3")
    teacher.page.locator("#play").click()
    wait_epoch_above(teacher, 20)
    for s in students:
        s.page.wait_for_function("() => (window.__playground.header?.epoch ?? 0) > 20")
        assert s.page.locator("#play").evaluate("(n) => n.closest('[inert]') !== null")
    teacher.page.locator("#play").click()
    teacher.page.wait_for_function("() => !window.__playground.running")

    # Each student tries it themselves (the teacher's network and weights), then trains.
    for s in students:
        s.page.locator("#room-fork").click()
        wait_role(s, "student")
        assert s.js("() => window.__playground.config.layers.length") == 3
        assert "On my own" in (s.page.locator("#room-mode").text_content() or "")
        s.page.locator("#play").click()
    for s in students:
        s.page.wait_for_function(
            "() => window.__playground.running && window.__playground.header.epoch > 30"
        )

    # The gallery: three live tiles with their names (as text).
    teacher.page.locator("#room-open-gallery").click()
    teacher.page.wait_for_function(
        "() => document.querySelectorAll('#gallery-wall .gallery-tile').length === 3"
    )
    assert teacher.js(PAINTED_TILES) == [True, True, True], "every tile shows a map, not one colour"
    names = teacher.page.locator("#gallery-wall .gallery-tile .name").all_text_contents()
    assert sorted(names) == sorted(["Ana", "Zoë & Co", "Chen"])
    teacher.shot("rooms-gallery")

    # A spotlight: the student's session large and live on the teacher's page.
    teacher.page.locator("#gallery-wall .gallery-tile", has_text="Chen").locator(
        ".gallery-show"
    ).click()
    teacher.page.wait_for_function("() => window.__playground.room?.spotlight?.name === 'Chen'")
    teacher.page.locator("#room-spotlight").wait_for(state="visible")
    teacher.page.wait_for_function("() => document.querySelector('#spotlight-waiting').hidden")
    stats = teacher.page.locator("#spotlight-stats").text_content() or ""
    assert stats.startswith("Epoch ")
    first = int(stats.split()[1].replace(",", ""))
    teacher.page.wait_for_function(
        "(first) => Number(document.querySelector('#spotlight-stats').textContent.split(' ')[1].replace(/,/g, '')) > first",
        arg=first,
    )
    teacher.page.locator("#spotlight-stop").click()
    teacher.page.locator("#room-spotlight").wait_for(state="hidden")

    # Adopt: a student's own network (one layer fewer) into the teacher's session.
    students[0].page.locator("#remove-layer").click()
    students[0].page.wait_for_function("() => window.__playground.config.layers.length === 2")
    teacher.page.wait_for_function(
        "() => document.querySelector('#gallery-wall .gallery-tile .gallery-size')"
    )
    tile = teacher.page.locator("#gallery-wall .gallery-tile", has_text="Ana")
    tile.locator(".gallery-size", has_text="layers 4–2 ").wait_for()
    tile.locator(".gallery-adopt").click()
    teacher.page.wait_for_function("() => window.__playground.config.layers.length === 2")
    teacher.page.locator("#toasts", has_text="Ana's network is now in your session.").wait_for()

    # A challenge: started by the teacher, shown with its time left, submissions scored and ranked.
    teacher.page.locator("#room-tab-challenge").click()
    teacher.page.locator("#challenge-dataset").select_option("circle")
    teacher.page.locator("#challenge-epochs").fill("")
    teacher.page.locator("#challenge-neurons").fill("")
    teacher.page.locator("#challenge-layers").fill("")
    teacher.page.locator("#challenge-start").click()
    for s in students:
        s.page.locator("#room-challenge-status").wait_for(state="visible")
        assert "left" in (s.page.locator("#room-challenge-status").text_content() or "")
        s.page.locator("#room-submit").click()
    teacher.page.wait_for_function("() => window.__playground.leaderboard?.entries.length === 3")
    board = teacher.js("() => window.__playground.leaderboard")
    losses = [e["test_loss"] for e in board["entries"]]
    assert losses == sorted(losses)
    rows = teacher.page.locator("#teacher-board tbody tr")
    assert rows.count() == 3
    students[0].page.locator("#room-board-open").click()
    students[0].page.locator("#student-board tbody tr").first.wait_for()
    assert students[0].page.locator("#student-board tbody tr.mine").count() == 1
    students[0].page.locator("#room-board-close").click()
    teacher.page.locator("#board-reset").click()
    teacher.page.wait_for_function("() => window.__playground.leaderboard?.entries.length === 0")

    # Back to following, one click.
    students[2].page.locator("#room-follow").click()
    wait_role(students[2], "follower")

    # The end: everyone sees the teacher's message; the pages carry on, on their own.
    teacher.page.locator("#room-tab-setup").click()
    teacher.page.locator("#room-end-message").fill("Thanks, see you <Thursday>")
    teacher.page.locator("#room-end").click()
    teacher.page.locator("#room-end-confirm").click()
    for s in students:
        s.page.locator("#room-ended").wait_for(state="visible")
        assert s.page.locator("#room-ended-message").text_content() == "Thanks, see you <Thursday>"
        assert room_of(s) is None
        assert "room=" not in s.page.url
    teacher.page.wait_for_function("() => window.__playground.room === null")
    assert teacher.page.locator("#class-start").is_visible()
    for p in [teacher, refused, *students]:
        assert p.errors == []
