"""The classroom's links and locks on real pages: a pushed setup with locked controls hides
them on the students' pages; a student who reloads is back in the class with their name and
mode; the teacher link reopens the class as its teacher, the projector link only watches."""

from __future__ import annotations

from typing import Any

import pytest
from pagehelpers import FAST, clipboard
from roomhelpers import join_class, room_of, room_server, start_class, wait_role

pytestmark = pytest.mark.browser
__all__ = ["room_server"]  # the fixture, imported for the tests below


def test_locks_rejoin_and_the_teacher_link(room_server: Any, open_page: Any) -> None:
    teacher = start_class(open_page, room_server.url, FAST)
    teacher.page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    student = join_class(open_page, room_server, teacher, "Ana")
    student.page.locator("#room-fork").click()
    wait_role(student, "student")
    assert student.page.locator("#add-layer").is_visible()
    assert student.page.locator("#datasets").is_visible()

    # Send my setup (starting weights) with the dataset and the layers locked.
    teacher.page.locator("#room-tab-setup").click()
    teacher.page.locator("#push-weights-initial").check()
    teacher.page.locator("#lock-dataset").check()
    teacher.page.locator("#lock-layers").check()
    teacher.page.locator("#remove-layer").evaluate("(n) => n.click()")  # under the sheet: 1 layer
    teacher.page.wait_for_function("() => window.__playground.config.layers.length === 1")
    teacher.page.locator("#room-push").click()
    student.page.wait_for_function(
        "() => (window.__playground.room?.locked ?? []).join() === 'dataset,layers'"
    )
    student.page.wait_for_function("() => window.__playground.config.layers.length === 1")
    student.page.locator("#add-layer").wait_for(state="hidden")
    assert student.page.locator("#datasets").is_hidden()
    assert student.page.locator("#remove-layer").is_hidden()
    assert student.page.locator("#control-learning_rate").is_visible(), "only what was locked"

    # Send this view: a lesson step opens on the student's own page.
    teacher.page.locator("#room-sheet-close").click()
    teacher.js("() => { location.hash = 'lesson=stacked&step=2'; }")
    teacher.page.wait_for_function("() => window.__playground.lesson?.name === 'stacked'")
    teacher.page.locator("#room-open-setup").click()
    assert "lesson=stacked&step=2" in (teacher.page.locator("#room-view-note").text_content() or "")
    teacher.page.locator("#room-push-view").click()
    student.page.wait_for_function(
        "() => window.__playground.lesson?.name === 'stacked' && window.__playground.lesson.step === 1"
    )

    # A reload: back in the class, same name, on their own, the locks kept.
    student.page.reload()
    wait_role(student, "student")
    room = room_of(student)
    assert room is not None and room["name"] == "Ana" and room["locked"] == ["dataset", "layers"]
    assert student.page.locator("#join-name").is_hidden(), "no join form: the token was kept"
    student.page.locator("#add-layer").wait_for(state="hidden")

    # The teacher link reopens the class as teacher in another browser; the projector link watches.
    teacher.page.locator("#room-tab-share").click()
    teacher.page.locator("#room-copy-teacher").click()
    link = clipboard(teacher, room_server.url)
    assert "#teacher=" in link
    laptop = open_page(room_server.url, link[len(room_server.url) + 1 :])
    info = wait_role(laptop, "teacher")
    assert info["presenting"] is True and info["code"] == room["code"]
    assert "#teacher=" not in laptop.page.url, "the token leaves the address bar"
    teacher.page.locator("#room-copy-projector").click()
    projector_link = clipboard(teacher, link + "&")
    projector = open_page(room_server.url, projector_link[len(room_server.url) + 1 :])
    info = wait_role(projector, "teacher")
    assert info["presenting"] is False
    assert projector.page.locator("#play").evaluate("(n) => n.closest('[inert]') !== null")

    # A wrong teacher token opens the join form saying so, not the class.
    wrong = open_page(room_server.url, f"?room={room['code']}#teacher=not-the-token")
    wrong.page.locator("#join-error").wait_for(state="visible")
    assert room_of(wrong) is None
    for p in (teacher, student, laptop, projector, wrong):
        assert p.errors == []
