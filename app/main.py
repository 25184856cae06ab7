"""create_app(settings) -> FastAPI: the page, the catalog, the websocket and /static."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from app import accel, room_scoring
from app.catalog import build_catalog
from app.config import Settings
from app.rooms import HiddenTest, Score, create_rooms
from app.web import pages, room_share, socket
from app.web.scheduler import Scheduler, settle_heap
from app.web.security import SecurityMiddleware

ROOT = Path(__file__).resolve().parent.parent


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    await app.state.rooms.start()  # a Redis that is down now is retried: rooms wait for it
    yield
    await app.state.rooms.close()
    app.state.scheduler.close()  # the heavy lane's process goes with its worker


async def score_submission(network: dict[str, Any], hidden: HiddenTest) -> Score:
    """The rooms' scorer: the hidden test set is made and scored off the event loop."""
    return await asyncio.to_thread(room_scoring.score, network, hidden)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    # The kernel's loading thread shares the GIL with the event loop for the first second:
    # hand it over every millisecond rather than every 5.
    sys.setswitchinterval(0.001)
    app = FastAPI(title="MLP Playground", docs_url=None, redoc_url=None, lifespan=lifespan)
    app.state.settings = settings
    app.state.catalog = build_catalog(settings)
    app.state.templates = Jinja2Templates(directory=ROOT / "templates")
    app.state.scheduler = Scheduler(settings)
    app.state.rooms = create_rooms(settings, scorer=score_submission)
    app.mount("/static", StaticFiles(directory=ROOT / "static"), name="static")
    app.include_router(pages.router)
    app.include_router(socket.router)
    app.include_router(room_share.router)
    app.add_middleware(SecurityMiddleware, settings=settings)
    # Loads the compiled kernels from the cache in a second; then start-up's objects are frozen
    # out of the garbage collector's full walks (app/web/scheduler.py).
    accel.warm_up_in_background(then=settle_heap)
    return app


def create_app_from_env() -> FastAPI:
    """Factory for uvicorn workers: settings from PLAYGROUND_* variables."""
    return create_app(Settings.from_env())
