"""Stop conditions: train to epoch N, or until the test loss falls below a bound, then pause
and say which. A condition met is cleared (play again trains on)."""

from __future__ import annotations

from dataclasses import dataclass

from app.training_data import Stats


@dataclass
class StopConditions:
    """What ends a run by itself; None: no such condition."""

    epoch: int | None = None
    test_loss_below: float | None = None

    def cap(self, epoch: int, allowed: float) -> float:
        """The epochs a slice may train so it ends exactly at the target epoch."""
        if self.epoch is not None and self.epoch > epoch:
            return min(allowed, float(self.epoch - epoch))
        return allowed

    def check(self, epoch: int, stats: Stats) -> dict[str, float | str | None] | None:
        """The condition met now (protocol.Stopped's fields), cleared; None: none is."""
        if self.epoch is not None and epoch >= self.epoch:
            self.epoch = None
            return {"kind": "epoch", "value": float(epoch), "below": None}
        bound, loss = self.test_loss_below, stats.test_loss
        if bound is not None and loss is not None and loss < bound:
            self.test_loss_below = None
            return {"kind": "test_loss", "value": loss, "below": bound}
        return None

    def message(self, epoch: int, stopped: dict[str, float | str | None]) -> str:
        """The English sentence (the page builds its own from the fields)."""
        if stopped["kind"] == "epoch":
            return f"Paused at epoch {epoch}: the epoch set to stop at."
        return f"Paused at epoch {epoch}: the test loss {stopped['value']:.4g} fell below {stopped['below']:g}."
