"""Every lock a teacher's push sets is visibly off on the student's page, as the server refuses
it: the locked controls are hidden, and the weight editor (a link's or a bias's number editor,
the neuron panel, loading a weights file) is greyed with a tip in the page's language saying
the teacher locked it."""

from __future__ import annotations

from typing import Any

import pytest
from pagehelpers import FAST
from roomhelpers import join_class, room_server, start_class, wait_role

pytestmark = pytest.mark.browser
__all__ = ["room_server"]  # the fixture, imported for the tests below

# Each lock the setup panel offers, and what the student's page shows for it: these are hidden.
HIDDEN = {
    "dataset": ["#datasets", "#control-task", "#draw-panel"],  # a drawn point makes it custom
    "noise": ["#control-noise"],
    "n_points": ["#control-n_points"],
    "points": ["#draw-panel", "#regenerate"],
    "layers": ["#add-layer", "#remove-layer", ".layer-head select.activation"],
    "learning_rate": ["#control-learning_rate"],
    "optimizer": ["#control-optimizer"],
    "regularization": ["#control-regularization"],
    "batch_size": ["#control-batch_size"],
}
RU_TIP = "Преподаватель заблокировал веса: менять их вручную нельзя до следующей отправки настроек."

# The middle of the first link (feature x1 -> the first neuron of layer 1): the bezier's u = 1/2.
LINK_MIDDLE = """() => {
  const a = document.querySelector('.neuron.feature:not(.inactive)').getBoundingClientRect();
  const b = document.querySelector('.neuron[data-column="1"]').getBoundingClientRect();
  return {x: (a.right + b.left) / 2, y: (a.top + a.bottom + b.top + b.bottom) / 4};
}"""


def described(p: Any, selector: str) -> str:
    """The text of the tip an element's aria-describedby names."""
    return str(
        p.page.locator(selector)
        .first.evaluate(
            "(n) => document.getElementById(n.getAttribute('aria-describedby')).textContent"
        )
        .strip()
    )


def push(teacher: Any, locks: list[str]) -> None:
    teacher.page.locator("#room-tab-setup").click()
    for box in teacher.page.locator('input[id^="lock-"]').all():
        box.set_checked(box.get_attribute("value") in locks)
    teacher.page.locator("#room-push").click()


def click_link(p: Any) -> None:
    """Hover the first link (its value in the tip), then click it."""
    p.page.wait_for_function(
        "() => window.__playground.header?.blocks.some((b) => b.name === 'weights/0')"
    )
    at = p.js(LINK_MIDDLE)
    p.page.mouse.move(at["x"], at["y"])
    p.page.locator("#tooltip").wait_for(state="visible")
    p.page.mouse.click(at["x"], at["y"])


def test_every_lock_is_off_on_the_students_page(room_server: Any, open_page: Any) -> None:
    teacher = start_class(open_page, room_server.url, FAST)
    student = join_class(open_page, room_server, teacher, "Ana", locale="ru-RU")
    student.page.locator("#room-fork").click()
    wait_role(student, "student")
    student.ready()

    # Unlocked, a link's click opens the number editor (the check below is not vacuous).
    click_link(student)
    student.page.locator("#editor").wait_for(state="visible")
    student.page.keyboard.press("Escape")
    student.page.locator("#editor").wait_for(state="hidden")
    assert not student.js("() => document.querySelector('#weights-file').disabled")

    # The weights and the dataset locked: the weight editor is greyed, says why, opens nothing.
    push(teacher, ["weights", "dataset"])
    student.page.wait_for_function(
        "() => (window.__playground.room?.locked ?? []).join() === 'dataset,weights'"
    )
    student.page.locator("#net.weights-locked").wait_for()
    biases = student.page.locator("#net .bias")
    assert biases.count() > 0
    assert all(b.get_attribute("aria-disabled") == "true" for b in biases.all())
    assert described(student, "#net .bias") == RU_TIP
    opacity = biases.first.evaluate("(n) => Number(getComputedStyle(n).opacity)")
    assert opacity < 0.6, "a locked bias is greyed"
    biases.first.click(force=True)  # aria-disabled: playwright would wait for it to be enabled
    click_link(student)
    assert "преподаватель заблокировал веса" in (
        student.page.locator("#tooltip").text_content() or ""
    )
    assert student.js("() => document.querySelector('#net').style.cursor") == "not-allowed"
    assert student.page.locator("#editor").is_hidden(), "neither a bias nor a link opens the editor"

    assert "заблокировал" in described(student, '.neuron[data-column="1"]')
    student.page.locator('.neuron[data-column="1"]').first.click()
    student.page.locator("#neuron-panel").wait_for(state="visible")
    fields = student.page.locator("#neuron-panel input")
    assert all(
        f.get_attribute("readonly") is not None and f.get_attribute("aria-disabled") == "true"
        for f in fields.all()
    )
    assert described(student, "#neuron-panel input") == RU_TIP
    assert "только просмотр" in (student.page.locator("#neuron-panel .hint").text_content() or "")
    student.page.keyboard.press("Escape")
    assert student.js("() => document.querySelector('#weights-file').disabled")
    assert described(student, "#weights-file-button") == RU_TIP
    for selector in HIDDEN["dataset"]:
        assert student.page.locator(selector).is_hidden(), selector
    student.shot("room-locks-weights")

    # Every lock the setup panel offers: each one's controls are off.
    push(teacher, [*HIDDEN, "features", "weights"])
    student.page.wait_for_function("() => (window.__playground.room?.locked ?? []).length === 11")
    for lock, selectors in HIDDEN.items():
        for selector in selectors:
            for node in student.page.locator(selector).all():
                assert node.is_hidden(), f"{lock}: {selector} is shown"
    features = student.page.locator(".neuron.feature")
    assert all("locked" in (f.get_attribute("class") or "") for f in features.all())
    assert student.page.locator("#net.weights-locked").count() == 1
    assert student.page.locator("#control-speed").is_visible(), "only what was locked"
    # The network locked still reads: its size, and each layer's title, units and activation.
    assert student.page.locator("#layer-count").is_visible()
    layers = student.js("() => window.__playground.config.layers")
    fixed = student.page.locator("#net .layer-head .layer-fixed")
    assert [f.inner_text() for f in fixed.all()] == [layer["activation"] for layer in layers]
    assert all(t.is_visible() for t in student.page.locator("#net .layer-head .layer-title").all())
    student.shot("room-locks-all")

    # The next push without locks gives everything back.
    push(teacher, [])
    student.page.wait_for_function("() => (window.__playground.room?.locked ?? []).length === 0")
    student.page.locator("#datasets").wait_for(state="visible")
    assert student.page.locator("#net.weights-locked").count() == 0
    assert student.page.locator("#net .bias").first.get_attribute("aria-disabled") is None
    assert all(f.is_hidden() for f in student.page.locator("#net .layer-fixed").all())
    assert not student.errors and not teacher.errors, student.errors + teacher.errors
