"""A run that blows up is impossible to miss; a reconnect loses nothing."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.browser

THRASH = "#dataset=circle&learning_rate=10&speed=0"


def test_the_divergence_badge_stays_until_the_user_acts(server: Any, open_page: Any) -> None:
    p = open_page(server.url, THRASH, width=1920, height=1080)
    p.ready()
    p.page.locator("#play").click()
    badge = p.page.locator("#diverged-badge")
    badge.wait_for(state="visible", timeout=60_000)
    detail = p.page.locator("#diverged-detail")
    assert detail.is_visible()  # the advice opens with it
    text = p.page.locator("#diverged-text").inner_text()
    assert "learning rate 10 is too large" in text and "e.g. 3" in text and "best network" in text
    epoch = p.js("window.__playground.header.epoch")
    p.page.wait_for_function(  # the chart marks the epoch it diverged at
        "() => document.querySelector('#chart').dataset.marks.split(',').length === 1"
    )
    marked = int(p.js("document.querySelector('#chart').dataset.marks"))
    assert 0 < marked <= epoch
    assert p.page.locator("#play").get_attribute("aria-pressed") == "false"
    p.shot("diverged-1920x1080")
    p.page.keyboard.press("Escape")  # closing the advice keeps the badge
    assert detail.is_hidden() and badge.is_visible()
    p.page.locator(
        "[data-lang='ru']"
    ).click()  # so does a new language: the advice is rebuilt in it
    p.page.wait_for_function("() => window.__playground.lang === 'ru'")
    badge.click()
    assert "скорость обучения 10 слишком велика" in p.page.locator("#diverged-text").inner_text()
    assert badge.is_visible()
    # Acting on the run clears it (an edit here: playing on at this rate would diverge again).
    p.page.locator("#control-learning_rate").select_option("0.03")
    badge.wait_for(state="hidden")


def test_a_reconnect_restores_the_weights_the_epoch_and_the_chart(
    fresh_server: Any, open_page: Any
) -> None:
    p = open_page(fresh_server.url, "#dataset=xor&layers=5:relu&speed=100")
    p.ready()
    p.page.locator("#play").click()
    p.page.wait_for_function("() => window.__playground.header.epoch >= 60")
    p.page.locator("#play").click()
    p.page.wait_for_function("() => !window.__playground.running")
    p.page.wait_for_function(  # the frame after the pause, with its weights
        "() => window.__playground.weights() && !window.__playground.header.running"
    )
    before = p.js(
        "({epoch: window.__playground.header.epoch, weights: window.__playground.weights(), chart: window.__playground.chartPoints()})"
    )
    fresh_server.stop()
    p.page.wait_for_function(
        "() => document.querySelector('#connection').dataset.state === 'offline'"
    )
    fresh_server.start()
    p.page.wait_for_function(
        "() => document.querySelector('#connection').dataset.state === 'online'", timeout=60_000
    )
    p.page.wait_for_function(
        "e => window.__playground.header && window.__playground.header.epoch === e",
        arg=before["epoch"],
    )
    toast = p.page.locator(".toast.info").filter(has_text="Reconnected")
    toast.wait_for(state="visible")
    assert str(before["epoch"]) in toast.inner_text()
    assert p.js("window.__playground.chartPoints()") >= before["chart"]  # the history is kept
    after = p.js("window.__playground.weights()")
    for name, values in before["weights"].items():
        flat = [v for row in values for v in row] if isinstance(values[0], list) else values
        now = (
            [v for row in after[name] for v in row] if isinstance(values[0], list) else after[name]
        )
        assert now == pytest.approx(flat, abs=1e-6), name
    p.page.locator("#play").click()  # and training goes on from there, not from 0
    p.page.wait_for_function("e => window.__playground.header.epoch > e", arg=before["epoch"])
