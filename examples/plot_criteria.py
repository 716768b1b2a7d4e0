"""
Patience against Prechelt's criteria
====================================

The same SGD model stopped by patience and by the generalization-loss and
up-strips criteria, their learning curves overlaid.
"""

import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.linear_model import SGDClassifier

from skstop import EarlyStoppingDisplay, EarlyStoppingEstimator
from skstop.criteria import GeneralizationLoss, UpStrips

X, y = load_digits(return_X_y=True)
X = X / 16
rules = {
    "patience 3": dict(n_iter_no_change=3),
    "GL(1)": dict(n_iter_no_change=None, criteria=[GeneralizationLoss(alpha=1)]),
    "UP(2, strip 2)": dict(n_iter_no_change=None, criteria=[UpStrips(s=2, strip=2)]),
}

ax = None
for name, params in rules.items():
    model = EarlyStoppingEstimator(
        SGDClassifier(loss="log_loss", random_state=0),
        scoring="neg_log_loss",
        max_iter=60,
        random_state=0,
        **params,
    ).fit(X, y)
    display = EarlyStoppingDisplay.from_estimator(model, ax=ax, name=name)
    ax = display.ax_
    print(f"{name:>15}: {model.n_iter_} epochs, stopped by {model.termination_condition_}")
ax.set_title("validation log-loss (negated) per epoch")
plt.show()
