"""Every control explains itself: a description (aria-describedby) on each, shown as a tip on
hover, keyboard focus and touch; the activation menus give their formula; the diagram has a
colour legend and the page a "what am I looking at" panel; Esc closes every card."""

from __future__ import annotations

from typing import Any

import pytest
from pagehelpers import CONTROLS

pytestmark = pytest.mark.browser

# Controls without a description: [what it is, its text or label].
UNEXPLAINED = f"""() => {{
  const bad = [];
  for (const node of document.querySelectorAll({CONTROLS})) {{
    if (!node.getClientRects().length) continue;
    const ids = (node.getAttribute('aria-describedby') ?? '').split(/\\s+/).filter(Boolean);
    const text = ids.map((id) => document.getElementById(id)?.textContent ?? '').join(' ').trim();
    if (!text) bad.push(`${{node.tagName}} ${{node.id || node.getAttribute('aria-label') || node.textContent.trim().slice(0, 20)}}`);
  }}
  return bad;
}}"""
DESCRIPTION = """s => {
  const node = document.querySelector(s);
  return document.getElementById(node.getAttribute('aria-describedby')).textContent;
}"""


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_every_control_has_a_description(server: Any, open_page: Any, lang: str) -> None:
    hash_ = f"#lang={lang}&layers=4:tanh:0.1,2:relu&optimizer=adam&regularization=l2"
    p = open_page(server.url, hash_, width=1920, height=1080)
    p.ready()
    p.js("() => document.querySelectorAll('details').forEach((d) => { d.open = true; })")
    p.page.locator("#help-toggle").click()
    assert p.js(UNEXPLAINED) == []
    p.page.locator("#help-close").click()
    p.page.locator("#control-task").select_option("regression")
    p.page.locator(".dataset-tile[data-name='sine']").click()
    p.page.wait_for_function("() => window.__playground.data?.dataset === 'sine'")
    p.page.locator(".neuron.output").click()  # the neuron panel: its fields and close button
    p.page.get_by_role("dialog").wait_for(state="visible")
    assert p.js(UNEXPLAINED) == []
    assert p.errors == []


def test_tips_show_on_hover_focus_and_touch(server: Any, open_page: Any) -> None:
    p = open_page(server.url, "#layers=3:tanh", has_touch=True)
    p.ready()
    tip = p.page.locator("#control-tip")
    learning_rate = p.js(DESCRIPTION, "#control-learning_rate")
    assert "gradient-descent step" in learning_rate
    p.page.locator("#control-learning_rate").hover()
    tip.wait_for(state="visible")
    assert tip.inner_text() == learning_rate
    p.page.keyboard.press("Escape")
    assert tip.is_hidden()
    # Passing over a control onto empty space leaves no tip behind (a slow machine can only
    # make this pass more easily, never fail).
    p.page.locator("#control-optimizer").hover()
    p.page.mouse.move(640, 700)
    p.page.wait_for_timeout(800)
    assert tip.is_hidden()
    # The keyboard: Tab onto a control shows its tip at once.
    p.page.locator("#step").focus()
    p.page.keyboard.press("Shift+Tab")
    assert p.js("document.activeElement.id") == "play"
    tip.wait_for(state="visible")
    assert "space bar" in tip.inner_text()
    # Touch: a tap shows it (and the tap still does its job).
    p.page.locator("#log-scale").tap()
    tip.wait_for(state="visible")
    assert "logarithmic" in tip.inner_text()
    assert p.page.locator("#log-scale").get_attribute("aria-pressed") == "true"
    # Each activation menu explains its function by its formula, and follows the choice.
    menu = p.page.locator("select[aria-label='Activation of layer 1']")
    assert "tanh: f(z) = (eᶻ − e⁻ᶻ) / (eᶻ + e⁻ᶻ)" in p.js(DESCRIPTION, "select.activation")
    menu.select_option("relu")
    p.page.wait_for_function(
        """() => { const m = document.querySelector('select.activation');
          return document.getElementById(m.getAttribute('aria-describedby')).textContent.startsWith('ReLU'); }"""
    )
    p.shot("tooltip-touch")
    assert p.errors == []


def test_jargon_renamed_and_the_diagram_has_a_legend_and_help(server: Any, open_page: Any) -> None:
    p = open_page(server.url, width=1920, height=1080)
    p.ready()
    p.page.locator("#advanced summary").click()
    assert p.page.get_by_label("Output map resolution").is_visible()
    assert p.page.get_by_label("Neuron map resolution").is_visible()
    assert "cells" not in p.page.locator("#advanced").inner_text()
    legend = p.page.locator("#net-legend")
    assert legend.is_visible()
    for words in ("negative", "positive", "thicker link"):
        assert words in legend.inner_text()
    p.page.locator("#help-toggle").click()
    help_panel = p.page.get_by_role("dialog", name="What am I looking at?")
    assert help_panel.is_visible()
    assert "Orange means negative" in help_panel.inner_text()
    p.shot("help-1920x1080")
    p.page.keyboard.press("Escape")
    assert help_panel.is_hidden()
    assert p.js("document.activeElement.id") == "help-toggle"
    assert p.errors == []


def test_escape_closes_every_card(server: Any, open_page: Any) -> None:
    p = open_page(server.url)
    p.ready()
    p.page.locator(".neuron.output").hover()
    card = p.page.locator("#hovercard")
    card.wait_for(state="visible")
    p.page.keyboard.press("Escape")
    assert card.is_hidden()
    p.page.locator(".bias").last.hover()
    weight_tip = p.page.locator("#tooltip")
    weight_tip.wait_for(state="visible")
    p.page.keyboard.press("Escape")
    assert weight_tip.is_hidden()
    p.page.locator(".bias").last.click()
    assert p.page.locator("#editor").is_visible()
    p.page.keyboard.press("Escape")
    assert p.page.locator("#editor").is_hidden()
    assert p.errors == []


def test_the_hover_card_does_not_stick_after_the_last_neuron(server: Any, open_page: Any) -> None:
    p = open_page(server.url, "#layers=13:tanh")
    p.ready()
    plus = p.page.locator("button[aria-label='Add a neuron to layer 1']")
    for units in (14, 15, 16):
        plus.click()
        p.page.wait_for_function("u => window.__playground.config.layers[0].units === u", arg=units)
    assert plus.is_disabled()
    p.page.wait_for_function("() => window.__playground.header.sizes[1] === 16")
    assert p.page.locator("#hovercard").is_hidden()
    assert p.js("document.activeElement.getAttribute('aria-label')") == (
        "Remove a neuron from layer 1"
    )
    p.page.mouse.move(5, 700)
    assert p.page.locator("#hovercard").is_hidden()
    assert p.errors == []
