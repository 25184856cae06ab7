"""The pace: at the default speed a class watches the boundary form over seconds, the speed
menu is plainly labelled, and the page shows the epochs per second actually reached.

Nothing here reads a clock: one second of play at the default speed *is* `speed` epochs (the
server never trains faster than its speed, only slower when busy), so "still learning after a
second" is a statement about epochs; the reached pace is read from the frames' own numbers.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.browser

# Every new frame's header, in the page: [epoch, test_loss, epochs_per_second, running].
RECORD_FRAMES = """() => {
  window.__frames = [];
  let seq = -1;
  (function watch() {
    const h = window.__playground.header;
    if (h && h.seq !== seq) {
      seq = h.seq;
      window.__frames.push([h.epoch, h.test_loss, h.epochs_per_second, h.running]);
    }
    requestAnimationFrame(watch);
  })();
}"""
FIRST_AT = "e => window.__frames.find(([epoch, , , running]) => running && epoch >= e) ?? null"


def test_the_default_pace_is_one_a_class_can_watch(server: Any, open_page: Any) -> None:
    catalog = httpx.get(f"{server.url}/api/catalog").json()
    speed = catalog["defaults"]["speed"]
    assert 1 <= speed <= 60, "the default: about one epoch per animation frame, at most"
    assert 0 in catalog["speeds"] and speed in catalog["speeds"]
    p = open_page(server.url, width=1920, height=1080)  # the default setup: circle, SGD
    p.ready()
    menu = p.page.locator("#control-speed")
    assert menu.locator("option:checked").inner_text() == f"normal · {speed:g}/s"
    assert menu.locator("option[value='0']").inner_text() == "as fast as possible"
    assert menu.is_visible() and p.page.locator("#control-speed + .reached, .reached").is_visible()
    p.js(RECORD_FRAMES)
    p.page.locator("#play").click()
    # One second of play at the default speed: `speed` epochs. The test loss then is still far
    # above where four seconds bring it: the class sees the boundary form.
    one_second = p.page.wait_for_function(FIRST_AT, arg=speed).json_value()
    four_seconds = p.page.wait_for_function(FIRST_AT, arg=4 * speed, timeout=30_000).json_value()
    assert one_second[1] > 1.5 * four_seconds[1], (one_second, four_seconds)
    # The server holds the pace (it may fall behind when busy, never run ahead of it) ...
    frames = p.js("window.__frames")
    measured = [f for f in frames if f[3] and f[0] >= speed]
    assert measured and all(f[2] <= 1.5 * speed for f in measured), measured
    # ... and the page shows the pace reached, beside the chosen one.
    # (The text follows the frame drawn last; the header is the frame decoded last.)
    p.page.wait_for_function(
        """() => document.querySelector('#speed-reached').textContent
          === `reached: ${Math.round(window.__playground.header.epochs_per_second)} epochs/s`"""
    )
    assert 0 < float(p.page.locator("#speed-reached").get_attribute("data-rate")) <= 1.5 * speed
    p.shot("pace-default-1920x1080")

    # "As fast as possible" keeps the old speed for the impatient: many times the default.
    menu.select_option("0")
    p.page.wait_for_function(
        "s => (window.__playground.header?.epochs_per_second ?? 0) > 3 * s",
        arg=speed,
        timeout=30_000,
    )
    p.page.wait_for_function(
        """() => {
          const shown = document.querySelector('#speed-reached').dataset.rate;
          return Number(shown) === window.__playground.header.epochs_per_second;
        }"""
    )
    p.page.locator("#play").click()
    assert p.errors == []
