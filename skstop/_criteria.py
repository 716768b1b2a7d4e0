"""The patience rule: pure functions of the validation-score history.

Stopping is a return value: ``should_stop`` answers ``(stop, reason)`` and the
training loop decides what to do with it.
"""

import math


def is_improvement(score, best_score, tol):
    """Whether ``score`` beats ``best_score`` by more than ``tol`` (greater is better).

    A non-finite score never improves, so a diverging model is never kept.
    """
    return math.isfinite(score) and score > best_score + tol


def should_stop(scores, best_iteration, *, n_iter_no_change, max_iter):
    """Decide whether training stops after the last epoch in ``scores``.

    Parameters
    ----------
    scores : sequence of float
        Validation score of each epoch run so far, in order.
    best_iteration : int
        1-based epoch of the best score so far (0 when none was finite).
    n_iter_no_change : int
        Epochs without improvement after which training stops.
    max_iter : int
        Epochs after which training stops regardless.

    Returns
    -------
    stop : bool
    reason : {'non_finite', 'no_change', 'max_iter'} or None
    """
    n_epochs = len(scores)
    if not math.isfinite(scores[-1]):
        return True, "non_finite"
    if n_epochs - best_iteration >= n_iter_no_change:
        return True, "no_change"
    if n_epochs >= max_iter:
        return True, "max_iter"
    return False, None
