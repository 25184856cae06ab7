"""Tests for app/datasets.py: every registry entry, the split, features and custom data."""

from __future__ import annotations

import json
import math
from collections.abc import Callable

import numpy as np
import pytest

from app.catalog import build_catalog
from app.config import Settings
from app.custom_data import DataError, from_csv, from_points
from app.datasets import (
    CLASSES,
    DATASETS,
    DOMAIN,
    FEATURES,
    MAX_ROWS,
    TASKS,
    Array,
    features,
    generate,
    split,
)
from app.nn import ACTIVATIONS, LOSSES

CLASSIFICATION = sorted(name for name, spec in DATASETS.items() if spec.task != "regression")
REGRESSION = sorted(name for name, spec in DATASETS.items() if spec.task == "regression")
# Largest move per coordinate per unit of noise, for sets whose noise is a uniform jitter.
JITTER = {"circle": 5.0, "xor": 5.0, "spiral": 1.0, "moons": 3.0, "checkerboard": 3.0}
JITTER |= {"rings": 2.0, "spiral_k": 1.0}
SPREAD_SETS = ["gauss", "blobs"]  # noise widens Gaussian blobs instead


def expected_classes(name: str, k: int = 4) -> int:
    """How many classes generate(name, classes=k) should produce."""
    return DATASETS[name].classes or k


def target_of(name: str) -> Callable[[Array], Array]:
    """The noiseless y(x) of a regression set."""
    target = DATASETS[name].target
    assert target is not None
    return target


# --- registry ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_registry_entry_is_consistent(name: str) -> None:
    spec = DATASETS[name]
    assert spec.name == name and spec.title and spec.task in TASKS
    assert spec.one_d is False or spec.task == "regression"
    if spec.task == "binary":
        assert spec.classes == 2
    if spec.task == "regression":
        assert spec.classes is None and spec.target is not None
    assert spec.variable_classes == (spec.task == "multiclass" and spec.classes is None)


def test_every_jittered_or_spread_set_is_covered_by_a_noise_test() -> None:
    assert set(JITTER) | set(SPREAD_SETS) == set(CLASSIFICATION)


