"""The heavy lane's work: a large client message parsed and validated, its data as arrays.

It runs in a process of its own (app/web/scheduler.py's HeavyLane), so it holds no worker's
GIL: in a thread, each of the event loop's system calls handed the GIL over to it for up to a
switch interval, and a neighbour's round trip went from 4 ms to 77 ms (docs/benchmarks.md).
This module imports no numba and no web code, so the lane's process starts in half a second.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pydantic_core
from pydantic import ValidationError

from app import custom_data, datasets
from app.parent_watch import when_parent_exits
from app.protocol import (
    AddPoints,
    ErrorCode,
    ErrorMessage,
    LoadCsv,
    describe_validation_error,
    parse_client_message,
)


@dataclass
class Prepared:
    """A large message, ready for its session: the command; or, for CSV text and point sets,
    which (`points`: "load_csv" or "add_points") and the validated points (x (n, 2), y (n,));
    or the error reply. And the lane's CPU seconds for it."""

    command: Any = None
    points: str | None = None
    data: tuple[Any, Any] | None = None
    error: dict[str, Any] | None = None
    seconds: float = 0.0


def prepare(text: str, task: datasets.Task, classes: int) -> Prepared:
    """Parse and validate `text` as the reader would; CSV text and point sets are validated
    for `task` with labels below `classes`."""
    started = time.process_time()
    prepared = _prepare(text, task, classes)
    prepared.seconds = time.process_time() - started
    return prepared


def _prepare(text: str, task: datasets.Task, classes: int) -> Prepared:
    try:
        pydantic_core.from_json(text, allow_inf_nan=False)  # standard JSON, as the reader
    except ValueError as problem:
        return _error("bad_json", f"message is not valid JSON: {str(problem)[:200]}")
    try:
        command = parse_client_message(text)
    except ValidationError as problem:
        message, field = describe_validation_error(problem, strip_tag=True)
        return _error("bad_message", message, field)
    try:
        if isinstance(command, LoadCsv):
            data = custom_data.from_csv(command.text, task, classes)
            return Prepared(points="load_csv", data=data)
        if isinstance(command, AddPoints):
            points = np.asarray(command.points, dtype=np.float64).reshape(-1, 3)
            data = custom_data.from_points(points, task, classes, min_rows=0)
            return Prepared(points="add_points", data=data)
    except custom_data.DataError as problem:
        return _error("bad_data", str(problem))
    return Prepared(command)


def _error(code: ErrorCode, message: str, field: str | None = None) -> Prepared:
    return Prepared(error=ErrorMessage(code=code, message=message, field=field).model_dump())


def watch_parent() -> None:
    """The lane process's initializer: it ends when the worker that started it is gone (a
    killed worker never shuts its pool down)."""
    when_parent_exits(lambda: os._exit(0), "watch-parent")
