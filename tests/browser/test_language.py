"""Russian and English: the browser's language by default, a switch in the page, `lang=` kept in
the link; server errors shown by code in the page's language, catalog names translated, what a
change rebuilt described in the page's words."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.browser

TEXTS = """() => [
  document.querySelector('#data-heading').textContent,
  document.querySelector('label[for=control-learning_rate]').textContent,
  document.querySelector('#control-optimizer option[value=nesterov]').textContent,
  document.querySelector('.dataset-tile[data-name=moons] span').textContent,
  document.querySelector('#layer-count').textContent,
  document.querySelector('#connection').textContent,
  document.documentElement.lang,
]"""


def test_the_browsers_language_decides_and_the_switch_changes_every_text(
    server: Any, open_page: Any
) -> None:
    p = open_page(server.url, locale="ru-RU")
    p.ready()
    p.page.wait_for_function(
        "() => document.querySelector('#connection').dataset.state === 'online'"
    )
    assert p.js(TEXTS) == [
        "Данные", "Скорость обучения", "Нестеров", "Две луны", "2 скрытых слоя", "Подключено", "ru",
    ]  # fmt: skip
    assert "lang=ru" in p.page.url
    assert p.page.locator("[data-lang='ru']").get_attribute("aria-pressed") == "true"
    p.shot("language-ru")

    p.page.locator("[data-lang='en']").click()
    assert p.js(TEXTS) == [
        "Data", "Learning rate", "Nesterov", "Two moons", "2 hidden layers", "Connected", "en",
    ]  # fmt: skip
    assert "lang=en" in p.page.url
    tip = p.js(
        "document.getElementById(document.querySelector('#play').getAttribute('aria-describedby')).textContent"
    )
    assert tip.startswith("Start or pause training")
    p.page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    p.page.locator("#copy-link").click()
    p.page.wait_for_function("() => document.querySelector('.toast')")
    link = p.js("navigator.clipboard.readText()")
    assert "lang=en" in link

    q = open_page(server.url, link[len(server.url) + 1 :], locale="ru-RU")  # the link wins
    q.ready()
    assert q.js(TEXTS)[:5] == ["Data", "Learning rate", "Nesterov", "Two moons", "2 hidden layers"]
    assert p.errors == [] and q.errors == []


def test_an_english_browser_opens_in_english(server: Any, open_page: Any) -> None:
    p = open_page(server.url, locale="de-DE")  # neither of ours: English
    p.ready()
    assert p.js(TEXTS)[0] == "Data" and "lang=en" in p.page.url
    assert p.errors == []


def test_server_errors_and_rebuilt_data_in_the_pages_language(server: Any, open_page: Any) -> None:
    p = open_page(server.url, "#lang=ru")
    p.ready()
    p.page.locator(".dataset-tile[data-name='spiral']").click()
    p.page.wait_for_function(
        "() => document.querySelector('#announcer').textContent === 'новые данные: Спираль, точек: 500'"
    )
    p.page.locator(".dataset-tile[data-name='custom']").click()
    p.page.locator("#csv-file").set_input_files(
        {"name": "bad.csv", "mimeType": "text/csv", "buffer": b"x1,x2,label\n1,2,0\nfoo,3,1\n"}
    )
    error = p.page.locator("#csv-error")
    error.wait_for(state="visible")
    lines = error.inner_text().splitlines()
    assert lines[0] == "Эти данные нельзя использовать."  # the code's text, in Russian
    assert any("foo" in line for line in lines[1:]), "the server's own words follow, for detail"
    p.shot("csv-error-ru")
    assert p.errors == []


def test_a_divergence_is_told_in_the_pages_language(server: Any, open_page: Any) -> None:
    """The badge's advice comes from the status's fields, not the server's English sentence."""
    p = open_page(
        server.url, "#lang=ru&learning_rate=10&speed=300&optimizer=sgd&layers=8:relu,8:relu"
    )
    p.ready()
    p.page.locator("#play").click()
    p.page.locator("#diverged-detail").wait_for(state="visible", timeout=60_000)
    detail = p.page.locator("#diverged-text").text_content()
    assert detail.startswith("На эпохе") and "Training" not in detail
    assert "скорость обучения" in detail
    assert p.page.locator("#diverged-badge").inner_text().strip().endswith("Разошлось: пауза")
