"""A child process's watch on the process that started it (a worker on its supervisor, the heavy
lane on its worker): killed, a parent cannot stop its children, and they would run on.

multiprocessing's parent sentinel tells when the parent is gone: a pipe whose other end the
parent holds reads end-of-file then. os.getppid() does not: on these machines it read 1 in some
processes just spawned by a live parent, and such a heavy lane outlived its server.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable


def when_parent_exits(then: Callable[[], None], name: str) -> None:
    """Call `then` on a daemon thread called `name` once this process's multiprocessing
    parent is gone; nothing when this process was not started by multiprocessing."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        parent.join()  # returns once the sentinel reads end-of-file
        then()

    threading.Thread(target=watch, name=name, daemon=True).start()
