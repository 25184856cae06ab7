"""Trainer: the data, the model, the optimizer and the epoch counter of one session.

Synchronous and bounded: `train(deadline)` does at most a slice of work and returns; the web
layer decides when to call it. Every config change goes through `apply(config)`, which rebuilds
only what the change needs and keeps every weight it can.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from app import accel, datasets, hand_edits
from app.batches import Batches
from app.compiled_training import CompiledTraining
from app.nn import MLP, Optimizer, make_optimizer
from app.session_config import Config, LayerSpec, Rebuilt, optimizer_hyper
from app.train_state import TrainState, capture
from app.training_data import Data, Stats, evaluate, make_data
from app.watchdog import Change, Divergence, Watchdog, constant_loss, describe_change

Array = NDArray[np.float64]

DATA_FIELDS = ("dataset", "n_points", "noise", "train_share", "classes", "data_seed")


def _outputs(data: Data) -> int:
    """The network's output width for the data: k classes, or one per regression target."""
    return data.classes if data.task == "multiclass" else data.targets


class NoData(ValueError):
    """Training was asked for with no training points."""

    def __init__(self) -> None:
        super().__init__("there are no training points: draw some, load a CSV or choose a dataset")


class Diverged(RuntimeError):
    """Training blew up (see app.watchdog); the best recent weights were restored."""

    def __init__(self, divergence: Divergence) -> None:
        super().__init__(divergence.message())
        self.divergence = divergence


