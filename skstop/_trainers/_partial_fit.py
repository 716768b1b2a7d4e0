"""The trainer of scikit-learn-style estimators: ``partial_fit`` on each batch."""

import warnings

import numpy as np
from sklearn.base import clone
from sklearn.utils import _safe_indexing
from sklearn.utils.validation import _check_method_params, _num_samples

from .._batches import is_dask_collection
from ._base import Trainer

# Rows of X that a copy of a third-party estimator trains on before the fit,
# so that input it refuses is refused before any training or writing.
TRIAL_ROWS = 5


class PartialFitTrainer(Trainer):
    """Trains with one ``partial_fit`` call per batch of an epoch."""

    def __init__(self, estimator, classes=None):
        super().__init__(estimator, classes)
        # Naive Bayes' partial_fit adds the rows' counts to those it has: a
        # second pass counts the same rows again, it does not learn more.
        self._accumulates_counts = type(estimator).__module__ == "sklearn.naive_bayes"
        self._warned = False

    def check_input(self, X, y, params):
        """A copy trains on X's first rows: third-party estimators check their own input.

        scikit-learn's estimators are checked with ``check_array`` before the
        split instead; their copies are not tried.
        """
        if self.takes_2d_arrays or is_dask_collection(X):
            return
        rows = np.arange(min(TRIAL_ROWS, _num_samples(X)))
        y_rows = None if y is None else _safe_indexing(y, rows)
        classes = {} if self.classes is None else {"classes": self.classes}
        try:
            clone(self.estimator).partial_fit(
                _safe_indexing(X, rows), y_rows, **classes, **_check_method_params(X, params, rows)
            )
        except Exception as error:
            raise ValueError(
                f"{type(self.estimator).__name__}.partial_fit refused the first {len(rows)} "
                f"rows of X, tried on a copy before training: {type(error).__name__}: {error}"
            ) from error

    def pauses_between_batches(self, batch_size):
        return batch_size is not None

    def train_one_epoch(self, estimator, batches, *, between_batches=None, resume=None):
        if self._accumulates_counts and hasattr(estimator, "class_count_"):
            self._warn_counted_again(estimator)
        # classes go with every call, not just the first: scikit-learn accepts
        # the same classes again, and a resumed fit need not know which is first.
        classes = {} if self.classes is None else {"classes": self.classes}
        # The estimator draws from its own state only (pickled with it), and
        # the batches from random_state as the epoch began: skipping those
        # already trained is all it takes to continue inside the epoch.
        skip = 0 if resume is None else resume.batches
        for trained, (X_batch, y_batch, params) in enumerate(batches.epoch(skip), start=skip):
            if trained > skip and between_batches is not None:
                between_batches(trained)
            estimator.partial_fit(X_batch, y_batch, **classes, **params)

    def _warn_counted_again(self, estimator):
        if not self._warned:
            self._warned = True
            warnings.warn(
                f"{type(estimator).__name__}'s partial_fit only accumulates counts: "
                "every epoch after the first counts the same training rows again "
                "(their weight doubles, triples ...), so more epochs do not improve "
                "it. Use max_iter=1, or validation_fraction=None with max_iter=1.",
                UserWarning,
            )
