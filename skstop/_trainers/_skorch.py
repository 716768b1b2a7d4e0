"""The trainer of skorch nets: one epoch per iteration, the net's own loss.

Nothing here imports torch or skorch unless a skorch net is being trained, so
the core keeps depending on scikit-learn, numpy and joblib only.

Two skorch traps are avoided:

- ``NeuralNet.partial_fit`` runs ``max_epochs`` epochs per call and fires
  ``on_train_begin`` each time (callbacks such as LRScheduler restart). skstop
  calls ``on_train_begin`` once and then ``fit_loop(X, y, epochs=1)`` per epoch,
  so the net's history has one row per epoch and its callbacks keep state.
- skorch's default ``train_split`` holds out 20% of every call. The trained
  copy gets ``train_split=None``: every training row is trained on, and the
  wrapper's split (or ``X_val``) is the only validation.
"""

import sys
import warnings
from contextlib import contextmanager

import numpy as np
from sklearn.metrics import accuracy_score

from ._base import Trainer


def is_skorch_net(estimator):
    skorch = sys.modules.get("skorch")
    return skorch is not None and isinstance(estimator, skorch.NeuralNet)


def net_loss_scorer(net, X, y):
    """Minus the net's mean criterion loss on ``X, y`` (greater is better).

    One pass over the validation data with the net's own ``validation_step``:
    no ``predict``, and the sum stays on the device until one final ``item()``.
    """
    import torch

    total, n_samples = None, 0
    dataset = net.get_dataset(X, y)
    for batch in net.get_iterator(dataset, training=False):
        loss = net.validation_step(batch)["loss"].detach()
        size = len(batch[1]) if batch[1] is not None else len(batch[0])
        total = loss * size if total is None else total + loss * size
        n_samples += size
    with torch.no_grad():
        return -float(total.item()) / n_samples


class NetTrainer(Trainer):
    """Trains a skorch net one ``fit_loop`` epoch at a time."""

    loss_scorer = staticmethod(net_loss_scorer)

    @property
    def _encodes_labels(self):
        return encodes_labels(self.estimator, self.classes)

    def check(self, *, batch_size, scoring, repeatable=False):
        if repeatable:
            _warn_if_module_is_built(self.estimator)
        if batch_size is not None:
            raise ValueError(
                f"batch_size={batch_size} was given for a skorch net, which "
                "iterates over minibatches itself: leave batch_size=None and set "
                "the net's own batch_size (e.g. estimator__batch_size)."
            )
        for name, callback in _named_callbacks(self.estimator):
            _check_callback(name, callback)

    def new_estimator(self):
        net = super().new_estimator()
        params = {"train_split": None}
        if self.classes is not None and getattr(net, "classes", "absent") is None:
            params["classes"] = list(self.classes)
        if _iterates_by_default(net):
            from ._tensor_batches import TensorBatches

            params.update(iterator_train=TensorBatches, iterator_valid=TensorBatches)
        return net.set_params(**params)

    def prepare_data(self, X, y, X_val, y_val, *, X_reaches_it=True):
        """X as the module takes it, on the net's device; y as class indices for classifiers.

        On the device once per fit when the net's batches come from
        TensorBatches, which then slices them there.
        """
        if X_reaches_it:
            X, X_val = self.prepare_input(X), self.prepare_input(X_val)
        device = self._batches_device()
        y, y_val = (self._target(target, device) for target in (y, y_val))
        return X, y, X_val, y_val

    def prepare_input(self, X):
        # A Pipeline's scaler hands over float64, which a float32 module refuses.
        return _module_input(X, self._batches_device())

    def _batches_device(self):
        """The device the data is moved to once per fit, or None when the net's own iterator
        takes it."""
        if not _iterates_by_default(self.estimator):
            return None
        return getattr(self.estimator, "device", "cpu")

    def _target(self, y, device):
        if y is None or _is_tensor(y):
            return y
        y = np.asarray(y)
        if self._encodes_labels:
            y = np.searchsorted(self.classes, y).astype(np.int64)
        elif y.dtype == np.float64:
            y = y.astype(np.float32)  # regression targets and binary labels
        return _on_device(y, device)

    def pauses_between_batches(self, batch_size):
        # Continuing inside an epoch draws its batches again: TensorBatches can.
        return _iterates_by_default(self.estimator)

    def initialize(self, net):
        if not net.initialized_:
            net.initialize()

    def train_one_epoch(self, net, batches, *, between_batches=None, resume=None):
        # Nets get their classes as a parameter (see new_estimator) instead.
        for X, y, params in batches.epoch():
            if not getattr(net, "history", None) and resume is None:
                net.notify("on_train_begin", X=X, y=y)
            with _batch_hooks_where_defined(net, between_batches, resume):
                net.fit_loop(X, y, epochs=1, **params)

    def end_training(self, net, X, y):
        # skorch's partial_fit ends with it; skstop calls fit_loop, one epoch at a time.
        net.notify("on_train_end", X=X, y=y)

    @contextmanager
    def random_stream(self, state, seed):
        """Torch's global RNG during a fit: a stream of its own when ``seed`` is given.

        The caller's torch RNG is left as it was: the fit runs on a forked RNG
        seeded with ``seed`` (or as ``state`` left it), and ``state`` keeps
        where the stream is when the fit ends. Without a seed, the fit draws
        from torch's global RNG as skorch does, set first to a resumed
        checkpoint's state.
        """
        import torch

        from ._torch_snapshot import set_torch_rng_state, torch_rng_from_json

        if seed is None:
            set_torch_rng_state(torch_rng_from_json(state.trainer_rng))
            state.trainer_rng = None
            yield
            return
        cuda = list(range(torch.cuda.device_count())) if torch.cuda.is_available() else []
        with torch.random.fork_rng(devices=cuda):
            if state.trainer_rng is None:
                torch.manual_seed(seed)
            else:
                set_torch_rng_state(torch_rng_from_json(state.trainer_rng))
            try:
                yield
            finally:
                state.trainer_rng = self.rng_state()

    def snapshot(self, net, reuse=None):
        from ._torch_snapshot import NetSnapshot

        return NetSnapshot(net, reuse=reuse)

    def dumps(self, net):
        from ._torch_snapshot import notify_lifted

        with notify_lifted(net):
            return super().dumps(net)

    def rng_state(self):
        # skorch shuffles its minibatches and drops out units with torch's
        # global generator, so an exact resume needs it as much as numpy's.
        from ._torch_snapshot import torch_rng_state, torch_rng_to_json

        return torch_rng_to_json(torch_rng_state())


