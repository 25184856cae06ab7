"""The page as a user sees it, in a real headless Chromium against the real server.

Screenshots of the main states go to test-artifacts/ (look at them: the page is for a class).
"""

from __future__ import annotations

import itertools
import json
from typing import Any

import httpx
import numpy as np
import pytest
from pagehelpers import FAST, clipboard, epoch, painted, settled_epoch, wait_epoch_above

from app.frames import deflate_grid

pytestmark = pytest.mark.browser

DECISION_CHECKSUM = """() => {
  const canvas = document.querySelector('#decision-grid');
  const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let sum = 0;
  for (let i = 0; i < pixels.length; i += 4) sum = (sum * 31 + pixels[i] + 7 * pixels[i + 2]) % 1000000007;
  return sum;
}"""


def shown_loss(p: Any, which: str) -> float:
    return float(p.page.locator(f"#{which}-loss").inner_text())


def hidden_neurons(p: Any) -> int:
    return p.page.locator(".neuron:not(.feature):not(.output)").count()


def test_load_builds_controls_from_catalog(server: Any, open_page: Any) -> None:
    catalog = httpx.get(f"{server.url}/api/catalog").json()
    p = open_page(server.url)
    p.ready()
    menus = p.page.locator("select.activation")
    assert menus.count() == len(catalog["defaults"]["layers"])
    for i in range(menus.count()):
        options = menus.nth(i).locator("option").all_inner_texts()
        assert options == catalog["activations"]
    optimizers = p.page.locator("#control-optimizer option").all_inner_texts()
    assert optimizers == [o["title"] for o in catalog["optimizers"]]
    speeds = p.page.locator("#control-speed option").evaluate_all(
        "os => os.map(o => Number(o.value))"
    )
    assert speeds == catalog["speeds"]
    tiles = p.page.locator(".dataset-tile")
    assert tiles.count() == len(catalog["datasets"])
    assert p.page.locator(".neuron.feature").count() == len(catalog["features"])
    assert p.page.locator("h1").inner_text() == "MLP Playground"
    assert p.page.locator("#connection").inner_text() == "Connected"
    p.shot("load-1280x720")
    assert p.errors == []


def test_play_trains_and_the_map_changes(server: Any, open_page: Any) -> None:
    p = open_page(server.url, FAST)
    p.ready()
    painted(p)
    before_map = p.js(DECISION_CHECKSUM)
    first_loss = shown_loss(p, "train")
    p.page.locator("#play").click()
    p.page.wait_for_function(
        "() => document.querySelector('#play').getAttribute('aria-pressed') === 'true'"
    )
    wait_epoch_above(p, 60)
    p.page.wait_for_function(
        "v => parseFloat(document.querySelector('#train-loss').textContent) < v * 0.8",
        arg=first_loss,
    )
    assert shown_loss(p, "train") < first_loss
    assert p.js(DECISION_CHECKSUM) != before_map
    assert p.js("window.__playground.chartPoints()") > 5
    # The 100×100 map is drawn scaled to the device resolution with bilinear smoothing (CSS
    # scaling can be nearest-neighbour: blocks on a projector); points are drawn on an overlay
    # at device resolution, so they stay crisp.
    smooth = p.js(
        """() => {
          const grid = document.querySelector('#decision-grid');
          const overlay = document.querySelector('#decision-overlay');
          const atDevice = (c) => c.width === Math.round(c.clientWidth * devicePixelRatio);
          return [getComputedStyle(grid).imageRendering, atDevice(grid), atDevice(overlay)];
        }"""
    )
    assert smooth == ["auto", True, True]
    # The page asked for compressed grids in its hello, and inflates them.
    output_block = "() => window.__playground.header.blocks.find((b) => b.name === 'output').dtype"
    assert p.js(output_block) == "u8z"
    p.shot("playing-1280x720")
    for width, height in [(1920, 1080), (1024, 768)]:
        p.page.set_viewport_size({"width": width, "height": height})
        painted(p)
        overlaps = p.js(
            """() => {
              const boxes = [...document.querySelectorAll('.column')].map(c => c.getBoundingClientRect());
              const bad = [];
              for (let i = 1; i < boxes.length; i++) if (boxes[i].left < boxes[i - 1].right - 1) bad.push(i);
              const map = document.querySelector('#decision').getBoundingClientRect();
              const column = document.querySelector('.output-column').getBoundingClientRect();
              if (map.right > column.right + 1 || map.left < column.left - 1) bad.push('map');
              const bar = document.querySelector('.topbar').getBoundingClientRect();
              if (bar.right > window.innerWidth + 1) bad.push('topbar');
              return bad;
            }"""
        )
        assert overlaps == []
        p.shot(f"playing-{width}x{height}")
    p.page.locator("#play").click()
    assert p.errors == []


