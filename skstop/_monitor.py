"""The stopping monitor: what counts as an improvement, and when training stops.

One monitor decides for the whole fit, as Keras' ``MonitorCallback`` owns
"better than best" for stopping, schedules and saving alike. The rule itself is
a pure function of the score history, ``should_stop``, which answers with the
condition and a sentence saying why (or None), never with an exception.
"""

import math
import time
from dataclasses import dataclass

import numpy as np

from .criteria import TrainingHistory


@dataclass(frozen=True)
class Stop:
    """Why training stopped.

    Attributes
    ----------
    condition : str
        What ``termination_condition_`` reports: ``'no_change'``,
        ``'max_iter'``, ``'non_finite'``, ``'interrupted'``, ``'preempted'``, ``'callback'``
        or a criterion's class name.
    reason : str
        The same, as a sentence in the user's terms.
    converged : bool
        False when ``max_iter`` ended a run that was still improving.
    """

    condition: str
    reason: str
    converged: bool = True


# Stops that keep the best epoch whatever restore_best says: the live
# estimator diverged, or was cut off inside an epoch.
CUT_SHORT = ("interrupted", "preempted")
KEEPS_THE_BEST = ("non_finite", *CUT_SHORT)


def is_improvement(score, best_score, tol, relative=False):
    """Whether ``score`` beats ``best_score`` by more than ``tol`` (greater is better).

    With ``relative``, the margin is ``tol * |best_score|`` (skorch's
    ``threshold_mode='rel'``), which works for negative scores too. A
    non-finite score never improves, so a diverging model is never kept.
    """
    if not math.isfinite(score):
        return False
    margin = tol * abs(best_score) if relative and math.isfinite(best_score) else tol
    return score > best_score + margin


def should_stop(
    scores,
    best_iteration,
    *,
    n_iter_no_change,
    max_iter,
    min_iter=0,
    criteria=(),
    history=None,
    tol=0.0,
    relative=False,
):
    """Decide whether training stops after the last epoch in ``scores``.

    Parameters
    ----------
    scores : sequence of float
        Validation score of each epoch run so far, in order.
    best_iteration : int
        1-based epoch of the best score so far (0 when none was finite).
    n_iter_no_change : int or None
        Epochs without improvement after which training stops; None switches
        the patience rule off.
    max_iter : int
        Epochs after which training stops regardless.
    min_iter : int, default=0
        Warm-up: neither patience nor a criterion stops training before this
        epoch. A non-finite score and ``max_iter`` still do.
    criteria : sequence of skstop.criteria objects, default=()
        Further rules; the first that says stop names the reason.
    history : skstop.criteria.TrainingHistory, default=None
        What the criteria read.
    tol, relative : float and bool
        The improvement test, as said in the patience rule's reason.

    Returns
    -------
    stop : Stop or None
        None while training goes on.
    """
    n_epochs = len(scores)
    if not math.isfinite(scores[-1]):
        return Stop("non_finite", f"validation score {scores[-1]} at epoch {n_epochs}")
    if n_epochs >= min_iter:
        if n_iter_no_change is not None and n_epochs - best_iteration >= n_iter_no_change:
            margin = f"{tol:g} x |best score|" if relative else f"{tol:g}"
            return Stop(
                "no_change",
                f"no improvement greater than {margin} for {n_iter_no_change} "
                f"epoch{'' if n_iter_no_change == 1 else 's'}",
            )
        for criterion in criteria:
            stop, reason = criterion.should_stop(history)
            if stop:
                return Stop(type(criterion).__name__, reason)
    if n_epochs >= max_iter:
        # Still improving: a better epoch within the patience window (or, with
        # patience off, the last epoch is the best).
        window = 1 if n_iter_no_change is None else n_iter_no_change
        since_best = n_epochs - best_iteration
        if since_best == 0:
            return Stop(
                "max_iter",
                f"max_iter={max_iter} reached while still improving (best epoch {best_iteration})",
                converged=False,
            )
        if since_best < window:
            return Stop(
                "max_iter",
                f"max_iter={max_iter} reached {since_best} epoch{'s' * (since_best > 1)} after "
                f"the best (epoch {best_iteration}), before the patience of {window} epochs ran "
                "out",
                converged=False,
            )
        return Stop("max_iter", f"max_iter={max_iter} reached")
    return None


# Scorers whose best value is 1: their error is 1 - score.
_BEST_IS_ONE = (
    "accuracy",
    "balanced_accuracy",
    "top_k_accuracy",
    "r2",
    "explained_variance",
    "d2_",
    "f1",
    "precision",
    "recall",
    "jaccard",
    "roc_auc",
    "average_precision",
    "matthews_corrcoef",
    "adjusted_rand_score",
    "rand_score",
    "adjusted_mutual_info_score",
    "normalized_mutual_info_score",
    "mutual_info_score",
    "fowlkes_mallows_score",
    "homogeneity_score",
    "completeness_score",
    "v_measure_score",
)