def _warn_if_module_is_built(net):
    """A module passed built: its weights come from the script, not from random_state.

    Then two runs of a script start from different weights, and warm_start
    finds no checkpoint of the configuration (the weights are part of it).
    Weights loaded on purpose (fine-tuning) repeat, and may ignore this.
    """
    import torch

    if isinstance(net.module, torch.nn.Module):
        warnings.warn(
            f"The net's module is an instance ({type(net.module).__name__}): its initial "
            "weights were drawn from torch's global RNG when the script built it, not "
            "under random_state, so another run of the script starts from other weights "
            "and warm_start will not find this run's checkpoints. Pass the class and its "
            "arguments instead (module=MyModule, module__n_hidden=32): the net then builds "
            "it under random_state. (Weights loaded on purpose, to fine-tune, repeat: then "
            "ignore this warning.)",
            UserWarning,
        )


def _named_callbacks(net):
    """The user's callbacks of ``net`` as ``(name, callback)`` pairs."""
    for entry in net.callbacks or ():
        name, callback = entry if isinstance(entry, tuple) else (type(entry).__name__, entry)
        yield name, callback


def _check_callback(name, callback):
    """Refuse the skorch callbacks that cannot work inside EarlyStoppingEstimator."""
    from skorch.callbacks import EarlyStopping

    if isinstance(callback, EarlyStopping):
        raise ValueError(
            f"The net's callback {name!r} is skorch's EarlyStopping, which stops a net by "
            "raising KeyboardInterrupt (a real Ctrl-C could not be told from it). "
            "EarlyStoppingEstimator does the early stopping: remove the callback and set "
            "n_iter_no_change and tol (scoring='loss' watches the validation loss)."
        )
    monitor = getattr(callback, "monitor", None)
    if isinstance(monitor, str) and monitor.startswith("valid"):
        raise ValueError(
            f"The net's callback {name!r} monitors {monitor!r}, which the net never "
            "records: EarlyStoppingEstimator holds the validation rows out itself and "
            "trains the net with train_split=None. Monitor a training key (e.g. "
            "'train_loss'), or use EarlyStoppingEstimator's own saving (checkpoint_dir) "
            "and schedules (ReduceOnPlateau)."
        )


def encodes_labels(net, classes):
    """Whether the net is trained on class indices (its criterion's), not the user's labels."""
    from skorch import NeuralNetBinaryClassifier

    return classes is not None and not isinstance(net, NeuralNetBinaryClassifier)


