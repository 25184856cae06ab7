"""The one place that imports numba: its decorators, where its cache lives, and readiness.

The cache folder is app/kernel_cache.py's (named after a hash of the sources: any edit of
app/accel or app/nn starts a fresh one).
"""

from __future__ import annotations

import importlib
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal, TypeVar, cast

import llvmlite.ir  # type: ignore[import-untyped]
import numba
import numba.extending

from app.kernel_cache import CACHE_DIR, COMPLETE, jit_enabled

# Each module's warm_up() compiles (or loads) its kernels on tiny inputs; build and the server
# call them in this order.
WARM_UP = ("app.accel.training", "app.accel.pictures")

F = TypeVar("F", bound=Callable[..., Any])
KernelState = Literal["ready", "compiling", "off"]


if not os.environ.get("NUMBA_CACHE_DIR"):  # an operator's own choice wins
    setattr(numba.config, "CACHE_DIR", str(CACHE_DIR))  # noqa: B010 - not in numba's stubs


def compiled(f: F) -> F:
    """numba.njit with NumPy's float semantics (1/0 is inf, not an exception); no fastmath."""
    return cast(F, numba.njit(cache=True, nogil=True, error_model="numpy")(f))


def inlined(f: F) -> F:
    """compiled, and inlined into its callers by numba itself, so LLVM sees one loop body it
    can vectorize (a call left to LLVM's own inliner keeps the loop scalar)."""
    return cast(F, numba.njit(cache=True, nogil=True, error_model="numpy", inline="always")(f))


def fused(f: F) -> F:
    """compiled, with a * b + c fused into one rounding (FMA): fewer instructions for the
    polynomials inlined into it, and no less accurate."""
    jit = numba.njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract"})
    return cast(F, jit(f))


def summing(f: F) -> F:
    """compiled for loops that sum: sums may be reordered and fused, as BLAS does, so they
    vectorize. Never nnan / ninf: a diverging run must stay visible."""
    flags = {"reassoc", "contract"}
    return cast(F, numba.njit(cache=True, nogil=True, error_model="numpy", fastmath=flags)(f))


@numba.extending.intrinsic
def as_float(typingctx: Any, bits: Any) -> Any:
    """The float64 whose bits are the int64 `bits` (a bit cast, no conversion), for kernels."""

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        return builder.bitcast(args[0], llvmlite.ir.DoubleType())

    return numba.types.float64(numba.types.int64), codegen


def available() -> bool:
    """False when PLAYGROUND_NO_JIT=1: everything then runs on the readable engine."""
    return jit_enabled()


_ready = threading.Event()  # set once every kernel is compiled or loaded from the cache


def ready() -> bool:
    """True once warm_up has finished: until then callers use the readable engine."""
    return _ready.is_set() and available()


def kernel_state() -> KernelState:
    """What /healthz reports: the compiled kernel is ready, still loading, or turned off."""
    if not available():
        return "off"
    return "ready" if _ready.is_set() else "compiling"


def warm_up() -> float:
    """Compile, or load from the cache, every kernel in WARM_UP; returns the seconds taken."""
    start = time.perf_counter()
    for name in WARM_UP:
        importlib.import_module(name).warm_up()
    if Path(getattr(numba.config, "CACHE_DIR", "")) == CACHE_DIR:
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        COMPLETE.touch()
    _ready.set()
    return time.perf_counter() - start


def warm_up_in_background(then: Callable[[], None] | None = None) -> threading.Thread | None:
    """Load the kernels off the caller's thread, so a server answers at once; then call
    `then()` (on that thread; at once on the caller's when there is nothing to load)."""
    if not available() or _ready.is_set():
        if then is not None:
            then()
        return None

    def load() -> None:
        try:
            warm_up()
        finally:
            if then is not None:
                then()

    thread = threading.Thread(target=load, name="kernel-warm-up", daemon=True)
    thread.start()
    return thread
