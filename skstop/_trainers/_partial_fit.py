"""The trainer of scikit-learn-style estimators: ``partial_fit`` on each batch."""

from ._base import Trainer


class PartialFitTrainer(Trainer):
    """Trains with one ``partial_fit`` call per batch of an epoch."""

    def train_one_epoch(self, estimator, batches):
        # classes go with every call, not just the first: scikit-learn accepts
        # the same classes again, and a resumed fit need not know which is first.
        classes = {} if self.classes is None else {"classes": self.classes}
        for X_batch, y_batch, params in batches.epoch():
            estimator.partial_fit(X_batch, y_batch, **classes, **params)
