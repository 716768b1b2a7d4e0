"""The halving schedule, pure: rung budgets, who goes on, how candidates rank.

It decides what runs, never how (``_runner``), as scikit-learn's
``_search_successive_halving`` does.
"""

import math

import numpy as np


def epoch_budgets(min_epochs, factor, max_iter):
    """The epoch budget of each rung: ``min_epochs * factor**k`` below ``max_iter``, then it."""
    budgets, k = [], 0
    while (budget := math.ceil(min_epochs * factor**k)) < max_iter:
        budgets.append(budget)
        k += 1
    return [*budgets, max_iter]


def best_candidates(alive, mean_scores, n_keep):
    """The ``n_keep`` candidates of ``alive`` with the best of ``mean_scores`` (NaN last)."""
    order = np.argsort(-np.nan_to_num(np.asarray(mean_scores), nan=-np.inf), kind="stable")
    return sorted(alive[i] for i in order[:n_keep])


def rank(reached, means):
    """Ranks: a later rung first, then the greater mean score; ties share the smaller rank."""
    keys = list(zip(-reached, -np.nan_to_num(means, nan=-np.inf)))
    ordered = sorted(keys)
    return np.array([ordered.index(key) + 1 for key in keys], dtype=np.int32)
