"""Readable from the back row, usable on a laptop: type sizes measured from computed styles,
the loss chart's size and axis titles, presentation mode hiding nothing a lecture needs, and
a 1366 x 768 screen holding what a lesson needs, menus uncut."""

from __future__ import annotations

from typing import Any

import pytest
from pagehelpers import CUT_MENUS, CUT_TEXTS, TEXT_SIZES, wait_epoch_above
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from roomhelpers import start_class, wait_role
from test_tooltips import UNEXPLAINED

pytestmark = pytest.mark.browser

# What a lecture shows; presentation mode must keep every one of them.
LECTURE_CONTROLS = [
    "#control-learning_rate", "#control-optimizer", "#control-regularization",
    "#control-regularization_rate", "#control-task", "#control-speed", "#control-train_share",
    "#control-noise", "#control-n_points", "#control-batch_size", "#regenerate", "#show-test",
    "#discretize", "#log-scale", "#add-layer", "#remove-layer", "select.activation",
    "select.dropout", "button[aria-label='Add a neuron to layer 1']",
    "button[aria-label='Remove a neuron from layer 1']", "#draw-toggle", "#clear-points",
]  # fmt: skip
# The chart's foot (legend, log scale) ends above the scrubber's label: a foot wrapped to two
# lines spilled out of its box over the label.
FOOT_CLEAR = """() => document.querySelector('.chart-foot').getBoundingClientRect().bottom
  <= document.querySelector('#scrubber-label').getBoundingClientRect().top + 1"""
# The decision map's drawn square, in CSS pixels: on a short screen the confusion matrix stands
# beside the stats and a 2-D map's options beside the map, so the map keeps the column's height.
MAP_SIDE = (
    "() => Math.round(document.querySelector('#decision-grid').getBoundingClientRect().width)"
)
LEAST_MAP = {"multiclass": 170, "binary": 220, "regression": 220}  # the class strip takes width
NO_PAGE_SCROLL = """() => document.scrollingElement.scrollHeight <= innerHeight + 1
  && document.scrollingElement.scrollWidth <= innerWidth + 1"""


def open_panels(p: Any) -> None:
    """Open what folds away, so its type is measured too."""
    p.js("() => document.querySelectorAll('details').forEach((d) => { d.open = true; })")


def too_small(p: Any, least: float) -> list[Any]:
    return [row for row in p.js(TEXT_SIZES) if row[2] < least - 0.01]


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_no_text_under_13_px_normal_18_px_presenting_at_1080p(
    server: Any, open_page: Any, lang: str
) -> None:
    p = open_page(server.url, f"#lang={lang}&layers=4:tanh:0.2,2:tanh", width=1920, height=1080)
    p.ready()
    open_panels(p)
    p.page.locator("#help-toggle").click()
    p.page.locator("#show-test").focus()
    p.page.keyboard.press("Tab")  # a tooltip shows: it is text too
    p.page.locator("#control-tip").wait_for(state="visible")
    assert too_small(p, 13) == []
    p.shot(f"readable-1920x1080-{lang}")
    p.page.locator("#help-close").click()
    p.page.locator("#present").click()
    p.page.wait_for_function("() => document.body.classList.contains('present')")
    open_panels(p)
    assert too_small(p, 18) == []
    p.shot(f"readable-1920x1080-present-{lang}")
    assert p.errors == []


