"""The trainer of scikit-learn-style estimators: ``partial_fit`` on each batch."""

import warnings

from ._base import Trainer


class PartialFitTrainer(Trainer):
    """Trains with one ``partial_fit`` call per batch of an epoch."""

    def __init__(self, estimator, classes=None):
        super().__init__(estimator, classes)
        # Naive Bayes' partial_fit adds the rows' counts to those it has: a
        # second pass counts the same rows again, it does not learn more.
        self._accumulates_counts = type(estimator).__module__ == "sklearn.naive_bayes"
        self._warned = False

    def train_one_epoch(self, estimator, batches):
        if self._accumulates_counts and hasattr(estimator, "class_count_"):
            self._warn_counted_again(estimator)
        # classes go with every call, not just the first: scikit-learn accepts
        # the same classes again, and a resumed fit need not know which is first.
        classes = {} if self.classes is None else {"classes": self.classes}
        for X_batch, y_batch, params in batches.epoch():
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
