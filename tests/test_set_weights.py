"""set_weights: a reconnecting page restores its network and epoch; wrong shapes are refused."""

from __future__ import annotations

import json

import numpy as np
import pytest
from wsclient import Client

from app.config import Settings
from app.protocol import parse_client_message
from app.session import Session
from app.session_config import Config, LayerSpec

PRELU = [LayerSpec(units=3, activation="prelu"), LayerSpec(units=2, activation="tanh")]


def as_message(session: Session, scale: float = 1.0, epoch: int | None = None) -> dict:
    layers = [
        {"w": (w * scale).tolist(), "b": (b * scale).tolist()}
        for w, b in session.trainer.net.weights()
    ]
    for layer, slopes in zip(layers, session.trainer.net.slopes(), strict=False):
        if slopes is not None:
            layer["slopes"] = (slopes * 0 + 0.1).tolist()
    return {"type": "set_weights", "layers": layers, "epoch": epoch}


def send(session: Session, message: dict) -> list[dict]:
    return session.handle(parse_client_message(json.dumps(message)))


def test_weights_slopes_and_epoch_are_restored() -> None:
    session = Session(Settings(), Config(layers=PRELU))
    wanted = [(w * 2, b * 2) for w, b in session.trainer.net.weights()]
    replies = send(session, as_message(session, scale=2.0, epoch=1234))
    assert replies[-1]["type"] == "status" and replies[-1]["reason"] == "restored"
    assert session.trainer.epoch == 1234
    for (w, b), (w_now, b_now) in zip(wanted, session.trainer.net.weights(), strict=True):
        np.testing.assert_array_equal(w, w_now)
        np.testing.assert_array_equal(b, b_now)
    assert np.all(session.trainer.net.slopes()[0] == 0.1)


@pytest.mark.parametrize(
    "edit, text",
    [
        (
            lambda m: m["layers"].pop(),
            "the network has 3 layers of weights (2 hidden and the output), received 2",
        ),
        (
            lambda m: m["layers"][1]["w"].pop(),
            "layer 2: weights must be 3 x 2 with 2 biases, received 2 x 2 with 2",
        ),
        (
            lambda m: m["layers"][2]["b"].append(0.0),
            "the output layer: weights must be 2 x 1 with 1 biases",
        ),
        (lambda m: m["layers"][0]["w"][0].pop(), "layer 1: the rows of w differ in length"),
        (lambda m: m["layers"][1].update(slopes=[0.2, 0.2]), "layer 2: has no slopes, received 2"),
        (lambda m: m["layers"][0].update(slopes=[0.2]), "layer 1: has 3 slopes, received 1"),
    ],
)
def test_a_mismatch_is_refused_by_name_and_changes_nothing(edit, text: str) -> None:
    session = Session(Settings(), Config(layers=PRELU))
    before = [p.copy() for p in session.trainer.net.parameters()]
    message = as_message(session, scale=3.0, epoch=99)
    edit(message)
    (reply,) = send(session, message)
    assert reply["type"] == "error" and reply["code"] == "bad_message"
    assert text in reply["message"]
    assert session.trainer.epoch == 0
    for saved, now in zip(before, session.trainer.net.parameters(), strict=True):
        np.testing.assert_array_equal(saved, now)


@pytest.mark.parametrize("bad", ["NaN", "Infinity", "1e7", '"1"'])
def test_values_must_be_finite_bounded_numbers(bad: str) -> None:
    text = '{"type": "set_weights", "layers": [{"w": [[VALUE]], "b": [0]}]}'.replace("VALUE", bad)
    with pytest.raises(ValueError):
        parse_client_message(text)


def test_a_reconnected_session_continues_where_the_old_one_was(server) -> None:
    setup = {"dataset": "xor", "layers": [{"units": 5, "activation": "relu"}], "speed": 0}
    first = Client(server.ws_url)
    first.configure(**setup)
    first.send({"type": "step", "epochs": 40})
    first.wait_for("status", reason="step")
    header, arrays = first.next_frame(where=lambda h: not h["running"] and h["epoch"] == 40)
    loss = header["train_loss"]
    first.close()  # the server restarts, the Wi-Fi drops...
    second = Client(server.ws_url)
    second.configure(**setup)
    layers = [
        {"w": arrays[f"weights/{i}"].tolist(), "b": arrays[f"biases/{i}"].tolist()}
        for i in range(2)
    ]
    second.send({"type": "set_weights", "layers": layers, "epoch": 40})
    assert second.wait_for("status", reason="restored")["epoch"] == 40
    restored, _ = second.next_frame(where=lambda h: h["epoch"] == 40)
    assert restored["train_loss"] == pytest.approx(loss, rel=1e-4)  # float32 weights
    second.close()
