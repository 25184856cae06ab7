"""The compiled twin of app.nn (numba): the one seam for speed.

Everything compiled lives in this package, and nothing outside it imports numba. It trains the
same steps as the readable engine to 1e-12, draws the frame's pictures in float32, and quantizes
them. `python -m app.accel.build` compiles it once into the project's cache; until a process has
loaded it (`ready()`), or with PLAYGROUND_NO_JIT=1, the readable engine does the work.
"""

from app.accel.layout import structure_key
from app.accel.pictures import PicturePass, quantize_rows
from app.accel.runtime import (
    available,
    kernel_state,
    ready,
    warm_up,
    warm_up_in_background,
)
from app.accel.training import TrainingPlan, fits

__all__ = [
    "PicturePass",
    "TrainingPlan",
    "available",
    "fits",
    "kernel_state",
    "quantize_rows",
    "ready",
    "structure_key",
    "warm_up",
    "warm_up_in_background",
]
