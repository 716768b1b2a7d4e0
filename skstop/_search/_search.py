"""EpochHalvingSearchCV: successive halving over epochs that continues the survivors.

``fit`` is the halving loop: the schedule (``_schedule``) decides which
candidates go on and up to which epoch, the runner (``_runner``) continues
their candidate-folds, a rerun replays the recorded rungs (``_record``), and
``_results`` builds ``cv_results_``.
"""

import math
import time
import uuid
import warnings
from functools import partial
from numbers import Integral, Real

import numpy as np
from sklearn.base import _fit_context, clone, is_classifier
from sklearn.model_selection import ParameterGrid, ParameterSampler, check_cv
from sklearn.model_selection._search import BaseSearchCV
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import indexable

from .._checkpoint import NoMatchingCheckpointWarning, RungRecord
from .._estimator import EarlyStoppingEstimator, check_parameters
from ._prepared import forget
from ._record import replay, rung_record
from ._results import cv_results, mean_curve, say_once, warn_unconverged
from ._runner import FoldRun, FoldTasks, TaskLog, run_asynchronously, run_rung
from ._schedule import Asha, best_candidates, epoch_budgets
from ._scoring import check_search_scoring
from ._workers import workers


class EpochHalvingSearchCV(BaseSearchCV):
    """Successive halving over epochs: the best candidates train on, the rest stop early.

    Every candidate trains on every fold for a few epochs; the best third (by
    the mean cross-validated score of each fold's best epoch) train on from
    where they paused, never from scratch, for three times as many epochs; and
    so on up to the wrapper's ``max_iter``. A candidate-fold that its own
    patience or criteria stopped costs nothing more. The search's cost, in
    epochs trained, is ``total_epochs_``.

    Parameters
    ----------
    estimator : EarlyStoppingEstimator
        The early-stopping estimator to search over. Its ``max_iter`` is the
        epoch budget of the last rung; its patience and criteria still end a
        candidate-fold early, and its held-out split (``validation_fraction``
        of each fold's training rows) decides the best epoch.

    param_distributions : dict or list of dicts
        Parameter names (``estimator__alpha`` for the inner estimator's, or
        the wrapper's own, e.g. ``n_iter_no_change``) mapped to lists of
        values, or to scipy distributions when ``n_candidates`` is an int.

    n_candidates : int or None, default=None
        None: every point of the grid. An int: that many candidates sampled
        with ``random_state``.

    factor : float, default=3
        Each rung multiplies the epoch budget by ``factor`` and keeps the best
        ``ceil(n / factor)`` of its ``n`` candidates.

    min_epochs : int, default=1
        Epoch budget of the first rung.

    cv : int, cross-validation generator or iterable, default=5
        As in :class:`~sklearn.model_selection.GridSearchCV` (stratified for
        classifiers).

    scoring : str, callable, list, tuple, dict or None, default=None
        As in :class:`~sklearn.model_selection.GridSearchCV`: one metric (a
        scorer's name, a callable, or None for the estimator's ``score``), or
        several (a list of names, or a dict of names to scorers), each with
        its columns in ``cv_results_``. The rungs rank candidates by the
        metric ``refit`` names, else by the first.

    refit : bool, str or callable, default=True
        True: refit the best candidate on all of X, with its own held-out split
        to stop. ``"epochs"``: refit it on every row for the number of epochs
        it learned (``validation_fraction=None`` and ``max_iter`` = the median
        best epoch over its folds). With several metrics: the name of the one
        that picks the best candidate (and ranks the rungs). A callable: takes
        ``cv_results_``, returns ``best_index_`` (no ``best_score_`` then).
        False: no refit.

    n_jobs : int, default=None
        Candidate-folds trained in parallel (joblib; any backend, e.g. Dask
        through ``joblib.parallel_config(backend="dask")``, where the
        cluster's workers count instead).

    random_state : int, RandomState instance or None, default=None
        Samples the candidates when ``n_candidates`` is an int.

    error_score : "raise" or float, default=np.nan
        Score of a candidate-fold whose fit fails; it is not trained further.

    return_train_score : bool, default=False
        Also score each fold's best epoch on its training rows.

    verbose : int, default=0
        1 or more: what is searched and one line per rung (synchronous); 3 or
        more: also one line per candidate-fold and rung, as scikit-learn's
        searches print one per fit.

    asynchronous : bool, default=False
        False: rung by rung, each waiting for the last candidate-fold of the
        one before; exactly reproducible. True: ASHA's rule (Li et al., 2020)
        — a candidate goes on as soon as the mean of its folds' scores is in
        the top ``1/factor`` of the candidates that finished its rung so far
        (one at least once the rung is complete) — and a worker, as it frees,
        starts the next candidate while any is left, then takes the lowest
        rung's waiting work, else promotes; no worker waits on a rung's
        slowest candidate. Which candidates go on then depends on the order
        results come back in (with one worker, it does not).

    Attributes
    ----------
    cv_results_ : dict of ndarrays
        One row per candidate, its scores taken at the last rung it reached,
        in :class:`~sklearn.model_selection.GridSearchCV`'s layout (``params``,
        ``param_*``, ``split{k}_test_score``, ``mean_test_score``,
        ``std_test_score``, ``rank_test_score``, fit and score times, train
        scores with ``return_train_score``) plus ``iter`` (the last rung
        reached), ``n_epochs`` (epochs trained, mean over folds),
        ``best_iteration`` (best epoch, mean over folds) and
        ``termination_condition`` (how its folds ended: their
        ``termination_condition_``, ``'rung budget'`` for a fold paused at a
        rung the candidate did not pass, or a count of each when they differ)
        and ``iter_entered_at`` (seconds after the search began when the
        candidate entered its last rung). Candidates that reached a later
        rung rank first; ``mean_fit_time`` is the time a fold trained over
        all rungs.

    best_estimator_ : EarlyStoppingEstimator
        The refit best candidate (not with ``refit=False``).

    best_score_ : float
        ``mean_test_score`` (``mean_test_<refit>`` with several metrics) of the
        best candidate; not with a callable ``refit``.

    best_params_ : dict
        Parameters of the best candidate.

    best_index_ : int
        Row of the best candidate in ``cv_results_``.

    scorer_ : callable or dict
        The scorer used, or the scorers by name with several metrics.

    multimetric_ : bool
        Whether ``scoring`` holds several metrics.

    n_splits_ : int
        Number of cross-validation folds.

    refit_time_ : float
        Seconds the refit took.

    n_candidates_ : list of int
        Candidates trained at each rung.

    n_resources_ : list of int
        Epoch budget of each rung.

    n_iterations_ : int
        Number of rungs run.

    schedule_log_ : list of dict
        One entry per candidate-fold trained at a rung, in the order they came
        back: ``candidate``, ``fold``, ``iter`` (the rung), ``test_score``,
        ``worker`` (process and thread), ``started`` and ``finished`` (the
        worker's clock, seconds since the search began), ``submitted`` and
        ``returned`` (the search's event numbers: when it was handed to a
        worker, when its result was taken back).

    total_epochs_ : int
        Epochs trained over all candidates and folds: the search's cost.

    validation_scores_ : list of ndarray
        Per candidate, the wrapper's validation score after each epoch, mean
        over its folds, up to the last epoch every fold reached; drawn by
        :meth:`EarlyStoppingDisplay.from_search`.

    See Also
    --------
    sklearn.model_selection.HalvingGridSearchCV : Halving with
        ``resource="max_iter"`` retrains every survivor from scratch at each
        rung.

    Notes
    -----
    With the wrapper's ``checkpoint_dir`` and ``warm_start=True``, every
    candidate-fold saves its run, pauses included, and a search started again
    with the same arguments after an interruption continues each run from its
    newest checkpoint instead of redoing it. A run that had gone past a rung's
    budget before the interruption is ranked at that rung with the epochs it
    has.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.linear_model import SGDClassifier
    >>> from skstop import EarlyStoppingEstimator, EpochHalvingSearchCV
    >>> X, y = load_digits(return_X_y=True)
    >>> search = EpochHalvingSearchCV(
    ...     EarlyStoppingEstimator(SGDClassifier(random_state=0), max_iter=9, random_state=0),
    ...     {"estimator__alpha": [1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0, 10.0, 100.0, 1e3]},
    ...     cv=3,
    ... ).fit(X / 16, y)
    >>> search.n_candidates_, search.n_resources_
    ([9, 3, 1], [1, 3, 9])
    >>> search.total_epochs_ < 9 * 3 * 9
    True
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit"])],
        "param_distributions": [dict, list],
        "n_candidates": [None, Interval(Integral, 1, None, closed="left")],
        "factor": [Interval(Real, 2, None, closed="left")],
        "min_epochs": [Interval(Integral, 1, None, closed="left")],
        "cv": ["cv_object"],
        "scoring": [None, str, callable, list, tuple, dict],
        "refit": ["boolean", str, callable],
        "n_jobs": [None, Integral],
        "random_state": ["random_state"],
        "error_score": [StrOptions({"raise"}), Real],
        "return_train_score": ["boolean"],
        "verbose": ["verbose"],
        "asynchronous": ["boolean"],
    }

    def __init__(
        self,
        estimator,
        param_distributions,
        *,
        n_candidates=None,
        factor=3,
        min_epochs=1,
        cv=5,
        scoring=None,
        refit=True,
        n_jobs=None,
        random_state=None,
        error_score=np.nan,
        return_train_score=False,
        verbose=0,
        asynchronous=False,
    ):
        self.estimator = estimator
        self.param_distributions = param_distributions
        self.n_candidates = n_candidates
        self.factor = factor
        self.min_epochs = min_epochs
        self.cv = cv
        self.scoring = scoring
        self.refit = refit
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.error_score = error_score
        self.return_train_score = return_train_score
        self.verbose = verbose
        self.asynchronous = asynchronous

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None, *, groups=None, **fit_params):
        """Run the rungs, then refit the best candidate.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
            Training data, as the estimator takes it.

        y : array-like of shape (n_samples,) or None, default=None
            Targets.

        groups : array-like of shape (n_samples,), default=None
            Group labels for a group cross-validator.

        **fit_params : dict
            Passed to the estimator's ``fit``; rows aligned with ``X`` are split
            with the folds.

        Returns
        -------
        self : object
            The fitted search.
        """
        candidates = self._candidates()
        scoring = check_search_scoring(
            self.estimator, self.scoring, self.refit, type(self).__name__
        )
        budgets = epoch_budgets(self.min_epochs, self.factor, self.estimator.max_iter)
        X, y, groups = indexable(X, y, groups)
        folds = list(
            check_cv(self.cv, y, classifier=is_classifier(self.estimator)).split(X, y, groups)
        )
        # Read by BaseSearchCV's score and delegation.
        self.multimetric_ = scoring.multimetric
        self.scorer_ = scoring.scorers if scoring.multimetric else scoring.scorers["score"]
        self.n_splits_ = len(folds)
        record = rung_record(
            self.estimator,
            X,
            y,
            candidates,
            folds,
            budgets,
            (self.scoring, self.return_train_score, self.asynchronous),
        )
        log = TaskLog(
            len(candidates),
            verbose=self.verbose,
            describe=partial(_describe, candidates, len(folds), len(budgets)),
        )
        if self.verbose:
            print(
                f"Fitting {len(folds)} folds for each of {len(candidates)} candidates, "
                f"rungs of {', '.join(map(str, budgets))} epochs"
                + (" (asynchronous)" if self.asynchronous else ""),
                flush=True,
            )
        tasks = FoldTasks(
            self.estimator,
            candidates,
            folds,
            budgets,
            X,
            y,
            fit_params,
            search=uuid.uuid4().hex,  # names this search's prepared folds in every process
            scoring=scoring,
            error_score=self.error_score,
            return_train_score=self.return_train_score,
        )
        run = self._run_asynchronously if self.asynchronous else self._run_rungs
        try:
            runs, reached = run(tasks, record, log)
        finally:
            forget(tasks.search)
        self.n_iterations_ = len(self.n_resources_)
        self.schedule_log_ = log.tasks
        warn_unconverged(runs, self.estimator.max_iter)
        say_once(runs, self.error_score)
        self._set_results(candidates, runs, len(folds), reached, log.entered_at, scoring)
        if self.refit:
            self._refit(X, y, fit_params, runs, len(folds))
        return self

    def _run_rungs(self, tasks, record, log):
        """Every rung in turn; the candidate-folds' FoldRuns and the last rung each reached."""
        n_candidates, n_folds = len(tasks.candidates), len(tasks.folds)
        runs = {(c, f): FoldRun() for c in range(n_candidates) for f in range(n_folds)}
        recorded = record.read() if record is not None and self.estimator.warm_start else []
        reached = np.zeros(n_candidates, dtype=int)
        alive = list(range(n_candidates))
        self.n_candidates_, self.n_resources_ = [], []
        for rung, budget in enumerate(tasks.budgets):
            if rung:
                means = [np.mean([runs[c, f].test_score for f in range(n_folds)]) for c in alive]
                alive = best_candidates(alive, means, math.ceil(len(alive) / self.factor))
            self.n_candidates_.append(len(alive))
            self.n_resources_.append(budget)
            reached[alive] = rung
            for candidate in alive:
                log.entered(candidate, rung)
            self._log(rung, len(tasks.budgets), alive, budget, n_folds, rung < len(recorded))
            todo = [(c, f) for c in alive for f in range(n_folds) if not runs[c, f].stopped]
            if rung < len(recorded):  # ranked as it was before the search was interrupted
                runs.update(replay(recorded[rung], todo))
                continue
            submitted = log.event()
            results = run_rung(tasks, todo, runs, rung, self.n_jobs)
            events = submitted, log.event()
            for (c, f), (run, *where_and_when) in zip(todo, results):
                runs[c, f] = run
                log.add(c, f, rung, run, *where_and_when, events)
            if record is not None:
                record.add({key: runs[key].results() for key in todo})
        return runs, reached

    def _run_asynchronously(self, tasks, record, log):
        """ASHA: each worker, as it frees, takes what the schedule gives it."""
        n_candidates, n_folds = len(tasks.candidates), len(tasks.folds)
        runs = {(c, f): FoldRun() for c in range(n_candidates) for f in range(n_folds)}
        schedule = Asha(n_candidates, n_folds, len(tasks.budgets), self.factor)
        recorded = {}
        if record is not None and self.estimator.warm_start:
            for entry in record.read():
                for (c, f), results in RungRecord.runs_of(entry).items():
                    results = dict(results)
                    recorded[results.pop("rung"), c, f] = results
        pool = workers(self.n_jobs)
        tasks.X, tasks.y = pool.share(tasks.X), pool.share(tasks.y)
        try:
            run_asynchronously(
                tasks, schedule, pool, runs, recorded=recorded, record=record, log=log
            )
        finally:
            pool.close()
        reached = schedule.reached
        self.n_candidates_ = [int(np.sum(reached >= rung)) for rung in range(reached.max() + 1)]
        self.n_resources_ = tasks.budgets[: len(self.n_candidates_)]
        return runs, reached

    def _candidates(self):
        """The parameter settings to search, after checking the search's arguments."""
        if not isinstance(self.estimator, EarlyStoppingEstimator):
            name = type(self.estimator).__name__
            raise ValueError(
                f"EpochHalvingSearchCV searches over an EarlyStoppingEstimator, which "
                f"trains epoch by epoch; got {name}. Wrap it, and prefix the parameter "
                f"names with 'estimator__': EpochHalvingSearchCV(EarlyStoppingEstimator("
                f"{name}(...)), {{'estimator__alpha': [...]}})."
            )
        self.estimator._validate_params()
        max_iter = self.estimator.max_iter
        if self.min_epochs > max_iter:
            raise ValueError(
                f"min_epochs={self.min_epochs} is larger than the estimator's "
                f"max_iter={max_iter}, the budget of the last rung; lower min_epochs or "
                "raise max_iter."
            )
        grids = self.param_distributions
        grids = [grids] if isinstance(grids, dict) else list(grids)
        if self.n_candidates is not None:
            sampler = ParameterSampler(grids, self.n_candidates, random_state=self.random_state)
            with warnings.catch_warnings():
                # Said below in this class's terms: it has no n_iter.
                warnings.filterwarnings("ignore", "The total space of parameters", UserWarning)
                sampled = list(sampler)
            if len(sampled) < self.n_candidates:
                warnings.warn(
                    f"n_candidates={self.n_candidates} is more than the {len(sampled)} "
                    "points of param_distributions: each is searched once.",
                    UserWarning,
                )
            return self._checked(sampled)
        for grid in grids:
            for name, values in grid.items():
                if hasattr(values, "rvs"):
                    raise ValueError(
                        f"n_candidates=None searches every point of a grid, but "
                        f"'{name}' is a distribution; pass lists only, or "
                        "n_candidates=k to sample k candidates."
                    )
        return self._checked(list(ParameterGrid(grids)))

    def _checked(self, candidates):
        """``candidates``, once each has passed the wrapper's own checks, before any training."""
        for params in candidates:
            try:
                check_parameters(clone(self.estimator).set_params(**params))
            except (TypeError, ValueError) as error:
                raise type(error)(f"The candidate {params} is refused: {error}") from error
        return candidates

    def _log(self, rung, n_rungs, alive, budget, n_folds, replayed):
        """One line per rung (``verbose >= 1``)."""
        if self.verbose:
            print(
                f"rung {rung + 1}/{n_rungs}: {len(alive)} candidates x {n_folds} folds, "
                f"up to epoch {budget}"
                + (" (replayed from the record of an interrupted search)" if replayed else "")
            )

    def _set_results(self, candidates, runs, n_folds, reached, entered_at, scoring):
        by_candidate = [[runs[c, f] for f in range(n_folds)] for c in range(len(candidates))]
        results = cv_results(
            candidates,
            by_candidate,
            reached,
            scoring=scoring,
            return_train_score=self.return_train_score,
        )
        results["iter_entered_at"] = entered_at
        self.cv_results_ = results
        # As scikit-learn's searches: no best candidate of several metrics without refit.
        if self.refit or not scoring.multimetric:
            self._set_best(candidates, results, scoring)
        self.total_epochs_ = int(sum(run.n_epochs for run in runs.values()))
        self.validation_scores_ = [
            mean_curve([run.validation_scores for run in runs_]) for runs_ in by_candidate
        ]

    def _set_best(self, candidates, results, scoring):
        """``best_index_``, ``best_params_`` and ``best_score_`` (not for a callable refit)."""
        if callable(self.refit):
            self.best_index_ = _checked_index(self.refit(results), len(candidates))
        else:
            self.best_index_ = int(
                np.argmin(results[f"rank_{scoring.key('test', scoring.rank_by)}"])
            )
            self.best_score_ = results[f"mean_{scoring.key('test', scoring.rank_by)}"][
                self.best_index_
            ]
        self.best_params_ = candidates[self.best_index_]

    def _refit(self, X, y, fit_params, runs, n_folds):
        best = clone(self.estimator).set_params(**self.best_params_)
        if self.refit == "epochs":
            learned = [runs[self.best_index_, f].best_iteration for f in range(n_folds)]
            best.set_params(
                validation_fraction=None, max_iter=max(1, round(float(np.median(learned))))
            )
        start = time.perf_counter()
        with warnings.catch_warnings():
            # Beside the candidate-folds' runs: only a refit killed before it
            # committed has a checkpoint of its own to continue.
            warnings.simplefilter("ignore", NoMatchingCheckpointWarning)
            self.best_estimator_ = best.fit(X, y, **fit_params)
        self.refit_time_ = time.perf_counter() - start


def _describe(candidates, n_folds, n_rungs, candidate, fold, rung, run):
    """A candidate-fold's line, as scikit-learn's ``[CV k/n; i/m] END ...``."""
    params = ", ".join(f"{name}={value!r}" for name, value in candidates[candidate].items())
    return (
        f"[CV {fold + 1}/{n_folds}; {candidate + 1}/{len(candidates)}] END rung "
        f"{rung + 1}/{n_rungs} {params}; score={run.test_score:.3f}, epochs={run.n_epochs}, "
        f"best epoch={run.best_iteration}, total time={run.fit_time + run.score_time:.1f}s"
    )


def _checked_index(index, n_candidates):
    """A callable refit's answer, checked as scikit-learn's searches check it."""
    if not isinstance(index, Integral | np.integer):
        raise TypeError(f"best_index_ returned is not an integer: {index!r}")
    if not 0 <= index < n_candidates:
        raise IndexError(f"best_index_ index {index} out of range for {n_candidates} candidates")
    return int(index)
