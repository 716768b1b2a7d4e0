"""How one rung's candidate-folds run: each continues its paused run, anywhere joblib runs.

A candidate-fold's EarlyStoppingEstimator trains further from where the
previous rung paused it, its state travelling by value, so that any joblib
backend (Dask included) can run a rung without a shared disk. A fit that fails
scores ``error_score`` and is not trained further, with scikit-learn's
FitFailedWarning.
"""

import time
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning, FitFailedWarning
from sklearn.utils import _safe_indexing
from sklearn.utils.validation import _check_method_params

from .._checkpoint import NoMatchingCheckpointWarning
from .._estimator import continue_run
from ._prepared import FoldMemo, prepared_scorer


@dataclass
class FoldRun:
    """One candidate on one fold: its paused training state and its results so far.

    ``state`` is None before the first rung, and for a run replayed from a
    RungRecord: its run folder then holds the state a later rung continues.
    """

    state: Any = None
    test_score: float = np.nan
    train_score: float = np.nan
    fit_time: float = 0.0
    score_time: float = 0.0
    n_epochs: int = 0
    best_iteration: int = 0
    stopped: bool = False  # by its own patience or criteria, or its fit failed
    validation_scores: list = field(default_factory=list)
    # How the run ended (its termination_condition_), None while paused at a rung.
    termination: str | None = None
    converged: bool = True  # False: max_iter ended it before its patience ran out

    def results(self):
        """Everything but the state, as JSON-ready values."""
        return {name: value for name, value in vars(self).items() if name != "state"}

    @classmethod
    def from_results(cls, results):
        nan_if_none = {k: np.nan if v is None else v for k, v in results.items()}
        return cls(**nan_if_none)


def run_rung(
    wrapper,
    todo,
    runs,
    candidates,
    folds,
    until,
    X,
    y,
    fit_params,
    *,
    search,
    scorer,
    error_score,
    return_train_score,
    n_jobs,
):
    """The FoldRuns of ``todo`` (``(candidate, fold)`` pairs), trained up to epoch ``until``.

    ``search`` names the search's preparations (see ``_prepared``).
    """
    return Parallel(n_jobs=n_jobs)(
        delayed(continue_fold)(
            clone(wrapper).set_params(**candidates[c]),
            runs[c, f],
            X,
            y,
            *folds[f],
            until,
            FoldMemo(search, f),
            scorer,
            fit_params,
            error_score,
            return_train_score,
        )
        for c, f in todo
    )


def continue_fold(
    wrapper,
    run,
    X,
    y,
    train,
    test,
    until,
    memo,
    scorer,
    fit_params,
    error_score,
    return_train_score,
):
    """Train ``wrapper`` on the fold's training rows up to epoch ``until``; score its best epoch.

    ``run`` is the FoldRun of the previous rung; ``memo`` holds the fold's
    preparations in this process. Returns the FoldRun of this rung.
    """
    X_train, y_train, X_test, y_test, fit_params = memo(
        "rows", lambda: _fold_rows(X, y, train, test, fit_params)
    )
    start = time.perf_counter()
    with warnings.catch_warnings():
        # Every candidate-fold shares checkpoint_dir: the runs of the others
        # there are expected, not a sign that the user meant one to continue.
        warnings.simplefilter("ignore", NoMatchingCheckpointWarning)
        # Said once for the whole search (see warn_unconverged in _results).
        warnings.simplefilter("ignore", ConvergenceWarning)
        try:
            state = continue_run(
                wrapper,
                X_train,
                y_train,
                fit_params,
                until=until,
                paused_state=run.state,
                memo=memo,
            )
        except Exception as error:
            if error_score == "raise":
                raise
            return _failed(error, error_score, run.fit_time + time.perf_counter() - start)
    fit_time = run.fit_time + time.perf_counter() - start
    start = time.perf_counter()
    test_score = float(prepared_scorer(scorer, X_test, memo, "test")(wrapper, y_test))
    score_time = time.perf_counter() - start
    train_score = np.nan
    if return_train_score:
        train_score = float(prepared_scorer(scorer, X_train, memo, "train")(wrapper, y_train))
    return FoldRun(
        state=state,
        test_score=test_score,
        train_score=train_score,
        fit_time=fit_time,
        score_time=score_time,
        n_epochs=state.n_epochs,
        best_iteration=state.best_iteration,
        stopped=state.stop is not None,
        validation_scores=[float(score) for score in state.scores],
        termination=None if state.stop is None else state.stop.condition,
        converged=state.stop is None or state.stop.converged,
    )


def _fold_rows(X, y, train, test, fit_params):
    """The fold's training rows, test rows and training rows' fit parameters."""
    X_train, y_train = _safe_indexing(X, train), None if y is None else _safe_indexing(y, train)
    X_test, y_test = _safe_indexing(X, test), None if y is None else _safe_indexing(y, test)
    return X_train, y_train, X_test, y_test, _check_method_params(X, fit_params, train)


def _failed(error, error_score, fit_time):
    """The FoldRun of a fit that raised: ``error_score``, trained no further."""
    warnings.warn(
        f"A candidate failed to fit on one fold, so its score there is "
        f"error_score={error_score}: {type(error).__name__}: {error}",
        FitFailedWarning,
    )
    return FoldRun(
        test_score=error_score,
        train_score=error_score,
        fit_time=fit_time,
        stopped=True,
        termination="failed",
    )
