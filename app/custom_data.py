"""Custom data: user points and CSV text, validated with one clear message per bad row."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from numbers import Real
from typing import Any

import numpy as np
from numpy.typing import NDArray

from app.datasets import (
    CLASSES,
    DOMAIN,
    MAX_LISTED_ERRORS,
    MAX_ROWS,
    TASKS,
    Array,
    Labels,
    Task,
    _check_int,
)


class DataError(ValueError):
    """Custom data was rejected; `errors` lists up to 20 problems and `count` counts them all."""

    def __init__(self, errors: Sequence[str]) -> None:
        self.count = len(errors)
        self.errors = list(errors[:MAX_LISTED_ERRORS])
        shown = "; ".join(self.errors[:3])
        more = f" (and {self.count - 3} more)" if self.count > 3 else ""
        super().__init__(shown if self.count == 1 else f"{self.count} problems: {shown}{more}")


_COLUMNS = ("x1", "x2", "label")
_SEPARATOR = re.compile(r"[,;\t]")


def _number(value: object) -> float | None:
    """The value as a float (numbers and numeric text), or None when it is not a number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, Real):
        return float(value)
    if isinstance(value, str) and "_" not in value:  # float() would accept "1_000"
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _parse_row(number: int, row: object, label: str) -> list[float] | str:
    """Three floats, or the error message for this row."""
    if isinstance(row, str | bytes) or not isinstance(row, Sequence | np.ndarray):
        return f"row {number}: expected a list of 3 values (x1, x2, {label}), received {row!r}"
    if len(row) != 3:
        return f"row {number}: expected 3 values (x1, x2, {label}), received {len(row)}"
    values = []
    for column, value in zip((*_COLUMNS[:2], label), row, strict=True):
        if isinstance(value, str) and not value.strip():
            return f"row {number}: {column} is empty"
        parsed = _number(value)
        if parsed is None:
            return f"row {number}: {value!r} is not a number"
        values.append(parsed)
    return values


def _label_problem(task: Task, classes: int | None) -> tuple[Callable[[Array], NDArray[Any]], str]:
    """A vectorised test of allowed labels, and the rule to print when it fails."""
    if task == "binary":
        rule = "binary labels are 0 or 1 (-1 is read as 0); for more classes pick multi-class"
        return lambda v: np.isin(v, [-1.0, 0.0, 1.0]), rule
    if task == "multiclass":
        k = classes or int(CLASSES.max)
        return (
            lambda v: (v == np.round(v)) & (v >= 0) & (v < k),
            f"expected an integer from 0 to {k - 1}",
        )
    return lambda v: np.ones(v.shape, dtype=bool), ""


def _as_numbers(rows: Sequence[tuple[int, object]]) -> tuple[NDArray[np.int64], Array] | None:
    """(row numbers, values (n, 3)) when every row is 3 numbers or numeric strings in one
    NumPy conversion, else None (the row by row path then names each problem). Underscores
    and booleans, which the conversion would take for numbers, go the row by row way."""
    cells = [row for _, row in rows]
    if not all(isinstance(row, list | tuple) and len(row) == 3 for row in cells):
        return None
    flat = [value for row in cells for value in row]  # type: ignore[attr-defined]
    if not all(type(value) in (str, float, int) for value in flat):
        return None
    if any(type(value) is str and ("_" in value or not value.strip()) for value in flat):
        return None
    try:
        values = np.array(flat, dtype=np.float64).reshape(-1, 3)
    except ValueError:
        return None
    return np.array([number for number, _ in rows], dtype=np.int64), values


