"""skstop: early stopping and model saving for scikit-learn estimators."""

from . import criteria
from ._checkpoint import CheckpointError, load_checkpoint
from ._display import EarlyStoppingDisplay
from ._estimator import EarlyStoppingEstimator
from ._schedules import ReduceOnPlateau
from ._search import EpochHalvingSearchCV

__version__ = "0.1.0"

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
