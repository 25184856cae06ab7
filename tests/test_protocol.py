"""The protocol: names agree with the registries, a schema snapshot, frames round-trip."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import get_args

import numpy as np
import pytest
from pydantic import ValidationError

from app import accel, datasets
from app.frames import decode_frame, deflate_grid, encode_frame, inflate_grid, quantize
from app.nn import ACTIVATIONS, OPTIMIZERS, TASKS
from app.protocol import CLIENT_MESSAGE, Configure, parse_client_message
from app.session_config import (
    OPTIMIZER_FIELDS,
    ActivationName,
    Config,
    DatasetName,
    FeatureName,
    OptimizerName,
    RegressionLoss,
    Task,
)

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT = ROOT / "tests" / "snapshots" / "client_messages.schema.json"


def test_names_match_the_registries() -> None:
    assert set(get_args(ActivationName)) == set(ACTIVATIONS)
    assert set(get_args(OptimizerName)) == set(OPTIMIZERS)
    assert set(get_args(DatasetName)) == set(datasets.DATASETS) | {"custom"}
    assert set(get_args(FeatureName)) == set(datasets.FEATURES)
    assert set(get_args(Task)) == set(TASKS) == set(datasets.TASKS)
    assert set(get_args(RegressionLoss)) == set(TASKS["regression"].losses)
    assert set(OPTIMIZER_FIELDS) == set(OPTIMIZERS)
    assert all(set(fields) <= set(Config.model_fields) for fields in OPTIMIZER_FIELDS.values())


def test_client_message_schema_snapshot() -> None:
    schema = json.dumps(CLIENT_MESSAGE.json_schema(), indent=1, sort_keys=True) + "\n"
    if os.environ.get("UPDATE_SNAPSHOTS"):
        SNAPSHOT.write_text(schema)
    assert SNAPSHOT.exists(), f"{SNAPSHOT} is missing: write it with UPDATE_SNAPSHOTS=1"
    assert schema == SNAPSHOT.read_text(), (
        "protocol changed: update docs/protocol.md, static/js/protocol.js and PROTOCOL_VERSION "
        "if the change is incompatible, then rerun with UPDATE_SNAPSHOTS=1"
    )


@pytest.mark.parametrize(
    "raw, location, text",
    [
        ({"type": "configure", "config": {"noise": 0.9}}, "noise", "less than or equal to 0.5"),
        ({"type": "configure", "config": {"features": []}}, "features", "at least 1"),
        ({"type": "configure", "config": {"layers": [{"units": 4}] * 9}}, "layers", "at most 8"),
        ({"type": "configure", "config": {"layers": [{"units": 4, "activation": "swish"}]}}, "activation", "'linear'"),
        ({"type": "step", "epochs": 0}, "epochs", "greater than or equal to 1"),
        ({"type": "add_points", "points": [[7, 0, 1]]}, "points", "less than or equal to 6"),
        ({"type": "set_bias", "layer": 0, "neuron": 0, "value": 1e9}, "value", "less than or equal to 100"),
    ],
)  # fmt: skip
def test_invalid_messages_name_field_and_range(raw: dict, location: str, text: str) -> None:
    with pytest.raises(ValidationError) as error:
        CLIENT_MESSAGE.validate_python(raw)
    assert location in str(error.value) and text in str(error.value)


def test_configure_patch_validates_the_merged_config() -> None:
    message = CLIENT_MESSAGE.validate_python(
        {"type": "configure", "config": {"learning_rate": 0.1}}
    )
    assert isinstance(message, Configure)
    assert message.patch(Config()).learning_rate == 0.1
    repeated = CLIENT_MESSAGE.validate_python(
        {"type": "configure", "config": {"features": ["x1", "x1"]}}
    )
    with pytest.raises(ValidationError, match="must not repeat"):
        repeated.patch(Config())


def test_frame_round_trip_and_layout() -> None:
    rng = np.random.default_rng(0)
    grid = rng.uniform(-2, 3, (3, 10, 10))
    weights = rng.normal(size=(2, 4))
    frame = encode_frame(
        {"type": "frame", "seq": 7}, [("output", grid, True), ("weights/0", weights, False)]
    )
    assert frame[:4] == b"MLPF"
    header_length = int.from_bytes(frame[8:12], "little")
    assert header_length % 4 == 0
    header, arrays = decode_frame(frame)
    assert header["seq"] == 7
    assert all(block["offset"] % 4 == 0 for block in header["blocks"])
    span = grid.max(axis=(1, 2)) - grid.min(axis=(1, 2))
    assert np.all(np.abs(arrays["output"] - grid) <= span[:, None, None] / 255 / 2 + 1e-12)
    np.testing.assert_allclose(arrays["weights/0"], weights.astype(np.float32))
    assert len(frame) < 12 + header_length + 300 + 32 + 8


def test_quantize_constant_channel() -> None:
    cells, lo, hi = quantize(np.full((1, 2, 2), 0.5))
    assert lo == hi == [0.5] and cells.dtype == np.uint8


def test_compiled_quantizer_gives_numpys_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    accel.warm_up()
    if not accel.ready():
        pytest.skip("PLAYGROUND_NO_JIT=1")
    rng = np.random.default_rng(0)
    grids = [
        rng.normal(0, 3, (5, 10, 10)),
        rng.random((1, 100, 100)) * 1e-7 + 0.5,  # a narrow span far from 0: float32 rounding
        np.concatenate([np.full((1, 4, 4), 2.5), rng.normal(size=(2, 4, 4))]),  # a flat channel
    ]
    for _ in range(40):  # spans from 1e-9 to 1e7 (the widened range's digits), offsets too
        scale, offset = 10.0 ** rng.uniform(-9, 7), rng.normal(0, 10.0 ** rng.uniform(-3, 6))
        grids.append(offset + scale * rng.normal(size=(3, 10, 10)))
    for grid in grids:
        values = grid.astype(np.float32)
        compiled = quantize(values)
        monkeypatch.setattr(accel, "ready", lambda: False)  # the NumPy path
        plain = quantize(values)
        monkeypatch.undo()
        np.testing.assert_array_equal(compiled[0], plain[0])
        assert compiled[1:] == plain[1:]


def test_compressed_grids_round_trip_and_ramps_vanish() -> None:
    rng = np.random.default_rng(1)
    for shape in [(1, 100, 100), (3, 10, 10), (2, 1, 7), (1, 5, 1)]:
        for grid in (rng.integers(0, 256, shape), rng.integers(0, 2, shape) * 255):
            cells = grid.astype(np.uint8)
            np.testing.assert_array_equal(inflate_grid(deflate_grid(cells), list(shape)), cells)
    ramp = (np.add.outer(np.arange(100), 2 * np.arange(100)) % 256).astype(np.uint8)[None]
    assert len(deflate_grid(ramp)) < 200  # both filters leave only the first row and column


@pytest.mark.parametrize(
    "text",
    [
        '{"type": "step", "epochs": "5"}',
        '{"type": "step", "epochs": true}',
        '{"type": "ack", "seq": "1"}',
        '{"type": "reset", "seed": "5"}',
        '{"type": "set_weight", "layer": 0, "source": 0, "target": 0, "value": "1"}',
        '{"type": "set_bias", "layer": true, "neuron": 0, "value": 1}',
        '{"type": "configure", "config": {"noise": "0.1"}}',
        '{"type": "configure", "config": {"n_points": "100"}}',
        '{"type": "hello", "version": 2, "compress": "yes"}',
        '{"type": "hello", "version": 2, "compress": 1}',
        '{"type": "hello", "version": "2"}',
    ],
)
def test_types_are_strict(text: str) -> None:
    with pytest.raises(ValidationError, match="Input should be a valid"):
        parse_client_message(text)


def test_strict_types_still_take_json_numbers_and_arrays() -> None:
    points = parse_client_message('{"type": "add_points", "points": [[1, 0.5, 1]]}')
    assert points.points == [(1.0, 0.5, 1.0)]  # an integer where a float is documented is fine
    assert parse_client_message('{"type": "configure", "config": {"noise": 0}}').config.noise == 0
