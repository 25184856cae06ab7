"""Frame: server time for one frame (1 epoch, losses, output grid, neuron maps, encoding)."""

from __future__ import annotations

import statistics
import time

from app.config import Settings
from app.nn import jit
from app.protocol import decode_frame
from app.session import Session
from bench.networks import NETWORKS, reference


def run(quick: bool) -> list[dict[str, object]]:
    """One row per network: medians over interleaved rounds (a slow spell of the machine then
    hits every network alike, not just the one being measured)."""
    rounds, repeats = (3, 20) if quick else (10, 40)
    if jit.available():
        jit.warm_up()  # train as the server does once its kernel is ready
    sessions = {}
    for name in NETWORKS:
        session = sessions[name] = Session(Settings(), reference(name))
        session.compress = True  # as the page asks: the output grid as u8z
    times: dict[str, list[float]] = {name: [] for name in NETWORKS}
    grid_times: dict[str, list[float]] = {name: [] for name in NETWORKS}
    plain_times: dict[str, list[float]] = {name: [] for name in NETWORKS}
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
