"""
Pruning Optuna trials epoch by epoch
====================================

:class:`skstop.criteria.OptunaPruning` reports each epoch's validation score
to an Optuna trial and stops the fit when the study's pruner says the trial
will not win; Optuna records it as pruned. Pruned trials stop after a few
epochs, the others train until their patience runs out.
"""

import warnings

import matplotlib.pyplot as plt
import optuna
from sklearn.datasets import load_digits
from sklearn.linear_model import SGDClassifier

from skstop import EarlyStoppingEstimator
from skstop.criteria import OptunaPruning

X, y = load_digits(return_X_y=True)
X = X / 16


def objective(trial):
    model = EarlyStoppingEstimator(
        SGDClassifier(
            alpha=trial.suggest_float("alpha", 1e-6, 10.0, log=True),
            learning_rate="constant",
            eta0=trial.suggest_float("eta0", 1e-4, 1.0, log=True),
            random_state=0,
        ),
        max_iter=30,
        n_iter_no_change=5,
        criteria=[OptunaPruning(trial)],
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X, y)
    return model.best_score_


optuna.logging.set_verbosity(optuna.logging.WARNING)
study = optuna.create_study(
    direction="maximize",
    sampler=optuna.samplers.TPESampler(seed=0),
    pruner=optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=2),
)
study.optimize(objective, n_trials=30)

pruned = optuna.trial.TrialState.PRUNED
fig, ax = plt.subplots()
for trial in study.trials:
    steps = sorted(trial.intermediate_values)
    ax.plot(
        steps,
        [trial.intermediate_values[s] for s in steps],
        color="grey" if trial.state == pruned else "tab:blue",
        alpha=0.6,
    )
ax.set_xlabel("epoch")
ax.set_ylabel("validation accuracy")
n_pruned = sum(t.state == pruned for t in study.trials)
ax.set_title(f"{n_pruned} of {len(study.trials)} trials pruned (grey); best {study.best_value:.3f}")
plt.show()
