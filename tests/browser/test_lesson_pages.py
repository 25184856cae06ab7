"""Lessons in the page: a step's link opens it (its setup, its text, its highlight), the keyboard
walks the steps, the live check turns true once the point holds, in Russian and in English;
the views show what they promise (zero gradients, dropped units, a point's numbers, each
output's map, unit health); type stays readable when presenting, menus uncut."""

from __future__ import annotations

from typing import Any

import pytest
from pagehelpers import CUT_MENUS, CUT_TEXTS, RECORD_SENT, TEXT_SIZES, sent

pytestmark = pytest.mark.browser

# What a step highlights, in page order: ids, else the first class name.
HIGHLIGHTED = """() => [...document.querySelectorAll('.lesson-highlight')]
  .filter((n) => n.getClientRects().length).map((n) => n.id || n.classList[0])"""
CHECK_OK = "() => document.querySelector('#lesson-check').dataset.ok === 'true'"
# A click on the map at training point `index` (the overlay's geometry, as output.js reads it).
CLICK_POINT = """(index) => {
  const d = window.__playground.data; const [x1, x2] = d.train[index];
  const o = document.querySelector('#decision-overlay'); const r = o.getBoundingClientRect();
  const axis = parseFloat(getComputedStyle(document.body).getPropertyValue('--axis')) || 24;
  const size = Math.min(r.width - axis, r.height - axis); const [lo, hi] = d.domain;
  return [r.left + axis + (x1 - lo) / (hi - lo) * size, r.top + (hi - x2) / (hi - lo) * size];
}"""


MARKER = "document.querySelector('#decision-overlay').dataset.marker"
RING_ALPHA = """([x, y]) => {
  const o = document.querySelector('#decision-overlay'); const dpr = window.devicePixelRatio || 1;
  return o.getContext('2d').getImageData(Math.round(x * dpr), Math.round(y * dpr), 1, 1).data[3];
}"""


def lesson_text(p: Any) -> list[str]:
    return p.js(
        "() => ['#lesson-title', '#lesson-text', '#lesson-counter']"
        ".map((s) => document.querySelector(s).textContent)"
    )


def wait_step(p: Any, dataset: str, layers: int) -> None:
    """Until the page and the server have both moved to the step's setup."""
    p.page.wait_for_function(
        """([dataset, layers]) => { const p = window.__playground;
          return p.config.dataset === dataset && p.header && p.header.sizes.length === layers + 2
            && p.data && p.data.dataset === dataset; }""",
        arg=[dataset, layers],
    )


@pytest.mark.parametrize(
    ("lang", "texts"),
    [
        ("ru", ["Линейные слои перемножаются в одну матрицу", "шаг 1 из 2", "совпали",
                "Сколько слоёв ни добавляй, граница прямая", "Граница — прямая"]),
        ("en", ["Linear layers multiply into one matrix", "step 1 of 2", "match the closed form",
                "However deep, the boundary stays straight", "The boundary is a straight line"]),
    ],
)  # fmt: skip
def test_a_lesson_end_to_end_from_its_link(
    server: Any, open_page: Any, lang: str, texts: list[str]
) -> None:
    p = open_page(server.url, f"#lang={lang}&lesson=stacked&step=1&present=1", 1920, 1080,
                  script=RECORD_SENT)  # fmt: skip
    p.ready()
    wait_step(p, "plane", 3)
    title, text, counter = lesson_text(p)
    assert title == texts[0] and counter == texts[1] and "X·A" in text
    config = p.js("window.__playground.config")
    assert config["layers"] == [{"units": 3, "activation": "linear", "dropout": 0}] * 3
    assert p.js("document.querySelector('#view-switch-linear').checked")
    assert p.js("document.querySelector('#view-linear').classList.contains('lesson-highlight')")
    views = sent(p, "views")
    assert views[-1] == {"type": "views", "views": ["linear"], "lesson": "stacked", "step": 0}
    p.page.locator("#play").click()
    p.page.wait_for_function(CHECK_OK, timeout=60_000)  # A = least squares within 1e-3
    assert texts[2] in p.page.locator("#lesson-check").text_content()
    table = p.js("[...document.querySelectorAll('.linear-table td')].map((c) => c.textContent)")
    assert len(table) == 6  # x1, x2, bias: network and least squares
    p.shot(f"lesson-e2e-{lang}-stacked-1")

    p.page.locator("body").press("PageDown")
    p.page.wait_for_function("() => location.hash.includes('step=2')")
    wait_step(p, "circle", 3)
    assert lesson_text(p)[0] == texts[3]
    assert sent(p, "reset"), "a step starts from its own starting weights"
    p.page.locator("#play").click()
    p.page.wait_for_function(
        "() => window.__playground.header.epoch > 20 && "
        "document.querySelector('#lesson-check').dataset.ok === 'true'",
        timeout=60_000,
    )
    assert texts[4] in p.page.locator("#lesson-check").text_content()
    p.shot(f"lesson-e2e-{lang}-stacked-2")
    p.page.locator("body").press("PageUp")
    p.page.wait_for_function("() => location.hash.includes('step=1')")
    p.page.locator("#lesson-close").click()
    p.page.wait_for_function("() => !location.hash.includes('lesson=')")
    assert p.js("document.querySelector('#lesson-panel').hidden")
    assert sent(p, "views")[-1] == {"type": "views", "views": []}
    assert p.errors == []


