"""When a fit saves its checkpoints, and how a saved model is loaded.

``checkpoint_every`` takes a save policy: :class:`Every` (epochs, batches,
seconds), :class:`Adaptive` (as often as pays, within an overhead budget) or
:class:`OnImprovement`, combined with ``|``::

    from skstop.checkpoint import Every, OnImprovement

    EarlyStoppingEstimator(net, checkpoint_dir="ckpt",
                           checkpoint_every=OnImprovement() | Every(seconds=900))

Subclass :class:`SavePolicy` for a rule of your own.
"""

from ._checkpoint import Adaptive, Every, OnImprovement, SavePolicy
from ._checkpoint._policy import Moment, SaveClock
from ._resume import load_checkpoint

__all__ = [
    "Adaptive",
    "Every",
    "Moment",
    "OnImprovement",
    "SaveClock",
    "SavePolicy",
    "load_checkpoint",
]
