"""`python -m app.accel.build`: compile the kernels once into the project's cache, with a line
of progress, so that a server starts at compiled speed (make install and `python -m app` run it).
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import time
from concurrent.futures import ProcessPoolExecutor

from app import kernel_cache
from app.accel import pictures, runtime, training

COMPILE_SECONDS = 15  # about what a first compile takes on a 2-core machine (12.8 s here)


def build(quiet: bool = False) -> bool:
    """Compile or load every kernel; True when they are ready. Older caches are removed."""
    if not runtime.available():
        return False
    compiling = not kernel_cache.is_built() and not quiet
    started = time.perf_counter()
    if compiling:
        print(f"compiling the training kernel, once: ~{COMPILE_SECONDS} s", flush=True)
        compile_on_every_core()
    runtime.warm_up()  # loads what was just compiled (or compiles what is missing)
    seconds = time.perf_counter() - started
    if kernel_cache.CACHE_ROOT.is_dir():
        for old in kernel_cache.CACHE_ROOT.iterdir():
            if old.is_dir() and old != kernel_cache.CACHE_DIR:
                shutil.rmtree(old, ignore_errors=True)
    if compiling:
        print(f"training kernel compiled in {seconds:.0f} s", flush=True)
    return True


# Each part compiles in a process of its own (numba compiles on one thread): the training
# kernel alone takes about as long as the rest, so two cores cut the wait by a quarter (a
# first build 17 -> 12.8 s here, docs/benchmarks.md).
PARTS = ("train", "figures")


def compile_part(part: str) -> None:
    """Compile one part of the kernels into the cache (in a process of its own)."""
    if part == "train":
        training.warm_up("train")
    else:
        training.warm_up("figures")
        pictures.warm_up()


def compile_on_every_core() -> None:
    """Compile the parts side by side, one process each, when there is more than one core."""
    if (os.cpu_count() or 1) < 2:
        return  # runtime.warm_up compiles them one after the other
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(len(PARTS), mp_context=context) as pool:
        list(pool.map(compile_part, PARTS))


if __name__ == "__main__":
    build()