def test_the_loss_chart_is_tall_with_axis_titles_at_1080p(server: Any, open_page: Any) -> None:
    p = open_page(server.url, "#speed=100", width=1920, height=1080)
    p.ready()
    p.page.locator("#play").click()
    wait_epoch_above(p, 30)
    for present in (False, True):
        if present:
            p.page.locator("#present").click()
        box = p.page.locator("#chart").bounding_box()
        column = p.page.locator(".output-column").bounding_box()
        assert box and column and box["height"] >= 160, (present, box)
        assert box["y"] + box["height"] <= column["y"] + column["height"] + 1, "chart on screen"
        assert p.page.locator("#chart-y-title").inner_text() == "loss (log loss)"
        assert p.page.locator(".axis-title.x").inner_text() == "epoch"
        map_box = p.page.locator("#decision").bounding_box()
        assert map_box and map_box["y"] + map_box["height"] <= box["y"], (
            "the chart is under the map"
        )
    p.page.locator("#control-task").select_option("regression")
    p.page.wait_for_function("() => window.__playground.config.dataset === 'plane'")
    p.page.locator("#control-loss").select_option("huber")
    assert p.page.locator("#chart-y-title").inner_text() == "loss (Huber)"
    p.page.locator("#play").click()
    assert p.errors == []


def test_the_chart_cuts_a_spike_instead_of_flattening_the_curve(
    server: Any, open_page: Any
) -> None:
    p = open_page(server.url)
    p.ready()
    top = p.js(
        """async () => {
          const { linearTop } = await import('/static/js/chart.js');
          const curve = Array.from({ length: 100 }, (_, i) => 0.7 * Math.exp(-i / 20) + 0.05);
          const steep = Array.from({ length: 100 }, (_, i) => (i < 5 ? 9 - i : 0.1));
          return [linearTop(curve), linearTop([...curve, 40, 35, 30]), linearTop(steep)];
        }"""
    )
    assert top[0] == pytest.approx(0.75)  # a plain curve: its highest value
    assert top[1] < 2, "a spike to 40 is cut, the curve keeps its height"
    assert top[2] == 9, "the start of training is shown whole, however steep"
    assert p.errors == []


def test_presentation_keeps_every_control_a_lecture_needs(server: Any, open_page: Any) -> None:
    p = open_page(server.url, "#present=1&task=multiclass&dataset=blobs", width=1920, height=1080)
    p.ready()
    p.page.wait_for_function("() => document.querySelectorAll('#class-maps canvas').length === 3")
    for selector in LECTURE_CONTROLS:
        assert p.page.locator(selector).first.is_visible(), selector
    assert p.page.locator("#control-classes").is_visible()
    assert p.errors == []


@pytest.mark.parametrize("present", [False, True])
@pytest.mark.parametrize("lang", ["en", "ru"])
def test_a_laptop_screen_holds_the_lesson(
    server: Any, open_page: Any, present: bool, lang: str
) -> None:
    flags = f"&lang={lang}" + ("&present=1" if present else "")
    p = open_page(server.url, f"#task=multiclass&dataset=blobs{flags}", width=1366, height=768)
    p.ready()
    p.page.wait_for_function("() => document.querySelectorAll('#class-maps canvas').length === 3")
    assert p.js(NO_PAGE_SCROLL), "the page itself never scrolls"
    assert p.js(CUT_MENUS) == [] and p.js(CUT_TEXTS) == []
    inside = """s => { const r = document.querySelector(s).getBoundingClientRect();
      return r.width > 0 && r.left >= 0 && r.right <= innerWidth + 1 && r.top >= 0 && r.bottom <= innerHeight + 1; }"""
    top_bar = ["#play", "#reset", "#step", "#control-speed", "#control-learning_rate",
               "#control-optimizer", "#control-regularization", "#control-regularization_rate",
               "#present", "#copy-link", "#help-toggle", "[data-lang='ru']"]  # fmt: skip
    for selector in [*top_bar, "#add-layer", "#decision", "#class-maps", "#chart", "#log-scale"]:
        assert p.js(inside, selector), selector
    assert p.js(FOOT_CLEAR), "the chart's foot overlaps the scrubber"
    assert p.js(inside, "#scrubber"), "the scrubber below the screen's edge"
    wait_map_at_least(p, LEAST_MAP["multiclass"])
    p.shot(f"laptop-1366x768-multiclass-{lang}{'-present' if present else ''}")
    p.page.locator("#control-task").select_option("binary")
    p.page.wait_for_function("() => window.__playground.data?.task === 'binary'")
    assert p.js(CUT_MENUS) == [] and p.js(CUT_TEXTS) == []
    wait_map_at_least(p, LEAST_MAP["binary"])
    assert p.js(NO_PAGE_SCROLL) and p.js(inside, "#chart") and p.js(inside, "#scrubber")
    p.shot(f"laptop-1366x768-{lang}{'-present' if present else ''}")
    p.page.locator("#control-task").select_option("regression")
    p.page.wait_for_function(
        "() => window.__playground.data?.task === 'regression' && !window.__playground.data.one_d"
    )
    assert p.js(CUT_MENUS) == [] and p.js(CUT_TEXTS) == []
    wait_map_at_least(p, LEAST_MAP["regression"])
    assert p.js(NO_PAGE_SCROLL) and p.js(inside, "#chart") and p.js(inside, "#scrubber")
    p.shot(f"laptop-1366x768-regression-{lang}{'-present' if present else ''}")
    assert p.errors == []


