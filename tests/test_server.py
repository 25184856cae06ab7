"""The live training server over real websockets: a real uvicorn on 127.0.0.1."""

from __future__ import annotations

import json
import time

import httpx
import numpy as np
import pytest
from serverproc import start_server
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect
from wsclient import Client

from app.protocol import PROTOCOL_VERSION, FrameHeader, SetWeight

SPIRAL = {
    "dataset": "spiral",
    "layers": [{"units": 8, "activation": "tanh"}, {"units": 8, "activation": "tanh"}],
    "optimizer": "adam",
    "learning_rate": 0.01,
    "speed": 0,
}


def test_healthz_catalog_and_page(server) -> None:
    health = httpx.get(f"{server.url}/healthz").json()
    assert health["status"] == "ok" and health["kernel"] in ("ready", "compiling")
    server.wait_for_kernel()  # compiled or loaded from numba's cache in the background
    assert server.health()["kernel"] == "ready"
    catalog = httpx.get(f"{server.url}/api/catalog").json()
    assert "spiral" in [d["name"] for d in catalog["datasets"]]
    assert "prelu" in catalog["activations"]
    assert catalog["limits"]["layers"] == 8 and catalog["limits"]["units"] == 16
    page = httpx.get(server.url)
    assert page.status_code == 200 and "MLP Playground" in page.text
    # A hand-set weight's bounds are the protocol's, in the catalog and on the page's editor.
    weight = SetWeight.model_json_schema()["properties"]["value"]
    assert catalog["ranges"]["weight"] == {"min": weight["minimum"], "max": weight["maximum"]}
    assert f'min="{weight["minimum"]}" max="{weight["maximum"]}"' in page.text


def test_healthz_says_the_kernel_is_off_when_turned_off() -> None:
    plain = start_server(PLAYGROUND_NO_JIT="1")
    try:
        assert plain.health()["kernel"] == "off"
    finally:
        plain.stop()


def test_hello_data_and_first_frame(server) -> None:
    client = Client(server.ws_url)
    assert (
        client.hello["version"] == PROTOCOL_VERSION
        and client.hello["config"]["dataset"] == "circle"
    )
    data = client.wait_for("data")
    assert len(data["train"]) + len(data["test"]) == 500
    header, arrays = client.next_frame()
    FrameHeader.model_validate(header)  # the documented model, though built without pydantic
    assert header["epoch"] == 0 and header["sizes"] == [2, 4, 2, 1]
    assert arrays["output"].shape == (1, 100, 100)
    assert arrays["neurons/1"].shape == (4, 10, 10)
    assert arrays["weights/2"].shape == (2, 1) and arrays["biases/2"].shape == (1,)
    client.close()


def test_play_pause_step_reset(server) -> None:
    client = Client(server.ws_url)
    client.configure(**SPIRAL)
    first, _ = client.next_frame()
    client.send({"type": "play"})
    client.wait_for("status", reason="play")
    later, _ = client.next_frame(where=lambda h: h["epoch"] >= 100, timeout=20)
    assert later["train_loss"] < first["train_loss"]
    client.send({"type": "pause"})
    paused = client.wait_for("status", reason="pause")["epoch"]
    client.drain(0.3)
    client.send({"type": "step", "epochs": 7})
    done = client.wait_for("status", reason="step")
    assert done["epoch"] == paused + 7
    client.frames.clear()
    client.drain(0.3)
    assert all(h["epoch"] == paused + 7 for h, _ in client.frames)
    client.send({"type": "reset"})
    assert client.wait_for("status", reason="reset")["epoch"] == 0
    header, _ = client.next_frame(where=lambda h: not h["running"])
    assert header["epoch"] == 0
    client.close()