# --- generated data ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_same_seed_same_data_other_seed_other_data(name: str) -> None:
    x1, y1 = generate(name, 200, 0.2, seed=7, classes=4)
    x2, y2 = generate(name, 200, 0.2, seed=7, classes=4)
    x3, _ = generate(name, 200, 0.2, seed=8, classes=4)
    np.testing.assert_array_equal(x1, x2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(x1, x3)


@pytest.mark.parametrize("n", [10, 501])
@pytest.mark.parametrize("name", sorted(DATASETS))
def test_shapes_dtypes_and_bounds(name: str, n: int) -> None:
    x, y = generate(name, n, noise=0.5, seed=1, classes=5)
    assert x.shape == (n, 2) and x.dtype == np.float64
    targets = DATASETS[name].targets
    assert y.shape == ((n,) if targets == 1 else (n, targets))
    assert np.isfinite(x).all() and np.isfinite(y).all()
    assert (x >= DOMAIN[0]).all() and (x <= DOMAIN[1]).all()
    if DATASETS[name].task == "regression":
        assert y.dtype == np.float64
        assert np.abs(y).max() < 4.0  # clean targets within about [-1, 1], plus noise 0.5
    else:
        assert y.dtype == np.int64


@pytest.mark.parametrize("k", [2, 3, 6])
@pytest.mark.parametrize("name", CLASSIFICATION)
def test_labels_cover_every_class_and_are_balanced(name: str, k: int) -> None:
    classes = expected_classes(name, k)
    for n in (600, 601):  # 600 divides by 2, 3 and 6
        _, y = generate(name, n, noise=0.1, seed=3, classes=k)
        counts = np.bincount(y)
        assert len(counts) == classes and set(np.unique(y)) == set(range(classes))
        assert counts.max() - counts.min() <= 1
        if n % classes == 0:
            assert (counts == n // classes).all()


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_only_one_d_sets_have_x2_zero(name: str) -> None:
    x, _ = generate(name, 300, noise=0.3, seed=2)
    assert (x[:, 1] == 0.0).all() == DATASETS[name].one_d


@pytest.mark.parametrize("name", sorted(JITTER))
def test_noise_moves_each_point_at_most_its_jitter_and_keeps_labels(name: str) -> None:
    clean_x, clean_y = generate(name, 400, noise=0.0, seed=5, classes=4)
    noisy_x, noisy_y = generate(name, 400, noise=0.5, seed=5, classes=4)
    np.testing.assert_array_equal(clean_y, noisy_y)
    shift = np.abs(noisy_x - clean_x)
    assert shift.max() <= JITTER[name] * 0.5 + 1e-12
    assert shift.max() > JITTER[name] * 0.3  # it did move, close to the bound somewhere


@pytest.mark.parametrize("name", SPREAD_SETS)
def test_noise_widens_the_gaussian_blobs(name: str) -> None:
    def spread(noise: float) -> float:
        x, y = generate(name, 3000, noise=noise, seed=4, classes=3)
        means = np.array([x[y == c].mean(axis=0) for c in range(y.max() + 1)])
        return float((x - means[y]).std())

    assert spread(0.0) < spread(0.25) < spread(0.5)


def test_gauss_matches_the_playground_variance() -> None:
    x, y = generate("gauss", 5000, noise=0.0, seed=0)
    np.testing.assert_allclose(x[y == 1].mean(axis=0), [2.0, 2.0], atol=0.05)
    np.testing.assert_allclose(x[y == 0].mean(axis=0), [-2.0, -2.0], atol=0.05)
    np.testing.assert_allclose(x[y == 1].var(axis=0), [0.5, 0.5], rtol=0.1)


def test_circle_labels_by_radius() -> None:
    x, y = generate("circle", 1000, noise=0.0, seed=0)
    r = np.hypot(x[:, 0], x[:, 1])
    assert (r[y == 1] <= 2.5).all()
    assert ((r[y == 0] >= 3.5) & (r[y == 0] <= 5.0 + 1e-12)).all()


def test_xor_labels_by_quadrant_with_padding() -> None:
    x, y = generate("xor", 1000, noise=0.0, seed=0)
    np.testing.assert_array_equal(y, (x[:, 0] * x[:, 1] >= 0).astype(np.int64))
    assert (np.abs(x) >= 0.3).all() and (np.abs(x) <= 5.3).all()


def test_spiral_follows_the_playground_formula() -> None:
    n = 200
    x, y = generate("spiral", n, noise=0.0, seed=0)
    for label, delta in ((1, 0.0), (0, math.pi)):
        i = np.arange(n // 2)
        r, t = i / (n // 2) * 5, 1.75 * i / (n // 2) * 2 * math.pi + delta
        expected = np.column_stack([r * np.sin(t), r * np.cos(t)])
        np.testing.assert_allclose(x[y == label], expected, atol=1e-12)


def test_spiral_k_arms_sit_at_equal_turns() -> None:
    x, y = generate("spiral_k", 300, noise=0.0, seed=0, classes=3)
    ends = np.array([x[y == arm][-1] for arm in range(3)])  # outermost point of each arm
    angles = np.sort(np.arctan2(ends[:, 0], ends[:, 1]) % (2 * math.pi))
    np.testing.assert_allclose(np.diff(angles), 2 * math.pi / 3, atol=1e-9)


def test_checkerboard_labels_by_cell_parity() -> None:
    x, y = generate("checkerboard", 1000, noise=0.0, seed=0)
    cell = np.floor((x - DOMAIN[0]) / 3.0).astype(np.int64)
    assert ((cell >= 0) & (cell <= 3)).all()
    np.testing.assert_array_equal(y, cell.sum(axis=1) % 2)


def test_rings_labels_by_radius_band() -> None:
    x, y = generate("rings", 900, noise=0.0, seed=0)
    r = np.hypot(x[:, 0], x[:, 1])
    assert ((r >= 2.0 * y - 1e-12) & (r <= 2.0 * y + 1.2 + 1e-12)).all()


def test_moons_are_separable_at_noise_zero() -> None:
    x, y = generate("moons", 1000, noise=0.0, seed=0)
    gaps = np.linalg.norm(x[y == 1][:, None, :] - x[y == 0][None, :, :], axis=2)
    assert gaps.min() > 0.5


@pytest.mark.parametrize("name", REGRESSION)
def test_regression_noise_is_added_to_y_only(name: str) -> None:
    target = target_of(name)
    clean_x, clean_y = generate(name, 4000, noise=0.0, seed=6)
    noisy_x, noisy_y = generate(name, 4000, noise=0.3, seed=6)
    np.testing.assert_array_equal(clean_x, noisy_x)
    np.testing.assert_allclose(clean_y, target(clean_x))
    assert -1.0 - 1e-12 <= clean_y.min() and clean_y.max() <= 1.0 + 1e-12
    assert abs(float((noisy_y - clean_y).std()) - 0.3) < 0.02


def test_regression_targets_match_their_formulas() -> None:
    x = np.array([[-6.0, -6.0], [0.0, 0.0], [3.0, 1.5], [6.0, 6.0], [-4.0, 2.5]])
    np.testing.assert_allclose(target_of("plane")(x), [-1.0, 0.0, 0.375, 1.0, -0.125])
    np.testing.assert_allclose(target_of("sine")(x), np.sin(x[:, 0]))
    np.testing.assert_allclose(target_of("abs")(x), [1.0, -1.0, 0.0, 1.0, 1 / 3])
    np.testing.assert_allclose(target_of("step")(x), [-1.0, 1.0, 1.0, 1.0, -1.0])
    np.testing.assert_allclose(target_of("cubic")(x), [-1.0, 0.0, -48 / 66, 1.0, 36 / 66])
    peak = target_of("multi_gauss")(x)  # x[4] is the centre of a positive bump
    assert 0.99 < peak[4] <= 1.0 and abs(peak[0]) < 0.01


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "moon"}, "unknown dataset 'moon'"),
        ({"n": 9}, "n must be an int from 10 to 5000, received 9"),
        ({"n": 5001}, "received 5001"),
        ({"n": 100.0}, "received 100.0"),
        ({"n": True}, "received True"),
        ({"noise": -0.1}, "noise must be from 0.0 to 0.5, received -0.1"),
        ({"noise": 0.6}, "received 0.6"),
        ({"noise": math.nan}, "received nan"),
        ({"seed": -1}, "seed must be an int ≥ 0, received -1"),
        ({"name": "blobs", "classes": 1}, "classes must be an int from 2 to 6, received 1"),
        ({"name": "spiral_k", "classes": 7}, "received 7"),
    ],
)
def test_generate_rejects_bad_parameters(kwargs: dict[str, object], message: str) -> None:
    arguments: dict[str, object] = {"name": "circle"} | kwargs
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        generate(**arguments)  # type: ignore[arg-type]