def wait_map_at_least(p: Any, least: int) -> None:
    """The map is laid out once the metrics are shown (they sit beside the stats); then its size."""
    p.page.wait_for_function("() => !document.querySelector('#metrics').hidden")
    try:
        p.page.wait_for_function(f"() => ({MAP_SIDE})() >= {least}")
    except PlaywrightTimeout:  # say how small, not just that the wait ran out
        raise AssertionError(f"the decision map is {p.js(MAP_SIDE)} px, under {least}") from None


TITLE_COVERED = """() => {
  const title = document.querySelector('.brand h1').getBoundingClientRect();
  const actions = document.querySelector('.topbar-actions').getBoundingClientRect();
  return title.right > actions.left ? [title.right, actions.left] : null;
}"""


@pytest.mark.parametrize("width", [1280, 1366])
def test_the_top_bar_keeps_the_title_clear_presenting_on_a_laptop(
    server: Any, open_page: Any, width: int
) -> None:
    for lang in ("ru", "en"):  # the Russian buttons are the wider
        p = open_page(server.url, f"#lang={lang}&present=1", width=width, height=768)
        p.ready()
        assert p.js(TITLE_COVERED) is None, lang


ROOM_TABS = ["share", "setup", "gallery", "challenge"]


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_class_panels_read_from_the_back_row_at_1080p(
    server: Any, open_page: Any, lang: str
) -> None:
    """The teacher's room tabs and a student's strip: 13 px at least, 18 px presenting; and
    every room control has a description (its tip)."""
    teacher = start_class(open_page, server.url, f"#lang={lang}&speed=100", width=1920, height=1080)
    code = teacher.js("() => window.__playground.room.code")
    student = open_page(server.url, f"?room={code}#lang={lang}", width=1920, height=1080)
    student.page.locator("#join-name").fill("Ana")
    assert too_small(student, 13) == [], "the join form"
    student.page.locator("#join-submit").click()
    wait_role(student, "follower")
    student.page.locator("#room-fork").click()
    wait_role(student, "student")
    student.page.locator("#play").click()
    teacher.page.locator("#room-tab-challenge").click()
    teacher.page.locator("#challenge-start").click()
    student.page.locator("#room-challenge-status").wait_for(state="visible")
    teacher.page.locator("#room-tab-gallery").click()
    teacher.page.locator("#gallery-wall .gallery-tile").wait_for()
    for present, least in [(False, 13), (True, 18)]:
        for p in (teacher, student):
            if present:
                p.js("() => document.querySelector('#present').click()")
                p.page.wait_for_function("() => document.body.classList.contains('present')")
        for tab in ROOM_TABS:
            teacher.page.locator(f"#room-tab-{tab}").click()
            assert too_small(teacher, least) == [], f"the {tab} tab"
            assert teacher.js(UNEXPLAINED) == [], f"the {tab} tab"
        assert too_small(student, least) == [], "a student's strip"
        assert student.js(UNEXPLAINED) == []
        teacher.shot(f"readable-room-{lang}{'-present' if present else ''}")
    assert teacher.errors == [] and student.errors == []