def test_live_edits_keep_training(server) -> None:
    client = Client(server.ws_url)
    client.configure(**{**SPIRAL, "speed": 200})
    client.send({"type": "play"})
    before, _weights_before = client.next_frame(where=lambda h: h["epoch"] >= 20)
    layers = SPIRAL["layers"] + [{"units": 5, "activation": "relu"}]
    client.configure(layers=layers)
    header, _arrays = client.next_frame(where=lambda h: len(h["sizes"]) == 5)
    assert header["sizes"] == [2, 8, 8, 5, 1] and header["activations"][-1] == "relu"
    assert header["epoch"] >= before["epoch"]
    client.configure(
        layers=[{**layers[0], "activation": "sigmoid"}, *layers[1:]], learning_rate=0.03
    )
    header, _ = client.next_frame(where=lambda h: h["activations"][0] == "sigmoid")
    assert header["epoch"] >= before["epoch"]
    later, _ = client.next_frame(where=lambda h: h["epoch"] >= header["epoch"] + 10)
    assert later["running"]
    client.close()


def test_edit_keeps_untouched_weights(server) -> None:
    client = Client(server.ws_url)
    client.configure(**SPIRAL)
    _, before = client.next_frame()
    client.configure(layers=[SPIRAL["layers"][0], {"units": 10, "activation": "tanh"}])
    _header, after = client.next_frame(where=lambda h: h["sizes"][2] == 10)
    np.testing.assert_array_equal(after["weights/0"], before["weights/0"])
    np.testing.assert_array_equal(after["weights/1"][:, :8], before["weights/1"])
    client.close()


def test_set_weight_and_bias(server) -> None:
    client = Client(server.ws_url)
    client.next_frame()
    client.send({"type": "set_weight", "layer": 0, "source": 1, "target": 2, "value": 1.25})
    client.send({"type": "set_bias", "layer": 2, "neuron": 0, "value": -0.5})
    client.frames.clear()
    client.drain(0.5)
    _, arrays = client.frames[-1]
    assert arrays["weights/0"][1, 2] == pytest.approx(1.25)
    assert arrays["biases/2"][0] == pytest.approx(-0.5)
    client.send({"type": "set_weight", "layer": 0, "source": 5, "target": 0, "value": 1})
    assert "source 5" in client.wait_for("error")["message"]
    client.close()


def test_custom_points_and_csv(server) -> None:
    client = Client(server.ws_url)
    client.send({"type": "clear_points"})
    assert client.wait_for("data", dataset="custom")["train"] == []
    client.send({"type": "add_points", "points": [[1, 1, 1], [-1, -1, 0], [2, -3, 1]]})
    data = client.wait_for("data", dataset="custom")
    assert len(data["train"]) + len(data["test"]) == 3
    client.send({"type": "remove_points", "x1": 1, "x2": 1, "radius": 0.5})
    data = client.wait_for("data", dataset="custom")
    assert len(data["train"]) + len(data["test"]) == 2
    client.send({"type": "load_csv", "text": "x1,x2,label\n1,2,1\nabc,1,0\n3,4,7\n"})
    error = client.wait_for("error")
    assert error["code"] == "bad_data" and "row 3" in error["message"]
    client.close()


BAD_INPUTS = [
    ("{not json", "bad_json", "not valid JSON"),
    ('{"type": "configure", "config": {"learning_rate": NaN}}', "bad_json", "not valid JSON"),
    ('{"type": "configure", "config": {"noise": Infinity}}', "bad_json", "not valid JSON"),
    ('{"type": "configure", "config": {"learning_rate": 1e999}}', "bad_message", "finite"),
    ('{"type": "step", "epochs": 1e999}', "bad_message", "valid integer"),
    ('{"type": "step", "epochs": "5"}', "bad_message", "valid integer"),
    ('{"type": "hello", "version": 2, "compress": "yes"}', "bad_message", "valid boolean"),
    ("[" * 5000 + "]" * 5000, "bad_json", "recursion limit"),
    ('{"type": "configure", "config": ' + "[" * 5000 + "]" * 5000 + "}", "bad_json", "recursion"),
    ('{"type": "add_points", "points": ' + "[" * 5000 + "]" * 5000 + "}", "bad_json", "recursion"),
    ('{"type": "launch"}', "bad_message", "does not match"),
    ('{"type": "configure", "config": {"learning_rate": "fast"}}', "bad_message", "learning_rate"),
    (
        '{"type": "configure", "config": {"learning_rate": 50}}',
        "bad_message",
        "less than or equal to 10",
    ),
    ('{"type": "configure", "config": {"layers": [{"units": 99}]}}', "bad_message", "units"),
    ('{"type": "configure", "config": {"lr": 1}}', "bad_message", "lr"),
    ('{"type": "play", "extra": 1}', "bad_message", "extra"),
    ("[1, 2, 3]", "bad_message", ""),
    (
        '{"type": "configure", "config": {"dataset": "spiral", "task": "regression"}}',
        "bad_message",
        "binary",
    ),
]