def played_until_checked(p: Any) -> None:
    """Press play and wait until the step's live check says its point holds."""
    p.page.locator("#play").click()
    p.page.wait_for_function(CHECK_OK, timeout=60_000)


def test_step_cannot_learn_its_gradients_read_zero(server: Any, open_page: Any) -> None:
    p = open_page(server.url, "#lesson=step_function&step=1", 1920, 1080)
    p.ready()
    # the activation menus, not the dropout menus beside them
    assert p.js(HIGHLIGHTED) == ["activation", "activation", "view-gradients"]
    wait_step(p, "circle", 2)
    played_until_checked(p)
    legend = p.page.locator("#view-gradients .view-legend").text_content()
    assert "layer 1: 0" in legend and "layer 2: 0" in legend
    assert "exactly 0" in p.page.locator("#lesson-check").text_content()
    p.page.locator("#view-weight-norms").click()  # the weights' norms instead: never 0
    p.page.wait_for_function(
        "() => /layer 1: [1-9]|layer 1: 0\\.[0-9]/.test("
        "document.querySelector('#view-gradients .view-legend').textContent)"
    )
    assert p.errors == []


def test_the_sigmoid_run_stays_as_a_ghost_beside_relu(server: Any, open_page: Any) -> None:
    p = open_page(server.url, "#lesson=sigmoid_paralysis&step=1&speed=100", 1920, 1080)
    p.ready()
    played_until_checked(p)  # the first layer's gradient under 1 % of the last
    p.page.locator("#lesson-next").click()
    p.page.wait_for_function("() => window.__playground.config.layers[0].activation === 'relu'")
    assert p.js("document.querySelector('#lesson-check').dataset.ok") == "wait"
    played_until_checked(p)
    p.shot("lesson-sigmoid-relu-ghost")
    assert p.errors == []


def test_dropout_masks_and_the_training_mode_map(server: Any, open_page: Any) -> None:
    p = open_page(server.url, "#lesson=dropout&step=1", 1920, 1080)
    p.ready()
    # the step's highlight: the dropout menus and the masks' view (it matched nothing)
    assert p.js(HIGHLIGHTED) == ["dropout", "dropout", "view-dropout", "map-box"]
    played_until_checked(p)
    p.page.wait_for_function(
        "() => document.querySelectorAll('#net .neuron[data-dropped]').length > 0"
    )
    p.page.locator("#play").click()  # paused, the last mask stays shown
    assert p.js("window.__playground.header.views.dropout.masks.length") == 2
    assert p.errors == []