def error_transform(scoring, is_classifier):
    """The function from scores to Prechelt's validation error E, for ``scoring``.

    ``-score`` for ``neg_*`` scorers and a net's ``"loss"``; ``1 - score`` for
    scores whose best value is 1 (the default score of classifiers and
    regressors included). Raises a ValueError for any other scorer.
    """
    if isinstance(scoring, str) and (scoring.startswith("neg_") or scoring == "loss"):
        return lambda scores: -scores
    if scoring is None or (isinstance(scoring, str) and scoring.startswith(_BEST_IS_ONE)):
        return lambda scores: 1.0 - scores
    raise ValueError(
        f"scoring={scoring!r} has no validation error E that the criteria can use: "
        "E is -score for 'neg_*' scorers and 'loss', and 1 - score for scores "
        "whose best value is 1 ('accuracy', 'r2', 'f1' ...). Use one of those "
        "with GeneralizationLoss, ProgressQuotient and UpStrips."
    )


class StoppingMonitor:
    """Watches the validation score: records each epoch, finds the best, decides the stop.

    Parameters
    ----------
    n_iter_no_change, tol, max_iter, min_iter, criteria, scoring :
        As the EarlyStoppingEstimator parameters of the same names.
    relative : bool
        ``tol_mode == "rel"``.
    is_classifier : bool
        Whether the default score is accuracy (else r2), for the criteria's E.
    scores_r2 : bool
        Whether the score is an r2 (a regressor's default score, ``'r2'``):
        below 0, a model predicts worse than the mean of y.

    Raises
    ------
    ValueError
        When a criterion needs a validation error that ``scoring`` does not define.
    """

    #: Whether the epochs are scored; the monitor of unscored fits says False.
    scored = True

    def __init__(
        self,
        *,
        n_iter_no_change,
        tol,
        max_iter,
        min_iter=0,
        criteria=(),
        scoring=None,
        relative=False,
        is_classifier=False,
        scores_r2=False,
    ):
        self.scores_r2 = scores_r2
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.relative = relative
        self.max_iter = max_iter
        self.min_iter = min_iter
        self.criteria = list(criteria)
        self._to_error = (
            error_transform(scoring, is_classifier)
            if any(criterion.needs_errors for criterion in self.criteria)
            else None
        )

    @property
    def needs_training_scores(self):
        """Whether a criterion reads the training error (ProgressQuotient)."""
        return any(criterion.needs_training_errors for criterion in self.criteria)

    def record(self, state, score):
        """Add an epoch's score to ``state``; True if it is the new best to keep.

        Epochs before ``min_iter`` are warm-up and never kept, except that a
        non-finite score with nothing kept yet is: there must be a model to
        return. The first epoch after warm-up is always kept.
        """
        state.scores.append(score)
        if state.n_epochs < self.min_iter and math.isfinite(score):
            return False
        return state.best is None or is_improvement(
            score, state.best_score, self.tol, self.relative
        )

    def decide(self, state):
        """The Stop after the last epoch of ``state``, or None to go on."""
        history = self._history(state) if self.criteria else None
        for criterion in self.criteria:
            criterion.observe(history)
        return should_stop(
            state.scores,
            state.best_iteration,
            n_iter_no_change=self.n_iter_no_change,
            max_iter=self.max_iter,
            min_iter=self.min_iter,
            criteria=self.criteria,
            history=history,
            tol=self.tol,
            relative=self.relative,
        )

    def never_learned(self, best_score):
        """Why the best score says the model learned nothing, or None.

        An r2 below 0 at the best epoch: no epoch predicted better than the
        mean of y would have (a diverged SGD on unscaled features ends there).
        """
        if not self.scores_r2 or not best_score < 0:
            return None
        return (
            f"The best validation r2 is {best_score:.3g}, below 0: no epoch predicted better "
            "than the mean of y would. Unscaled features (put a StandardScaler before the "
            "estimator) or too high a learning rate (lower eta0) make SGD diverge like this."
        )

    def _history(self, state):
        scores = np.asarray(state.scores, dtype=float)
        to_error = self._to_error
        return TrainingHistory(
            validation_scores=scores,
            validation_errors=None if to_error is None else to_error(scores),
            training_errors=(
                to_error(np.asarray(state.training_scores, dtype=float))
                if to_error is not None and state.training_scores
                else None
            ),
            elapsed=time.perf_counter() - state.started,
        )


class FixedEpochs:
    """The monitor of a fit with nothing held out: ``max_iter`` epochs, no score."""

    scored = False
    needs_training_scores = False

    def never_learned(self, best_score):
        return None  # nothing is scored

    def __init__(self, max_iter):
        self.max_iter = max_iter

    def record(self, state, score):
        state.scores.append(score)
        return False

    def decide(self, state):
        if state.n_epochs >= self.max_iter:
            return Stop("max_iter", f"max_iter={self.max_iter} epochs trained")
        return None
