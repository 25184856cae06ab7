"""`python -m bench [engine frame e2e solve memory attacks goals] [--quick] [--clients 1 10 30]
[--workers 2]`."""

from __future__ import annotations

import argparse
import os
import platform

for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")  # as the server does: one BLAS thread per process

import numpy as np

PARTS = ("engine", "frame", "e2e", "solve", "memory", "attacks", "goals")


def machine() -> str:
    """nproc, CPU model, Python, NumPy and its BLAS."""
    model = "unknown"
    try:
        with open("/proc/cpuinfo") as info:
            model = next(
                (line.split(":", 1)[1].strip() for line in info if line.startswith("model name")),
                model,
            )
    except OSError:
        pass
    blas = "unknown"
    try:
        from numpy._core._multiarray_umath import __cpu_features__  # noqa: F401

        config = np.show_config(mode="dicts")  # type: ignore[func-returns-value]
        deps = config["Build Dependencies"]["blas"]
        blas = f"{deps['name']} {deps['version']}"
    except Exception:  # noqa: BLE001, S110 - older NumPy: leave it unknown
        pass
    threads = os.environ.get("OPENBLAS_NUM_THREADS")
    return (f"{os.cpu_count()} cores, {model}; Python {platform.python_version()}, "
            f"NumPy {np.__version__}, BLAS {blas} ({threads} thread)")  # fmt: skip


def table(rows: list[dict[str, object]]) -> str:
    if not rows:
        return ""
    keys = list(rows[0])
    lines = ["| " + " | ".join(keys) + " |", "|" + " --- |" * len(keys)]
    for row in rows:
        cells = [f"{v:,.2f}" if isinstance(v, float) and v < 100 else f"{v:,.0f}" if isinstance(v, float) else str(v)
                 for v in row.values()]  # fmt: skip
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("parts", nargs="*", choices=[*PARTS, []], help="default: all")
    parser.add_argument("--quick", action="store_true", help="fewer, shorter rounds")
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 10, 30])
    parser.add_argument("--workers", type=int, default=2, help="server processes for e2e")
    args = parser.parse_args()
    parts = args.parts or list(PARTS)
    print(f"Machine: {machine()}\n", flush=True)
    for part in parts:
        if part == "engine":
            from bench import engine

            print(
                "## Engine: epochs per second\n\n" + table(engine.run(args.quick)) + "\n",
                flush=True,
            )
        elif part == "frame":
            from bench import frame

            print(
                "## Frame: server time and size\n\n" + table(frame.run(args.quick)) + "\n",
                flush=True,
            )
        elif part == "e2e":
            from bench import e2e

            rows = e2e.run(args.quick, tuple(args.clients), args.workers)
            print(
                f"## End to end ({args.workers} server workers)\n\n" + table(rows) + "\n",
                flush=True,
            )
        elif part == "solve":
            from bench import solve

            print("## Time to solve spiral\n\n" + table(solve.run(args.quick)) + "\n", flush=True)
        elif part == "memory":
            from bench import memory

            print("## Memory per session\n\n" + table(memory.run(args.quick)) + "\n", flush=True)
        elif part == "attacks":
            from bench import attacks

            rows = attacks.run(args.quick)
            print("## One client attacks, another commands\n\n" + table(rows) + "\n", flush=True)
        elif part == "goals":
            from bench import goals

            print("## Goals against targets\n\n" + table(goals.run(args.quick)) + "\n", flush=True)


if __name__ == "__main__":
    main()