@pytest.mark.parametrize("raw, code, text", BAD_INPUTS)
def test_bad_input_gets_error_and_connection_survives(
    server, raw: str, code: str, text: str
) -> None:
    client = Client(server.ws_url)
    client.send(raw)
    error = client.wait_for("error")
    assert error["code"] == code and text in error["message"]
    client.send({"type": "step", "epochs": 2})
    assert client.wait_for("status", reason="step")["epoch"] == 2
    client.close()


@pytest.mark.parametrize(
    "raw",
    [
        '{"type": "' + "x" * 200_000 + '"}',
        '{"type": "configure", "config": {"' + "k" * 200_000 + '": 1}}',
        '{"type": "load_csv", "text": [' + "7," * 100_000 + "7]}",
    ],
)
def test_errors_quote_a_short_excerpt_not_the_input(server, raw: str) -> None:
    client = Client(server.ws_url)
    client.send(raw)
    error = client.wait_for("error")
    assert error["code"] == "bad_message" and len(json.dumps(error)) < 700, len(json.dumps(error))
    client.close()


def test_oversized_and_flood_leave_others_alone(server) -> None:
    other = Client(server.ws_url)
    other.send({"type": "play"})
    other.wait_for("status", reason="play")
    client = Client(server.ws_url)
    client.send(json.dumps({"type": "load_csv", "text": "1,1,1\n" * 120_000}))
    assert client.wait_for("error")["code"] == "too_large"
    for _ in range(400):
        client.send({"type": "pause"})
    assert client.wait_for("error", code="rate_limited")["message"].startswith("too many commands")
    # The bucket refills with elapsed time (60 a second): after a second it holds tokens again
    # however busy the machine is, so this wait cannot flake.
    time.sleep(1.0)
    client.send({"type": "step", "epochs": 1})
    assert client.wait_for("status", reason="step")["epoch"] == 1
    epoch = other.next_frame()[0]["epoch"]
    assert other.next_frame(where=lambda h: h["epoch"] > epoch)[0]["running"]
    client.close()
    other.close()


def test_wrong_version_is_closed_with_policy_code(server) -> None:
    client = Client(server.ws_url)
    client.send({"type": "hello", "version": 99})
    assert client.wait_for("error")["code"] == "version"
    with pytest.raises(ConnectionClosed) as closed:
        client.drain(5)
        client.receive(timeout=5)
    assert closed.value.rcvd.code == 1008


def test_foreign_origin_is_refused(server) -> None:
    with pytest.raises(InvalidStatus) as refused:
        connect(server.ws_url, origin="http://evil.example")
    assert refused.value.response.status_code == 403
    ok = Client(server.ws_url, origin=server.url)
    ok.close()


def test_divergence_pauses_and_keeps_finite_weights(server) -> None:
    client = Client(server.ws_url)
    client.configure(
        dataset="plane",
        layers=[{"units": 16, "activation": "relu"}] * 4,
        optimizer="sgd",
        learning_rate=10,
        batch_size=1,
        speed=0,
    )
    client.send({"type": "play"})
    error = client.wait_for("error", code="diverged", timeout=20)
    assert "smaller learning rate, e.g. 3" in error["message"]
    status = client.wait_for("status", reason="diverged")
    assert status["running"] is False and status["divergence"]["suggested_learning_rate"] == 3
    change = status["divergence"]["change"]
    assert status["divergence"]["cause"] == "edit" and change["field"] == "learning_rate"
    _header, arrays = client.next_frame(where=lambda h: not h["running"])
    assert all(np.all(np.isfinite(a)) for name, a in arrays.items() if name.startswith("weights"))
    client.configure(learning_rate=0.001)
    client.send({"type": "step", "epochs": 1})
    client.wait_for("status", reason="step")
    client.close()


