"""Time travel: a past epoch's frame comes back exactly, a branch continues exactly as the run
did, snapshots stay bounded, divergences are marked; stop conditions; metrics."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from app.config import Settings
from app.frames import decode_frame
from app.history import History
from app.metrics import confusion_matrix, r2_rmse
from app.protocol import parse_client_message
from app.session import Session
from app.session_config import Config, LayerSpec
from app.trainer import Trainer

ADAM = Config(
    optimizer="adam",
    learning_rate=0.01,
    dataset="spiral",
    layers=[LayerSpec(units=6, activation="relu", dropout=0.1), LayerSpec(units=4)],
)


def send(session: Session, message: dict[str, Any]) -> list[dict[str, Any]]:
    return session.handle(parse_client_message(json.dumps(message)))


def step(session: Session, epochs: int) -> None:
    """Train exactly `epochs` epochs through the session's own slices."""
    send(session, {"type": "step", "epochs": epochs})
    while session.running:
        session.run_slice(0.05, want_frame=False)


def frame(session: Session) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    return decode_frame(session.frame())


def assert_same_frame(a: tuple[dict[str, Any], Any], b: tuple[dict[str, Any], Any]) -> None:
    (header_a, arrays_a), (header_b, arrays_b) = a, b
    for key in ("epoch", "train_loss", "test_loss", "train_accuracy", "sizes", "metrics"):
        assert header_a[key] == header_b[key], key
    assert arrays_a.keys() == arrays_b.keys()
    for name in arrays_a:
        np.testing.assert_array_equal(arrays_a[name], arrays_b[name], err_msg=name)


def test_the_scrubber_restores_epoch_ns_frame_exactly() -> None:
    session = Session(Settings(), ADAM)
    step(session, 7)
    at_seven = frame(session)
    step(session, 13)
    session.trainer.apply(session.trainer.config.model_copy(update={"learning_rate": 0.03}))
    step(session, 5)
    replies = send(session, {"type": "travel", "epoch": 7})
    history = replies[-1]
    assert history["type"] == "history" and history["viewing"] == 7 and history["epoch"] == 25
    assert 7 in history["epochs"] and history["epochs"][-1] == 25
    shown = frame(session)
    assert shown[0]["live_epoch"] == 25 and shown[0]["running"] is False
    assert_same_frame(shown, at_seven)
    send(session, {"type": "travel", "epoch": None})
    assert frame(session)[0]["epoch"] == 25 and frame(session)[0]["live_epoch"] is None


M_SGD = Config(dataset="spiral", layers=[LayerSpec(units=8, activation="tanh")] * 4)


@pytest.mark.parametrize("config", [ADAM, M_SGD], ids=["adam-dropout", "sgd-shared"])
def test_a_branch_continues_exactly_as_the_run_did(config: Config) -> None:
    """Back to epoch 5, then 6 epochs: the same losses as the run had at epoch 11 (the whole
    state comes back: weights, Adam's moments, the shuffle and dropout generators; with plain
    SGD and no dropout, from parts the snapshots share)."""
    session = Session(Settings(), config)
    step(session, 11)
    at_eleven = frame(session)
    step(session, 4)
    send(session, {"type": "travel", "epoch": 5})
    replies = send(session, {"type": "branch"})
    assert [r["type"] for r in replies] == ["config", "status", "history"]
    assert replies[1]["reason"] == "branched" and session.trainer.epoch == 5
    assert replies[2]["markers"] == [{"kind": "branch", "epoch": 5, "restored": None, "left": 15}]
    assert max(replies[2]["epochs"]) == 5
    step(session, 6)
    assert_same_frame(frame(session), at_eleven)


def test_snapshots_share_what_did_not_change_and_keep_what_did() -> None:
    """One array of weights each; a generator nothing drew from and plain SGD's array-free
    entries are the previous snapshot's objects; what changed is each snapshot's own."""
    sgd, adam = Session(Settings(), M_SGD), Session(Settings(), ADAM)
    step(sgd, 4)
    step(adam, 4)
    a, b = sgd.history.snapshots[-2:]
    assert b.dropout_rng is a.dropout_rng and b.shapes is a.shapes
    assert all(x is y for x, y in zip(a.optimizer_state, b.optimizer_state, strict=True))
    assert b.batch_rng is not a.batch_rng and b.batch_rng != a.batch_rng
    assert not np.shares_memory(a.flat, b.flat) and not np.array_equal(a.flat, b.flat)
    params = sgd.trainer.net.parameters()
    assert [p.shape for p in b.params] == [p.shape for p in params]
    np.testing.assert_array_equal(np.concatenate([p.ravel() for p in b.params]), b.flat)
    c, d = adam.history.snapshots[-2:]
    assert d.dropout_rng is not c.dropout_rng and d.dropout_rng != c.dropout_rng
    assert all(x is not y for x, y in zip(c.optimizer_state, d.optimizer_state, strict=True))


def test_travel_before_every_snapshot_and_branch_without_one_are_refused() -> None:
    session = Session(Settings())
    (error,) = send(session, {"type": "branch"})
    assert error["code"] == "bad_message" and "travel to one" in error["message"]
    step(session, 2)
    session.history.snapshots.pop(0)
    session.history.snapshots.pop(0)
    (error,) = send(session, {"type": "travel", "epoch": 0})
    assert error["code"] == "no_snapshot"