def test_fixed_class_sets_ignore_the_classes_argument() -> None:
    _, y = generate("rings", 30, classes=6)
    assert set(y) == {0, 1, 2}


# --- split ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("n", "share"), [(10, 0.1), (10, 0.9), (500, 0.5), (333, 0.7), (5, 0.5)])
def test_split_sizes_and_rows(n: int, share: float) -> None:
    x = np.column_stack([np.arange(n, dtype=np.float64), np.zeros(n)])
    y = np.arange(n, dtype=np.int64)
    x_train, y_train, x_test, y_test = split(x, y, share, seed=3)
    assert len(x_train) == len(y_train) == min(max(round(n * share), 1), n - 1)
    assert len(x_test) == len(y_test) == n - len(x_train)
    np.testing.assert_array_equal(x_train[:, 0], y_train)  # rows stay paired
    np.testing.assert_array_equal(np.sort(np.concatenate([y_train, y_test])), y)
    assert not np.array_equal(y_train, np.sort(y_train)) or n < 20  # shuffled


def test_split_is_deterministic_per_seed() -> None:
    x, y = generate("xor", 100)
    a, b, c = split(x, y, 0.5, 1), split(x, y, 0.5, 1), split(x, y, 0.5, 2)
    np.testing.assert_array_equal(a[0], b[0])
    assert not np.array_equal(a[0], c[0])


