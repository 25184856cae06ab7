"""Scratch memory for the kernels, kept per thread and shared by the sessions it serves.

A kernel's scratch is used only during one call, so one buffer per kind and thread, grown to
the largest size asked for, serves every session: kept per session, it was most of a session's
memory (4.2 MB of an L session's 7.2; docs/benchmarks.md). Fresh memory for every call would
cost page faults instead.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
from numpy.typing import NDArray

_local = threading.local()


def scratch(kind: str, size: int, dtype: Any = np.float64) -> NDArray[Any]:
    """`size` elements of this thread's `kind` buffer (a view: valid until the next call for
    the same kind on this thread)."""
    buffers: dict[str, NDArray[Any]] | None = getattr(_local, "buffers", None)
    if buffers is None:
        buffers = _local.buffers = {}
    work = buffers.get(kind)
    if work is None or len(work) < size or work.dtype != dtype:
        work = buffers[kind] = np.empty(max(size, 1), dtype=dtype)
    return work[:size]
