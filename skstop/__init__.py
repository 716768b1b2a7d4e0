"""skstop: early stopping and model saving for scikit-learn estimators."""

from . import criteria
from ._checkpoint import CheckpointError
from ._display import EarlyStoppingDisplay
from ._estimator import EarlyStoppingEstimator
from ._resume import load_checkpoint
from ._schedules import ReduceOnPlateau
from ._search import EpochHalvingSearchCV
from ._version import __version__

__all__ = [
    "CheckpointError",
    "EarlyStoppingDisplay",
    "EarlyStoppingEstimator",
    "EpochHalvingSearchCV",
    "ReduceOnPlateau",
    "criteria",
    "load_checkpoint",
    "__version__",
]