def test_another_command_returns_to_the_present() -> None:
    session = Session(Settings())
    step(session, 3)
    send(session, {"type": "travel", "epoch": 1})
    assert frame(session)[0]["epoch"] == 1
    send(session, {"type": "configure", "config": {"speed": 10}})
    assert frame(session)[0]["epoch"] == 3


def test_snapshots_stay_bounded_and_thin_out_in_the_middle() -> None:
    trainer = Trainer(Config())
    history = History(limit=40, max_bytes=10**9)
    for epoch in range(2000):
        trainer.epoch = epoch
        history.record(trainer)
        assert len(history.snapshots) <= 40
    epochs = history.epochs
    assert epochs[0] == 0 and epochs[-1] == 1999
    assert epochs[1:4] == [1, 2, 3]  # dense at the start
    gaps = np.diff(epochs)
    assert gaps[len(gaps) // 2] > gaps[0] and gaps[-1] < gaps[len(gaps) // 2]


def test_the_memory_cap_holds_too() -> None:
    trainer = Trainer(Config(layers=[LayerSpec(units=16)] * 4))
    size = sum(p.nbytes for p in trainer.net.parameters())
    history = History(limit=10_000, max_bytes=30 * size)
    for epoch in range(300):
        trainer.epoch = epoch
        history.record(trainer)
    assert len(history.snapshots) < 30


def test_new_data_start_a_new_history() -> None:
    session = Session(Settings())
    step(session, 3)
    send(session, {"type": "configure", "config": {"dataset": "xor"}})
    step(session, 1)
    assert session.history.epochs == [3, 4]


def test_a_divergence_is_marked() -> None:
    session = Session(Settings(), Config(learning_rate=10.0, dataset="spiral", speed=0))
    send(session, {"type": "play"})
    for _ in range(400):
        outbox = session.run_slice(0.05, want_frame=False)
        if any(m.get("reason") == "diverged" for m in outbox.messages):
            break
    else:
        pytest.fail("learning rate 10 did not diverge")
    (marker,) = session.history.markers
    assert marker.kind == "diverged" and marker.epoch == session.trainer.epoch
    assert marker.restored is not None and marker.restored in session.history.epochs + [0]


def test_stop_at_an_epoch_pauses_exactly_there() -> None:
    session = Session(Settings(), Config(speed=0))
    send(session, {"type": "stop_at", "epoch": 37})
    send(session, {"type": "play"})
    stopped = None
    while session.running:
        for message in session.run_slice(0.05, want_frame=False).messages:
            stopped = message if message.get("reason") == "stopped" else stopped
    assert session.trainer.epoch == 37
    assert stopped is not None and stopped["stopped"] == {
        "kind": "epoch",
        "value": 37.0,
        "below": None,
    }
    assert session.stop.epoch is None  # met: play again trains on


def test_stop_when_the_test_loss_falls_below_a_bound() -> None:
    session = Session(Settings(), Config(speed=0, learning_rate=0.1))
    send(session, {"type": "stop_at", "test_loss_below": 0.3})
    send(session, {"type": "play"})
    messages: list[dict[str, Any]] = []
    for _ in range(2000):
        messages += session.run_slice(0.05, want_frame=False).messages
        if not session.running:
            break
    (stopped,) = [m for m in messages if m.get("reason") == "stopped"]
    assert stopped["stopped"]["kind"] == "test_loss" and stopped["stopped"]["below"] == 0.3
    assert session.trainer.stats.test_loss is not None and session.trainer.stats.test_loss < 0.3
    assert "fell below 0.3" in stopped["message"]


def test_stop_at_values_are_bounded() -> None:
    for bad in ({"epoch": 0}, {"test_loss_below": -1}, {"epoch": "5"}):
        with pytest.raises(ValueError):
            parse_client_message(json.dumps({"type": "stop_at", **bad}))


def test_confusion_matrix_r2_and_rmse() -> None:
    table = confusion_matrix(np.array([0, 0, 1, 2, 2]), np.array([0, 1, 1, 2, 0]), 3)
    assert table == [[1, 1, 0], [0, 1, 0], [1, 0, 1]]
    r2, rmse = r2_rmse(np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 4.0]))
    assert r2 == pytest.approx(0.5) and rmse == pytest.approx(np.sqrt(1 / 3))
    assert r2_rmse(np.array([2.0, 2.0]), np.array([2.0, 1.0]))[0] is None


@pytest.mark.parametrize(
    "config, keys",
    [
        (Config(), {"confusion"}),
        (Config(dataset="blobs", classes=4), {"confusion"}),
        (Config(dataset="sine"), {"r2", "rmse"}),
    ],
)
def test_every_frame_carries_its_metrics(config: Config, keys: set[str]) -> None:
    session = Session(Settings(), config)
    step(session, 2)
    metrics = frame(session)[0]["metrics"]
    assert metrics["split"] == "test"
    assert {key for key, value in metrics.items() if value is not None} - {"split"} == keys
    if "confusion" in keys:
        total = np.sum(metrics["confusion"])
        assert total == len(session.trainer.data.y_test)
