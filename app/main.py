"""create_app(settings) -> FastAPI: the page, the catalog, the websocket and /static."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from app.catalog import build_catalog
from app.config import Settings
from app.web import pages, socket

ROOT = Path(__file__).resolve().parent.parent


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    app = FastAPI(title="MLP Playground", docs_url=None, redoc_url=None)
    app.state.settings = settings
    app.state.catalog = build_catalog(settings)
    app.state.templates = Jinja2Templates(directory=ROOT / "templates")
    app.state.scheduler = socket.Scheduler(settings)
    app.mount("/static", StaticFiles(directory=ROOT / "static"), name="static")
    app.include_router(pages.router)
    app.include_router(socket.router)
    return app


def create_app_from_env() -> FastAPI:
    """Factory for uvicorn workers: settings from PLAYGROUND_* variables."""
    return create_app(Settings.from_env())
