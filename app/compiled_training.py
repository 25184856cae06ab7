"""The Trainer's compiled loop: the readable loop's batches and arithmetic, through app.accel.

`Trainer.train` calls `CompiledTraining.train` when the compiled kernel is ready and fits the
network; otherwise it runs its own readable loop (app/trainer.py), which is the reference this
one equals to ~1e-15 a step (tests/accel/).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from app import accel
from app.batches import Batches
from app.nn import MLP, Optimizer
from app.training_data import Data, Stats

Array = NDArray[np.float64]

CALL_SECONDS = 0.002  # work per compiled call: the deadline is checked between calls


class CompiledTraining:
    """One trainer's compiled plan and its estimate of how long a row takes."""

    def __init__(self) -> None:
        self.plan: accel.TrainingPlan | None = None
        self.row_seconds = 1e-5  # running estimate of one row's compiled training time

    def plan_for(self, net: MLP) -> accel.TrainingPlan:
        """The compiled kernel's plan for the network's current structure."""
        if self.plan is None or self.plan.key != accel.structure_key(net):
            self.plan = accel.TrainingPlan(net)
        return self.plan

    def train(
        self,
        net: MLP,
        optimizer: Optimizer,
        data: Data,
        batches: Batches,
        clock: Callable[[], float],
        deadline: float,
        limits: tuple[float, int],
    ) -> tuple[int, Stats]:
        """Train until `deadline` or `max_epochs` more epochs (limits = max_epochs, batch size);
        returns the epochs completed and the figures after them (a train loss of None: the
        weights went non-finite, and the live ones were left as they were).

        Each call runs about CALL_SECONDS of batches (from the running estimate), so the
        deadline is checked between calls, never inside the compiled loop; with whole-set
        batches one call runs many epochs. The live weights change only at the end, once the
        loss is known to be finite.
        """
        max_epochs, batch = limits
        plan, n, done = self.plan_for(net), len(data.y_train), 0
        x, t = plan.columns(data.f_train, data.y_train)
        rows, whole = min(batch, n), batch >= n
        plan.begin(net, optimizer)
        while done < max_epochs:
            batches.begin_epoch_if_done(n, batch)
            start, now = batches.position, clock()
            budget = min(CALL_SECONDS, deadline - now)
            chunk = max(1, int(budget / (self.row_seconds * rows)))
            if whole:
                chunk = max(1, int(min(chunk, max_epochs - done)))
            batches.position = plan.run(x, t, batches.order, start, batch, chunk, whole)
            trained = n * chunk if whole else batches.position - start
            elapsed = clock() - now
            if elapsed > 1e-4:  # long enough to measure: update the estimate
                self.row_seconds = 0.5 * self.row_seconds + 0.5 * elapsed / trained
            if batches.epoch_done():
                done += chunk if whole else 1
            if now + elapsed >= deadline:
                break
        x, t = plan.columns(data.f_all, data.y_all)  # evaluate's figures, compiled, from P
        stats = Stats(*plan.stats(x, t, len(data.y_train), data.task != "regression"))
        if stats.train_loss is not None:
            plan.end(net)
        return done, stats

    def evaluate(self, net: MLP, data: Data) -> Stats:
        """Trainer.evaluate's figures, compiled (equal to the readable ones to 1e-14)."""
        plan = self.plan_for(net)
        x, t = plan.columns(data.f_all, data.y_all)
        return Stats(*plan.evaluate(net, x, t, len(data.y_train), data.task != "regression"))

    def logits(self, net: MLP, x: Array, y: NDArray[Any]) -> Array:
        """net.logits(x) (n, outputs), compiled; y: x's targets (the columns are cached by both).
        A network of another structure than the plan's (a past epoch shown) gets a plan of its
        own, so the training plan stays."""
        plan = self.plan
        if plan is None or plan.key != accel.structure_key(net):
            plan = accel.TrainingPlan(net)
        return plan.logits(net, plan.columns(x, y)[0])

    def weight_gradients(self, net: MLP) -> list[Array] | None:
        """dL/dW of each Dense layer on the last batch the plan trained, if it is `net`'s."""
        if self.plan is not None and self.plan.key == accel.structure_key(net):
            return self.plan.weight_gradients()
        return None
