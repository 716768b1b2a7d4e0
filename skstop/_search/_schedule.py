"""The halving schedule, pure: rung budgets, who goes on, how candidates rank.

It decides what runs, never how (``_runner``), as scikit-learn's
``_search_successive_halving`` does.
"""

import bisect
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


class Asha:
    """ASHA's promotions over cross-validated rungs: what a free worker does next.

    A candidate finishes a rung when each of its folds has; it is promoted to
    the next rung once the mean of its folds' scores there is in the top
    ``floor(n / factor)`` of the ``n`` candidates that finished that rung so
    far (Li et al., "A System for Massively Parallel Hyperparameter Tuning",
    2020), and a rung that no other candidate can finish sends one at least.
    A free worker starts the next candidate while any is left; then it takes
    a candidate-fold of the lowest rung with one waiting, else promotes the
    best promotable candidate of the lowest rung that has one: the order of
    the synchronous search, without its barriers. ASHA's paper promotes
    first, from the highest rung (``promotions_first=True``): made for an
    endless stream of configurations and the time to a good one, on a finite
    grid that order promotes on less evidence and leaves its last promotions
    to run after everything else — it finished later in all but one
    configuration of the scale study (see the Benchmarks page). A fold its
    own patience stopped is carried up without training.

    Parameters
    ----------
    n_candidates, n_folds, n_rungs : int
    factor : float
    promotions_first : bool, default=False
    """

    def __init__(self, n_candidates, n_folds, n_rungs, factor, *, promotions_first=False):
        self.n_candidates, self.n_folds, self.n_rungs = n_candidates, n_folds, n_rungs
        self.factor = factor
        self.promotions_first = promotions_first
        self.reached = np.full(n_candidates, -1)  # the rung each candidate entered last
        self._entered = [0] * n_rungs  # candidates that entered each rung
        # Per rung, the candidates that finished it, best first: (-mean score, candidate).
        self._ranked = [[] for _ in range(n_rungs)]
        self._promoted = [set() for _ in range(n_rungs)]
        # Per rung, how many of the best-ranked are promoted, all of them: where
        # the search for the next promotable one starts (each costs O(1) then).
        self._promoted_prefix = [0] * n_rungs
        self._scores = {}  # (candidate, rung) -> {fold: score}
        self._stopped = set()  # (candidate, fold) that need no more training
        self._waiting = []  # (rung, candidate, fold) ready to train, in order of promotion
        self._started = 0

    def next_task(self):
        """``(rung, candidate, fold)`` for a free worker, or None while nothing can run."""
        if self.promotions_first:
            self._promote_one()
        if not self._waiting and self._started < self.n_candidates:
            self._enter(self._started, 0)
            self._started += 1
        if not self._waiting:
            self._promote_one()
        if not self._waiting:
            return None
        pick = max if self.promotions_first else min
        rung = pick(rung for rung, _, _ in self._waiting)
        task = next(task for task in self._waiting if task[0] == rung)
        self._waiting.remove(task)
        return task

    def finished(self, rung, candidate, fold, score, stopped):
        """A candidate-fold finished ``rung`` with ``score``; ``stopped``: it trains no more."""
        if stopped:
            self._stopped.add((candidate, fold))
        scores = self._scores.setdefault((candidate, rung), {})
        scores[fold] = score
        if len(scores) == self.n_folds:
            mean = float(np.mean(list(scores.values())))
            entry = (-np.nan_to_num(mean, nan=-np.inf), candidate)  # NaN ranks last
            at = bisect.bisect_left(self._ranked[rung], entry)
            self._ranked[rung].insert(at, entry)
            self._promoted_prefix[rung] = min(self._promoted_prefix[rung], at)

    def promotable(self, rung):
        """Candidates of ``rung`` in its top ``1/factor`` so far, not yet promoted, best first.

        A complete rung (see ``complete``) of fewer than ``factor``
        candidates sends its best on: on a finite grid, the floor would send
        none, and leave the best candidate short of ``max_iter``.
        """
        top = self._ranked[rung][: self._n_top(rung)]
        return [candidate for _, candidate in top if candidate not in self._promoted[rung]]

    def complete(self, rung):
        """Whether every candidate that will ever enter ``rung`` has finished it."""
        if len(self._ranked[rung]) < self._entered[rung]:
            return False
        if rung == 0:
            return self._started == self.n_candidates
        return self.complete(rung - 1) and self._best_promotable(rung - 1) is None

    def _n_top(self, rung):
        n_top = math.floor(len(self._ranked[rung]) / self.factor)
        if n_top == 0 and self._ranked[rung] and self.complete(rung):
            return 1
        return n_top

    def _best_promotable(self, rung):
        """The best candidate ``promotable(rung)`` would list, or None."""
        ranked, promoted = self._ranked[rung], self._promoted[rung]
        at = self._promoted_prefix[rung]
        while at < len(ranked) and ranked[at][1] in promoted:
            at += 1
        self._promoted_prefix[rung] = at
        return ranked[at][1] if at < self._n_top(rung) else None

    def _promote_one(self):
        rungs = range(self.n_rungs - 1)
        for rung in reversed(rungs) if self.promotions_first else rungs:
            if (candidate := self._best_promotable(rung)) is not None:
                self._promoted[rung].add(candidate)
                self._enter(candidate, rung + 1)
                return

    def _enter(self, candidate, rung):
        self.reached[candidate] = rung
        self._entered[rung] += 1
        for fold in range(self.n_folds):
            if (candidate, fold) in self._stopped:  # carried up with its score
                score = self._scores[candidate, rung - 1][fold]
                self.finished(rung, candidate, fold, score, stopped=True)
            else:
                self._waiting.append((rung, candidate, fold))