TICKS = [
    ([0, 0.05, 0.1], ["0.00", "0.05", "0.10"]),  # three significant digits read 0.0500, 0.100
    ([0, 0.25, 0.5, 0.75], ["0.00", "0.25", "0.50", "0.75"]),
    ([0, 200, 400], ["0", "200", "400"]),
    ([0.001], ["0.001"]),  # a log axis labels each power of ten on its own
    ([0.30000000000000004, 0.6], ["0.3", "0.6"]),  # float noise is not a digit
]


def test_an_axis_labels_its_ticks_with_one_number_of_decimals(server: Any, open_page: Any) -> None:
    p = open_page(server.url)
    p.ready()
    for ticks, labels in TICKS:
        shown = p.js(
            "async (ticks) => (await import('/static/js/heatmap.js')).tickLabels(ticks)", ticks
        )
        assert shown == labels, ticks
    assert p.errors == []


def test_the_page_inflates_what_the_server_deflates(
    server: Any, open_page: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = np.random.default_rng(3)
    ramp = np.add.outer(np.arange(60), 3 * np.arange(80)) % 256  # wraps around 255
    grids = [rng.integers(0, 256, (2, 9, 13)), ramp[None], rng.integers(0, 3, (3, 100, 100))]
    grids.append(np.zeros((1, 100, 100)))  # runs past 258 bytes, a code of two symbols
    grids.append(rng.normal(0, 0.4, (1, 100, 100)).cumsum(1).cumsum(2) % 256)  # map-like
    packers = [deflate_grid]  # zlib-ng's run-length streams, as the server sends them
    p = open_page(server.url)
    p.ready()
    for grid, pack in itertools.product(grids, packers):
        cells = grid.astype(np.uint8)
        inflated = p.js(
            """async ([packed, shape]) => {
              const protocol = await import('/static/js/protocol.js');
              return Array.from(await protocol.inflateGrid(new Uint8Array(packed), shape));
            }""",
            [list(pack(cells)), list(cells.shape)],
        )
        np.testing.assert_array_equal(
            np.array(inflated, dtype=np.uint8).reshape(cells.shape), cells
        )
    assert p.errors == []


SLOW_INFLATE = """
const Real = window.DecompressionStream;
window.DecompressionStream = class {
  constructor(format) {
    const real = new Real(format);
    this.writable = real.writable;
    const wait = () => new Promise((resolve) => setTimeout(resolve, 80));
    this.readable = real.readable.pipeThrough(new TransformStream({
      async transform(chunk, out) { await wait(); out.enqueue(chunk); },
    }));
  }
};
"""


def test_a_pause_is_not_overtaken_by_frames_still_decoding(server: Any, open_page: Any) -> None:
    # Frames decode asynchronously; slowed down here, several are still decoding when the
    # pause's status arrives. Handled out of order, their "running" would flip the button back.
    p = open_page(server.url, FAST, script=SLOW_INFLATE)
    p.ready()
    p.page.locator("#play").click()
    wait_epoch_above(p, 20)
    p.js(
        """() => {
          const play = document.querySelector('#play');
          window.__pressed = [play.getAttribute('aria-pressed')]; // changes only, from now
          new MutationObserver(() => {
            const now = play.getAttribute('aria-pressed');
            if (window.__pressed.at(-1) !== now) window.__pressed.push(now);
          }).observe(play, { attributes: true, attributeFilter: ['aria-pressed'] });
        }"""
    )
    p.page.locator("#play").click()
    p.page.wait_for_function("() => !window.__playground.running")
    settled_epoch(p)
    assert p.js("window.__pressed") == ["true", "false"]
    assert p.errors == []


def test_network_edits_while_playing_keep_training(server: Any, open_page: Any) -> None:
    p = open_page(server.url, FAST)
    p.ready()
    p.page.locator("#play").click()
    wait_epoch_above(p, 20)
    assert hidden_neurons(p) == 6
    p.page.locator("#add-layer").click()
    p.page.locator("button[aria-label='Add a neuron to layer 1']").click()
    p.page.locator("select[aria-label='Activation of layer 2']").select_option("relu")
    p.page.wait_for_function(
        """() => {
          const h = window.__playground.header;
          return h && h.sizes.join() === '2,5,2,2,1' && h.activations[1] === 'relu';
        }"""
    )
    assert p.page.locator("#layer-count").inner_text() == "3 hidden layers"
    assert hidden_neurons(p) == 5 + 2 + 2
    assert p.page.locator("select[aria-label='Activation of layer 2']").input_value() == "relu"
    after_edit = epoch(p)
    assert after_edit > 20, "structural edits must not reset training"
    wait_epoch_above(p, after_edit + 10)
    assert p.js("window.__playground.running")
    p.shot("edited-network")
    assert p.errors == []


def test_multiclass_and_one_d_regression_views(server: Any, open_page: Any) -> None:
    p = open_page(server.url)
    p.ready()
    assert p.page.locator("#class-maps").is_hidden()
    p.page.locator("#control-task").select_option("multiclass")
    p.page.wait_for_function("() => window.__playground.header.task === 'multiclass'")
    classes = p.js("window.__playground.data.classes")
    p.page.wait_for_function(
        "k => document.querySelectorAll('#class-maps canvas').length === k", arg=classes
    )
    assert p.page.locator("#class-maps").is_visible()
    assert p.page.locator(".neuron.output").count() == classes
    p.page.locator("#play").click()
    wait_epoch_above(p, 30)
    p.shot("multiclass")
    p.page.locator("#control-task").select_option("regression")
    p.page.locator(".dataset-tile[data-name='sine']").click()
    p.page.wait_for_function(
        "() => window.__playground.data.dataset === 'sine' && window.__playground.header.task === 'regression'"
    )
    painted(p)
    assert p.page.locator("#plot").is_visible()
    assert p.page.locator("#decision").is_hidden()
    assert p.page.locator("#loss-field").is_visible()
    assert p.page.locator(".accuracy").first.is_hidden()
    wait_epoch_above(p, epoch(p) + 20)
    p.shot("regression-1d")
    assert p.errors == []


def test_draw_points_and_bad_csv(server: Any, open_page: Any) -> None:
    p = open_page(server.url)
    p.ready()
    p.page.locator(".dataset-tile[data-name='custom']").click()
    assert p.page.locator("#draw-toggle").get_attribute("aria-pressed") == "true"
    p.page.locator("#clear-points").click()
    p.page.wait_for_function("() => window.__playground.data.dataset === 'custom'")
    p.page.wait_for_function("() => document.querySelector('#data-count').dataset.count === '0'")
    grid = p.page.locator("#decision-grid").bounding_box()
    assert grid is not None
    spots = [(0.25, 0.25), (0.75, 0.7), (0.5, 0.4)]
    for n, (fx, fy) in enumerate(spots, start=1):
        p.page.mouse.click(grid["x"] + fx * grid["width"], grid["y"] + fy * grid["height"])
        p.page.wait_for_function(
            "n => document.querySelector('#data-count').dataset.count === String(n)", arg=n
        )
    data = p.js("window.__playground.data")
    rows = data["train"] + data["test"]
    assert len(rows) == 3
    assert any(x1 < 0 and x2 > 0 for x1, x2, _ in rows)  # the top-left click
    p.page.locator("#csv-file").set_input_files(
        {"name": "bad.csv", "mimeType": "text/csv", "buffer": b"x1,x2,label\n1,2,0\nfoo,3,1\n"}
    )
    error = p.page.locator("#csv-error")
    error.wait_for(state="visible")
    assert error.inner_text().strip() != ""
    p.shot("custom-data-csv-error")
    assert p.errors == []


def test_copied_link_reproduces_data_and_weights(server: Any, open_page: Any) -> None:
    p = open_page(server.url, "#dataset=xor&noise=0.2&data_seed=7&seed=11&layers=5:relu,3:tanh")
    p.ready()
    p.page.locator(".dataset-tile[data-name='spiral']").click()
    p.page.locator("#control-learning_rate").select_option("0.1")
    p.page.locator("#add-layer").click()
    p.page.wait_for_function("() => window.__playground.header.sizes.length === 5")
    seq = p.js("window.__playground.header.seq")
    p.page.keyboard.press("r")
    p.page.wait_for_function(
        "s => window.__playground.header.seq > s && window.__playground.header.epoch === 0 && window.__playground.epoch0",
        arg=seq,
    )
    p.page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    p.page.locator("#copy-link").click()
    link = clipboard(p, server.url)
    assert link.startswith(server.url) and "dataset=spiral" in link and "seed=11" in link

    q = open_page(server.url, link[len(server.url) + 1 :])
    q.ready()
    q.page.wait_for_function(
        "() => window.__playground.epoch0 && window.__playground.header.sizes.length === 5"
    )
    assert q.js("window.__playground.config") == p.js("window.__playground.config")
    for side in ("train", "test"):
        assert q.js(f"window.__playground.data.{side}") == p.js(f"window.__playground.data.{side}")
    first = p.js("window.__playground.epoch0")
    second = q.js("window.__playground.epoch0")
    assert first.keys() == second.keys() and len(first) == 8
    assert json.dumps(first) == json.dumps(second)
    assert q.page.locator("#control-learning_rate").input_value() == "0.1"
    assert p.errors == [] and q.errors == []


def test_hide_flags_presentation_and_keyboard(server: Any, open_page: Any) -> None:
    p = open_page(server.url, FAST + "&hide=optimizer,regularization")
    p.ready()
    assert p.page.locator("#control-optimizer").is_hidden()
    assert p.page.locator("#control-regularization").is_hidden()
    assert p.page.locator("#control-learning_rate").is_visible()
    p.page.locator("body").click(position={"x": 5, "y": 300})
    p.page.keyboard.press("p")
    assert "present" in p.page.locator("body").get_attribute("class")
    assert p.page.locator("#present").get_attribute("aria-pressed") == "true"
    assert "present=1" in p.page.url and "hide=optimizer,regularization" in p.page.url
    assert p.page.locator("#advanced").is_hidden()
    p.page.keyboard.press(" ")
    p.page.wait_for_function("() => window.__playground.running")
    wait_epoch_above(p, 40)
    p.shot("presentation-1280x720")
    p.page.keyboard.press(" ")
    p.page.wait_for_function("() => !window.__playground.running")
    paused_at = settled_epoch(p)
    p.page.keyboard.press("s")
    p.page.wait_for_function(
        "e => Number(document.querySelector('#epoch').dataset.epoch) === e + 1", arg=paused_at
    )
    p.page.keyboard.press("r")
    p.page.wait_for_function("() => document.querySelector('#epoch').dataset.epoch === '0'")
    # Typing in a field is typing, not a shortcut.
    p.page.keyboard.press("p")
    assert "present" not in (p.page.locator("body").get_attribute("class") or "")
    p.page.locator("#control-learning_rate").focus()
    p.page.keyboard.press("p")
    assert "present" not in (p.page.locator("body").get_attribute("class") or "")
    assert p.page.locator("#play").get_attribute("aria-label")
    assert p.errors == []


def test_reconnects_and_restores_the_setup(fresh_server: Any, open_page: Any) -> None:
    p = open_page(fresh_server.url, "#dataset=moons&noise=0.1&layers=6:relu&learning_rate=0.1")
    p.ready()
    fresh_server.stop()
    p.page.wait_for_function(
        "() => document.querySelector('#connection').dataset.state === 'offline'"
    )
    assert p.page.locator("#banner").is_visible()
    assert "unreachable" in p.page.locator("#banner").inner_text()
    p.shot("disconnected")
    fresh_server.start()
    p.page.wait_for_function(
        "() => document.querySelector('#connection').dataset.state === 'online'", timeout=20_000
    )
    p.ready()
    assert p.page.locator("#banner").is_hidden()
    config = p.js("window.__playground.config")
    assert config["dataset"] == "moons" and config["layers"][0]["units"] == 6
    p.page.wait_for_function("() => window.__playground.header.sizes.join() === '2,6,1'")
    # Only the expected complaints: the browser logs each failed websocket attempt.
    assert [e for e in p.errors if "WebSocket" not in e and "ERR_CONNECTION_REFUSED" not in e] == []


def test_hover_and_edit_a_weight_and_the_output_bias(server: Any, open_page: Any) -> None:
    p = open_page(server.url)
    p.ready()
    source = p.page.locator(".neuron.feature").first.bounding_box()
    target = p.page.locator(".neuron:not(.feature):not(.output)").first.bounding_box()
    assert source and target
    x = (source["x"] + source["width"] + target["x"]) / 2
    y = (source["y"] + target["y"] + target["height"] / 2 + source["height"] / 2) / 2
    p.page.mouse.move(x, y)
    tooltip = p.page.locator("#tooltip")
    tooltip.wait_for(state="visible")
    assert tooltip.inner_text().startswith("Weight x₁ → L1 #1")
    p.page.mouse.click(x, y)
    p.page.locator("#editor-value").fill("2.5")
    p.page.keyboard.press("Enter")
    p.page.wait_for_function("() => window.__playground.weights()['weights/0'][0][0] === 2.5")

    bias = p.page.locator(".neuron.output + .bias, .bias").last
    bias.hover()
    assert "Bias of the output neuron" in tooltip.inner_text()
    bias.click()
    assert p.page.locator("#editor").is_visible()
    p.page.locator("#editor-value").fill("-1.25")
    p.page.keyboard.press("Enter")
    p.page.wait_for_function("() => window.__playground.weights()['biases/2'][0] === -1.25")
    p.page.locator(".neuron.output").hover()
    assert p.page.locator("#hovercard").is_visible()
    assert "Output" in p.page.locator("#hovercard-text").inner_text()
    p.shot("hover-output-neuron")
    assert p.errors == []


def test_drawn_points_travel_in_the_link(server: Any, open_page: Any) -> None:
    p = open_page(server.url)
    p.ready()
    p.page.locator(".dataset-tile[data-name='custom']").click()
    p.page.locator("#clear-points").click()
    p.page.wait_for_function("() => window.__playground.data.dataset === 'custom'")
    p.page.wait_for_function("() => document.querySelector('#data-count').dataset.count === '0'")
    grid = p.page.locator("#decision-grid").bounding_box()
    assert grid is not None
    for n, (fx, fy) in enumerate([(0.2, 0.3), (0.8, 0.6), (0.45, 0.85)], start=1):
        if n == 3:
            p.page.locator(".class-chip[aria-label='Class 0']").click()
        p.page.mouse.click(grid["x"] + fx * grid["width"], grid["y"] + fy * grid["height"])
        p.page.wait_for_function(
            "n => document.querySelector('#data-count').dataset.count === String(n)", arg=n
        )
    p.page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    p.page.locator("#copy-link").click()
    link = clipboard(p, "http")
    assert "dataset=custom" in link and "&points=" in link and len(link) < 8000
    assert p.page.locator("#link-note").is_hidden()

    q = open_page(server.url, link[len(server.url) + 1 :])
    q.ready()
    q.page.wait_for_function("() => document.querySelector('#data-count').dataset.count === '3'")
    rows = "d => [...d.train, ...d.test].map(r => r.join()).sort()"
    drawn = p.page.evaluate(f"({rows})(window.__playground.data)")
    assert q.page.evaluate(f"({rows})(window.__playground.data)") == drawn
    assert sorted(int(r.split(",")[2]) for r in drawn) == [0, 1, 1]
    assert p.errors == [] and q.errors == []


def test_keyboard_edits_a_neurons_weights_and_bias(server: Any, open_page: Any) -> None:
    p = open_page(server.url)
    p.ready()
    units = p.page.locator(".neuron:not(.feature)")
    stops = units.evaluate_all("ns => ns.filter(n => n.tabIndex === 0).length")
    assert stops == 1, "the hidden and output neurons are one tab stop (arrows move inside)"
    p.page.locator(".neuron.feature").last.focus()
    p.page.keyboard.press("Tab")
    focused = p.js("document.activeElement.getAttribute('aria-label')")
    assert focused.startswith("Layer 1, neuron 1") and "Enter" in focused
    p.page.keyboard.press("ArrowDown")
    assert p.js("document.activeElement.getAttribute('aria-label')").startswith("Layer 1, neuron 2")
    p.page.keyboard.press("Enter")
    dialog = p.page.get_by_role("dialog")
    dialog.wait_for(state="visible")
    assert "Layer 1, neuron 2" in dialog.inner_text()
    assert p.js("document.activeElement.id") == "neuron-panel-bias"
    assert p.page.get_by_label("Weight from x₁").count() == 1
    weight = p.page.get_by_label("Weight from x₂")
    weight.fill("1.5")
    weight.press("Enter")
    p.page.wait_for_function("() => window.__playground.weights()['weights/0'][1][1] === 1.5")
    bias = p.page.get_by_label("Bias", exact=True)
    bias.fill("-0.75")
    bias.press("Enter")
    p.page.wait_for_function("() => window.__playground.weights()['biases/0'][1] === -0.75")
    bounds = p.js("() => JSON.parse(document.getElementById('catalog').textContent).ranges.weight")
    assert (bias.get_attribute("min"), bias.get_attribute("max")) == tuple(
        str(bounds[k]) for k in ("min", "max")
    )  # the server's bounds (the catalog's): a value past them is not sent
    p.shot("neuron-panel")
    p.page.keyboard.press("Escape")
    assert dialog.is_hidden()
    assert p.js("document.activeElement.getAttribute('aria-label')").startswith("Layer 1, neuron 2")
    assert p.errors == []


def test_classroom_link_hides_the_chosen_controls(server: Any, open_page: Any) -> None:
    p = open_page(server.url, FAST)
    p.ready()
    p.page.locator("#classroom summary").click()
    p.page.get_by_role("checkbox", name="Optimizer", exact=True).check()
    p.page.get_by_label("Dropout menus").check()
    p.page.get_by_label("Open in presentation mode").check()
    link = p.page.locator("#classroom-link").input_value()
    assert "hide=optimizer,dropout" in link and "present=1" in link and "optimizer=adam" in link
    assert p.page.locator("#control-optimizer").is_visible(), "the teacher's own page keeps them"
    p.shot("classroom-link")

    q = open_page(server.url, link[len(server.url) + 1 :])
    q.ready()
    assert q.page.locator("#control-optimizer").is_hidden()
    assert q.page.locator("select.dropout").first.is_hidden()
    assert q.page.locator("#control-learning_rate").is_visible()
    assert "present" in (q.page.locator("body").get_attribute("class") or "")
    assert p.errors == [] and q.errors == []


EIGHT_WIDE = "#layers=" + ",".join(["16:tanh"] * 7 + ["16:leaky_relu:0.3"])
HEADS_FIT = """() => {
  const net = document.querySelector('#net').getBoundingClientRect();
  const heads = [...document.querySelectorAll('#net .layer-head')].map(h => h.getBoundingClientRect());
  const bad = [];
  heads.forEach((h, i) => {
    if (h.left < net.left - 1 || h.right > net.right + 1) bad.push(`head ${i} outside`);
    if (i && h.left < heads[i - 1].right - 1) bad.push(`head ${i} overlaps`);
  });
  const ctx = document.createElement('canvas').getContext('2d');
  const compact = document.querySelector('#net').classList.contains('compact');
  for (const select of document.querySelectorAll('#net .layer-head select')) {
    if (!select.offsetParent) continue;  // hidden (presentation mode hides dropout)
    ctx.font = getComputedStyle(select).font;
    const text = select.selectedOptions[0].textContent;
    const room = select.clientWidth - (compact ? 2 : 20);
    if (ctx.measureText(text).width > room) bad.push(`"${text}" cut (${room}px)`);
  }
  for (const title of document.querySelectorAll('#net .layer-title')) {
    if (title.scrollWidth > title.parentElement.clientWidth + 1) bad.push(`title ${title.textContent} cut`);
  }
  const units = [...document.querySelectorAll('#net .neuron:not(.feature)')].map(n => n.getBoundingClientRect());
  const last = Math.max(...heads.map(h => h.bottom));
  if (units.some(u => u.top < last)) bad.push('neurons under the heads');
  if (units.some(u => u.bottom > net.bottom + 1)) bad.push('neurons below the box');
  return bad;
}"""


def test_eight_wide_layers_fit_every_screen(server: Any, open_page: Any) -> None:
    p = open_page(server.url, EIGHT_WIDE)
    p.ready()
    assert hidden_neurons(p) == 8 * 16
    for present in (False, True):
        if present:
            p.page.locator("body").click(position={"x": 5, "y": 300})
            p.page.keyboard.press("p")
        for width, height in [(1280, 720), (1920, 1080), (1024, 768)]:
            p.page.set_viewport_size({"width": width, "height": height})
            painted(p)
            assert p.js(HEADS_FIT) == [], (width, height, present)
            p.shot(f"eight-layers-{width}x{height}{'-present' if present else ''}")
    assert p.errors == []


def test_quick_clicks_are_all_kept(server: Any, open_page: Any) -> None:
    """Answers to earlier edits arrive while later ones are in flight: none may undo a click."""
    p = open_page(server.url, FAST)
    p.ready()
    p.page.locator("#play").click()
    wait_epoch_above(p, 5)
    # Six clicks before any answer can arrive, then watch the page's own layer size while the
    # six answers come in: it must never fall back to an intermediate value.
    lowest = p.page.evaluate(
        """() => new Promise((done) => {
          const add = document.querySelector("button[aria-label='Add a neuron to layer 1']");
          for (let i = 0; i < 6; i += 1) add.click();
          let lowest = Infinity;
          const started = performance.now();
          (function watch() {
            lowest = Math.min(lowest, window.__playground.config.layers[0].units);
            if (performance.now() - started < 1500) requestAnimationFrame(watch); else done(lowest);
          })();
        })"""
    )
    assert lowest == 10
    p.page.locator("#add-layer").click()
    p.page.wait_for_function(
        "() => { const h = window.__playground.header; return h && h.sizes.join() === '2,10,2,2,1'; }"
    )
    assert p.js("window.__playground.config.layers.map((l) => l.units).join()") == "10,2,2"
    assert p.errors == []
