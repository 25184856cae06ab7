"""Browser fixtures: one headless Chromium per session, a fresh page (own context) per test."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

playwright_api = pytest.importorskip("playwright.sync_api")

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_path() -> str | None:
    """The system Chromium if there is one; None lets Playwright use its own build."""
    for name in ("PLAYWRIGHT_CHROMIUM", "CHROMIUM_PATH"):
        if os.environ.get(name):
            return os.environ[name]
    found = shutil.which("chromium") or (
        "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
    )
    return found


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as playwright:
        path = chromium_path()
        options: dict[str, Any] = {"headless": True, "args": CHROMIUM_ARGS}
        if path:
            options["executable_path"] = path
        chromium = playwright.chromium.launch(**options)
        yield chromium
        chromium.close()


@dataclass
class PageUnderTest:
    """A page plus everything it complained about: console errors, page errors, HTTP errors."""

    page: Any
    errors: list[str] = field(default_factory=list)

    def ready(self, timeout: float = 15_000) -> None:
        """Wait until connected and the server's data matches the page's own config."""
        self.page.wait_for_function(
            """() => {
              const p = window.__playground;
              return p && p.connected && p.header && p.data && p.data.dataset === p.config.dataset;
            }""",
            timeout=timeout,
        )

    def shot(self, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path))
        return path

    def js(self, expression: str, arg: Any = None) -> Any:
        return self.page.evaluate(expression, arg)


@pytest.fixture()
def open_page(browser: Any) -> Iterator[Callable[..., PageUnderTest]]:
    """open_page(base_url, hash="", width=1280, height=720, script="", **context) -> PageUnderTest;
    `context` goes to the browser context (locale="ru-RU", has_touch=True, …)."""
    contexts: list[Any] = []

    def opener(
        base_url: str,
        hash: str = "",
        width: int = 1280,
        height: int = 720,
        script: str = "",
        **context_options: Any,
    ) -> PageUnderTest:
        context = browser.new_context(
            viewport={"width": width, "height": height}, **{"locale": "en-US", **context_options}
        )
        contexts.append(context)
        if script:  # runs before the page's own scripts, e.g. to slow a browser API down
            context.add_init_script(script)
        page = context.new_page()
        page.set_default_timeout(15_000)
        result = PageUnderTest(page)
        page.on(
            "console", lambda m: m.type == "error" and result.errors.append(f"console: {m.text}")
        )
        page.on("pageerror", lambda e: result.errors.append(f"pageerror: {e}"))
        page.on(
            "response",
            lambda r: r.status >= 400 and result.errors.append(f"HTTP {r.status} {r.url}"),
        )
        page.goto(f"{base_url}/{hash}")
        return result

    yield opener
    for context in contexts:
        context.close()