class Trainer:
    """One session's training state; see the module docstring."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.custom: Array = np.zeros((0, 3))  # user points (x1, x2, label)
        self.data_revision = 0
        self.data = self._make_data(config)
        self.net = self._make_net(config, self.data)
        self.optimizer = self._make_optimizer(config)
        self.epoch = 0
        self.batches = Batches(config.seed)
        self.use_compiled = True  # False: the readable loop alone (tests compare the two)
        # What `train` deadlines are measured on. A server passes time.thread_time: a slice
        # then gets its CPU budget even when it waits for the GIL (the event loop's turn).
        self.clock: Callable[[], float] = time.perf_counter
        self.compiled = CompiledTraining()
        self._gradients_from: str | None = None  # which loop trained the last batch
        self.stats = self.evaluate()
        self.watchdog = Watchdog()
        self.best_test_loss: float | None = None  # the run's lowest test loss, once trained
        self._watch(None)

    # ---- building ----

    def _make_data(self, config: Config, custom: Array | None = None) -> Data:
        """New data for `config` (raises, changing nothing, when the points do not fit it)."""
        data = make_data(config, self.custom if custom is None else custom)
        self.data_revision += 1
        return data

    def _make_net(self, config: Config, data: Data) -> MLP:
        outputs = _outputs(data)
        net = MLP(
            inputs=len(config.features),
            layers=[(layer.units, layer.activation, layer.dropout) for layer in config.layers],
            outputs=outputs,
            task=data.task,
            loss=config.loss if data.task == "regression" else None,
            init=config.init,
            seed=config.seed,
        )
        self._set_regularization(net, config)
        return net

    @staticmethod
    def _set_regularization(net: MLP, config: Config) -> None:
        net.l1 = config.regularization_rate if config.regularization == "l1" else 0.0
        net.l2 = config.regularization_rate if config.regularization == "l2" else 0.0

    @staticmethod
    def _make_optimizer(config: Config) -> Optimizer:
        return make_optimizer(config.optimizer, lr=config.learning_rate, **optimizer_hyper(config))

    # ---- live changes ----

    def apply(self, new: Config) -> list[Rebuilt]:
        """Move to config `new`, rebuilding only what changed; returns what was rebuilt."""
        old, rebuilt = self.config, list[Rebuilt]()
        changed = {name for name in Config.model_fields if getattr(old, name) != getattr(new, name)}
        new_data = changed & set(DATA_FIELDS) or "task" in changed
        # What can fail for a valid Config (points that do not suit it) fails here, before
        # anything changes: a refused change leaves config, data and network as they were.
        data = self._make_data(new) if new_data else None
        self.config = new
        shape_changed = False
        if data is not None:
            old_task, old_classes = self.data.task, self.data.classes
            self.data = data
            self.batches.restart()
            rebuilt.append("data")
            shape_changed = (self.data.task, self.data.classes) != (old_task, old_classes)
            shape_changed = shape_changed or _outputs(self.data) != self.net.outputs
        elif "features" in changed:
            self.data.featurize(list(new.features))
        if shape_changed or "features" in changed or "loss" in changed:
            self._rebuild_net_keeping_weights()
            rebuilt.append("network")
        elif "layers" in changed:
            self._edit_layers(old.layers, new.layers)
            rebuilt.append("network")
        if "optimizer" in changed:
            self.optimizer = self._make_optimizer(new)
            rebuilt.append("optimizer")
        else:
            self._update_optimizer_hyper(new)
        self._set_regularization(self.net, new)
        if rebuilt:
            self.stats = self.evaluate()
        if "network" in rebuilt:
            self._gradients_from = None  # the last batch's gradients were another network's
        change = describe_change(old, new)
        if change is not None:
            self._watch(change)
        return rebuilt

    def _update_optimizer_hyper(self, config: Config) -> None:
        self.optimizer.lr = config.learning_rate
        for name, value in optimizer_hyper(config).items():
            setattr(self.optimizer, name, value)

    def _edit_layers(self, old: list[LayerSpec], new: list[LayerSpec]) -> None:
        """Turn the hidden layers `old` into `new` with weight-keeping edits."""
        current = list(old)
        # Align by the longest common prefix and suffix; what lies between is inserted/removed.
        prefix = 0
        while prefix < min(len(current), len(new)) and current[prefix] == new[prefix]:
            prefix += 1
        while len(current) > len(new):
            self._sync(self.net.remove_layer(min(prefix, len(current) - 1)))
            current.pop(min(prefix, len(current) - 1))
        while len(current) < len(new):
            spec = new[prefix]
            self._sync(self.net.insert_layer(prefix, spec.units, spec.activation, spec.dropout))
            current.insert(prefix, spec)
        for index, (was, want) in enumerate(zip(current, new, strict=True)):
            if was.units != want.units:
                self._sync(self.net.resize_layer(index, want.units))
            if was.activation != want.activation:
                self._sync(self.net.set_activation(index, want.activation))
            if was.dropout != want.dropout:
                self._sync(self.net.set_dropout(index, want.dropout))

    def _sync(self, mapping: Any) -> None:
        """Let the optimizer keep the state of tensors an edit left alone."""
        if mapping is not None:
            self.optimizer.sync(mapping)

    def _rebuild_net_keeping_weights(self) -> None:
        """A new input width, output width or loss: keep every Dense layer whose shape still fits."""
        old_pairs = self.net.weights()
        self._gradients_from = None
        self.net = self._make_net(self.config, self.data)
        for (w_new, b_new), (w_old, b_old) in zip(self.net.weights(), old_pairs, strict=False):
            if w_new.shape == w_old.shape:
                w_new[...] = w_old
                b_new[...] = b_old
        self.optimizer.reset()

    def reset(self, seed: int | None = None) -> None:
        """Fresh initial weights (same config and seed, same weights), epoch 0."""
        if seed is not None:
            self.config = self.config.model_copy(update={"seed": seed})
        self.net = self._make_net(self.config, self.data)
        self.optimizer = self._make_optimizer(self.config)
        self._gradients_from = None
        self.epoch = 0
        self.batches = Batches(self.config.seed)
        self.stats = self.evaluate()
        self._watch(None)

    def set_weight(self, layer: int, source: int, target: int, value: float) -> None:
        hand_edits.set_weight(self.net, layer, source, target, value)
        self.stats = self.evaluate()
        self._watch(Change("weight", layer))

    def set_bias(self, layer: int, neuron: int, value: float) -> None:
        hand_edits.set_bias(self.net, layer, neuron, value)
        self.stats = self.evaluate()
        self._watch(Change("weight", layer))

    def set_weights(self, layers: list[hand_edits.Layer], epoch: int | None) -> None:
        """Replace every weight (see hand_edits.set_weights); the run continues from `epoch`
        if given, with a fresh optimizer state."""
        hand_edits.set_weights(self.net, layers)
        if epoch is not None:
            self.epoch = epoch
        self.optimizer.reset()
        self.batches.restart()
        self.stats = self.evaluate()
        self._watch(None)

    def require_data(self) -> None:
        """Raise NoData when there is nothing to train on."""
        if len(self.data.y_train) == 0:
            raise NoData()

    # ---- custom data ----

    def set_custom(self, points: NDArray[Any], classes: int | None = None) -> None:
        """Replace the custom points (validated by the caller) and switch to them, with
        `classes` classes when given."""
        update: dict[str, Any] = {"dataset": "custom"}
        if classes is not None:
            update["classes"] = classes
        config = self.config.model_copy(update=update)
        data = self._make_data(config, points)
        self.custom, self.config = points, config
        old = (self.data.task, self.data.classes)
        self.data = data
        self.batches.restart()
        if (self.data.task, self.data.classes) != old or _outputs(self.data) != self.net.outputs:
            self._rebuild_net_keeping_weights()
        self.stats = self.evaluate()
        self._watch(Change("dataset", None, None, "custom"))

    # ---- training ----

    def train(self, deadline: float, max_epochs: float) -> int:
        """Train mini-batches until `deadline` (on self.clock) or `max_epochs` more epochs end.

        Returns the number of completed epochs; a partly done epoch resumes next call.
        Raises Diverged, with the run's best recent weights restored, when the loss became
        non-finite or blew up (app.watchdog).
        """
        n = len(self.data.y_train)
        if n == 0 or max_epochs <= 0:
            return 0
        batch = min(self.config.batch_size, n)
        if self.use_compiled and accel.ready() and accel.fits(self.net):
            self._gradients_from = "compiled"
            done, stats = self.compiled.train(
                self.net,
                self.optimizer,
                self.data,
                self.batches,
                self.clock,
                deadline,
                (max_epochs, batch),
            )
            self.epoch += done
            self.stats = stats
            if stats.train_loss is None:  # non-finite: the live weights were left as they were
                self._diverged(None, None)
            self._check()
            self._note_best()
            return done
        backup = [p.copy() for p in self.net.parameters()]
        self._gradients_from = "readable"
        done = self._train_readable(deadline, max_epochs, batch, backup)
        self.stats = self.evaluate()
        # A non-finite weight makes the training loss NaN or inf (0 * inf is NaN too), which
        # evaluate reports as None: one check covers every parameter.
        if self.stats.train_loss is None:
            self._diverged(None, backup)
        self._check()
        self._note_best()
        return done

    def _note_best(self) -> None:
        loss, best = self.stats.test_loss, self.best_test_loss
        if loss is not None and (best is None or loss < best):
            self.best_test_loss = loss

    def _train_readable(
        self, deadline: float, max_epochs: float, batch: int, backup: list[Array]
    ) -> int:
        """The reference loop: one net.loss_and_grads and optimizer.step per mini-batch."""
        n, done = len(self.data.y_train), 0
        x, y = self.data.f_train, self.data.y_train
        params = self.net.parameters()
        while done < max_epochs:
            self.batches.begin_epoch_if_done(n, batch)
            index = self.batches.take(batch)
            with np.errstate(all="ignore"):  # a diverging run is caught just below
                loss, grads = self.net.loss_and_grads(x[index], y[index])
            if not np.isfinite(loss):
                self._diverged(None, backup)
            self.optimizer.step(params, grads)
            if self.batches.epoch_done():
                self.epoch += 1
                done += 1
            if self.clock() >= deadline:
                break
        return done

    def weight_gradients(self) -> list[Array] | None:
        """dL/dW of each Dense layer on the last batch trained (readable or compiled), None
        when the current network has not trained a batch yet (new, reset or rebuilt)."""
        if self._gradients_from == "compiled":
            return self.compiled.weight_gradients(self.net)
        if self._gradients_from == "readable":
            grads = self.net.weight_gradients()
            pairs = zip(grads, self.net.weights(), strict=True)
            same = all(g.shape == w.shape for g, (w, _) in pairs)
            return grads if same else None
        return None

    def _watch(self, change: Change | None) -> None:
        """The current weights start a new run for the watchdog (after `change`, if any)."""
        self.best_test_loss = None
        scale = constant_loss(self.net, self.data.y_train)
        loss = self.stats.train_loss
        self.watchdog.restart(self.net.parameters(), loss, self.epoch, scale, change)
        self.run_start: TrainState = capture(self, change)  # where an exported script starts

    def _check(self) -> None:
        """After a finite slice: raise Diverged if the loss blew up all the same."""
        if self.watchdog.observe(self.net.parameters(), self.stats.train_loss, self.epoch):
            self._diverged(self.stats.train_loss, None)

    def _diverged(self, loss: float | None, backup: list[Array] | None) -> None:
        """Restore the run's best weights (else `backup`, else keep them), reset the optimizer,
        and raise Diverged; the run goes on from the restored weights."""
        divergence = self.watchdog.report(self.epoch, loss, self.config.learning_rate)
        best = self.watchdog.best
        saved = best.params if best is not None else backup
        for param, value in zip(self.net.parameters(), saved or [], strict=saved is not None):
            param[...] = value
        self.optimizer.reset()
        self.batches.restart()
        self.stats = self.evaluate()
        self._watch(self.watchdog.change)
        raise Diverged(divergence)

    def evaluate(self) -> Stats:
        """Data loss (no penalty, no dropout) and accuracy on both splits, from one forward:
        compiled once the kernel is ready (equal to the readable evaluate to 1e-14, tested;
        and the readable forward would keep every layer's activations cached)."""
        data = self.data
        if not (self.use_compiled and accel.ready() and len(data.y_all)):
            return evaluate(self.net, data)
        return self.compiled.evaluate(self.net, data)

    def logits(self, x: Array, y: Any) -> Array:
        """net.logits(x) for rows x with targets y: compiled once the kernel is ready."""
        if self.use_compiled and accel.ready() and len(x):
            return self.compiled.logits(self.net, x, y)
        return self.net.logits(x)

    # ---- what a frame shows ----

    def structure(self) -> dict[str, Any]:
        """The network's shape, as the frame header states it."""
        config = self.config
        weights = self.net.weights()
        sizes = [weights[0][0].shape[0]] + [w.shape[1] for w, _ in weights]
        return {
            "sizes": sizes,
            "activations": [layer.activation for layer in config.layers],
            "dropout": [layer.dropout for layer in config.layers],
            "features": list(config.features),
            "task": self.data.task,
        }

    def points(self) -> dict[str, Any]:
        """The data message's content."""
        return {
            "revision": self.data_revision,
            "task": self.data.task,
            "dataset": self.config.dataset,
            "classes": self.data.classes,
            "one_d": self.data.one_d,
            "domain": list(datasets.DOMAIN),
            "targets": self.data.targets,
            **self.data.points(),
        }
