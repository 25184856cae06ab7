"""How a room is reached, for the teacher's panel: the join link, its QR code, the LAN addresses
or the local-only notice; and GET /api/rooms/{code}/share, which needs no token."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from app.config import Settings
from app.room_messages import Share
from app.rooms import RoomError, RoomService, names
from app.rooms.share import LOOPBACK_HOSTS, join_link, qr_svg, serve_hint
from app.web.security import split_host

router = APIRouter()


def base_url(settings: Settings, host_header: str | None) -> str:
    """Where students open the page: the address the teacher used, unless that is this
    machine's loopback while the server listens on the network (then its first LAN address)."""
    hint = serve_hint(settings)
    host = host_header or f"{settings.host}:{settings.port}"
    if hint.urls and split_host(host) in LOOPBACK_HOSTS:
        return hint.urls[0].rstrip("/")
    return f"http://{host}"


def share(settings: Settings, host_header: str | None, code: str) -> dict[str, Any]:
    """The `share` of a `room` message (app/room_messages.py, Share)."""
    hint = serve_hint(settings)
    link = join_link(base_url(settings, host_header), code)
    return Share(
        join_link=link,
        qr_svg=qr_svg(link),
        on_network=hint.on_network,
        urls=hint.urls,
        command=hint.command,
        message=hint.message,
    ).model_dump()


@router.get("/api/rooms/{code}/share")
async def room_share(code: str, request: Request) -> JSONResponse:
    """The panel's share block for an open room (404 `room_not_found` otherwise)."""
    rooms: RoomService = request.app.state.rooms
    settings: Settings = request.app.state.settings
    try:
        code = names.check_code(code)
        await rooms.check_open(code)
    except RoomError as problem:
        status = 503 if problem.code == "rooms_unavailable" else 404
        return JSONResponse(problem.to_dict(), status_code=status)
    body = {"code": code, **share(settings, request.headers.get("host"), code)}
    return JSONResponse(body)
