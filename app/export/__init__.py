"""Taking a run home: the NumPy script (the exact replay), the notebook, PyTorch and Keras code,
the weights as JSON. EXPORTS names each format's file and how it is made from a trainer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from app.export.frameworks import keras_script, torch_script
from app.export.notebook import notebook
from app.export.numpy_script import Run, script
from app.export.weights import weights_json

if TYPE_CHECKING:
    from app.trainer import Trainer

ExportFormat = Literal["numpy", "notebook", "pytorch", "keras", "weights"]


@dataclass(frozen=True)
class Exported:
    """One file to download, and the epochs it covers."""

    format: ExportFormat
    filename: str
    media_type: str
    text: str
    start_epoch: int  # the numpy script and notebook replay from here (others: the epoch now)
    epoch: int


def _run(trainer: Trainer) -> Run:
    return Run(trainer.run_start, trainer.epoch, trainer.data, trainer.custom)


EXPORTS: dict[str, tuple[str, str, Callable[[Trainer], str]]] = {
    "numpy": ("mlp_run.py", "text/x-python", lambda t: script(_run(t), "mlp_run.py")),
    "notebook": (
        "mlp_run.ipynb",
        "application/x-ipynb+json",
        lambda t: notebook(_run(t), "mlp_run.ipynb"),
    ),
    "pytorch": (
        "mlp_torch.py",
        "text/x-python",
        lambda t: torch_script(t.config, t.data, t.net, t.epoch),
    ),
    "keras": (
        "mlp_keras.py",
        "text/x-python",
        lambda t: keras_script(t.config, t.data, t.net, t.epoch),
    ),
    "weights": (
        "mlp_weights.json",
        "application/json",
        lambda t: weights_json(t.config, t.net, t.epoch),
    ),
}


def export(trainer: Trainer, format: ExportFormat) -> Exported:
    """The file of `format` for the trainer as it is now."""
    filename, media_type, make = EXPORTS[format]
    replay = format in ("numpy", "notebook")
    start = trainer.run_start.epoch if replay else trainer.epoch
    return Exported(format, filename, media_type, make(trainer), start, trainer.epoch)
