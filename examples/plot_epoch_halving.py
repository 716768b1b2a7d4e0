"""
Early-stopping the search itself: EpochHalvingSearchCV
======================================================

A grid search trains every candidate on every fold until its own early stop,
however hopeless it looked after one epoch. :class:`~skstop.EpochHalvingSearchCV`
trains all candidates for one epoch, keeps the best third (ranked by their
cross-validated score at their best epoch), lets those continue from where they
paused to three epochs, and so on up to the wrapper's ``max_iter``. The
Benchmarks page compares it with ``GridSearchCV`` and scikit-learn's
``HalvingGridSearchCV`` on the same grids.
"""

import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import train_test_split

from skstop import EarlyStoppingDisplay, EarlyStoppingEstimator, EpochHalvingSearchCV

warnings.simplefilter("ignore", ConvergenceWarning)  # max_iter reached while improving

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X / 16, y, stratify=y, random_state=0)
model = EarlyStoppingEstimator(SGDClassifier(random_state=0), max_iter=27, random_state=0)
grid = {"estimator__alpha": list(np.logspace(-6, 1, 27))}

search = EpochHalvingSearchCV(model, grid, cv=3).fit(X_train, y_train)
print("candidates per rung:", search.n_candidates_, "epoch budgets:", search.n_resources_)
print(f"{search.total_epochs_} epochs in all (at most {27 * 3 * 27} without halving)")
print(f"best: {search.best_params_}, test accuracy {search.score(X_test, y_test):.3f}")

# %%
# Every candidate's mean validation curve up to the rung it reached, coloured
# by that rung; the winner in red, its best epoch starred.
display = EarlyStoppingDisplay.from_search(search)
display.ax_.set_title("27 candidates, 3 folds: survivors continue, the rest stop")
plt.show()