def _validate(
    rows: Sequence[tuple[int, object]], task: Task, classes: int | None, min_rows: int = 2
) -> tuple[Array, Labels]:
    """Check every row, collect one message per bad row, and return x (n, 2) and y (n,)."""
    if task not in TASKS:
        raise ValueError(f"task must be one of {TASKS}, received {task!r}")
    if task == "multiclass" and classes is not None:
        classes = _check_int("classes", classes, CLASSES.min, CLASSES.max)
    if not rows and min_rows > 0:
        raise DataError(["no data rows"])
    if len(rows) > MAX_ROWS:
        raise DataError([f"too many rows: received {len(rows)}, at most {MAX_ROWS}"])
    label = "value" if task == "regression" else "label"
    errors: dict[int, str] = {}
    fast = _as_numbers(rows)
    if fast is not None:  # every row three plain numbers: no row by row parsing
        numbers, values = fast
    else:
        parsed: dict[int, list[float]] = {}
        for number, row in rows:
            result = _parse_row(number, row, label)
            if isinstance(result, str):
                errors[number] = result
            else:
                parsed[number] = result
        numbers = np.array(list(parsed), dtype=np.int64)
        values = np.array(list(parsed.values()), dtype=np.float64).reshape(-1, 3)  # (rows, 3)
    allowed, rule = _label_problem(task, classes)
    finite = np.isfinite(values)
    inside = (values[:, :2] >= DOMAIN[0]) & (values[:, :2] <= DOMAIN[1])
    label_ok = allowed(values[:, 2])
    for i in np.flatnonzero(~(finite.all(axis=1) & inside.all(axis=1) & label_ok)):
        names, v = (*_COLUMNS[:2], label), values[i]
        if not finite[i].all():
            j = int(np.argmin(finite[i]))
            message = f"{names[j]} is {v[j]}, not a finite number"
        elif not inside[i].all():
            j = int(np.argmin(inside[i]))
            message = f"{names[j]} = {v[j]:g} is outside the domain [{DOMAIN[0]:g}, {DOMAIN[1]:g}]"
        else:
            message = f"label {v[2]:g} is not allowed; {rule}"
        errors[int(numbers[i])] = f"row {numbers[i]}: {message}"
    if errors:
        raise DataError([errors[number] for number in sorted(errors)])
    if len(values) < min_rows:
        raise DataError(["at least 2 rows are needed (one to train, one to test), received 1"])
    x = values[:, :2].copy()
    if task == "regression":
        return x, values[:, 2].copy()
    return x, np.where(values[:, 2] < 0, 0, values[:, 2]).astype(np.int64)


def from_points(
    points: Sequence[object] | NDArray[Any],
    task: Task,
    classes: int | None = None,
    min_rows: int = 2,
) -> tuple[Array, Labels]:
    """Validate user points [(x1, x2, label), …]; rows are numbered from 1 in messages.

    `min_rows=0` accepts a set still being drawn point by point.
    """
    if len(points) > MAX_ROWS:  # before looking at each row
        raise DataError([f"too many rows: received {len(points)}, at most {MAX_ROWS}"])
    if isinstance(points, np.ndarray) and points.dtype == np.float64 and points.ndim == 2:
        points = points.tolist()  # plain floats: the one-conversion path
    return _validate(list(enumerate(points, start=1)), task, classes, min_rows)


def from_csv(text: str, task: Task, classes: int | None = None) -> tuple[Array, Labels]:
    """Parse CSV text x1, x2, label (separated by , ; or tab); a non-numeric first row is a header.

    Rows are numbered by their line in the text; blank lines and lines starting with # are skipped.
    """
    lines = [
        (number, line.strip())
        for number, line in enumerate(text.removeprefix("\ufeff").splitlines(), start=1)
        if line.strip() and not line.lstrip().startswith("#")
    ]
    if len(lines) > MAX_ROWS + 1:  # one line may be a header
        raise DataError([f"too many rows: received {len(lines)}, at most {MAX_ROWS}"])
    rows = [
        (number, [token.strip().strip('"').strip() for token in _SEPARATOR.split(line)])
        for number, line in lines
    ]
    if rows and all(_number(token) is None for token in rows[0][1]):
        rows = rows[1:]  # a header such as x1,x2,label
    return _validate(rows, task, classes)
