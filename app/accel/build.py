"""`python -m app.accel.build`: compile the kernels once into the project's cache, with a line
of progress, so that a server starts at compiled speed (make install and `python -m app` run it).
"""

from __future__ import annotations

import shutil

from app import kernel_cache
from app.accel import runtime

COMPILE_SECONDS = 25  # about what a first compile takes on a 2-core machine


def build(quiet: bool = False) -> bool:
    """Compile or load every kernel; True when they are ready. Older caches are removed."""
    if not runtime.available():
        return False
    compiling = not kernel_cache.is_built() and not quiet
    if compiling:
        print(f"compiling the training kernel, once: ~{COMPILE_SECONDS} s", flush=True)
    seconds = runtime.warm_up()
    if kernel_cache.CACHE_ROOT.is_dir():
        for old in kernel_cache.CACHE_ROOT.iterdir():
            if old.is_dir() and old != kernel_cache.CACHE_DIR:
                shutil.rmtree(old, ignore_errors=True)
    if compiling:
        print(f"training kernel compiled in {seconds:.0f} s", flush=True)
    return True


if __name__ == "__main__":
    build()
