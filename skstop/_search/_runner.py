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
from ._workers import timed


@dataclass
class FoldRun:
    """One candidate on one fold: its paused training state and its results so far.

    ``state`` is None before the first rung, and for a run replayed from a
    RungRecord: its run folder then holds the state a later rung continues.
    """

    state: Any = None
    test_score: float = np.nan  # the metric the rungs rank by
    test_scores: dict = field(default_factory=dict)  # every metric's, by name
    train_scores: dict = field(default_factory=dict)
    fit_time: float = 0.0
    score_time: float = 0.0
    n_epochs: int = 0
    best_iteration: int = 0
    stopped: bool = False  # by its own patience or criteria, or its fit failed
    validation_scores: list = field(default_factory=list)
    # How the run ended (its termination_condition_), None while paused at a rung.
    termination: str | None = None
    converged: bool = True  # False: max_iter ended it before its patience ran out
    # What its fits warned of, over every rung: (category, message), said once
    # for the whole search (see say_once in _results).
    warned: list = field(default_factory=list)

    def results(self):
        """Everything but the state and warnings, as JSON-ready values (a NaN score as None)."""
        return {
            name: _none_if_nan(value)
            for name, value in vars(self).items()
            if name not in ("state", "warned")
        }

    @classmethod
    def from_results(cls, results):
        return cls(**{name: _nan_if_none(value) for name, value in results.items()})


def _none_if_nan(value):
    if isinstance(value, dict):
        return {name: _none_if_nan(item) for name, item in value.items()}
    return None if isinstance(value, float) and np.isnan(value) else value


def _nan_if_none(value):
    if isinstance(value, dict):
        return {name: _nan_if_none(item) for name, item in value.items()}
    return np.nan if value is None else value


@dataclass
class FoldTasks:
    """What every candidate-fold task of one search takes, bar its candidate, fold and rung.

    ``search`` names the search's prepared folds (see ``_prepared``); ``X`` and
    ``y`` are the data as the workers take them (see ``Workers.share``).
    """

    wrapper: Any
    candidates: list
    folds: list
    budgets: list
    X: Any
    y: Any
    fit_params: dict
    search: str
    scoring: Any  # a Scoring
    error_score: Any
    return_train_score: bool

    def arguments(self, candidate, fold, rung, run):
        """``continue_fold``'s arguments: continue ``run`` up to the rung's budget."""
        return (
            clone(self.wrapper).set_params(**self.candidates[candidate]),
            run,
            self.X,
            self.y,
            *self.folds[fold],
            self.budgets[rung],
            FoldMemo(self.search, fold),
            self.scoring,
            self.fit_params,
            self.error_score,
            self.return_train_score,
        )


def run_rung(tasks, todo, runs, rung, n_jobs):
    """``(FoldRun, worker, start, end)`` of each ``(candidate, fold)`` of ``todo``, trained
    up to the budget of ``rung``, all at once (joblib)."""
    return Parallel(n_jobs=n_jobs)(
        delayed(timed)(continue_fold, *tasks.arguments(c, f, rung, runs[c, f])) for c, f in todo
    )


def run_asynchronously(tasks, schedule, workers, runs, *, recorded, record, log):
    """Train what ``schedule`` (an Asha) gives each worker as it frees, until nothing is left.

    ``runs`` (``(candidate, fold)`` -> FoldRun) are updated as tasks finish;
    ``recorded`` (``(rung, candidate, fold)`` -> results, from an interrupted
    search) are taken instead of trained; every finished task is added to
    ``record`` (or None) and to ``log`` (dicts, seconds since ``log.start``).
    """
    running = {}
    try:
        while True:
            while len(running) < workers.n and (task := schedule.next_task()) is not None:
                rung, c, f = task
                log.entered(c, rung)
                if task in recorded:
                    run = FoldRun.from_results(recorded.pop(task))
                    runs[c, f] = run
                    schedule.finished(rung, c, f, run.test_score, run.stopped)
                    continue
                future = workers.submit(
                    timed, continue_fold, *tasks.arguments(c, f, rung, runs[c, f])
                )
                running[future] = task, log.event()
            if not running:
                return
            returned = log.event()  # taking back every result that is in
            for future in workers.first_done(list(running)):
                (rung, c, f), submitted = running.pop(future)
                run, worker, started, finished = future.result()
                runs[c, f] = run
                schedule.finished(rung, c, f, run.test_score, run.stopped)
                if record is not None:
                    record.add({(c, f): {**run.results(), "rung": rung}})
                log.add(c, f, rung, run, worker, started, finished, (submitted, returned))
    finally:
        for future in running:
            future.cancel()


