"""One trainer per kind of inner estimator, behind the interface of ``Trainer``."""

from ._base import PickleSnapshot, Trainer
from ._partial_fit import PartialFitTrainer
from ._skorch import NetTrainer, is_skorch_net

__all__ = [
    "NetTrainer",
    "PartialFitTrainer",
    "PickleSnapshot",
    "Trainer",
    "take_snapshot",
    "trainer_for",
]


def trainer_for(estimator, classes=None):
    """The trainer of ``estimator``'s kind."""
    kind = NetTrainer if is_skorch_net(estimator) else PartialFitTrainer
    return kind(estimator, classes)


def take_snapshot(estimator, reuse=None):
    """Capture ``estimator``'s complete current state in memory."""
    return trainer_for(estimator).snapshot(estimator, reuse=reuse)
