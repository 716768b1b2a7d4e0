"""Stopping criteria beyond patience, from Prechelt's "Early Stopping — but when?".

Pass them as ``EarlyStoppingEstimator(..., criteria=[...])``; training stops
when any of them, or the patience rule, says so, and ``termination_condition_``
names the one that fired. Each is a small, clonable object (``get_params`` /
``set_params``, so it fits in a parameter grid) with one method,
``should_stop(history) -> (stop, reason)``, a pure function of the history.

The formulas use the validation error E, derived from the score (greater is
better): ``E = -score`` for ``neg_*`` scorers and the net's ``"loss"``, and
``E = 1 - score`` for scores whose best value is 1 (accuracy, balanced
accuracy, r2, f1, precision, recall, ROC AUC, Jaccard ...). The estimator's
default score counts as accuracy for classifiers and r2 for regressors. Other
scorers are rejected when a criterion needs E.

With t the epoch, E_va the validation error, E_tr the training error and
E_opt(t) = min over t' <= t of E_va(t'):

- ``GeneralizationLoss(alpha)``: GL(t) = 100 (E_va(t) / E_opt(t) - 1) > alpha.
- ``ProgressQuotient(alpha, strip=k)``: at the end of each strip of k epochs,
  GL(t) / P_k(t) > alpha, with P_k(t) = 1000 (sum of E_tr over the strip /
  (k min of E_tr over the strip) - 1). E_tr is scored on a fixed subsample of
  the training split, only when such a criterion is used.
- ``UpStrips(s, strip=k)``: E_va went up at the end of s successive strips.
- ``TargetScore(value)``: the score reached ``value``.
- ``Divergence(threshold)``: the score fell below ``threshold``.
- ``TimeBudget(seconds)``: the wall-clock budget is spent.
- ``Baseline(value, patience)``: no score exceeded ``value`` within ``patience``
  epochs (Keras' ``baseline``).
"""

import importlib
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import HasMethods, Interval

__all__ = [
    "Baseline",
    "OptunaPruning",
    "Divergence",
    "GeneralizationLoss",
    "ProgressQuotient",
    "TargetScore",
    "TimeBudget",
    "TrainingHistory",
    "UpStrips",
]


@dataclass(frozen=True)
class TrainingHistory:
    """What a criterion sees after each epoch.

    Parameters
    ----------
    validation_scores : ndarray of shape (n_epochs,)
        Validation score per epoch (greater is better).
    validation_errors : ndarray of shape (n_epochs,) or None
        E_va per epoch, when the scorer defines one.
    training_errors : ndarray of shape (n_epochs,) or None
        E_tr per epoch, when a criterion asked for it.
    elapsed : float
        Seconds since ``fit`` started.
    """

    validation_scores: np.ndarray
    validation_errors: np.ndarray = None
    training_errors: np.ndarray = None
    elapsed: float = 0.0

    @property
    def n_epochs(self):
        return len(self.validation_scores)


class Criterion(BaseEstimator):
    """Base of the criteria: parameters as attributes, one decision method."""

    #: Whether the criterion reads ``validation_errors``.
    needs_errors = False
    #: Whether the criterion reads ``training_errors``.
    needs_training_errors = False

    def observe(self, history):
        """See every epoch, warm-up included (``should_stop`` is asked only after it)."""

    def should_stop(self, history):
        """Return ``(stop, reason)`` after the last epoch of ``history``."""
        raise NotImplementedError

    def after_fit(self, stop):
        """The fit ended with ``stop`` (a Stop) and its fitted attributes are set."""


def generalization_loss(errors):
    """GL(t) = 100 (E_va(t) / E_opt(t) - 1) for the last epoch of ``errors``."""
    best = np.min(errors)
    if best <= 0:
        return 0.0 if errors[-1] <= best else np.inf
    return 100.0 * (errors[-1] / best - 1.0)


