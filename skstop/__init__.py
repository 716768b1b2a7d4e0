"""skstop: early stopping and model saving for scikit-learn estimators."""

from ._estimator import EarlyStoppingEstimator

__version__ = "0.1.0"

__all__ = ["EarlyStoppingEstimator", "__version__"]
