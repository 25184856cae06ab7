"""Where the compiled kernels are kept, and whether a complete build of them is there.

No numba here (importing it takes 1.5-2 s): the supervisor asks `is_built()` before it starts
the workers, and runs the build (`python -m app.accel.build`) only when the answer is no.

numba's disk cache checks only the source file of the function it caches, so a kernel calling
into another file could keep running that file's old code after an edit. The cache therefore
lives in a folder named after a hash of every source the kernels are built from (app/accel and
the app/nn registries they read) and of the Python and numba that compile them, inside the
project tree: any edit or upgrade starts a fresh cache.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import platform
import sys
from pathlib import Path

APP = Path(__file__).resolve().parent
CACHE_ROOT = APP.parent / ".numba-cache"  # git-ignored


def source_hash() -> str:
    """A short hash of every file the compiled code depends on, and of what compiles it."""
    digest = hashlib.sha256()
    digest.update(f"{sys.version}\0{platform.machine()}\0".encode())
    try:
        digest.update(importlib.metadata.version("numba").encode())
    except importlib.metadata.PackageNotFoundError:
        pass
    for folder in ("accel", "nn"):
        for path in sorted((APP / folder).glob("*.py")):
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


CACHE_DIR = CACHE_ROOT / source_hash()
COMPLETE = CACHE_DIR / "complete"  # written once every kernel has been compiled into CACHE_DIR


def jit_enabled() -> bool:
    """False when PLAYGROUND_NO_JIT=1: everything then runs on the readable engine."""
    return os.environ.get("PLAYGROUND_NO_JIT", "") != "1"


def is_built() -> bool:
    """True when a complete build of these sources is in the cache folder, or when nothing is
    compiled (PLAYGROUND_NO_JIT=1). With an operator's own NUMBA_CACHE_DIR, always False: the
    build then loads (or compiles) into that folder before the workers start, as numba checks."""
    if not jit_enabled():
        return True
    return not os.environ.get("NUMBA_CACHE_DIR") and COMPLETE.exists()