@pytest.mark.parametrize(
    ("share", "message"), [(0.05, "train_share must be from 0.1 to 0.9, received 0.05"), (1, "1")]
)
def test_split_rejects_bad_share(share: float, message: str) -> None:
    x, y = generate("xor", 10)
    with pytest.raises(ValueError, match=message):
        split(x, y, share)


def test_split_rejects_mismatched_arrays() -> None:
    with pytest.raises(ValueError, match="need x"):
        split(np.zeros((4, 2)), np.zeros(3))


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_generate_and_split(name: str) -> None:
    x, y = generate(name, n=100, noise=0.1, seed=2, classes=4)
    x_train, y_train, x_test, y_test = split(x, y, train_share=0.7, seed=2)
    assert x_train.shape == (70, 2) and x_test.shape == (30, 2)
    targets = () if DATASETS[name].targets == 1 else (DATASETS[name].targets,)
    assert y_train.shape == (70, *targets) and y_test.shape == (30, *targets)
    if DATASETS[name].task != "regression":
        assert len(np.unique(y)) == expected_classes(name, 4)


# --- features ------------------------------------------------------------------------------------


def test_features_values_in_the_order_asked() -> None:
    x = np.array([[1.0, 2.0], [-3.0, 0.5]])
    got = features(x, ["x1*x2", "x2^2", "x1", "sin(x1)", "cos(x2)", "x2", "x1^2", "sin(x2)"])
    a, b = x[:, 0], x[:, 1]
    want = [a * b, b**2, a, np.sin(a), np.cos(b), b, a**2, np.sin(b)]
    np.testing.assert_allclose(got, np.column_stack(want))
    assert got.dtype == np.float64


@pytest.mark.parametrize("name", sorted(FEATURES))
def test_each_feature_gives_one_column(name: str) -> None:
    x, _ = generate("circle", 50)
    assert features(x, [name]).shape == (50, 1)


