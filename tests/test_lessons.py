"""Lessons: every step opens a valid setup, and its live check holds once it has trained; the
views they read (gradients, unit health, the equivalent linear map, dropout masks, one point's
numbers) say what the lecture says."""

from __future__ import annotations

import dataclasses
from typing import Any, get_args

import numpy as np
import pytest

from app import datasets, lessons, views
from app.config import Settings
from app.frames import decode_frame
from app.lesson_checks import CHECKS, frame_views
from app.lessons import LESSONS, get_step
from app.protocol import LessonName, ViewName, Views, parse_client_message
from app.session import Session
from app.session_config import Config, LayerSpec
from app.trainer import Trainer

STEPS = [(lesson, k) for lesson, steps in LESSONS.items() for k in range(len(steps))]
CHECKED = [(lesson, k) for lesson, k in STEPS if get_step(lesson, k).check]
MAX_EPOCHS = 2000  # a bound on the work, never a clock


def step_id(pair: tuple[str, int]) -> str:
    return f"{pair[0]}/{get_step(*pair).name}"


def test_the_names_agree_everywhere() -> None:
    assert get_args(ViewName) == views.VIEWS
    assert get_args(LessonName) == tuple(LESSONS)
    for lesson, k in STEPS:
        step = get_step(lesson, k)
        assert set(step.views) <= set(views.VIEWS)
        assert set(step.highlight) <= set(lessons.HIGHLIGHTS)
        assert step.check is None or step.check in CHECKS
        names = [s.name for s in LESSONS[lesson]]
        assert len(set(names)) == len(names)


@pytest.mark.parametrize("pair", STEPS, ids=step_id)
def test_the_catalogs_step_opens_the_validated_preset(pair: tuple[str, int]) -> None:
    """The page opens a step with the defaults plus the catalog's fields: the server's config."""
    (entry,) = [
        s for lesson in lessons.catalog() if lesson["name"] == pair[0] for s in lesson["steps"]
        if s["name"] == get_step(*pair).name
    ]  # fmt: skip
    opened = Config.model_validate(Config().model_dump() | entry["config"])
    assert opened == get_step(*pair).config()
    assert opened.task == datasets.DATASETS[opened.dataset].task  # as the server would accept it
    for name, variant in entry["compare"].items():
        assert Config.model_validate(Config().model_dump() | variant) == get_step(*pair).variant(
            name
        )


def test_an_unknown_step_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match=r"lesson 'stacked' has steps 0..1, received 7"):
        get_step("stacked", 7)
    with pytest.raises(ValueError, match=r"unknown lesson 'nope'"):
        get_step("nope", 0)


def _point_for(trainer: Trainer) -> tuple[float, float]:
    x = trainer.data.x_train[0]
    return float(x[0]), float(x[1])


def train_until_checked(pair: tuple[str, int]) -> tuple[Trainer, dict[str, Any]]:
    """Train the step's setup until its check holds, at most MAX_EPOCHS; the last check."""
    step = get_step(*pair)
    trainer = Trainer(step.config())
    point = _point_for(trainer)
    shown: dict[str, Any] = {}
    while trainer.epoch < MAX_EPOCHS:
        trainer.train(float("inf"), 25)
        shown, _ = frame_views(trainer, step.views, point, pair)
        if shown["check"]["ok"]:
            break
    return trainer, shown


@pytest.mark.parametrize("pair", CHECKED, ids=step_id)
def test_each_steps_live_check_holds_after_training(pair: tuple[str, int]) -> None:
    trainer, shown = train_until_checked(pair)
    assert shown["check"]["ok"] is True, (trainer.epoch, shown["check"])