def test_twenty_concurrent_clients_all_get_frames(server) -> None:
    clients = [Client(server.ws_url) for _ in range(20)]
    for client in clients:
        client.send({"type": "play"})
    for client in clients:
        epoch = client.next_frame(where=lambda h: h["running"])[0]["epoch"]
        later = client.next_frame(where=lambda h, epoch=epoch: h["epoch"] > epoch, timeout=20)
        assert later[0]["running"]
    for client in clients:
        client.close()


def test_multiclass_and_one_d_regression_frames(server) -> None:
    client = Client(server.ws_url)
    reply = client.configure(dataset="blobs", classes=4)
    assert reply["config"]["task"] == "multiclass" and "data" in reply["rebuilt"]
    header, arrays = client.next_frame(where=lambda h: h["task"] == "multiclass")
    assert header["sizes"][-1] == 4 and arrays["output"].shape == (4, 100, 100)
    np.testing.assert_allclose(arrays["output"].sum(axis=0), 1.0, atol=0.03)
    assert header["train_accuracy"] is not None
    reply = client.configure(task="regression")
    assert reply["config"]["dataset"] == "plane"
    reply = client.configure(dataset="sine", grid=50)
    assert reply["config"]["features"] == ["x1"]  # a 1-D curve starts as y against x1
    header, arrays = client.next_frame(where=lambda h: h["features"] == ["x1"])
    assert header["task"] == "regression" and header["train_accuracy"] is None
    assert arrays["output"].shape == (1, 50, 50) and arrays["curve"].shape == (3, 200)
    x1, closed_form = arrays["curve"][0], arrays["curve"][2]
    slope = np.polyfit(x1, closed_form, 1)[0]
    assert abs(slope) < 0.2  # the best straight line through sin(x1) on [-6, 6] is nearly flat
    assert client.wait_for("data", dataset="sine")["one_d"] is True
    assert client.configure(dataset="spiral")["config"]["features"] == ["x1", "x2"]
    client.close()


def test_training_frames_carry_maps_and_weights_every_other_time(server) -> None:
    client = Client(server.ws_url)
    client.configure(**SPIRAL)
    client.send({"type": "play"})
    client.next_frame(where=lambda h: h["running"])
    client.frames.clear()
    client.drain(0.6)
    running = [(h, a) for h, a in client.frames if h["running"]]
    assert len(running) >= 8
    detailed = ["weights/0" in a and "neurons/1" in a for _, a in running]
    assert all("output" in a for _, a in running)
    assert 0.3 < sum(detailed) / len(detailed) < 0.7  # every other frame
    client.configure(layers=[*SPIRAL["layers"], {"units": 3, "activation": "relu"}])
    _, arrays = client.next_frame(where=lambda h: len(h["sizes"]) == 5)
    assert "weights/3" in arrays and "neurons/3" in arrays  # a new structure: at once
    client.send({"type": "pause"})
    client.wait_for("status", reason="pause")
    client.send({"type": "set_bias", "layer": 0, "neuron": 0, "value": 0.5})
    _, arrays = client.next_frame(where=lambda h: not h["running"])
    assert "weights/0" in arrays  # paused: every frame is whole
    client.close()


def test_compressed_output_grid_when_the_client_asks(server) -> None:
    plain, packed = Client(server.ws_url), Client(server.ws_url)
    packed.send({"type": "hello", "version": PROTOCOL_VERSION, "compress": True})
    for client in (plain, packed):
        client.configure(**{**SPIRAL, "seed": 5})
        client.send({"type": "reset", "seed": 5})
        client.wait_for("status", reason="reset")
    header_plain, arrays_plain = plain.next_frame(where=lambda h: h["epoch"] == 0)
    header_packed, arrays_packed = packed.next_frame(where=lambda h: h["epoch"] == 0)
    dtype = {b["name"]: b["dtype"] for b in header_packed["blocks"]}
    assert dtype["output"] == "u8z" and dtype["neurons/1"] == "u8"
    assert {b["name"]: b["dtype"] for b in header_plain["blocks"]}["output"] == "u8"
    np.testing.assert_array_equal(arrays_packed["output"], arrays_plain["output"])  # lossless
    packed_size = next(b["length"] for b in header_packed["blocks"] if b["name"] == "output")
    assert packed_size < 10_000 / 2
    plain.close()
    packed.close()