@pytest.mark.parametrize(
    ("names", "message"),
    [
        ([], "features must be a non-empty list of names, received []"),
        ("x1", "received 'x1'"),
        (["x1", "x3"], "unknown feature 'x3'"),
        (["x1", "x2", "x1"], "feature 'x1' is listed twice"),
    ],
)
def test_features_errors(names: list[str], message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        features(np.zeros((3, 2)), names)


# --- custom data ---------------------------------------------------------------------------------


def test_from_points_binary_accepts_zero_one_and_minus_one() -> None:
    x, y = from_points([(1, 2, 1), [-1.5, 0.5, 0], (6, -6, -1)], "binary")
    np.testing.assert_array_equal(x, [[1.0, 2.0], [-1.5, 0.5], [6.0, -6.0]])
    np.testing.assert_array_equal(y, [1, 0, 0])
    assert x.dtype == np.float64 and y.dtype == np.int64


def test_from_points_multiclass_and_regression() -> None:
    _, y = from_points(np.array([[0, 0, 2], [1, 1, 0.0], [2, 2, 5]]), "multiclass")
    np.testing.assert_array_equal(y, [2, 0, 5])
    _, values = from_points([[0, 0, -12.5], [1, 1, 3.25]], "regression")
    np.testing.assert_array_equal(values, [-12.5, 3.25])
    assert values.dtype == np.float64


@pytest.mark.parametrize(
    ("points", "task", "classes", "message"),
    [
        ([[0, 0, 1], [0, "abc", 1]], "binary", None, "row 2: 'abc' is not a number"),
        ([[0, 0, 1], [True, 0, 1]], "binary", None, "row 2: True is not a number"),
        ([[0, 0, 1], [0, None, 1]], "binary", None, "row 2: None is not a number"),
        ([[0, math.nan, 1], [0, 0, 1]], "binary", None, "row 1: x2 is nan, not a finite number"),
        ([[0, 0, 1], [0, 0, math.inf]], "regression", None, "row 2: value is inf, not a finite"),
        ([[0, 0], [0, 0, 1]], "binary", None, "row 1: expected 3 values (x1, x2, label), rec"),
        ([[0, 0, 1], [0, 0, 1, 1]], "regression", None, "(x1, x2, value), received 4"),
        ([[0, 0, 1], 7], "binary", None, "row 2: expected a list of 3 values"),
        ([[0, 0, 2], [0, 0, 1]], "binary", None, "row 1: label 2 is not allowed; binary labels"),
        ([[0, 0, 0.5], [0, 0, 1]], "binary", None, "label 0.5 is not allowed"),
        ([[0, 0, 3], [0, 0, 1]], "multiclass", 3, "row 1: label 3 is not allowed; expected an"),
        ([[0, 0, 3], [0, 0, 1]], "multiclass", 3, "expected an integer from 0 to 2"),
        ([[0, 0, 1.5], [0, 0, 1]], "multiclass", None, "label 1.5 is not allowed"),
        ([[0, 0, -1], [0, 0, 1]], "multiclass", None, "integer from 0 to 5"),
        ([[0, 0, 1], [6.5, 0, 1]], "binary", None, "row 2: x1 = 6.5 is outside the domain [-6, 6]"),
        ([[0, -7, 1], [0, 0, 1]], "regression", None, "row 1: x2 = -7 is outside the domain"),
        ([], "binary", None, "no data rows"),
        ([[0, 0, 1]], "binary", None, "at least 2 rows are needed"),
        ([[0, 0, 1]] * (MAX_ROWS + 1), "binary", None, "too many rows: received 5001, at most"),
    ],
)
def test_from_points_errors(
    points: list[object], task: str, classes: int | None, message: str
) -> None:
    with pytest.raises(DataError) as caught:
        from_points(points, task, classes)  # type: ignore[arg-type]
    assert caught.value.errors[0].startswith(message) or message in caught.value.errors[0]
    assert message in str(caught.value) and isinstance(caught.value, ValueError)


def test_from_points_reports_every_bad_row_once_in_order() -> None:
    points: list[list[object]] = [[0, 0, 1]] * 30
    points[4] = [0, "x", 9]  # two problems, one message
    points[2] = [7, 0, 1]
    points[9] = [0, 0]
    with pytest.raises(DataError) as caught:
        from_points(points, "binary")
    assert caught.value.count == 3
    assert [error.split(":")[0] for error in caught.value.errors] == ["row 3", "row 5", "row 10"]
    assert str(caught.value).startswith("3 problems: row 3: x1 = 7 is outside")


def test_data_error_lists_at_most_twenty_and_summarises() -> None:
    with pytest.raises(DataError) as caught:
        from_points([[0, 0, 3]] * 25, "binary")
    error = caught.value
    assert error.count == 25 and len(error.errors) == 20
    assert str(error).startswith("25 problems: row 1: label 3 is not allowed")
    assert str(error).endswith("(and 22 more)") and str(error).count("row ") == 3


def test_from_points_rejects_bad_task_and_classes() -> None:
    with pytest.raises(ValueError, match="task must be one of"):
        from_points([[0, 0, 1], [0, 0, 1]], "ranking")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="classes must be an int from 2 to 6, received 9"):
        from_points([[0, 0, 1], [0, 0, 1]], "multiclass", 9)