class GeneralizationLoss(Criterion):
    """Stop when the generalization loss GL(t) exceeds ``alpha`` (Prechelt's GL).

    Parameters
    ----------
    alpha : float, default=5.0
        Threshold on GL(t) = 100 (E_va(t) / E_opt(t) - 1), in percent.

    Examples
    --------
    >>> import numpy as np
    >>> from skstop.criteria import GeneralizationLoss, TrainingHistory
    >>> errors = np.array([0.20, 0.10, 0.104, 0.106])
    >>> GeneralizationLoss(alpha=5).should_stop(TrainingHistory(-errors, errors))
    (True, 'GeneralizationLoss: GL 6.00 > 5')
    """

    needs_errors = True
    _parameter_constraints: dict = {"alpha": [Interval(Real, 0, None, closed="left")]}

    def __init__(self, alpha=5.0):
        self.alpha = alpha

    def should_stop(self, history):
        loss = generalization_loss(history.validation_errors)
        if loss > self.alpha:
            return True, f"GeneralizationLoss: GL {loss:.2f} > {self.alpha:g}"
        return False, None


class ProgressQuotient(Criterion):
    """Stop when GL(t) / P_k(t) exceeds ``alpha`` at the end of a strip (Prechelt's PQ).

    Parameters
    ----------
    alpha : float, default=0.5
        Threshold on the quotient of generalization loss and training progress.
    strip : int, default=5
        Strip length k, in epochs; the criterion is checked every k epochs.
    """

    needs_errors = True
    needs_training_errors = True
    _parameter_constraints: dict = {
        "alpha": [Interval(Real, 0, None, closed="left")],
        "strip": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, alpha=0.5, strip=5):
        self.alpha = alpha
        self.strip = strip

    def should_stop(self, history):
        t, k = history.n_epochs, self.strip
        if t < k or t % k:
            return False, None
        strip_errors = history.training_errors[t - k : t]
        lowest = np.min(strip_errors)
        progress = 1000.0 * (np.sum(strip_errors) / (k * lowest) - 1.0) if lowest > 0 else 0.0
        loss = generalization_loss(history.validation_errors)
        quotient = loss / progress if progress > 0 else (np.inf if loss > 0 else 0.0)
        if quotient > self.alpha:
            return True, (
                f"ProgressQuotient: GL {loss:.2f} / P{k} {progress:.2f} = "
                f"{quotient:.3f} > {self.alpha:g}"
            )
        return False, None


class UpStrips(Criterion):
    """Stop when E_va went up at the end of ``s`` successive strips (Prechelt's UP).

    Parameters
    ----------
    s : int, default=3
        Number of successive strips whose end error exceeds the previous end's.
    strip : int, default=5
        Strip length k, in epochs.
    """

    needs_errors = True
    _parameter_constraints: dict = {
        "s": [Interval(Integral, 1, None, closed="left")],
        "strip": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, s=3, strip=5):
        self.s = s
        self.strip = strip

    def should_stop(self, history):
        t, k = history.n_epochs, self.strip
        if t % k or t < (self.s + 1) * k:
            return False, None
        ends = history.validation_errors[t - 1 :: -k][: self.s + 1]
        if np.all(ends[:-1] > ends[1:]):
            return True, f"UpStrips: validation error up at the end of {self.s} strips"
        return False, None


class TargetScore(Criterion):
    """Stop once the validation score reaches ``value``.

    Parameters
    ----------
    value : float
        Score to reach (greater is better, as for every scorer here).
    """

    _parameter_constraints: dict = {"value": [Real]}

    def __init__(self, value):
        self.value = value

    def should_stop(self, history):
        score = history.validation_scores[-1]
        if score >= self.value:
            return True, f"TargetScore: score {score:.6g} reached {self.value:g}"
        return False, None


class Divergence(Criterion):
    """Stop when the validation score falls below ``threshold``.

    Parameters
    ----------
    threshold : float
        Scores below it mean the model diverged.
    """

    _parameter_constraints: dict = {"threshold": [Real]}

    def __init__(self, threshold):
        self.threshold = threshold

    def should_stop(self, history):
        score = history.validation_scores[-1]
        if score < self.threshold:
            return True, f"Divergence: score {score:.6g} < {self.threshold:g}"
        return False, None


