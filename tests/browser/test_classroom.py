"""A classroom link's hidden controls are off for the keyboard too, and it can lock the inputs."""

from __future__ import annotations

from typing import Any

import pytest
from pagehelpers import FAST, RECORD_SENT, sent, wait_epoch_above

pytestmark = pytest.mark.browser


def test_a_hidden_control_has_no_shortcut(server: Any, open_page: Any) -> None:
    p = open_page(server.url, FAST + "&hide=reset,step", script=RECORD_SENT)
    p.ready()
    assert p.page.locator("#reset").is_hidden() and p.page.locator("#step").is_hidden()
    p.page.locator("body").click(position={"x": 5, "y": 400})
    p.page.keyboard.press(" ")  # play stays: it is never hidden
    p.page.wait_for_function("() => window.__playground.running")
    wait_epoch_above(p, 5)
    before = len(sent(p, "reset")), len(sent(p, "step"))
    p.page.keyboard.press("r")
    p.page.keyboard.press("s")
    assert (len(sent(p, "reset")), len(sent(p, "step"))) == before  # keydown sends at once, or not
    p.page.keyboard.press("p")  # shortcuts of visible controls still work
    assert "present" in (p.page.locator("body").get_attribute("class") or "")
    p.page.keyboard.press(" ")
    p.page.wait_for_function("() => !window.__playground.running")

    q = open_page(server.url, FAST, script=RECORD_SENT)  # without the hide, r resets
    q.ready()
    q.page.locator("body").click(position={"x": 5, "y": 400})
    q.page.keyboard.press("r")
    assert len(sent(q, "reset")) == 2  # one after hello, one from the key
    assert p.errors == [] and q.errors == []


def test_a_classroom_link_can_lock_the_inputs(server: Any, open_page: Any) -> None:
    p = open_page(server.url, FAST)
    p.ready()
    p.page.locator("#classroom summary").click()
    p.page.get_by_label("Input features (locked)").check()
    link = p.page.locator("#classroom-link").input_value()
    assert "hide=features" in link

    q = open_page(server.url, link[len(server.url) + 1 :], script=RECORD_SENT)
    q.ready()
    features = q.page.locator(".neuron.feature")
    assert features.count() == 2, "only the inputs in use are shown"
    configures = len(sent(q, "configure"))
    features.first.click()
    assert len(sent(q, "configure")) == configures, "a click changes nothing"
    assert q.js("window.__playground.config.features") == ["x1", "x2"]
    assert "fixed for this lesson" in q.js(
        "document.getElementById(document.querySelector('.neuron.feature').getAttribute('aria-describedby')).textContent"
    )
    q.shot("classroom-inputs-locked")
    assert p.errors == [] and q.errors == []
