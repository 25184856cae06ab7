"""Engine: epochs per second of the compiled path (app/accel), the readable engine and a plain
NumPy MLP."""

from __future__ import annotations

import statistics
import time

from app import accel
from app.trainer import Trainer
from bench.networks import NETWORKS, reference
from bench.plain import PlainMLP


def _trainer_rate(trainer: Trainer, seconds: float) -> float:
    start_epoch, start = trainer.epoch, time.perf_counter()
    trainer.train(start + seconds, float("inf"))
    return (trainer.epoch - start_epoch) / (time.perf_counter() - start)


def _plain_rate(net: PlainMLP, trainer: Trainer, batch: int, seconds: float) -> float:
    x, y = trainer.data.f_train, trainer.data.y_train.reshape(-1, 1).astype(float)
    epochs, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        net.epoch(x, y, batch)
        epochs += 1
    return epochs / (time.perf_counter() - start)


def run(quick: bool) -> list[dict[str, object]]:
    """One row per network and batch size: medians of interleaved rounds."""
    rounds, seconds = (3, 0.15) if quick else (7, 0.4)
    if accel.available():
        accel.warm_up()  # compile or load the kernel: the trainer uses it once it is ready
    rows = []
    for name in NETWORKS:
        for batch in (10, 5000):
            config = reference(name, batch)
            compiled, readable = Trainer(config), Trainer(config)
            readable.use_compiled = False
            sizes = [2] + [layer.units for layer in config.layers] + [1]
            plain = PlainMLP(sizes, config.layers[0].activation, config.learning_rate)
            rates: dict[str, list[float]] = {"compiled": [], "readable": [], "plain": []}
            for _ in range(rounds):  # interleaved, so drift hits all three alike
                rates["compiled"].append(_trainer_rate(compiled, seconds))
                rates["readable"].append(_trainer_rate(readable, seconds))
                rows_per_batch = min(batch, len(readable.data.y_train))
                rates["plain"].append(_plain_rate(plain, readable, rows_per_batch, seconds))
            med = {key: statistics.median(values) for key, values in rates.items()}
            rows.append({
                "network": name,
                "batch": "10" if batch == 10 else "full",
                "compiled": med["compiled"],
                "readable": med["readable"],
                "plain": med["plain"],
                "readable / plain": med["readable"] / med["plain"],
                "compiled / plain": med["compiled"] / med["plain"],
            })  # fmt: skip
    return rows