class TimeBudget(Criterion):
    """Stop when ``seconds`` of wall-clock time since ``fit`` started are spent.

    Parameters
    ----------
    seconds : float
        The budget; checked after each epoch, so the last epoch may overrun it.
    """

    _parameter_constraints: dict = {"seconds": [Interval(Real, 0, None, closed="left")]}

    def __init__(self, seconds):
        self.seconds = seconds

    def should_stop(self, history):
        if history.elapsed >= self.seconds:
            return True, f"TimeBudget: {history.elapsed:.1f} s >= {self.seconds:g} s"
        return False, None


class Baseline(Criterion):
    """Stop once ``patience`` epochs have passed and no score has yet exceeded ``value``.

    Keras' ``baseline``: a run that cannot even reach a known-good score within
    a few epochs is not worth training further.

    Parameters
    ----------
    value : float
        The score to beat (greater is better, as for every scorer here).
    patience : int, default=5
        Epochs granted to beat it.

    Examples
    --------
    >>> import numpy as np
    >>> from skstop.criteria import Baseline, TrainingHistory
    >>> Baseline(0.9, patience=3).should_stop(TrainingHistory(np.array([0.5, 0.7, 0.8])))
    (True, 'Baseline: no score above 0.9 within 3 epochs (best 0.8)')
    """

    _parameter_constraints: dict = {
        "value": [Real],
        "patience": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, value, patience=5):
        self.value = value
        self.patience = patience

    def should_stop(self, history):
        best = np.max(history.validation_scores)
        if history.n_epochs >= self.patience and not best > self.value:
            return True, (
                f"Baseline: no score above {self.value:g} within {self.patience} epochs "
                f"(best {best:.6g})"
            )
        return False, None


class OptunaPruning(Criterion):
    """Report each epoch's validation score to an Optuna trial; stop when its pruner says so.

    The score is reported every epoch (``trial.report(score, step=epoch)``;
    epochs continue across resumes, so a step never goes backwards). When the
    study's pruner prunes the trial, training stops (``stop_reason_``: "pruned
    by Optuna ..."), the best state is kept and saved as after any stop, and
    ``fit`` then raises ``optuna.TrialPruned``, so that Optuna records the
    trial as pruned. Works with any pruner. The score is greater-is-better:
    create the study with ``direction="maximize"``. Needs ``optuna``
    (``pip install skstop[optuna]``).

    Parameters
    ----------
    trial : optuna.Trial
        The trial being evaluated. Clones share it (a copy would report to a
        copy of the study).

    Examples
    --------
    >>> import optuna
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.linear_model import SGDClassifier
    >>> from skstop import EarlyStoppingEstimator
    >>> from skstop.criteria import OptunaPruning
    >>> X, y = load_digits(return_X_y=True)
    >>> def objective(trial):
    ...     alpha = trial.suggest_float("alpha", 1e-6, 1e-1, log=True)
    ...     model = EarlyStoppingEstimator(
    ...         SGDClassifier(alpha=alpha, random_state=0),
    ...         criteria=[OptunaPruning(trial)], random_state=0,
    ...     ).fit(X / 16, y)
    ...     return model.best_score_
    >>> optuna.logging.set_verbosity(optuna.logging.WARNING)
    >>> study = optuna.create_study(direction="maximize")
    >>> study.optimize(objective, n_trials=3)
    >>> len(study.trials)
    3
    """

    _parameter_constraints: dict = {"trial": [HasMethods(["report", "should_prune"])]}

    def __init__(self, trial):
        self.trial = trial

    def __sklearn_clone__(self):
        return type(self)(self.trial)

    def _validate_params(self):
        super()._validate_params()
        study = getattr(self.trial, "study", None)
        directions = [getattr(d, "name", d) for d in getattr(study, "directions", ())]
        if "MINIMIZE" in directions:
            raise ValueError(
                "OptunaPruning reports the validation score, which is greater-is-better, "
                "but the trial's study minimizes: create it with direction='maximize' "
                "(and return model.best_score_ from the objective)."
            )

    def observe(self, history):
        score = history.validation_scores[-1]
        if np.isfinite(score):
            self.trial.report(float(score), history.n_epochs)

    def should_stop(self, history):
        if self.trial.should_prune():
            return True, f"pruned by Optuna after epoch {history.n_epochs}"
        return False, None

    def after_fit(self, stop):
        if stop.condition == type(self).__name__:
            optuna = importlib.import_module("optuna")
            raise optuna.TrialPruned(stop.reason)