def test_a_clicked_point_shows_its_logits_softmax_and_loss(server: Any, open_page: Any) -> None:
    p = open_page(server.url, "#lesson=tasks&step=4&lang=ru", 1920, 1080)
    p.ready()
    wait_step(p, "blobs", 1)
    p.page.locator("#play").click()  # training alone never makes the check: it needs a point
    p.page.wait_for_function(
        "() => window.__playground.header.views?.check?.step === 3 && window.__playground.header.epoch > 3"
    )
    assert p.page.locator("#lesson-check").text_content().startswith("Щёлкните точку на карте")
    p.page.locator("#play").click()
    x, y = p.js(CLICK_POINT, 5)
    p.page.mouse.click(x, y)
    p.page.wait_for_function(CHECK_OK, timeout=60_000)
    lines = p.js(
        "[...document.querySelectorAll('#view-point .point-line')].map((l) => l.textContent)"
    )
    assert lines[1].startswith("логиты z = [") and lines[2].startswith("softmax(z) = [")
    assert lines[3].startswith("потери на её метке")
    assert "−ln" in p.page.locator("#lesson-check").text_content()
    assert not p.js("document.querySelectorAll('[data-point]').length")  # no point was drawn
    # the inspected point is ringed on the map, where it was clicked
    p.page.wait_for_function("() => document.querySelector('#decision-overlay').dataset.marker")
    cx, cy, radius = (float(v) for v in p.js(MARKER).split(","))
    box = p.js(
        "(() => { const r = document.querySelector('#decision-overlay').getBoundingClientRect(); return [r.left, r.top]; })()"
    )
    assert abs(box[0] + cx - x) < 8 and abs(box[1] + cy - y) < 8
    assert p.js(RING_ALPHA, [cx + radius, cy]) > 0  # on the ring: drawn
    assert p.js("window.__playground.config.dataset") == "blobs"
    assert p.errors == []


def test_multi_output_regression_shows_each_outputs_map(server: Any, open_page: Any) -> None:
    p = open_page(server.url, "#lesson=tasks&step=2", 1920, 1080)
    p.ready()
    wait_step(p, "three_targets", 2)
    p.page.wait_for_function("() => document.querySelectorAll('#class-maps figure').length === 3")
    captions = p.js(
        "[...document.querySelectorAll('#class-maps figcaption')].map((c) => c.textContent)"
    )
    assert captions == ["output 1", "output 2", "output 3"]
    assert p.errors == []


def test_hovering_a_neuron_tells_its_health(server: Any, open_page: Any) -> None:
    p = open_page(server.url, "#lesson=activations&step=1", 1920, 1080)
    p.ready()
    p.page.wait_for_function("() => window.__playground.header.views?.units?.length === 2")
    p.page.locator('#net .neuron[data-column="2"][data-unit="0"]').hover()
    line = p.page.locator("#view-units .unit-line").text_content()
    assert line.startswith("Layer 2, neuron 1 (ReLU):") and "% of the points" in line
    assert p.js("document.querySelector('.activation-cell.selected').dataset.name") == "relu"
    assert p.errors == []


@pytest.mark.parametrize("lang", ["en", "ru"])
@pytest.mark.parametrize(("width", "height"), [(1920, 1080), (1366, 768)])
def test_lessons_are_readable_presenting_and_menus_uncut(
    server: Any, open_page: Any, lang: str, width: int, height: int
) -> None:
    for lesson in ("stacked", "universal_approximation", "optimizers", "activations"):
        p = open_page(server.url, f"#lang={lang}&present=1&lesson={lesson}&step=1", width, height)
        p.ready()
        least = 18 if width >= 1920 else 15  # the page's own floor when presenting on a laptop
        small = [row for row in p.js(TEXT_SIZES) if row[2] < least - 0.01]
        assert small == [], (lesson, small)
        assert p.js(CUT_MENUS) == [], lesson
        assert p.js(CUT_TEXTS) == [], lesson
        p.shot(f"lesson-readable-{width}-{lang}-{lesson}")
        assert p.errors == []


def test_outliers_clicked_on_the_plot_pull_the_mse_fit(server: Any, open_page: Any) -> None:
    """Lesson 2: points added on the 1-D plot keep it a plot, and the least-squares line moves."""
    p = open_page(server.url, "#lesson=mse_mae&step=1", 1920, 1080)
    p.ready()
    wait_step(p, "outliers", 0)
    p.page.wait_for_function("() => !document.querySelector('#plot-box').hidden")
    before = p.js("Array.from(window.__playground.header.blocks.filter((b) => b.name === 'curve'))")
    assert before
    p.page.locator("#draw-toggle").click()
    box = p.page.locator("#plot").bounding_box()
    for k in range(3):  # bottom right, far below the line
        p.page.mouse.click(
            box["x"] + box["width"] * (0.8 + 0.04 * k), box["y"] + box["height"] * 0.85
        )
    p.page.wait_for_function(
        "() => window.__playground.data.dataset === 'custom' && "
        "window.__playground.data.train.length + window.__playground.data.test.length === 203"
    )
    assert p.js("window.__playground.data.one_d") is True
    assert not p.js("document.querySelector('#plot-box').hidden")
    p.shot("lesson-mse-outliers-drawn")
    assert p.errors == []