def net_predict(estimator, classes, method, X, *args, **kwargs):
    """``estimator.method(X, ...)`` for a fitted net, or a Pipeline ending in one.

    X is taken as ``fit`` took it (the Pipeline's steps first, float64 as
    float32), and labels are given back as the user's, not class indices.
    """
    if hasattr(estimator, "steps"):  # the Pipeline's steps first, as in training
        X, estimator = estimator[:-1].transform(X), estimator.steps[-1][1]
    X = _module_input(X, None)
    if not encodes_labels(estimator, classes) or method not in ("predict", "score"):
        return getattr(estimator, method)(X, *args, **kwargs)
    predicted = np.asarray(estimator.classes_)[estimator.predict(X)]
    if method == "predict":
        return predicted
    y, *rest = args
    return accuracy_score(y, predicted, *rest, **kwargs)


def _iterates_by_default(net):
    """Whether the net draws its batches with DataLoader over skorch's Dataset, as shipped.

    Then its batches can come from TensorBatches instead, identical and faster;
    a user-set iterator, dataset or iterator option keeps the net's own.
    """
    from skorch.dataset import Dataset
    from torch.utils.data import DataLoader

    options = {*net.get_params_for("iterator_train"), *net.get_params_for("iterator_valid")}
    return (
        net.iterator_train is DataLoader
        and net.iterator_valid is DataLoader
        and net.dataset is Dataset
        and options <= {"shuffle", "batch_size"}
    )


def _is_tensor(data):
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(data, torch.Tensor)


def _module_input(X, device):
    """X as a module takes it: a DataFrame's values, float64 as float32, on ``device``."""
    if X is None or _is_tensor(X):
        return X
    if hasattr(X, "iloc") and hasattr(X, "to_numpy"):  # a DataFrame of numbers
        X = X.to_numpy()
    if isinstance(X, np.ndarray) and X.dtype == np.float64:
        import torch

        if torch.get_default_dtype() == torch.float32:
            X = X.astype(np.float32)
    return _on_device(X, device)


def _on_device(data, device):
    """``data`` as a tensor on ``device`` (moved once per fit), or as it is when None."""
    if device is None or not isinstance(data, np.ndarray) or data.dtype == object:
        return data
    import torch

    return torch.as_tensor(data, device=device)


@contextmanager
def _batch_hooks_where_defined(net, between_batches=None, resume=None):
    """Per-batch ``notify`` calls only to the callbacks that define the hook.

    skorch calls ``on_batch_begin``, ``on_grad_computed`` and ``on_batch_end``
    on every callback for every batch; the default ones do nothing there. The
    net's own hooks are always called (its ``on_batch_begin`` starts the
    batch's history row). Set on the instance for one epoch, and removed after
    it: the net pickles and clones as before.

    Also where skstop steps in between batches: ``between_batches(n)`` before
    each training batch but the epoch's first, ``n`` batches trained; and,
    continuing an epoch (``resume``), its history row keeps the batches
    trained before the checkpoint, so the epoch's ``train_loss`` averages
    every batch, as without the stop.
    """
    from skorch.callbacks import Callback

    from ._tensor_batches import continuing_after

    hooks = {
        hook: [
            callback
            for _, callback in net.callbacks_
            if getattr(type(callback), hook) is not getattr(Callback, hook)
        ]
        for hook in ("on_batch_begin", "on_grad_computed", "on_batch_end")
    }
    notify = net.notify
    trained = 0 if resume is None else resume.batches
    first_batch = trained
    earlier_batches = net.history.pop()["batches"] if resume is not None else None

    def notify_where_defined(method_name, **kwargs):
        nonlocal trained
        if method_name == "on_batch_begin" and kwargs.get("training"):
            if trained > first_batch and between_batches is not None:
                between_batches(trained)
            trained += 1
        if method_name == "on_epoch_end" and earlier_batches is not None:
            net.history.record("train_batch_count", len(net.history[-1, "batches"]))
        if method_name not in hooks:
            notify(method_name, **kwargs)
            if method_name == "on_epoch_begin" and earlier_batches is not None:
                net.history[-1]["batches"] = list(earlier_batches)
            return
        getattr(net, method_name)(net, **kwargs)
        for callback in hooks[method_name]:
            getattr(callback, method_name)(net, **kwargs)

    net.notify = notify_where_defined
    try:
        with continuing_after(resume):
            yield
    finally:
        del net.notify
