"""Pure-NumPy neural networks: layers, activations, losses, optimizers and the MLP model."""

from app.nn.activations import ACTIVATIONS, Elementwise, get_activation
from app.nn.layers import Activation, Dense, Dropout, Layer, PReLU
from app.nn.losses import LOSSES, TASKS, Loss, Task, get_loss, get_task
from app.nn.model import MLP, HiddenLayer
from app.nn.optimizers import OPTIMIZERS, Optimizer, make_optimizer

__all__ = [
    "ACTIVATIONS",
    "LOSSES",
    "MLP",
    "OPTIMIZERS",
    "TASKS",
    "Activation",
    "Dense",
    "Dropout",
    "Elementwise",
    "HiddenLayer",
    "Layer",
    "Loss",
    "Optimizer",
    "PReLU",
    "Task",
    "get_activation",
    "get_loss",
    "get_task",
    "make_optimizer",
]
