"""Frame: server time for one frame (1 epoch, losses, output grid, neuron maps, encoding)."""

from __future__ import annotations

import statistics
import time

from app import accel
from app.config import Settings
from app.frames import decode_frame
from app.session import Session
from bench.networks import NETWORKS, reference
from bench.plain import PlainMLP


def run(quick: bool) -> list[dict[str, object]]:
    """One row per network: medians over interleaved rounds (a slow spell of the machine then
    hits every network alike, not just the one being measured)."""
    rounds, repeats = (3, 20) if quick else (10, 40)
    if accel.available():
        accel.warm_up()  # train as the server does once its kernel is ready
    sessions = {}
    for name in NETWORKS:
        session = sessions[name] = Session(Settings(), reference(name))
        session.compress = True  # as the page asks: the output grid as u8z
    times: dict[str, list[float]] = {name: [] for name in NETWORKS}
    grid_times: dict[str, list[float]] = {name: [] for name in NETWORKS}
    plain_times: dict[str, list[float]] = {name: [] for name in NETWORKS}
    reference_times: dict[str, list[float]] = {name: [] for name in NETWORKS}  # plain NumPy
    plains = {}
    for name, session in sessions.items():
        config, data = session.trainer.config, session.trainer.data
        sizes = [2] + [layer.units for layer in config.layers] + [1]
        plains[name] = (PlainMLP(sizes, config.layers[0].activation, config.learning_rate),
                        data.f_train, data.y_train.reshape(-1, 1).astype(float))  # fmt: skip
    for _ in range(rounds):
        for name, session in sessions.items():
            trainer = session.trainer
            for _ in range(repeats):
                start = time.perf_counter()
                trainer.train(float("inf"), 1)  # one epoch (and the train/test losses)
                session.frame()  # grids, neuron maps, weights, encoding
                middle = time.perf_counter()
                session.frame()
                end = time.perf_counter()
                session.compress = False  # what a client that does not ask for u8z costs
                session.frame()
                session.compress = True
                times[name].append(middle - start)
                grid_times[name].append(end - middle)
                plain_times[name].append(time.perf_counter() - end)
            net, x, y = plains[name]
            start = time.perf_counter()
            net.epoch(x, y, 10)  # the reference: one plain NumPy epoch at batch 10
            reference_times[name].append(time.perf_counter() - start)
    rows = []
    for name, session in sessions.items():
        frame = session.frame()
        header, _ = decode_frame(frame)
        packed = next(b["length"] for b in header["blocks"] if b["name"] == "output")
        session.compress = False
        plain_header, _ = decode_frame(session.frame())
        sizes = {block["name"]: _nbytes(block) for block in plain_header["blocks"]}
        neurons = [size for key, size in sizes.items() if key.startswith("neurons/")]
        maps = sum(header["sizes"])  # every neuron, inputs and outputs included
        rows.append({
            "network": name,
            "frame + 1 epoch ms": 1000 * statistics.median(times[name]),
            "frame only ms": 1000 * statistics.median(grid_times[name]),
            "frame only, grid uncompressed ms": 1000 * statistics.median(plain_times[name]),
            "plain epoch ms": 1000 * statistics.median(reference_times[name]),
            "frame + 1 epoch / plain epoch": statistics.median(times[name])
            / statistics.median(reference_times[name]),
            "frame only / plain epoch": statistics.median(grid_times[name])
            / statistics.median(reference_times[name]),
            "frame bytes": len(frame),
            "output grid bytes (compressed)": f"{sizes['output']} ({packed})",
            "bytes per neuron map": sum(neurons) / maps,
            "Mbit/s at 30 fps": len(frame) * 8 * 30 / 1e6,
        })  # fmt: skip
    return rows


def _nbytes(block: dict[str, object]) -> int:
    count = 1
    for n in block["shape"]:  # type: ignore[attr-defined]
        count *= int(n)
    return count * (1 if block["dtype"] == "u8" else 4)