def test_lesson_3_a_equals_the_zero_layer_solution_and_the_boundary_stays_straight() -> None:
    trainer, shown = train_until_checked(("stacked", 0))
    linear = shown["linear"]
    a, closed = np.array(linear["network"]["a"]), np.array(linear["closed_form"]["a"])
    assert a.shape == closed.shape == (2, 1)
    np.testing.assert_allclose(a, closed, atol=1e-3)
    # zero hidden layers trained on the same data learn the same matrix
    flat = Trainer(trainer.config.model_copy(update={"layers": []}))
    flat.train(float("inf"), 300)
    w, _ = flat.net.weights()[0]
    np.testing.assert_allclose(a, w, atol=1e-3)
    trainer, shown = train_until_checked(("stacked", 1))
    assert trainer.epoch >= 25 and shown["linear"]["curvature"] < 1e-9
    deep = Trainer(trainer.config.model_copy(update={"layers": [LayerSpec(activation="tanh")] * 3}))
    deep.train(float("inf"), 50)
    assert views.linear(deep)["curvature"] > 1e-3 and views.linear(deep)["network"] is None


def test_lesson_6_step_gradients_are_exactly_zero_on_both_engines() -> None:
    for compiled in (True, False):
        trainer = Trainer(get_step("step_function", 0).config())
        trainer.use_compiled = compiled
        trainer.train(float("inf"), 5)
        norms = views.gradients(trainer)["gradient"]
        assert norms is not None and norms[:-1] == [0.0, 0.0] and norms[-1] > 0


def _fit_line(trainer: Trainer) -> np.ndarray:
    x1 = np.linspace(-6, 6, 25)
    return trainer.net.predict(x1.reshape(-1, 1))[:, 0]


@pytest.mark.parametrize("epochs", [400])
def test_lesson_2_an_outlier_dragged_moves_the_mae_fit_less_than_the_mse_fit(epochs: int) -> None:
    moved = {}
    for loss in ("mse", "mae"):
        trainer = Trainer(get_step("mse_mae", 0 if loss == "mse" else 1).config())
        trainer.train(float("inf"), epochs)
        before = _fit_line(trainer)
        data = trainer.data
        rows = np.column_stack(
            [
                np.concatenate([data.x_train, data.x_test]),
                np.concatenate([data.y_train, data.y_test]),
            ]
        )
        outlier = int(np.argmin(rows[:, 2]))  # one of the points at -1, dragged down to -6
        rows[outlier, 2] = -6.0
        trainer.set_custom(rows)
        trainer.train(float("inf"), epochs)
        moved[loss] = float(np.max(np.abs(_fit_line(trainer) - before)))
    assert moved["mae"] < moved["mse"] / 2, moved


def test_unit_health_marks_dead_and_saturated_units() -> None:
    trainer = Trainer(Config(layers=[LayerSpec(units=3, activation="relu")] * 2))
    (w, b), _, _ = trainer.net.weights()
    b[:] = [-100.0, 0.0, 0.0]  # unit 0 of layer 1 never fires on the data
    w[:, 1] *= 100.0
    trainer.net.set_activation(1, "sigmoid")
    w2, b2 = trainer.net.weights()[1]
    w2[:], b2[:] = 0.0, 8.0  # every input of the sigmoid layer at z = 8: flat there
    health = views.units(trainer.net, trainer.data.f_train)
    assert health[0]["status"][0] == "dead" and health[0]["active"][0] == 0.0
    assert health[1]["status"] == ["saturated"] * 3
    assert np.isclose(sum(health[0]["z_hist"][1]), 1.0, atol=0.01)
    steps = Trainer(get_step("step_function", 0).config())
    assert set(views.units(steps.net, steps.data.f_train)[0]["status"]) == {"dead"}


def test_the_point_view_gives_the_lectures_numbers() -> None:
    trainer = Trainer(get_step("tasks", 3).config())
    trainer.train(float("inf"), 20)
    point = views.inspect_point(trainer, _point_for(trainer))
    label = int(point["label"])
    z = np.array(point["logits"])
    p = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
    np.testing.assert_allclose(point["outputs"], p, atol=1e-12)
    assert point["loss"] == pytest.approx(-np.log(p[label]), abs=1e-12)
    binary = Trainer(get_step("tasks", 2).config())
    far = views.inspect_point(binary, (6.0, -6.0))  # no point within reach: no label, no loss
    assert far["label"] is None and far["loss"] is None
    assert far["softmax_pair"][1] == pytest.approx(far["outputs"][0], abs=1e-15)


def _frame(session: Session) -> tuple[dict[str, Any], dict[str, Any]]:
    outbox = session.run_slice(0.05, want_frame=True)
    assert outbox.frame is not None
    return decode_frame(outbox.frame)


