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

    def check(self, *, batch_size, scoring):
        if batch_size is not None:
            raise ValueError(
                f"batch_size={batch_size} was given for a skorch net, which "
                "iterates over minibatches itself: leave batch_size=None and set "
                "the net's own batch_size (e.g. estimator__batch_size)."
            )

    def new_estimator(self):
        net = super().new_estimator()
        params = {"train_split": None}
        if self.classes is not None and getattr(net, "classes", "absent") is None:
            params["classes"] = list(self.classes)
        return net.set_params(**params)

    def train_one_epoch(self, net, batches):
        # Nets get their classes as a parameter (see new_estimator) instead.
        for X, y, params in batches.epoch():
            if not net.initialized_:
                net.initialize()
            if not getattr(net, "history", None):
                net.notify("on_train_begin", X=X, y=y)
            net.fit_loop(X, y, epochs=1, **params)

    def snapshot(self, net, reuse=None):
        from ._torch_snapshot import NetSnapshot

        return NetSnapshot(net, reuse=reuse)

    def rng_state(self):
        # skorch shuffles its minibatches and drops out units with torch's
        # global generator, so an exact resume needs it as much as numpy's.
        from ._torch_snapshot import torch_rng_state, torch_rng_to_json

        return torch_rng_to_json(torch_rng_state())

    def set_rng_state(self, state):
        from ._torch_snapshot import set_torch_rng_state, torch_rng_from_json

        set_torch_rng_state(torch_rng_from_json(state))
