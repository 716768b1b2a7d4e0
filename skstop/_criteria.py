"""The stopping rule: pure functions of the validation-score history.

Stopping is a return value: ``should_stop`` answers ``(stop, reason)`` and the
training loop decides what to do with it.
"""

import math


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
    scores, best_iteration, *, n_iter_no_change, max_iter, min_iter=0, criteria=(),
    history=None,
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

    Returns
    -------
    stop : bool
    reason : {'non_finite', 'no_change', 'max_iter'}, a criterion's class name, or None
    """
    n_epochs = len(scores)
    if not math.isfinite(scores[-1]):
        return True, "non_finite"
    if n_epochs >= min_iter:
        if n_iter_no_change is not None and n_epochs - best_iteration >= n_iter_no_change:
            return True, "no_change"
        for criterion in criteria:
            if criterion.should_stop(history)[0]:
                return True, type(criterion).__name__
    if n_epochs >= max_iter:
        return True, "max_iter"
    return False, None


# Scorers whose best value is 1: their error is 1 - score.
_BEST_IS_ONE = (
    "accuracy", "balanced_accuracy", "top_k_accuracy", "r2", "explained_variance",
    "d2_", "f1", "precision", "recall", "jaccard", "roc_auc", "average_precision",
    "matthews_corrcoef", "adjusted_rand_score", "rand_score",
    "adjusted_mutual_info_score", "normalized_mutual_info_score",
    "mutual_info_score", "fowlkes_mallows_score", "homogeneity_score",
    "completeness_score", "v_measure_score",
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
