"""
A logger of your own
====================

Subclass :class:`skstop.loggers.Logger` and override the events you need:
here every epoch's record goes to a list, and the fit's end prints why it
stopped. The same three events drive the CSV, MLflow and TensorBoard loggers.
"""

import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.linear_model import SGDClassifier

from skstop import EarlyStoppingEstimator
from skstop.loggers import Logger


class ListLogger(Logger):
    """Keeps each epoch's record; says how the fit ended."""

    def __init__(self, records=None):
        self.records = records

    def on_fit_begin(self, fit):
        print(f"{fit.name} starts (from epoch {fit.resumed_from})")

    def on_epoch_end(self, fit, record):
        self.records.append(record)

    def on_fit_end(self, fit, result):
        print(f"stopped: {result['stop_reason']}; best epoch {result['best_iteration']}")


X, y = load_digits(return_X_y=True)
records = []
model = EarlyStoppingEstimator(
    SGDClassifier(random_state=0),
    n_iter_no_change=5,
    random_state=0,
    loggers=[ListLogger(records)],
).fit(X / 16, y)

fig, ax = plt.subplots()
ax.plot([r["elapsed"] for r in records], [r["validation_score"] for r in records], marker=".")
ax.set_xlabel("seconds since the fit began")
ax.set_ylabel("validation accuracy")
ax.set_title("What the logger saw, epoch by epoch")
plt.show()
