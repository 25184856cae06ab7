"""Server settings: defaults, overridable by environment variables PLAYGROUND_* and CLI flags."""

from __future__ import annotations

import os
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

ENV_PREFIX = "PLAYGROUND_"


class Settings(BaseModel):
    """Everything an operator may tune; every limit the server enforces lives here."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=0, le=65535)] = 8000
    workers: Annotated[int, Field(ge=1, le=64)] = 1
    log_level: str = "info"
    # websocket limits
    max_message_bytes: Annotated[int, Field(ge=1024)] = 512 * 1024
    commands_per_second: Annotated[float, Field(gt=0)] = 60.0
    command_burst: Annotated[int, Field(ge=1)] = 120
    max_sessions: Annotated[int, Field(ge=1)] = 64  # per worker process
    # Per client address (per worker process). A classroom behind one NAT address is one
    # client: 40 of a worker's 64 sessions fit a class of ~80 on 2 workers (docs/protocol.md).
    max_sessions_per_client: Annotated[int, Field(ge=1)] = 40
    # CPU seconds a second that one address's heavy commands (new data, CSV, point sets) may
    # use, with bursts up to heavy_cpu_burst; past it they wait (app/web/scheduler.py).
    heavy_cpu_per_second: Annotated[float, Field(gt=0, le=1)] = 0.5
    heavy_cpu_burst: Annotated[float, Field(gt=0)] = 2.0
    max_command_seconds: Annotated[float, Field(gt=0)] = 0.5  # one command's CPU, estimated
    max_queued_commands: Annotated[int, Field(ge=1, le=10_000)] = 200  # per session, > burst
    allowed_origins: list[str] = Field(default_factory=list)  # besides the page's own origin
    # who may reach the server (app/web/security.py): Host names besides localhost, this
    # machine's name and addresses ("*": any, e.g. behind a proxy that checks them itself)
    allowed_hosts: list[str] = Field(default_factory=list)
    frame_ancestors: list[str] = Field(default_factory=list)  # sites that may embed the page
    max_header_bytes: Annotated[int, Field(ge=4096, le=1024 * 1024)] = 16 * 1024  # per request
    max_headers: Annotated[int, Field(ge=16, le=1000)] = 100
    # streaming
    max_frame_rate: Annotated[float, Field(gt=0, le=120)] = 30.0
    slice_seconds: Annotated[float, Field(gt=0, le=1)] = 0.025  # CPU a session may use per slice
    frame_window: Annotated[int, Field(ge=1, le=64)] = 2  # unacked frames in flight
    # time travel (app/history.py): snapshots kept per session, and the memory they may take
    history_snapshots: Annotated[int, Field(ge=2, le=10000)] = 200
    history_bytes: Annotated[int, Field(ge=64 * 1024)] = 4 * 1024 * 1024
    # classroom rooms (app/rooms/): in memory in one process, through Redis across processes
    redis_url: str | None = None  # e.g. redis://127.0.0.1:6379/0; needed when workers > 1
    redis_timeout_seconds: Annotated[float, Field(gt=0, le=30)] = 2.0  # bound on any Redis call
    room_max_members: Annotated[int, Field(ge=1, le=1000)] = 250  # students a room holds
    room_idle_seconds: Annotated[float, Field(gt=0)] = 3600.0  # no activity that long: expired
    room_forget_seconds: Annotated[float, Field(gt=0)] = 6 * 3600.0  # then "expired", not "no room"
    room_joins_per_minute: Annotated[int, Field(ge=1)] = 20  # join attempts per client address
    room_name_max_chars: Annotated[int, Field(ge=1, le=100)] = 24
    room_reply_seconds: Annotated[float, Field(gt=0, le=60)] = 3.0  # adopt / fork answers
    room_gallery_hz: Annotated[float, Field(gt=0, le=10)] = 1.0  # gallery updates per student
    room_max_payload_bytes: Annotated[int, Field(ge=1024)] = 1024 * 1024  # a setup or network
    # a session whose turns cost more CPU than this runs them off the event loop (scheduler.py)
    offload_turn_seconds: Annotated[float, Field(gt=0, le=1)] = 0.008

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: Any) -> Settings:
        """Settings from PLAYGROUND_* variables (lists comma-separated), then `overrides`."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for name, info in cls.model_fields.items():
            raw = env.get(ENV_PREFIX + name.upper())
            if raw is None:
                continue
            if info.annotation == list[str]:
                values[name] = [item.strip() for item in raw.split(",") if item.strip()]
            else:
                values[name] = raw
        values.update({key: value for key, value in overrides.items() if value is not None})
        return cls.model_validate(values)
