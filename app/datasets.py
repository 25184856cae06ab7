"""Toy datasets on the square [-6, 6]² and input features (user data: app.custom_data)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from numbers import Real
from typing import Literal

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]
Labels = NDArray[np.int64] | NDArray[np.float64]  # int64 class ids, or float64 regression values
Task = Literal["binary", "multiclass", "regression"]
Maker = Callable[..., tuple[Array, Labels]]  # make(n, noise, rng[, classes]) -> (x (n, 2), y (n,))
# (a multi-output regression set's y is (n, targets): one column per output)

TASKS: tuple[Task, ...] = ("binary", "multiclass", "regression")
DOMAIN = (-6.0, 6.0)  # every point, generated or uploaded, lies in DOMAIN²
TAU = 2.0 * np.pi


@dataclass(frozen=True)
class Range:
    """Allowed values of one parameter (Config's fields take their bounds from here)."""

    min: float
    max: float


N_POINTS = Range(10, 5000)
NOISE = Range(0.0, 0.5)  # a fraction; the page shows 0..50 %
TRAIN_SHARE = Range(0.1, 0.9)
CLASSES = Range(2, 6)  # for multiclass sets whose number of classes is chosen by the user
MAX_ROWS = 5000  # custom data
MAX_LISTED_ERRORS = 20


@dataclass(frozen=True)
class DatasetSpec:
    """One registry entry; `classes` is None when the user picks k, and for regression."""

    name: str
    title: str
    task: Task
    make: Maker
    one_d: bool = False  # x2 is 0 for every point: a curve y(x1)
    classes: int | None = 2
    target: Callable[[Array], Array] | None = None  # regression: the noiseless y(x)
    targets: int = 1  # regression: how many values each point has (y is (n, targets) when > 1)

    @property
    def variable_classes(self) -> bool:
        """Whether `make` takes the number of classes as its fourth argument."""
        return self.task == "multiclass" and self.classes is None


# --- helpers shared by the generators ------------------------------------------------------------


def _balanced_labels(n: int, k: int) -> NDArray[np.int64]:
    """Class ids 0, 1, …, k-1, 0, 1, …: each class gets n // k or n // k + 1 points."""
    return np.arange(n, dtype=np.int64) % k


def _polar(r: Array, t: Array) -> Array:
    """Points (r sin t, r cos t), the playground's convention."""
    return np.column_stack([r * np.sin(t), r * np.cos(t)])  # (n, 2)


def _clip(x: Array) -> Array:
    """Keep points inside the drawn square so noise never hides them."""
    return np.clip(x, *DOMAIN)


def _jitter(x: Array, amplitude: float, noise: float, rng: np.random.Generator) -> Array:
    """Move each coordinate by uniform(-amplitude, amplitude)·noise, drawn after the clean ones."""
    return _clip(x + rng.uniform(-amplitude, amplitude, x.shape) * noise)


def _spiral_arms(
    n: int, arms: int, noise: float, rng: np.random.Generator
) -> tuple[Array, NDArray[np.int64]]:
    """Arm j: r = 5 f, t = 1.75·2π f + 2πj/arms for f = i / (points on the arm), plus jitter."""
    arm = _balanced_labels(n, arms)
    f = (np.arange(n) // arms) / np.bincount(arm, minlength=arms)[arm]  # 0 ≤ f < 1 along the arm
    x = _polar(5.0 * f, 1.75 * TAU * f + TAU * arm / arms)
    return _jitter(x, 1.0, noise, rng), arm


# --- classification ------------------------------------------------------------------------------


def circle(n: int, noise: float, rng: np.random.Generator) -> tuple[Array, Labels]:
    """Class 1 within radius 2.5, class 0 on the ring 3.5..5; labels come from the clean point."""
    radius, y = 5.0, _balanced_labels(n, 2)
    u = rng.uniform(0.0, 1.0, n)
    r = np.where(y == 1, 0.5 * radius * u, radius * (0.7 + 0.3 * u))
    x = _polar(r, rng.uniform(0.0, TAU, n))
    return _jitter(x, radius, noise, rng), y


def xor(n: int, noise: float, rng: np.random.Generator) -> tuple[Array, Labels]:
    """Class 1 where x1·x2 ≥ 0; |x1|, |x2| uniform in [0.3, 5.3] (0.3 of padding off the axes)."""
    y = _balanced_labels(n, 2)
    magnitude = rng.uniform(0.0, 5.0, (n, 2)) + 0.3
    sign1 = rng.choice([-1.0, 1.0], n)
    sign2 = np.where(y == 1, sign1, -sign1)  # same signs ⇔ x1·x2 > 0 ⇔ class 1
    return _jitter(magnitude * np.column_stack([sign1, sign2]), 5.0, noise, rng), y


def gauss(n: int, noise: float, rng: np.random.Generator) -> tuple[Array, Labels]:
    """Class 1 around (2, 2), class 0 around (-2, -2); variance = 0.5 + 3.5·noise / 0.5."""
    y = _balanced_labels(n, 2)
    variance = 0.5 + (4.0 - 0.5) * noise / NOISE.max
    centre = np.where(y[:, None] == 1, 2.0, -2.0)  # (n, 1), broadcast to both coordinates
    return _clip(centre + math.sqrt(variance) * rng.standard_normal((n, 2))), y


def spiral(n: int, noise: float, rng: np.random.Generator) -> tuple[Array, Labels]:
    """Two interleaved arms, δ = 0 (class 1) and δ = π (class 0), jitter uniform(-1, 1)·noise."""
    x, arm = _spiral_arms(n, 2, noise, rng)
    return x, 1 - arm


def moons(n: int, noise: float, rng: np.random.Generator) -> tuple[Array, Labels]:
    """Upper moon (cos t, sin t) is class 1, lower (1 - cos t, ½ - sin t) class 0, scaled 3.3."""
    y = _balanced_labels(n, 2)
    t = rng.uniform(0.0, np.pi, n)
    upper = np.column_stack([np.cos(t), np.sin(t)])
    lower = np.column_stack([1.0 - np.cos(t), 0.5 - np.sin(t)])
    x = 3.3 * (np.where(y[:, None] == 1, upper, lower) - [0.5, 0.25])  # centred, about ±5 wide
    return _jitter(x, 3.0, noise, rng), y


def checkerboard(n: int, noise: float, rng: np.random.Generator) -> tuple[Array, Labels]:
    """4×4 cells of side 3 over the domain; label = (column + row) mod 2 of the clean point."""
    y = _balanced_labels(n, 2)
    row = rng.integers(0, 4, n)
    column = 2 * rng.integers(0, 2, n) + (row + y) % 2  # a random cell of the wanted parity
    cell = np.column_stack([column, row])
    x = DOMAIN[0] + 3.0 * (cell + rng.uniform(0.0, 1.0, (n, 2)))
    return _jitter(x, 3.0, noise, rng), y


def blobs(n: int, noise: float, rng: np.random.Generator, classes: int) -> tuple[Array, Labels]:
    """k Gaussian blobs centred on a circle of radius 3.5; spread (std) = 0.4 + 2.2·noise."""
    y = _balanced_labels(n, classes)
    angle = np.pi / 2 + TAU * y / classes  # class 0 on top
    centre = 3.5 * np.column_stack([np.cos(angle), np.sin(angle)])
    return _clip(centre + (0.4 + 2.2 * noise) * rng.standard_normal((n, 2))), y


def spiral_k(n: int, noise: float, rng: np.random.Generator, classes: int) -> tuple[Array, Labels]:
    """The spiral with k arms, arm j turned by 2πj/k; arm j is class j."""
    return _spiral_arms(n, classes, noise, rng)


def rings(n: int, noise: float, rng: np.random.Generator) -> tuple[Array, Labels]:
    """Class c at radius 2c + uniform(0, 1.2): a disc and two rings, jitter uniform(-2, 2)·noise."""
    y = _balanced_labels(n, 3)
    r = 2.0 * y + rng.uniform(0.0, 1.2, n)
    x = _polar(r, rng.uniform(0.0, TAU, n))
    return _jitter(x, 2.0, noise, rng), y


# --- regression: clean targets span about [-1, 1]; noise adds N(0, noise²) to y ------------------

_BUMPS = np.array(  # centre x1, centre x2, sign
    [[-4, 2.5, 1], [0, 2.5, -1], [4, 2.5, 1], [-4, -2.5, -1], [0, -2.5, 1], [4, -2.5, -1]]
)


def plane(x: Array) -> Array:
    """y = (x1 + x2) / 12, from -1 to 1 over the domain."""
    return (x[:, 0] + x[:, 1]) / 12.0


def multi_gauss(x: Array) -> Array:
    """y = Σ s_i exp(-|x - c_i|² / 2) over the playground's six signed centres."""
    distance2 = ((x[:, None, :] - _BUMPS[None, :, :2]) ** 2).sum(axis=2)  # (n, 6)
    y: Array = np.exp(-distance2 / 2.0) @ _BUMPS[:, 2]  # (n,)
    return y


def sine(x: Array) -> Array:
    """y = sin(x1)."""
    return np.sin(x[:, 0])


def absolute(x: Array) -> Array:
    """y = |x1| / 3 - 1, a V from -1 to 1."""
    return np.abs(x[:, 0]) / 3.0 - 1.0


def step(x: Array) -> Array:
    """y = -1 for x1 < 0, else 1."""
    return np.where(x[:, 0] < 0.0, -1.0, 1.0)


def cubic(x: Array) -> Array:
    """y = x1 (x1² - 25) / 66: two bends, exactly -1..1 over [-6, 6]."""
    return x[:, 0] * (x[:, 0] ** 2 - 25.0) / 66.0


def line(x: Array) -> Array:
    """y = x1 / 8 + 0.2: linear regression's own data, from -0.55 to 0.95."""
    return x[:, 0] / 8.0 + 0.2


def outliers(x: Array) -> Array:
    """The line y = x1 / 8 + 0.2, but every seventh point (by position along x1) right of
    x1 = 2 lies at -1, far below it: outliers on one side, which pull a least-squares line
    and hardly an absolute-error one."""
    rank = np.argsort(np.argsort(x[:, 0]))  # each point's position along x1
    return np.where((rank % 7 == 3) & (x[:, 0] > 2.0), -1.0, line(x))


def three_targets(x: Array) -> Array:
    """Three outputs of one (x1, x2): the plane, the multi-Gaussian bumps, and the V |x1|/3 - 1:
    (n, 3), the lecture's multi-output regression."""
    return np.column_stack([plane(x), multi_gauss(x), np.abs(x[:, 0]) / 3.0 - 1.0])


def _regression(target: Callable[[Array], Array], one_d: bool) -> Maker:
    """A maker drawing x uniformly in the domain (x2 = 0 when one_d), then y = target(x) + noise
    (N(0, noise²) on each target)."""

    def make(n: int, noise: float, rng: np.random.Generator) -> tuple[Array, Labels]:
        x = rng.uniform(*DOMAIN, (n, 2))
        if one_d:
            x[:, 1] = 0.0
        y = target(x)
        return x, y + noise * rng.standard_normal(y.shape)

    return make


def _classification(
    name: str, title: str, make: Maker, classes: int | None = 2
) -> tuple[str, DatasetSpec]:
    task: Task = "binary" if classes == 2 else "multiclass"
    return name, DatasetSpec(name, title, task, make, classes=classes)


def _curve(
    name: str, title: str, target: Callable[[Array], Array], one_d: bool = True, targets: int = 1
) -> tuple[str, DatasetSpec]:
    make = _regression(target, one_d)
    return name, DatasetSpec(name, title, "regression", make, one_d, None, target, targets)


DATASETS: dict[str, DatasetSpec] = dict(
    [
        _classification("circle", "Circle", circle),
        _classification("xor", "Exclusive or", xor),
        _classification("gauss", "Gaussian", gauss),
        _classification("spiral", "Spiral", spiral),
        _classification("moons", "Two moons", moons),
        _classification("checkerboard", "Checkerboard", checkerboard),
        _classification("blobs", "Blobs", blobs, classes=None),
        _classification("spiral_k", "Spiral, k arms", spiral_k, classes=None),
        _classification("rings", "Rings", rings, classes=3),
        _curve("plane", "Plane", plane, one_d=False),
        _curve("multi_gauss", "Multi Gaussian", multi_gauss, one_d=False),
        _curve("sine", "Sine", sine),
        _curve("abs", "Absolute value", absolute),
        _curve("step", "Step", step),
        _curve("cubic", "Cubic", cubic),
        _curve("line", "Line", line),
        _curve("outliers", "Line with outliers", outliers),
        _curve("three_targets", "Three targets", three_targets, one_d=False, targets=3),
    ]
)


def get_dataset(name: str) -> DatasetSpec:
    """The registry entry called `name`."""
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; expected one of {sorted(DATASETS)}")
    return DATASETS[name]


# --- parameters, generation, split ---------------------------------------------------------------


def _check_int(what: str, value: object, low: float, high: float = math.inf) -> int:
    """The value as an int when it is one within [low, high]."""
    if (
        isinstance(value, int | np.integer)
        and not isinstance(value, bool)
        and low <= int(value) <= high
    ):
        return int(value)
    bounds = f"from {low:g} to {high:g}" if high < math.inf else f"≥ {low:g}"
    raise ValueError(f"{what} must be an int {bounds}, received {value!r}")


def _check_float(what: str, value: object, limits: Range) -> float:
    """The value as a float when it is a real number within the limits (so never NaN)."""
    if (
        isinstance(value, Real)
        and not isinstance(value, bool)
        and limits.min <= float(value) <= limits.max
    ):
        return float(value)
    raise ValueError(f"{what} must be from {limits.min} to {limits.max}, received {value!r}")


def generate(
    name: str, n: int = 500, noise: float = 0.0, seed: int = 0, classes: int = 3
) -> tuple[Array, Labels]:
    """Points x (n, 2) and labels y (n,) of a registry dataset; same arguments, same arrays."""
    spec = get_dataset(name)
    n = _check_int("n", n, N_POINTS.min, N_POINTS.max)
    noise = _check_float("noise", noise, NOISE)
    rng = np.random.default_rng(_check_int("seed", seed, 0))
    if spec.variable_classes:
        return spec.make(n, noise, rng, _check_int("classes", classes, CLASSES.min, CLASSES.max))
    return spec.make(n, noise, rng)


def split(
    x: Array, y: Labels, train_share: float = 0.5, seed: int = 0
) -> tuple[Array, Labels, Array, Labels]:
    """Shuffle with `seed`, put round(n · train_share) rows (at least one each side) in train."""
    n = len(x)
    if x.shape != (n, 2) or y.shape[:1] != (n,) or y.ndim > 2 or n < 2:
        raise ValueError(
            f"need x (n, 2) and y (n,) or (n, k) with n ≥ 2, received {x.shape} and {y.shape}"
        )
    train_share = _check_float("train_share", train_share, TRAIN_SHARE)
    order = np.random.default_rng(_check_int("seed", seed, 0)).permutation(n)
    n_train = min(max(round(n * train_share), 1), n - 1)
    train, test = order[:n_train], order[n_train:]
    return x[train], y[train], x[test], y[test]


# --- input features ------------------------------------------------------------------------------

FEATURES: dict[str, Callable[[Array], Array]] = {
    "x1": lambda x: x[:, 0],
    "x2": lambda x: x[:, 1],
    "x1^2": lambda x: x[:, 0] ** 2,
    "x2^2": lambda x: x[:, 1] ** 2,
    "x1*x2": lambda x: x[:, 0] * x[:, 1],
    "sin(x1)": lambda x: np.sin(x[:, 0]),
    "sin(x2)": lambda x: np.sin(x[:, 1]),
    "cos(x1)": lambda x: np.cos(x[:, 0]),
    "cos(x2)": lambda x: np.cos(x[:, 1]),
}


def features(x: Array, names: Sequence[str]) -> Array:
    """The network's input columns (n, len(names)), computed from x (n, 2) in the order named."""
    if isinstance(names, str) or not names:
        raise ValueError(f"features must be a non-empty list of names, received {names!r}")
    for i, name in enumerate(names):
        if name not in FEATURES:
            raise ValueError(f"unknown feature {name!r}; expected one of {list(FEATURES)}")
        if name in names[:i]:
            raise ValueError(f"feature {name!r} is listed twice")
    if x.ndim != 2 or x.shape[1] != 2:
        raise ValueError(f"x must have shape (n, 2), received {x.shape}")
    return np.column_stack([FEATURES[name](x) for name in names]).astype(np.float64)