def test_a_session_sends_views_only_when_asked() -> None:
    session = Session(Settings(), get_step("dropout", 0).config())
    header, arrays = _frame(session)
    assert "views" not in header or header["views"] is None
    session.queue(parse_client_message('{"type":"views","views":["dropout","gradients"],'
                                       '"lesson":"dropout","step":0}'))  # fmt: skip
    session.queue(parse_client_message('{"type":"step","epochs":2}'))
    header, arrays = _frame(session)
    while session.running:
        header, arrays = _frame(session)
    assert set(header["views"]) == {"dropout", "gradients", "check"}
    assert header["views"]["check"]["ok"] is True and "output_train" in arrays
    assert (header["views"]["check"]["lesson"], header["views"]["check"]["step"]) == ("dropout", 0)
    assert arrays["output_train"].shape == (1, views.TRAIN_MAP, views.TRAIN_MAP)
    session.queue(parse_client_message('{"type":"views"}'))
    header, arrays = _frame(session)
    assert header.get("views") is None and "output_train" not in arrays


@pytest.mark.parametrize(
    ("message", "error"),
    [
        ('{"type":"views","lesson":"stacked"}', "lesson and step go together"),
        ('{"type":"views","lesson":"stacked","step":5}', "lesson 'stacked' has steps 0..1"),
    ],
)
def test_a_bad_views_message_is_refused_by_name(message: str, error: str) -> None:
    session = Session(Settings())
    (reply,) = session.handle(parse_client_message(message))
    assert reply["code"] == "bad_message" and error in reply["message"]


def test_views_messages_are_strict() -> None:
    with pytest.raises(Exception, match="views.0"):
        parse_client_message('{"type":"views","views":["nope"]}')
    assert isinstance(parse_client_message('{"type":"views","point":[1.5,-2]}'), Views)


def test_multi_output_regression_trains_one_output_per_target() -> None:
    session = Session(Settings(), get_step("tasks", 1).config())
    data = session.greeting()[1]
    assert data["targets"] == 3 and len(data["train"][0]) == 5
    assert session.trainer.net.outputs == 3
    header, arrays = _frame(session)
    assert arrays["output"].shape[0] == 3 and header["sizes"][-1] == 3
    linear = views.linear(session.trainer)
    assert np.array(linear["closed_form"]["a"]).shape == (2, 3)


def test_points_drawn_on_a_1d_plot_stay_a_1d_curve() -> None:
    """Outliers added on lesson 2's plot (x2 = 0) keep the data a curve y(x1), plotted."""
    session = Session(Settings(), get_step("mse_mae", 0).config())
    replies = session.handle(parse_client_message('{"type":"add_points","points":[[4.5,0,-4]]}'))
    data = next(reply for reply in replies if reply["type"] == "data")
    assert (
        data["dataset"] == "custom"
        and data["one_d"]
        and len(data["train"]) + len(data["test"]) == 201
    )
    assert session.trainer.config.features == ["x1"]
    _, arrays = _frame(session)
    assert "curve" in arrays  # the fit and least squares, drawn against x1
    replies = session.handle(parse_client_message('{"type":"add_points","points":[[1,2,0.5]]}'))
    assert not next(reply for reply in replies if reply["type"] == "data")["one_d"]


def test_a_loss_below_check_once_met_stays_met_when_the_run_overfits() -> None:
    trainer = Trainer(get_step("optimizers", 2).config())
    threshold = 0.3
    assert frame_views(trainer, (), None, ("optimizers", 2))[0]["check"]["ok"] is None
    trainer.train(float("inf"), 400)
    met = frame_views(trainer, (), None, ("optimizers", 2))[0]["check"]
    assert met["ok"] is True and met["values"]["best"] < threshold
    trainer.stats = dataclasses.replace(
        trainer.stats, test_loss=0.66
    )  # a long noisy run climbs back
    later = frame_views(trainer, (), None, ("optimizers", 2))[0]["check"]
    assert later["ok"] is True and later["values"]["loss"] == 0.66
    trainer.reset()  # a new run has to reach it again
    assert frame_views(trainer, (), None, ("optimizers", 2))[0]["check"]["ok"] is None
