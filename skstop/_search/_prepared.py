"""Prepared folds: a fold's rows, split and fitted preprocessing, made once per process.

A search keeps, in every process that runs its candidate-folds, what
preparing a fold made: the fold's training and test rows, the held-out split
and the preprocessing fitted on its training rows, and the test rows through
that preprocessing. A candidate-fold continued at a later rung in the same
process takes them from here instead of making them again, and so does every
other candidate whose split and preprocessing are equal (``preparation_key``),
as a Pipeline's ``memory`` shares fitted transformers, but in memory. A
candidate-fold that moves to another process carries its state by value and
prepares the fold there once. A process keeps the preparations of its newest
searches only.
"""

import threading

from sklearn.metrics._scorer import _BaseScorer, _PassthroughScorer

from .._estimator import split_preprocessing

KEPT_SEARCHES = 2
_lock = threading.Lock()
_searches = {}  # search token -> {(fold, key): prepared}, oldest first


class FoldMemo:
    """``memo(key, build)``: what ``build()`` made for ``key`` on one fold of one search.

    Built once per key in each process; the memo itself is two small values,
    so sending it with every task costs nothing.
    """

    def __init__(self, search, fold):
        self.search, self.fold = search, fold

    def __call__(self, key, build):
        store = _store(self.search)
        key = (self.fold, key)
        if key not in store:
            # Two threads may build the same entry at once: the first kept wins.
            store.setdefault(key, build())
        return store[key]

    def transformed(self, name, preprocessing, build):
        """``build()``: rows ``name`` through ``preprocessing``, once per fitted preprocessing.

        The entry holds ``preprocessing`` itself, so that the identity it is
        keyed by is never reused while it lives.
        """
        return self((name, id(preprocessing)), lambda: (preprocessing, build()))[1]


def _store(search):
    with _lock:
        if search not in _searches:
            while len(_searches) >= KEPT_SEARCHES:
                del _searches[next(iter(_searches))]
            _searches[search] = {}
        return _searches[search]


def forget(search):
    """Drop a finished search's preparations from this process."""
    with _lock:
        _searches.pop(search, None)


def prepared_scorer(scoring, X, memo, name):
    """Score a fitted wrapper on rows ``X`` (named ``name``), its preprocessing applied once.

    For a wrapper around a Pipeline and scikit-learn's scorers (which only
    call the estimator's methods), the rows go through the fitted
    preprocessing once per fold and preprocessing, and the scorers see the
    trained last step with those rows; otherwise they see the wrapper with
    ``X``, as they would anywhere. Returns ``score(wrapper, y)``: every
    metric of ``scoring`` (a Scoring), by name.
    """

    def score(wrapper, y):
        split = split_preprocessing(wrapper)
        if split is None or not all(map(_applies, scoring.scorers.values())):
            return scoring.scores(wrapper, X, y)
        preprocessing, prepare_input, last_step = split
        rows = memo.transformed(
            name, preprocessing, lambda: prepare_input(preprocessing.transform(X))
        )
        return scoring.scores(last_step, rows, y)

    return score


def _applies(scorer):
    return isinstance(scorer, _BaseScorer | _PassthroughScorer)
