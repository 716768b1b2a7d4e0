"""One trainer per kind of inner estimator, behind the interface of ``Trainer``."""

from ._base import PickleSnapshot, Trainer
from ._partial_fit import PartialFitTrainer
from ._skorch import NetTrainer, is_skorch_net, net_predict

__all__ = [
    "NetTrainer",
    "PartialFitTrainer",
    "PickleSnapshot",
    "Trainer",
    "predict_with",
    "take_snapshot",
    "trainer_for",
]


def trainer_for(estimator, classes=None):
    """The trainer of ``estimator``'s kind."""
    kind = NetTrainer if is_skorch_net(estimator) else PartialFitTrainer
    return kind(estimator, classes)


def predict_with(estimator, trained, classes, method, X, *args, **kwargs):
    """``trained.method(X, ...)``, taking X and giving labels as ``fit`` did.

    ``estimator`` is the user's inner estimator (it tells the kind), ``trained``
    the fitted one (or a Pipeline ending in it), ``classes`` the fit's classes.
    """
    if is_skorch_net(estimator):
        return net_predict(trained, classes, method, X, *args, **kwargs)
    return getattr(trained, method)(X, *args, **kwargs)


def take_snapshot(estimator, reuse=None):
    """Capture ``estimator``'s complete current state in memory."""
    return trainer_for(estimator).snapshot(estimator, reuse=reuse)
