"""skstop: early stopping and model saving for scikit-learn estimators."""

from ._checkpoint import CheckpointError, load_checkpoint
from ._estimator import EarlyStoppingEstimator

__version__ = "0.1.0"

__all__ = ["CheckpointError", "EarlyStoppingEstimator", "load_checkpoint", "__version__"]
