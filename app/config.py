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
    max_sessions: Annotated[int, Field(ge=1)] = 64
    allowed_origins: list[str] = Field(default_factory=list)  # besides the page's own origin
    # streaming
    max_frame_rate: Annotated[float, Field(gt=0, le=120)] = 30.0
    slice_seconds: Annotated[float, Field(gt=0, le=1)] = 0.025  # CPU a session may use per slice
    frame_window: Annotated[int, Field(ge=1, le=64)] = 2  # unacked frames in flight

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