def test_from_csv_with_header_separators_blank_lines_and_comments() -> None:
    text = '\ufeff"x1";"x2";"label"\n\n# a comment\n1.5;-2;1\n  \n-1e0,3,0\n0\t0\t-1\n'
    x, y = from_csv(text, "binary")
    np.testing.assert_array_equal(x, [[1.5, -2.0], [-1.0, 3.0], [0.0, 0.0]])
    np.testing.assert_array_equal(y, [1, 0, 0])


def test_from_csv_without_header_for_regression() -> None:
    x, y = from_csv("1, 2, 0.25\r\n-3, 4, -7\r\n", "regression")
    np.testing.assert_array_equal(x, [[1.0, 2.0], [-3.0, 4.0]])
    np.testing.assert_array_equal(y, [0.25, -7.0])


def test_from_csv_numbers_rows_by_line() -> None:
    text = "x1,x2,label\n1,2,1\n\n1,abc,0\n1,2\n1,nan,1\n9,0,0\n1,1,4\n1,1,\n1_0,1,1\n"
    with pytest.raises(DataError) as caught:
        from_csv(text, "binary")
    assert caught.value.errors == [
        "row 4: 'abc' is not a number",
        "row 5: expected 3 values (x1, x2, label), received 2",
        "row 6: x2 is nan, not a finite number",
        "row 7: x1 = 9 is outside the domain [-6, 6]",
        "row 8: label 4 is not allowed; binary labels are 0 or 1 (-1 is read as 0); "  # noqa: ISC004
        "for more classes pick multi-class",
        "row 9: label is empty",
        "row 10: '1_0' is not a number",
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no data rows"),
        ("\n  \n", "no data rows"),
        ("x1,x2,label\n", "no data rows"),
        ("1,1,1\n", "at least 2 rows are needed"),
        ("0,0,1\n" * (MAX_ROWS + 2), "too many rows: received 5002, at most 5000"),
    ],
)
def test_from_csv_whole_data_errors(text: str, message: str) -> None:
    with pytest.raises(DataError, match=message):
        from_csv(text, "binary")


def test_from_csv_accepts_the_row_limit_exactly() -> None:
    x, _ = from_csv("x1,x2,label\n" + "0,0,1\n" * MAX_ROWS, "binary")
    assert x.shape == (MAX_ROWS, 2)


# --- catalog -------------------------------------------------------------------------------------


def test_catalog_is_json_and_matches_the_registries() -> None:
    info = json.loads(json.dumps(build_catalog(Settings())))
    assert [entry["name"] for entry in info["datasets"]] == [*DATASETS, "custom"]
    assert [entry["name"] for entry in info["features"]] == list(FEATURES)
    assert set(info["defaults"]["features"]) <= set(FEATURES)
    assert info["ranges"]["n_points"] == {"min": 10, "max": 5000}
    assert info["ranges"]["noise"] == {"min": 0.0, "max": 0.5}
    assert info["ranges"]["train_share"] == {"min": 0.1, "max": 0.9}
    assert info["limits"]["classes"] == CLASSES.max == 6
    by_name = {entry["name"]: entry for entry in info["datasets"]}
    assert by_name["blobs"]["classes"] is None and by_name["rings"]["classes"] == 3
    assert by_name["sine"]["one_d"] is True and by_name["sine"]["task"] == "regression"
    assert [entry["name"] for entry in info["activation_details"]] == list(ACTIVATIONS)
    assert all(entry["title"] and entry["formula"] for entry in info["activation_details"])
    assert [entry["name"] for entry in info["loss_details"]] == list(LOSSES)
    assert all(entry["title"] and entry["formula"] for entry in info["optimizers"])
