"""Issue 16 in the browser: compare mode and its link, the scrubber and a branch, stop
conditions, metrics, the run log and its CSV, exports and loading weights back.

Screenshots of compare mode, the scrubber and the run log at 1920 x 1080 and 1366 x 768 go to
test-artifacts/ (look at them)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

SETUP = "#dataset=spiral&layers=8:tanh,8:tanh&learning_rate=0.03&speed=30"
COMPARE = SETUP + "&compare=optimizer:adam"


def compare_state(p: Any) -> dict[str, Any]:
    return p.js("() => window.__playground.compare")


def step_compare(p: Any, rounds: int) -> None:
    """Press step `rounds` times (one epoch each at speed 30), each after the last finished."""
    for n in range(1, rounds + 1):
        p.page.locator("#step").click()
        p.page.wait_for_function(
            f"() => {{ const c = window.__playground.compare; return c.epoch === {n} && !c.playing && !c.busy; }}"
        )


def test_a_compare_link_reopens_the_same_two_runs(server: Any, open_page: Any) -> None:
    first = open_page(server.url, SETUP, width=1920, height=1080)
    first.ready()
    first.page.locator("#compare-open").click()
    first.page.wait_for_function("() => window.__playground.compare.active")
    first.page.locator("#compare-field").select_option("learning_rate")
    first.page.locator("#compare-value").select_option("0.3")
    header = first.page.locator("#compare-b").inner_text()
    assert header == "B: 0.3 instead of 0.03 (learning rate)"
    link = first.page.url
    assert "compare=learning_rate:0.3" in link
    step_compare(first, 6)
    losses = compare_state(first)["losses"]
    assert losses[0] != losses[1]  # A and B differ...
    second = open_page(server.url, link.split("/", 3)[3], width=1366, height=768)
    second.ready()
    second.page.wait_for_function("() => window.__playground.compare.active")
    assert second.page.locator("#compare-b").inner_text() == header
    configs = second.js("() => window.__playground.compareConfigs()")
    assert configs[0]["learning_rate"] == 0.03 and configs[1]["learning_rate"] == 0.3
    assert (
        configs[0]["seed"] == configs[1]["seed"]
        and configs[0]["data_seed"] == configs[1]["data_seed"]
    )
    step_compare(second, 6)
    assert compare_state(second)["losses"] == losses  # ...and the link brings back the same two
    second.shot("compare-1366x768")
    assert first.errors == [] and second.errors == []


def test_compare_mode_trains_both_in_lockstep_and_resets_both(server: Any, open_page: Any) -> None:
    p = open_page(server.url, COMPARE.replace("speed=30", "speed=100"), width=1920, height=1080)
    p.ready()
    p.page.wait_for_function("() => window.__playground.compare.active")
    assert p.page.locator("#compare-b").inner_text() == "B: Adam instead of SGD (optimizer)"
    p.page.locator("#play").click()
    p.page.wait_for_function("() => window.__playground.compare.epoch >= 90")
    # the pace the pair reaches, beside the speed menu (it said "paused": the page's own session is)
    p.page.wait_for_function(
        "() => /^reached: [1-9]/.test(document.querySelector('#speed-reached').textContent)"
    )
    p.page.locator("#play").click()
    # paused once the round under way has ended on both runs
    p.page.wait_for_function(
        "() => { const c = window.__playground.compare; return !c.playing && !c.busy; }"
    )
    state = compare_state(p)
    assert state["epochs"][0] == state["epochs"][1]  # lockstep: the same epoch on both
    assert state["sizes"][0] > 10 and state["sizes"][1] > 10  # both curves on the chart
    p.page.mouse.move(5, 300)
    p.shot("compare-1920x1080")
    p.page.locator("#present").click()
    p.page.wait_for_timeout(0)
    p.shot("compare-present-1920x1080")
    sizes = p.js(
        """() => [...document.querySelectorAll('#compare *')]
          .filter((n) => n.childNodes.length && [...n.childNodes].some((c) => c.nodeType === 3 && c.textContent.trim()))
          .filter((n) => n.getClientRects().length)
          .map((n) => parseFloat(getComputedStyle(n).fontSize))"""
    )
    assert min(sizes) >= 18  # presenting: readable from the back of the room
    p.page.locator("#present").click()
    p.page.locator("#reset").click()
    p.page.wait_for_function(
        "() => { const c = window.__playground.compare; return c.epochs[0] === 0 && c.epochs[1] === 0; }"
    )
    p.page.locator("#compare-close").click()
    assert "compare=" not in p.page.url and p.page.locator("#net").is_visible()
    assert p.errors == []


# Each run's stats line under its map, whole: in Russian on a laptop it wraps to two lines and
# its second line was hidden under the chart.
STATS_SHOWN = """() => ['A', 'B'].every((run) => {
  const stats = document.querySelector(`#compare-stats-${run}`);
  const box = stats.getBoundingClientRect();
  const maps = document.querySelector('.compare-maps').getBoundingClientRect();
  return box.height > 0 && stats.scrollHeight <= stats.clientHeight + 1 && box.bottom <= maps.bottom + 1;
})"""


def test_compare_stats_are_whole_on_a_laptop_in_russian(server: Any, open_page: Any) -> None:
    p = open_page(server.url, "#lang=ru&present=1&" + COMPARE[1:], width=1366, height=768)
    p.ready()
    p.page.wait_for_function("() => window.__playground.compare.active")
    assert p.page.locator("label[for='compare-field']").inner_text() == "Что меняется в B"
    step_compare(p, 2)
    p.page.wait_for_function("() => document.querySelector('#compare-stats-B').textContent")
    p.page.wait_for_function(STATS_SHOWN)  # the maps shrink to leave the stats their room
    assert "точность" in p.page.locator("#compare-stats-A").inner_text()
    p.shot("compare-1366x768-ru-present")
    assert p.errors == []


def test_the_scrubber_shows_an_earlier_epoch_and_branches(server: Any, open_page: Any) -> None:
    p = open_page(server.url, SETUP.replace("speed=30", "speed=100"), width=1920, height=1080)
    p.ready()
    p.page.locator("#play").click()
    p.page.wait_for_function("() => window.__playground.header.epoch >= 60")
    p.page.locator("#play").click()
    p.page.wait_for_function("() => !window.__playground.running")
    p.js(
        "() => { const s = document.querySelector('#scrubber'); s.value = 20; s.dispatchEvent(new Event('input')); }"
    )
    p.page.wait_for_function("() => window.__playground.header.live_epoch != null")
    header = p.js("() => window.__playground.header")
    live = header["live_epoch"]  # where training stopped (a last frame may follow the pause)
    assert header["epoch"] == 20 and live >= 60
    p.page.wait_for_function(  # both are drawn on the page's next animation frame
        "() => document.querySelector('#epoch').dataset.epoch === '20'"
        " && document.querySelector('#chart').dataset.cursor === '20'"
    )
    assert (
        p.page.locator("#scrubber-label").inner_text()
        == f"Showing epoch 20 (training is at {live})"
    )
    p.page.mouse.move(5, 300)
    p.shot("scrubber-1920x1080")
    p.page.locator("#branch").click()
    p.page.wait_for_function(
        "() => window.__playground.header.live_epoch == null && window.__playground.header.epoch === 20"
    )
    # The history message naming the branch may come after the frame, and the chart draws it
    # on its next animation frame: wait for the mark, not for a moment.
    p.page.wait_for_function("() => document.querySelector('#chart').dataset.branches === '1'")
    p.page.locator("#play").click()
    p.page.wait_for_function("() => window.__playground.header.epoch >= 40")
    p.page.locator("#play").click()
    p.shot("scrubber-branch-1920x1080")
    assert p.errors == []


def test_stop_at_an_epoch_and_the_metrics(server: Any, open_page: Any) -> None:
    p = open_page(server.url, SETUP.replace("speed=30", "speed=300"), width=1366, height=768)
    p.ready()
    assert p.page.locator("#confusion").is_visible()
    p.page.locator("#run-tools summary").click()
    p.page.locator("#stop-epoch").fill("25")
    p.page.locator("#stop-epoch").dispatch_event("change")
    p.page.locator("#play").click()
    p.page.wait_for_function("() => !document.querySelector('#stop-note').hidden")
    p.page.wait_for_function(
        "() => !window.__playground.header.running && window.__playground.header.epoch >= 25"
    )
    assert p.js("() => window.__playground.header.epoch") == 25
    assert (
        p.page.locator("#stop-note").inner_text() == "Paused at epoch 25: the epoch set to stop at."
    )
    cells = p.page.locator("#confusion td").all_inner_texts()
    assert len(cells) == 4 and sum(int(c) for c in cells) == 250  # the test split
    p.shot("stop-metrics-1366x768")
    assert p.errors == []


def test_the_run_log_keeps_each_run_and_downloads_csv(server: Any, open_page: Any) -> None:
    p = open_page(server.url, SETUP.replace("speed=30", "speed=300"), width=1920, height=1080)
    p.ready()
    for _ in range(2):
        p.page.locator("#step").click()
        p.page.wait_for_function(
            "() => window.__playground.header.epoch >= 1 && !window.__playground.running"
        )
        p.page.locator("#control-learning_rate").select_option("0.1")
        p.page.locator("#step").click()
        p.page.wait_for_function(
            "() => window.__playground.header.epoch >= 2 && !window.__playground.running"
        )
        p.page.locator("#reset").click()
        p.page.wait_for_function("() => window.__playground.header.epoch === 0")
        p.page.locator("#control-learning_rate").select_option("0.03")
    p.page.locator("#runlog-open").click()
    rows = p.js("() => window.__playground.runLog")
    trained = [row for row in rows if row["epochs"] > 0]
    assert len(trained) >= 3
    assert {row["config"]["learning_rate"] for row in trained} == {0.03, 0.1}
    table = p.page.locator("#runlog-table tbody tr")
    assert table.count() == len(rows)
    p.page.locator("#runlog-table .sort[data-key='epochs']").click()
    with p.page.expect_download() as download:
        p.page.locator("#runlog-csv").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    lines = text.strip().splitlines()
    assert lines[0].startswith("#,Setup,Epochs,Training loss,Test loss")
    assert len(lines) == len(rows) + 1 and "learning rate 0.1" in text
    reopen = p.page.locator("#runlog-table a.reopen").first.get_attribute("href")
    assert "#task=" in reopen and "learning_rate=" in reopen
    p.shot("runlog-1920x1080")
    p.page.set_viewport_size({"width": 1366, "height": 768})
    p.shot("runlog-1366x768")
    assert p.errors == []


def test_exports_download_and_weights_load_back(server: Any, open_page: Any, tmp_path: Any) -> None:
    p = open_page(server.url, SETUP, width=1366, height=768)
    p.ready()
    p.page.locator("#run-tools summary").click()
    with p.page.expect_download() as download:
        p.page.locator("#export-numpy").click()
    assert download.value.suggested_filename == "mlp_run.py"
    assert "def forward(" in Path(download.value.path()).read_text(encoding="utf-8")
    with p.page.expect_download() as download:
        p.page.locator("#export-weights").click()
    weights = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert weights["sizes"] == [2, 8, 8, 1]
    good = tmp_path / "weights.json"
    good.write_text(json.dumps(weights))
    p.page.locator("#weights-file").set_input_files(str(good))
    p.page.wait_for_function(
        "() => [...document.querySelectorAll('.toast')].some((t) => t.textContent.includes('Weights loaded'))"
    )
    weights["layers"][1]["w"] = weights["layers"][1]["w"][:5]  # layer 2 gets 5 rows, not 8
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(weights))
    p.page.locator("#weights-file").set_input_files(str(bad))
    error = p.page.locator("#weights-error")
    error.wait_for(state="visible")
    assert error.inner_text() == "layer 2: the weights must be 8 x 8, the file has 5 x 8."
    weights["layers"][1]["w"][0][0] = 1e400  # JSON's Infinity: not a finite number
    bad.write_text(json.dumps(weights).replace("Infinity", "1e400"))
    p.page.locator("#weights-file").set_input_files(str(bad))
    p.page.wait_for_function(
        "() => document.querySelector('#weights-error').textContent.includes('layer 2')"
    )
    p.shot("take-home-1366x768")
    assert p.errors == []
