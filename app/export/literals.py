"""Python literals for exported code: numbers that read back exactly, arrays a reader can scan."""

from __future__ import annotations

from typing import Any

import numpy as np

WIDTH = 96  # characters a line of numbers may take


def number(value: float) -> str:
    """repr() of a float: the shortest text that reads back as the same float."""
    return repr(float(value))


def _rows(values: Any, indent: str) -> list[str]:
    """A 1-D sequence as lines of comma-separated numbers, each at most WIDTH characters."""
    lines, line = [], ""
    for text in (number(v) if isinstance(v, float) else repr(v) for v in values):
        if line and len(indent) + len(line) + len(text) + 2 > WIDTH:
            lines.append(line.rstrip())
            line = ""
        line += text + ", "
    if line:
        lines.append(line.rstrip())
    return lines


def array(values: Any, dtype: str = "float64", indent: str = "") -> str:
    """An `np.array([...])` literal of a 1-D or 2-D array, exact to the last bit."""
    data = np.asarray(values)
    kind = "np.int64" if dtype == "int64" else "np.float64"
    items = data.astype(np.int64 if dtype == "int64" else np.float64).tolist()
    inner = indent + "    "
    if data.ndim == 1:
        body = _rows(items, inner)
        if len(body) <= 1:
            return f"np.array([{(body or [''])[0].rstrip(',')}], dtype={kind})"
        lines = "\n".join(inner + line for line in body)
        return f"np.array([\n{lines}\n{indent}], dtype={kind})"
    rows = []
    for row in items:
        body = _rows(row, inner + " ")
        rows.append(inner + "[" + ("\n" + inner + " ").join(body).rstrip(",") + "],")
    if not rows:
        return f"np.zeros({tuple(data.shape)!r}, dtype={kind})"
    return "np.array([\n" + "\n".join(rows) + f"\n{indent}], dtype={kind})"
