"""GET / (the page), GET /api/catalog, GET /healthz."""

from __future__ import annotations

import json
import os
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from app import accel
from app.protocol import PROTOCOL_VERSION

router = APIRouter()


@router.get("/", response_class=HTMLResponse)
async def index(request: Request) -> HTMLResponse:
    catalog = request.app.state.catalog
    # "</" must not close the <script> the catalog is embedded in.
    catalog_json = json.dumps(catalog, ensure_ascii=False).replace("</", "<\\/")
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(
        request,
        "index.html",
        {"catalog": catalog, "catalog_json": catalog_json, "version": PROTOCOL_VERSION},
    )


@router.get("/api/catalog")
async def catalog(request: Request) -> dict[str, Any]:
    return request.app.state.catalog  # type: ignore[no-any-return]


@router.get("/healthz")
async def healthz(request: Request) -> dict[str, Any]:
    """Liveness, plus whether the compiled kernel is ready: tests that measure memory, threads
    or speed wait for "ready", since loading it adds tens of MiB and changes the pace."""
    scheduler = request.app.state.scheduler
    return {
        "status": "ok",
        "kernel": accel.kernel_state(),
        "sessions": scheduler.sessions,
        "running": scheduler.running,
        "pid": os.getpid(),  # which worker answered (tests put a room's members on two)
    }
