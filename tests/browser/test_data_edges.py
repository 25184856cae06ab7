"""Data edge cases on the page: 1-D curves have no x2 inputs to offer, a stale CSV error clears."""

from __future__ import annotations

from typing import Any

import pytest
from pagehelpers import RECORD_SENT, sent

pytestmark = pytest.mark.browser

# Every message from the server a quarter second late (in order): a Clear's answer then lands
# after the next upload was sent, which must not take it for its own.
LATE_ANSWERS = """
const Real = window.WebSocket;
window.WebSocket = class extends Real {
  addEventListener(type, listener, ...rest) {
    if (type !== 'message') return super.addEventListener(type, listener, ...rest);
    return super.addEventListener(type, (event) => setTimeout(() => listener(event), 250), ...rest);
  }
};
"""
BAD_CSV = {"name": "bad.csv", "mimeType": "text/csv", "buffer": b"x1,x2,label\n1,2,0\nfoo,3,1\n"}
GOOD_CSV = {"name": "good.csv", "mimeType": "text/csv", "buffer": b"x1,x2,label\n1,2,0\n-1,3,1\n"}


def test_a_curve_offers_no_x2_inputs_and_says_why(server: Any, open_page: Any) -> None:
    p = open_page(server.url, "#task=regression&dataset=sine&features=x1", script=RECORD_SENT)
    p.ready()
    p.page.wait_for_function("() => window.__playground.data.one_d")
    catalog = p.js("JSON.parse(document.querySelector('#catalog').textContent)")
    for feature in catalog["features"]:
        node = p.page.locator(".neuron.feature").nth(catalog["features"].index(feature))
        disabled = node.get_attribute("aria-disabled") == "true"
        assert disabled == feature["uses_x2"], feature["name"]
    x2 = p.page.locator(".neuron.feature[aria-label='Input feature x₂']")
    why = p.js(
        "s => document.getElementById(document.querySelector(s).getAttribute('aria-describedby')).textContent",
        ".neuron.feature[aria-label='Input feature x₂']",
    )
    assert "x₂ is 0 everywhere" in why
    x2.hover()  # the mouse reads it in the neuron's hover card
    p.page.locator("#hovercard").wait_for(state="visible")
    assert p.page.locator("#hovercard-note").inner_text() == why
    configures = len(sent(p, "configure"))
    x2.click(force=True)  # aria-disabled: Playwright would not click it
    assert len(sent(p, "configure")) == configures
    p.page.locator(".neuron.feature[aria-label='Input feature sin(x₁)']").click()  # x1's: allowed
    assert sent(p, "configure")[-1]["config"]["features"][-1] == "sin(x1)"
    p.shot("one-d-inputs")
    assert p.errors == []


def test_a_stale_csv_error_clears_on_clear_and_on_a_good_load(server: Any, open_page: Any) -> None:
    p = open_page(server.url, "#dataset=custom", script=LATE_ANSWERS)
    p.ready()
    error = p.page.locator("#csv-error")
    upload = p.page.locator("#csv-file").set_input_files
    ways = {
        "clear": lambda: p.page.locator("#clear-points").click(),
        "good file": lambda: upload(GOOD_CSV),
    }
    for way, clear in ways.items():
        upload(BAD_CSV)
        error.wait_for(state="visible")
        clear()
        error.wait_for(state="hidden")
        assert error.is_hidden(), way
    p.page.wait_for_function("() => document.querySelector('#data-count').dataset.count === '2'")
    assert error.is_hidden(), "the good file's data came, and no error with it"
    assert p.errors == []