class TaskLog:
    """What each candidate-fold task did, where, when; when each candidate entered its last rung.

    Kept as ``schedule_log_``; with ``verbose >= 3`` each task is also printed.

    ``submitted`` and ``returned`` number the search's events (a task handed
    to a worker, the results that were in taken back) in the order the search
    saw them;
    ``started`` and ``finished`` are the worker's clock, in seconds since the
    search began.
    """

    def __init__(self, n_candidates, *, verbose=0, describe=None):
        self.verbose, self._describe = verbose, describe
        self.start = time.time()
        self.tasks = []
        self.entered_at = np.zeros(n_candidates)
        self._rung = np.full(n_candidates, -1)
        self._events = 0

    def event(self):
        """The number of a new event."""
        self._events += 1
        return self._events

    def entered(self, candidate, rung):
        if rung > self._rung[candidate]:
            self._rung[candidate] = rung
            self.entered_at[candidate] = time.time() - self.start

    def add(self, candidate, fold, rung, run, worker, started, finished, events):
        """Log a finished task; ``events``: when it was submitted and returned.

        With ``verbose`` of 3 or more, print a line for it, as scikit-learn's
        searches print one per fit (``describe(candidate, fold, rung, run)``).
        """
        if self.verbose >= 3:
            print(self._describe(candidate, fold, rung, run), flush=True)
        self.tasks.append(
            {
                "candidate": candidate,
                "fold": fold,
                "iter": rung,
                "test_score": run.test_score,
                "worker": worker,
                "started": started - self.start,
                "finished": finished - self.start,
                "submitted": events[0],
                "returned": events[1],
            }
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
    scoring,
    fit_params,
    error_score,
    return_train_score,
):
    """Train ``wrapper`` on the fold's training rows up to epoch ``until``; score its best epoch.

    ``run`` is the FoldRun of the previous rung; ``memo`` holds the fold's
    preparations in this process; ``scoring`` is a Scoring. Returns the
    FoldRun of this rung.
    """
    X_train, y_train, X_test, y_test, fit_params = memo(
        "rows", lambda: _fold_rows(X, y, train, test, fit_params)
    )
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as said:
        # Kept, to be said once for the whole search rather than once per
        # candidate-fold and rung.
        warnings.simplefilter("always")
        # Every candidate-fold shares checkpoint_dir: the runs of the others
        # there are expected, not a sign that the user meant one to continue.
        warnings.simplefilter("ignore", NoMatchingCheckpointWarning)
        # Said in the search's own words (see warn_unconverged in _results).
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
            fit_time = run.fit_time + time.perf_counter() - start
            return _failed(error, scoring.failed(error_score), fit_time, run.warned)
        fit_time = run.fit_time + time.perf_counter() - start
        start = time.perf_counter()
        test_scores = prepared_scorer(scoring, X_test, memo, "test")(wrapper, y_test)
        score_time = time.perf_counter() - start
        train_scores = {}
        if return_train_score:
            train_scores = prepared_scorer(scoring, X_train, memo, "train")(wrapper, y_train)
    warned = run.warned + [(warning.category, str(warning.message)) for warning in said]
    return FoldRun(
        state=state,
        test_score=test_scores[scoring.rank_by],
        test_scores=test_scores,
        train_scores=train_scores,
        fit_time=fit_time,
        score_time=score_time,
        n_epochs=state.n_epochs,
        best_iteration=state.best_iteration,
        stopped=state.stop is not None,
        validation_scores=[float(score) for score in state.scores],
        termination=None if state.stop is None else state.stop.condition,
        converged=state.stop is None or state.stop.converged,
        warned=list(dict.fromkeys(warned)),
    )


def _fold_rows(X, y, train, test, fit_params):
    """The fold's training rows, test rows and training rows' fit parameters."""
    X_train, y_train = _safe_indexing(X, train), None if y is None else _safe_indexing(y, train)
    X_test, y_test = _safe_indexing(X, test), None if y is None else _safe_indexing(y, test)
    return X_train, y_train, X_test, y_test, _check_method_params(X, fit_params, train)


def _failed(error, scores, fit_time, warned):
    """The FoldRun of a fit that raised: ``error_score`` for every metric, trained no further.

    ``warned``: what its fits at earlier rungs warned of.
    """
    error_score = next(iter(scores.values()))
    return FoldRun(
        warned=[*warned, (FitFailedWarning, f"{type(error).__name__}: {error}")],
        test_score=error_score,
        test_scores=scores,
        train_scores=scores,
        fit_time=fit_time,
        stopped=True,
        termination="failed",
    )
