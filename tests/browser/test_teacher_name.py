"""The teacher's display name: given in the start form (kept in the browser for the next
class), checked by the server like a student's (markup and over-long names refused in words),
and what the students read: "Following <name>", or the page's own "the teacher" when empty."""

from __future__ import annotations

from typing import Any

import pytest
from pagehelpers import FAST
from roomhelpers import RECORD_HELLO, join_class, room_of, room_server, start_class, wait_role

pytestmark = pytest.mark.browser
__all__ = ["room_server"]  # the fixture, imported for the test below

KEPT = "() => localStorage.getItem('mlp-room-teacher-name')"


def test_students_follow_the_teacher_by_name(room_server: Any, open_page: Any) -> None:
    teacher = open_page(room_server.url, FAST, script=RECORD_HELLO)
    teacher.ready()
    for refused in ("Ms <b>Rivera</b>", "M" * 25, "Ms\u202eRivera"):  # markup, long, bidi
        teacher.page.locator("#class-start").click()
        teacher.page.locator("#start-name").fill(refused)
        teacher.page.locator("#start-submit").click()
        error = teacher.page.locator("#start-error")
        error.wait_for(state="visible")
        assert "Pick another name" in (error.text_content() or ""), refused
        assert room_of(teacher) is None
        teacher.page.locator("#start-cancel").click()
    teacher.page.locator("#class-start").click()
    assert teacher.page.locator("#start-name").input_value() == ""  # a refused name is not kept
    teacher.page.locator("#start-name").fill("  Ms   Rivera & Co ")
    teacher.page.locator("#start-submit").click()
    room = wait_role(teacher, "teacher")
    assert room["teacher"] == "Ms Rivera & Co"  # trimmed, its spaces made one by the server
    assert teacher.js(KEPT) == "Ms Rivera & Co"  # as the server cleaned it

    student = join_class(open_page, room_server, teacher, "Ana")
    mode = student.page.locator("#room-mode")
    assert mode.text_content() == "Following Ms Rivera & Co"  # text, not markup

    # The next class from this browser starts with the same name.
    teacher.page.locator("#room-tab-setup").click()  # the class panel opened on starting
    teacher.page.locator("#room-end").click()
    teacher.page.locator("#room-end-confirm").click()
    teacher.page.wait_for_function("() => window.__playground.room === null")
    if teacher.page.locator("#room-ended").is_visible():
        teacher.page.locator("#room-ended-ok").click()
    teacher.page.locator("#class-start").click()
    assert teacher.page.locator("#start-name").input_value() == "Ms Rivera & Co"
    for p in (teacher, student):
        assert p.errors == []


def test_no_name_is_the_teacher_in_the_students_language(room_server: Any, open_page: Any) -> None:
    teacher = start_class(open_page, room_server.url, FAST)
    assert room_of(teacher)["teacher"] == ""  # type: ignore[index]
    english = join_class(open_page, room_server, teacher, "Ana")
    russian = join_class(open_page, room_server, teacher, "Борис", locale="ru-RU")
    assert english.page.locator("#room-mode").text_content() == "Following the teacher"
    assert russian.page.locator("#room-mode").text_content() == "Слежу за: преподавателем"
    for p in (teacher, english, russian):
        assert p.errors == []
