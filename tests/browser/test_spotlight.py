"""The spotlight on real pages: a student's whole session on the teacher's screen, live (their
points on the map, their network with its neuron maps and weights, their loss chart), while
the teacher's own session stays its own. In one process, and on two workers over a real
redis-server with the student on the other worker. Screenshots at 1920x1080 and 1366x768,
normal and presentation mode (test-artifacts/spotlight-*.png)."""

from __future__ import annotations

from typing import Any

import pytest
from pagehelpers import FAST
from roomhelpers import join_class, room_server, start_class, wait_role

pytestmark = pytest.mark.browser
__all__ = ["room_server"]  # the fixture, imported for the test below

# How many distinct colours a canvas holds (a painted map has many; a blank one none or one).
COLOURS = """(selector) => {
  const c = document.querySelector(selector);
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  const colours = new Set();
  for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0) colours.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
  return colours.size;
}"""
PAINTED_NEURONS = """() => [...document.querySelectorAll('#spotlight-net .neuron canvas')].filter((c) => {
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  return new Set(Array.from({ length: d.length / 4 }, (_, i) => d[4 * i] * 65536 + d[4 * i + 1] * 256 + d[4 * i + 2])).size > 1;
}).length"""
CHART_POINTS = "() => Number(document.querySelector('#spotlight-chart').dataset.points || 0)"


def spotlight_reads(p: Any, layers: int) -> None:
    """The spotlight shows a session with `layers` hidden layers: painted neuron maps, the
    student's points over the map, and a loss chart that grows."""
    net = p.page.locator(f"#spotlight-net[data-layers='{layers}']")
    net.wait_for(state="attached")
    p.page.wait_for_function(
        "(n) => document.querySelectorAll('#spotlight-net .neuron').length >= n", arg=layers + 3
    )
    p.page.wait_for_function(f"() => ({PAINTED_NEURONS})() >= 3")
    p.page.wait_for_function(f"() => ({COLOURS})('#spotlight-points') > 1")  # the points
    p.page.wait_for_function(f"() => ({COLOURS})('#spotlight-map') > 4")  # the decision map
    points = p.js(CHART_POINTS)
    p.page.wait_for_function(f"(n) => ({CHART_POINTS})() > n", arg=max(points, 2))


def test_the_spotlight_shows_the_students_whole_session(room_server: Any, open_page: Any) -> None:
    teacher = start_class(open_page, room_server.url, FAST, width=1920, height=1080)
    teacher.page.locator("#room-sheet-close").click()
    own = teacher.js("() => window.__playground.config")
    student = join_class(open_page, room_server, teacher, "Ana")
    student.page.locator("#room-fork").click()
    wait_role(student, "student")
    student.page.locator("#remove-layer").click()  # Ana's network differs from the teacher's
    student.page.wait_for_function("() => window.__playground.config.layers.length === 1")
    student.page.locator("#play").click()
    student.page.wait_for_function("() => window.__playground.running")
    points = student.js("() => window.__playground.data.train.length")

    teacher.page.locator("#room-open-gallery").click()
    tile = teacher.page.locator("#gallery-wall .gallery-tile", has_text="Ana")
    tile.locator(".gallery-show").click()
    teacher.page.locator("#room-spotlight").wait_for(state="visible")
    teacher.page.wait_for_function("() => document.querySelector('#spotlight-waiting').hidden")
    spotlight_reads(teacher, 1)
    assert teacher.page.locator("#spotlight-net").get_attribute("data-points") == str(points)

    # Ana's edit reaches the spotlight live; the teacher's own session never changed.
    student.page.locator("#add-layer").click()
    student.page.wait_for_function("() => window.__playground.config.layers.length === 2")
    spotlight_reads(teacher, 2)
    assert teacher.js("() => window.__playground.config") == own

    for width, height in ((1920, 1080), (1366, 768)):
        teacher.page.set_viewport_size({"width": width, "height": height})
        for mode in ("normal", "present"):
            want = "true" if mode == "present" else "false"
            if teacher.page.locator("#present").get_attribute("aria-pressed") != want:
                teacher.page.keyboard.press("p")
                teacher.page.wait_for_function(
                    "(on) => document.body.classList.contains('present') === on",
                    arg=mode == "present",
                )
            spotlight_reads(teacher, 2)  # drawn again at this size and in these colours
            teacher.shot(f"spotlight-{width}x{height}-{mode}")

    teacher.page.locator("#spotlight-stop").click()
    teacher.page.locator("#room-spotlight").wait_for(state="hidden")
    assert teacher.js("() => window.__playground.config") == own
    for p in (teacher, student):
        assert p.errors == []
