"""
Saving checkpoints and resuming
===============================

Fit with ``checkpoint_dir``, stop early on purpose (a small ``max_iter``, as if
the process had been killed), then continue with ``warm_start=True``: the run
ends exactly as one uninterrupted fit would.
"""

import tempfile

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import SGDClassifier

from skstop import EarlyStoppingDisplay, EarlyStoppingEstimator, load_checkpoint

X, y = load_digits(return_X_y=True)
X = X / 16
folder = tempfile.mkdtemp()


def make(**params):
    return EarlyStoppingEstimator(
        SGDClassifier(random_state=0),
        batch_size=128,
        n_iter_no_change=5,
        random_state=0,
        checkpoint_dir=folder,
        **params,
    )


make(max_iter=4).fit(X, y)  # "interrupted" after 4 epochs
resumed = make(max_iter=100, warm_start=True).fit(X, y)
uninterrupted = EarlyStoppingEstimator(
    SGDClassifier(random_state=0), batch_size=128, n_iter_no_change=5, random_state=0
).fit(X, y)
print(
    "same scores as one uninterrupted fit:",
    np.array_equal(resumed.validation_scores_, uninterrupted.validation_scores_),
)

# %%
# The fitted model, straight from disk, after its files were verified.
loaded = load_checkpoint(folder)
print("epochs:", loaded.n_iter_, "best:", loaded.best_iteration_)
EarlyStoppingDisplay.from_estimator(loaded, name="loaded from checkpoint")
plt.show()
