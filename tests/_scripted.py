"""Deterministic estimators for stopping tests: their score replays a list."""

import time

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.naive_bayes import GaussianNB

VALIDATION_MARK = 999.0


class ScriptedClassifier(ClassifierMixin, BaseEstimator):
    """Scores ``scores[k - 1]`` after its k-th ``partial_fit`` call, then the last.

    Records every call so tests can see what the wrapper fed it, and keeps its
    whole "model" in ``epochs_`` so a restored state tells which epoch it is.
    ``interrupt_at`` raises KeyboardInterrupt inside that call, as Ctrl-C would.
    """

    def __init__(self, scores=(0.5,), interrupt_at=None, train_scores=None, eta0=0.1):
        self.scores = scores
        self.interrupt_at = interrupt_at
        self.train_scores = train_scores
        self.eta0 = eta0

    def fit(self, X, y, sample_weight=None):
        for attribute in ("epochs_", "calls_"):
            self.__dict__.pop(attribute, None)
        return self.partial_fit(X, y, np.unique(y), sample_weight)

    def partial_fit(self, X, y, classes=None, sample_weight=None):
        if not hasattr(self, "epochs_"):
            self.epochs_, self.calls_ = 0, []
        self.calls_.append(
            {"X": X, "y": y, "classes": classes, "sample_weight": sample_weight, "eta0": self.eta0}
        )
        if self.interrupt_at == len(self.calls_):
            raise KeyboardInterrupt
        self.epochs_ += 1
        self.classes_ = np.asarray(classes)
        return self

    def predict(self, X):
        return np.full(len(X), self.classes_[0])

    def score(self, X, y, sample_weight=None):
        # Validation rows carry VALIDATION_MARK in their first column; any other
        # rows are the training probe, scored from train_scores.
        is_validation = self.train_scores is None or X[0, 0] == VALIDATION_MARK
        scores = self.scores if is_validation else self.train_scores
        if is_validation:
            self.scored_on_ = {"X": X, "y": y, "sample_weight": sample_weight}
        return scores[min(self.epochs_, len(scores)) - 1]


class ScriptedRegressor(RegressorMixin, BaseEstimator):
    """The regressor twin of ScriptedClassifier, minus the recording."""

    def __init__(self, scores=(0.5,)):
        self.scores = scores

    def fit(self, X, y, sample_weight=None):
        self.__dict__.pop("epochs_", None)
        return self.partial_fit(X, y, sample_weight)

    def partial_fit(self, X, y, sample_weight=None):
        self.epochs_ = getattr(self, "epochs_", 0) + 1
        return self

    def predict(self, X):
        return np.zeros(len(X))

    def score(self, X, y, sample_weight=None):
        return self.scores[self.epochs_ - 1]


class HidingNB(GaussianNB):
    """GaussianNB without the method named by ``hidden``, as if never written."""

    def __init__(self, hidden=None, *, priors=None, var_smoothing=1e-9):
        super().__init__(priors=priors, var_smoothing=var_smoothing)
        self.hidden = hidden

    def __getattribute__(self, name):
        if name == object.__getattribute__(self, "__dict__").get("hidden"):
            raise AttributeError(f"HidingNB has no {name}")
        return super().__getattribute__(name)


class SlowScripted(ClassifierMixin, BaseEstimator):
    """Scores ``level + 0.01 * k`` after its k-th epoch, each epoch taking ``seconds``.

    The candidates of an asynchronous search: deterministic scores, unequal
    costs, nothing but sleep in an epoch (so many fit on a few cores).
    """

    def __init__(self, level=0.5, seconds=0.01):
        self.level = level
        self.seconds = seconds

    def fit(self, X, y):
        self.__dict__.pop("epochs_", None)
        return self.partial_fit(X, y, np.unique(y))

    def partial_fit(self, X, y, classes=None):
        time.sleep(self.seconds)
        self.epochs_ = getattr(self, "epochs_", 0) + 1
        self.classes_ = np.asarray(classes)
        return self

    def predict(self, X):
        return np.full(len(X), self.classes_[0])

    def score(self, X, y, sample_weight=None):
        return self.level + 0.01 * self.epochs_
