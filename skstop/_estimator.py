"""EarlyStoppingEstimator: early stopping for any estimator with ``partial_fit``."""

import os
from copy import copy, deepcopy
from functools import partial, update_wrapper
from numbers import Integral, Real
from types import MethodType

from sklearn import get_config
from sklearn.base import BaseEstimator, MetaEstimatorMixin, _fit_context
from sklearn.metrics import check_scoring
from sklearn.pipeline import Pipeline
from sklearn.utils import check_random_state, get_tags
from sklearn.utils._param_validation import HasMethods, Interval, RealNotInt, StrOptions
from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
    process_routing,
)
from sklearn.utils.validation import (
    check_is_fitted,
)

from ._callbacks import CallbackSupportMixin, EpochTasks
from ._checkpoint import SavePolicy, signing_key
from ._data import training_and_validation
from ._inputs import (
    check_classes,
    check_parts,
    check_scoring_name,
    validate_training_data,
)
from ._loop import EpochLoop
from ._monitor import CUT_SHORT, FixedEpochs, Stop, StoppingMonitor
from ._progress import EpochReporter
from ._resume import configuration_id, resume_run
from ._run import TrainingRun
from ._saver import check_saving, open_saver
from ._state import TrainingState, set_fitted_attributes
from ._trainers import predict_with, trainer_for
from .loggers import FitInfo


class _DelegatedMethod:
    """A method that exists only when the inner estimator has it, as ``available_if`` makes.

    Written out rather than with scikit-learn's ``available_if``, whose error
    says only "has no attribute 'predict_proba'" and leaves the reason
    (SGDClassifier's "probability estimates are not available for
    loss='hinge'") in the exception's cause, unseen. Here the message ends
    with the inner estimator's own reason.
    """

    def __init__(self, method, attribute):
        self.method = method
        self.attribute = attribute
        update_wrapper(self, method)

    def _check(self, obj, owner):
        inner = obj.estimator_ if hasattr(obj, "estimator_") else obj.estimator
        try:
            getattr(inner, self.attribute)
        except AttributeError as error:
            reason = error
            while reason.__cause__ is not None:  # the inner estimator's own available_if
                reason = reason.__cause__
            raise AttributeError(
                f"This {owner.__name__!r} has no attribute {self.method.__name__!r}: {reason}"
            ) from error

    def __get__(self, obj, owner=None):
        if obj is None:  # on the class: the function itself, with its docstring
            return self.method
        self._check(obj, owner or type(obj))
        return MethodType(self.method, obj)


def _delegated_if_inner_has(attr):
    """Decorate a method that exists exactly when the inner estimator has ``attr``."""
    return lambda method: _DelegatedMethod(method, attr)


class EarlyStoppingEstimator(CallbackSupportMixin, MetaEstimatorMixin, BaseEstimator):
    """Early-stop any estimator that has ``partial_fit`` and keep its best state.

    Each epoch trains a clone of ``estimator`` for one pass over the training
    data with ``partial_fit``, then scores it on held-out validation data.
    Training stops when the score has not improved by more than ``tol`` for
    ``n_iter_no_change`` consecutive epochs, or after ``max_iter`` epochs, and the
    fitted model is the inner estimator exactly as it was after its best epoch.

    Parameters
    ----------
    estimator : estimator object
        An estimator with ``partial_fit`` (SGD, Perceptron, PassiveAggressive,
        MLP, MiniBatchKMeans, skorch nets ...). It is cloned, never
        modified. Its own early stopping must be off.

    scoring : str, callable or None, default=None
        Validation score, anything :func:`~sklearn.metrics.check_scoring`
        accepts; greater is better. None uses the estimator's ``score`` method.
        For skorch nets, ``"loss"`` scores minus the net's own criterion on the
        validation data, in one pass without ``predict``.

    validation_fraction : float, int or None, default=0.1
        Held-out share of the training data when ``X_val`` is not given: a
        fraction in (0, 1) or a number of samples. The split is stratified for
        classifiers (as many rows of each class as scikit-learn's
        ``StratifiedShuffleSplit`` holds out, drawn while reading ``y`` in
        blocks) and seeded by ``random_state``. None holds nothing out and
        trains exactly ``max_iter`` epochs on every row, with no validation
        score: the refit for an epoch count learned earlier (see
        ``best_iteration_``).

    n_iter_no_change : int, default=5
        Number of consecutive epochs without improvement after which training
        stops.

    tol : float, default=1e-4
        A score improves only when it exceeds the best score so far by more than
        ``tol``.

    max_iter : int, default=100
        Maximum number of epochs.

    batch_size : int or None, default=None
        Rows per ``partial_fit`` call. None trains each epoch with a single call
        on the whole training split. Must be None for skorch nets, which
        iterate over their own minibatches (set the net's ``batch_size``).

    shuffle : bool, default=True
        Whether to reshuffle the training rows into new minibatches at each
        epoch. Only used when ``batch_size`` is set.

    restore_best : bool, default=True
        Whether ``estimator_`` is the inner estimator as after its best epoch
        (True) or as after the last epoch (False).

    random_state : int, RandomState instance or None, default=None
        Seeds the validation split and the minibatch shuffling. The inner
        estimator's own ``random_state`` is left to it.

    verbose : int, default=0
        0: quiet. 1: a progress bar over epochs with the current and best score
        on a terminal or in a notebook (tqdm, ``skstop[progress]``; into a
        file or pipe, or without tqdm, one line per epoch). 2 or more: one
        line per epoch (epoch, score, best score, elapsed time).
        Every epoch is also logged at INFO level to the ``skstop`` logger.

    checkpoint_dir : str or path-like, default=None
        When set, each fit saves durable checkpoints in a run folder of its own
        inside this folder, as ``checkpoint_every`` says and at the end, each
        with what is needed to resume; every checkpoint holds the best model
        so far. Files are written atomically in the background while training
        goes on, and are signed with the user's checkpoint key; the fit holds
        its run folder locked while it runs, so concurrent fits never touch
        each other's files. SIGTERM during such a fit commits a checkpoint at
        the next batch boundary before the signal is handed on. See
        :func:`load_checkpoint`.

    checkpoint_every : int or skstop.checkpoint.SavePolicy, default=None
        When to save, besides the end: a policy of :mod:`skstop.checkpoint`
        (``Every(epochs=, batches=, seconds=)``, ``Adaptive(mtbf,
        max_overhead=0.05)``, ``OnImprovement()``, combined with ``|``). An
        int ``n`` saves at every improvement and every ``n`` epochs. None is
        ``Adaptive("24h")``: as often as pays, within 5 % of the fit's time.
        Needs ``checkpoint_dir``.

    keep_last : int, default=2
        Number of newest checkpoints kept in a run folder (with the files they
        name); older ones are deleted once a newer one is committed.

    warm_start : bool, default=False
        Continue instead of starting over: from the in-memory state of the
        previous fit, else from the newest checkpoint in ``checkpoint_dir`` of
        a run with the same parameters and data. Everything is restored (inner
        estimator, epoch count, scores, best state, patience counter, shuffling
        RNG), so an interrupted fit ends exactly as an uninterrupted one would.
        A run that had stopped continues only if the parameters now allow more
        epochs (e.g. a larger ``max_iter``). ``max_iter``, ``verbose`` and the
        checkpoint parameters may change between fits; any other change starts
        over, with a warning. After a fit that raised, only the checkpoint on
        disk is continued (or training starts over, with a warning).

    criteria : list of skstop.criteria objects, default=None
        Further stopping rules (GeneralizationLoss, ProgressQuotient, UpStrips,
        TargetScore, Divergence, TimeBudget); training stops when any of them,
        or the patience rule, says so. See :mod:`skstop.criteria`.

    min_iter : int, default=0
        Warm-up: neither patience nor a criterion stops training before this
        epoch, and the best state is kept only from this epoch on.

    tol_mode : {"abs", "rel"}, default="abs"
        Whether an epoch must beat the best score by more than ``tol``
        ("abs") or by more than ``tol * |best score|`` ("rel").

    schedules : list of ReduceOnPlateau, default=None
        Changes to the inner estimator's parameters between epochs (learning
        rate decay); each change is recorded in ``schedule_events_``.

    record_training_score : bool, default=False
        Also score each epoch on a fixed subsample of the training rows (10,000
        at most), into ``training_scores_``, so that the learning curve shows
        training beside validation (:class:`EarlyStoppingDisplay`).

    loggers : list of skstop.loggers.Logger, default=None
        Where each epoch is sent as it ends (a CSV file, MLflow, TensorBoard,
        or a logger of your own); see :mod:`skstop.loggers`.

    Attributes
    ----------
    estimator_ : estimator object
        The trained inner estimator, as after its best epoch when
        ``restore_best=True``.

    n_iter_ : int
        Number of epochs run.

    resumed_from_ : int
        The epoch this fit continued from: 0 when it trained from scratch;
        with ``warm_start``, the epoch of the state or checkpoint it resumed.

    schedule_events_ : list of dict
        The changes the schedules made: epoch, parameter, old and new value.

    history_ : list of dict
        One record per epoch, such that ``pandas.DataFrame(model.history_)``
        is the run's table: ``epoch``, ``validation_score``,
        ``training_score`` (when recorded), ``epoch_time`` and ``elapsed``
        (seconds, the latter summed over every epoch of the run, resumes
        included), the value of each parameter a schedule manages as the
        epoch trained with it (e.g. ``eta0``), and ``checkpoint`` (whether a
        checkpoint of that epoch was saved). Kept in checkpoints: a resumed
        or warm-started fit continues it.

    training_scores_ : ndarray of shape (`n_iter_`,)
        Score on a fixed subsample of the training split after each epoch;
        only with ``record_training_score=True`` or when a criterion needs the
        training error.

    best_iteration_ : int
        1-based epoch of the best validation score.

    best_score_ : float
        Validation score of epoch ``best_iteration_``.

    validation_scores_ : ndarray of shape (`n_iter_`,)
        Validation score after each epoch.

    termination_condition_ : str
        Why training stopped: ``'no_change'`` (patience), ``'max_iter'``,
        ``'non_finite'``, ``'interrupted'`` (Ctrl-C), ``'preempted'``
        (SIGTERM, whose handler returned), the class name of the criterion
        that fired (see ``criteria``), or ``'callback'`` (a scikit-learn
        callback asked to stop).

    stop_reason_ : str
        The same as a sentence in the user's terms, e.g. ``"no improvement
        greater than 0.0001 for 5 epochs"`` or ``"max_iter=100 reached while
        still improving (best epoch 100)"``; also logged (and shown with
        ``verbose >= 1``) as the fit's final line.

    checkpoint_path_ : pathlib.Path or None
        The run folder this fit wrote its checkpoints to; None without
        ``checkpoint_dir``. Its ``model-e{best_iteration_:06d}.joblib`` is the
        best model (for a Pipeline, the whole pipeline).

    checkpoint_stats_ : dict or None
        What saving cost the fit: ``saves``, ``blocked_seconds``,
        ``background_seconds`` (CPU time of the background writes),
        ``wall_seconds``, ``overhead`` (the two costs over the wall time) and
        ``interval_seconds`` (the policy's period at the end, or None); None
        without ``checkpoint_dir``.

    classes_ : ndarray of shape (n_classes,)
        Class labels; only for classifiers.

    n_features_in_ : int
        Number of features seen during ``fit``.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during ``fit``; only when ``X`` has feature
        names that are all strings.

    See Also
    --------
    sklearn.linear_model.SGDClassifier : Has its own ``early_stopping``, which
        does not restore the best coefficients.
    sklearn.neural_network.MLPClassifier : Its ``early_stopping`` works only in
        ``fit``, not ``partial_fit``.

    Notes
    -----
    When training stops, ``n_iter_ == best_iteration_ + n_iter_no_change`` if
    the patience rule stopped it. A non-finite validation score (a diverging
    model) and a ``KeyboardInterrupt`` both stop training with a warning and
    keep the best state seen before, whatever ``restore_best`` says.

    With metadata routing enabled, fit parameters reach ``partial_fit`` and the
    scorer as each requests them; rows aligned with ``X`` are split like ``X``.
    With routing disabled, all fit parameters go to ``partial_fit``. When
    ``X_val`` is given, metadata routed to the scorer is passed as is and must
    match ``X_val``.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.linear_model import SGDClassifier
    >>> from skstop import EarlyStoppingEstimator
    >>> X, y = load_digits(return_X_y=True)
    >>> model = EarlyStoppingEstimator(
    ...     SGDClassifier(random_state=0), n_iter_no_change=3, random_state=0
    ... ).fit(X / 16, y)
    >>> model.n_iter_ == model.best_iteration_ + 3
    True
    >>> model.predict(X[:3] / 16)
    array([0, 1, 2])
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["partial_fit"]), Pipeline],
        "scoring": [None, str, callable],  # names checked in _check_params, with suggestions
        "validation_fraction": [
            None,
            Interval(RealNotInt, 0, 1, closed="neither"),
            Interval(Integral, 1, None, closed="left"),
        ],
        "n_iter_no_change": [None, Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [None, Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "restore_best": ["boolean"],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "checkpoint_dir": [None, str, os.PathLike],
        "checkpoint_every": [None, Interval(Integral, 1, None, closed="left"), SavePolicy],
        "keep_last": [Interval(Integral, 1, None, closed="left")],
        "warm_start": ["boolean"],
        "criteria": [None, list],
        "min_iter": [Interval(Integral, 0, None, closed="left")],
        "tol_mode": [StrOptions({"abs", "rel"})],
        "schedules": [None, list],
        "record_training_score": ["boolean"],
        "loggers": [None, list],
    }

    def __init__(
        self,
        estimator,
        *,
        scoring=None,
        validation_fraction=0.1,
        n_iter_no_change=5,
        tol=1e-4,
        max_iter=100,
        batch_size=None,
        shuffle=True,
        restore_best=True,
        random_state=None,
        verbose=0,
        checkpoint_dir=None,
        checkpoint_every=None,
        keep_last=2,
        warm_start=False,
        criteria=None,
        min_iter=0,
        tol_mode="abs",
        schedules=None,
        record_training_score=False,
        loggers=None,
    ):
        self.estimator = estimator
        self.scoring = scoring
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.restore_best = restore_best
        self.random_state = random_state
        self.verbose = verbose
        self.checkpoint_dir = checkpoint_dir
        self.checkpoint_every = checkpoint_every
        self.keep_last = keep_last
        self.warm_start = warm_start
        self.criteria = criteria
        self.min_iter = min_iter
        self.tol_mode = tol_mode
        self.schedules = schedules
        self.record_training_score = record_training_score
        self.loggers = loggers

    # The inner estimator's parameters are validated by its own partial_fit.
    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None, *, X_val=None, y_val=None, **fit_params):
        """Train epoch by epoch until the validation score stops improving.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
            Training data, in whatever form the inner estimator accepts. Only
            indexed row-wise, never copied whole to be validated.

        y : array-like of shape (n_samples,) or None, default=None
            Targets; None for unsupervised estimators.

        X_val : array-like of shape (n_val_samples, ...), default=None
            Validation data. When None, ``validation_fraction`` of ``X`` is
            held out instead.

        y_val : array-like of shape (n_val_samples,), default=None
            Validation targets; required with ``X_val`` when ``y`` is given.

        **fit_params : dict
            Metadata for ``partial_fit`` and the scorer (see Notes). For
            classifiers, ``classes`` (every class, as ``partial_fit`` takes
            it) declares classes that ``y`` may lack; by default the classes
            are the labels of ``y``.

        Returns
        -------
        self : object
            The fitted early-stopping estimator.
        """
        return self._fit(X, y, X_val, y_val, fit_params)

    def _fit(self, X, y, X_val, y_val, fit_params, *, until=None, paused_state=None, memo=None):
        """``fit``'s recipe: validate, start or resume a run, run it, set the fitted attributes.

        ``until`` pauses after that epoch; ``paused_state`` (a TrainingState,
        by value) continues a paused run. A paused fit is fitted with its best
        epoch so far and keeps its state in ``_state`` (see ``continue_run``).
        ``memo`` reuses prepared rows (see ``training_and_validation``).
        """
        trainer = trainer_for(self._trained_estimator)
        monitor = self._check_params(trainer)
        fit_params = dict(fit_params)
        classes = fit_params.pop("classes", None)
        routing = get_config()["enable_metadata_routing"]
        X, y, X_val, y_val = validate_training_data(
            self, X, y, X_val, y_val, trainer, None if routing else fit_params
        )
        # Given with every call, so that a class missing from a batch or from
        # the training split does not break the inner estimator.
        trainer.classes = check_classes(y, y_val, classes, trainer.estimator, self._is_classifier)
        train_params, score_params = self._route_fit_params(fit_params, routing)
        # A Pipeline's steps check their own input; a paused run's was checked.
        if paused_state is None and not isinstance(self.estimator, Pipeline):
            trainer.check_input(X, y, train_params)
        # Read (or made) before anything is written, so a key problem is a clear error.
        key = signing_key() if self.checkpoint_dir is not None else None
        state, manifest, lock = self._start_or_resume(
            trainer, key, X, y, X_val, y_val, paused_state
        )
        X, y, X_val, y_val = trainer.prepare_data(
            X, y, X_val, y_val, X_reaches_it=not isinstance(self.estimator, Pipeline)
        )
        # Until this fit ends: one that raises leaves nothing half-trained to continue.
        self._state = None
        data = (X, y, X_val, y_val, train_params, score_params)
        with self._training_run(state, trainer, monitor, data, manifest, lock, key, memo) as run:
            stop = run.run_to(until)
        set_fitted_attributes(
            self, state, stop or Stop("paused", f"paused after epoch {state.n_epochs}")
        )
        self.resumed_from_ = run.resumed_from
        self.checkpoint_stats_ = run.loop.saver and run.loop.saver.stats()
        if stop is not None:
            run.loop.tasks.end(X, y)
            run.loop.log_fit_end(self.checkpoint_path_)
        # Kept for warm_start, never pickled; an interrupted epoch left the live
        # estimator half-trained, so only the checkpoint on disk can continue it.
        self._state = None if stop is not None and stop.condition in CUT_SHORT else state
        if stop is not None:
            for criterion in self.criteria or ():
                criterion.after_fit(stop)  # OptunaPruning raises TrialPruned here
        return self

    def _training_run(self, state, trainer, monitor, data, manifest, lock, key, memo):
        """The TrainingRun of this fit, which owns ``lock`` (released here if building fails)."""
        X, y, X_val, y_val, train_params, score_params = data
        try:
            batches, validation = training_and_validation(
                X,
                y,
                X_val,
                y_val,
                train_params,
                score_params,
                state=state,
                validation_fraction=self.validation_fraction,
                stratify=self._is_classifier and y is not None,
                preprocessing=self.estimator[:-1] if isinstance(self.estimator, Pipeline) else None,
                batching=dict(batch_size=self.batch_size, shuffle=self.shuffle),
                scorer=self._scorer(trainer),
                trained_input=trainer.prepare_input,
                memo=memo,
            )
            saver = open_saver(self, state, manifest, lock, trainer, key)
        except BaseException:
            if lock is not None:
                lock.release()
            raise
        loop = EpochLoop(
            state,
            trainer,
            monitor,
            batches,
            validation,
            tasks=EpochTasks(self, self.max_iter, X, y),
            loggers=self.loggers or (),
            fit_info=FitInfo(type(self).__name__, self.get_params(deep=True))
            if self.loggers
            else None,
            reporter=partial(EpochReporter, type(self).__name__, self.verbose, self.max_iter),
            schedules=self.schedules or (),
            saver=saver,
            restore_best=self.restore_best,
            record_training_score=self.record_training_score,
        )
        seed = None if self.random_state is None else state.trainer_seed()
        return TrainingRun(loop, seed, saver=saver, lock=lock)

    # -- fit, step by step ------------------------------------------------------

    @property
    def _is_classifier(self):
        return get_tags(self.estimator).estimator_type == "classifier"

    @property
    def _trained_estimator(self):
        """What is trained epoch by epoch: the estimator, or a Pipeline's last step."""
        if isinstance(self.estimator, Pipeline):
            return self.estimator.steps[-1][1]
        return self.estimator

    def _check_params(self, trainer):
        """Check what the declared constraints cannot, before anything is done; the monitor."""
        trained = self._trained_estimator
        check_scoring_name(self.scoring, type(self).__name__, extra=("loss",))
        if not hasattr(trained, "partial_fit"):
            raise ValueError(
                f"The last step of the Pipeline, {type(trained).__name__}, has no "
                "partial_fit; EarlyStoppingEstimator trains only that step epoch "
                "by epoch, so it needs one."
            )
        if self.min_iter > self.max_iter:
            raise ValueError(
                f"min_iter={self.min_iter} is larger than max_iter={self.max_iter}: "
                "training would end inside the warm-up, before any epoch could be "
                "kept as the best. Lower min_iter or raise max_iter."
            )
        check_parts(trained, self.schedules, self.criteria, self.loggers)
        monitor = self._monitor()  # raises if a criterion needs an error the scorer lacks
        trainer.check(
            batch_size=self.batch_size,
            scoring=self.scoring,
            repeatable=self.random_state is not None
            or self.warm_start
            or self.checkpoint_dir is not None,
        )
        if trained.get_params(deep=False).get("early_stopping") is True:
            raise ValueError(
                f"{type(trained).__name__} has its own early stopping switched "
                "on (early_stopping=True); set early_stopping=False so that "
                f"{type(self).__name__} alone decides when to stop."
            )
        check_saving(self, trainer)
        return monitor

    def _monitor(self):
        if self.validation_fraction is None:
            return FixedEpochs(self.max_iter)
        return StoppingMonitor(
            n_iter_no_change=self.n_iter_no_change,
            tol=self.tol,
            relative=self.tol_mode == "rel",
            max_iter=self.max_iter,
            min_iter=self.min_iter,
            criteria=self.criteria or (),
            scoring=self.scoring,
            is_classifier=self._is_classifier,
            scores_r2=self.scoring == "r2"
            or (self.scoring is None and get_tags(self.estimator).estimator_type == "regressor"),
        )

    def _route_fit_params(self, fit_params, routing):
        """The fit parameters of ``partial_fit`` and of the scorer (all to ``partial_fit``
        with routing off)."""
        if routing:
            routed = process_routing(self, "fit", **fit_params)
            scorer = routed.get("scorer")  # absent for scoring="loss"
            return routed.estimator.partial_fit, scorer.score if scorer else {}
        return fit_params, {}

    def _scorer(self, trainer):
        if self.scoring == "loss":
            return trainer.loss_scorer
        return check_scoring(self._trained_estimator, scoring=self.scoring)

    def _start_or_resume(self, trainer, key, X, y, X_val, y_val, paused_state=None):
        """The state to train from, the manifest it continues and that run's lock (or Nones)."""
        config = None
        if self.warm_start or self.checkpoint_dir is not None:
            config = configuration_id(self, X, y, X_val, y_val)
        if self.warm_start or paused_state is not None:
            previous = self.__dict__.get("_state") if paused_state is None else paused_state
            # A fit ran before and left no state: it raised or was interrupted.
            unfinished = paused_state is None and "_state" in self.__dict__ and previous is None
            resumed = resume_run(previous, config, self.checkpoint_dir, key, unfinished=unfinished)
            if resumed is not None:
                return resumed
        random_state = check_random_state(self.random_state)
        return TrainingState(trainer.new_estimator(), random_state, config), None, None

    def __getstate__(self):
        # No snapshots or live training state in pickles, which would double
        # their size.
        # A copy: object.__getstate__ hands over the live __dict__ itself.
        state = dict(super().__getstate__())
        state.pop("_state", None)
        return state

    # -- delegation -------------------------------------------------------------

    @_delegated_if_inner_has("predict")
    def predict(self, X):
        """Predict with the trained inner estimator.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
            Input data.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            What ``estimator_.predict`` returns.
        """
        return self._call_inner("predict", X)

    @_delegated_if_inner_has("predict_proba")
    def predict_proba(self, X):
        """Class probabilities from the trained inner estimator.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
            Input data.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            What ``estimator_.predict_proba`` returns.
        """
        return self._call_inner("predict_proba", X)

    @_delegated_if_inner_has("predict_log_proba")
    def predict_log_proba(self, X):
        """Class log-probabilities from the trained inner estimator.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
            Input data.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            What ``estimator_.predict_log_proba`` returns.
        """
        return self._call_inner("predict_log_proba", X)

    @_delegated_if_inner_has("decision_function")
    def decision_function(self, X):
        """Decision function of the trained inner estimator.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
            Input data.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            What ``estimator_.decision_function`` returns.
        """
        return self._call_inner("decision_function", X)

    @_delegated_if_inner_has("transform")
    def transform(self, X):
        """Transform with the trained inner estimator.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
            Input data.

        Returns
        -------
        X_new : ndarray
            What ``estimator_.transform`` returns.
        """
        return self._call_inner("transform", X)

    def set_output(self, *, transform=None):
        """Set the output container of ``transform``, in the inner estimator as in a Pipeline.

        Set on ``estimator`` (every step of a Pipeline) and, once fitted, on
        ``estimator_``.

        Parameters
        ----------
        transform : {"default", "pandas", "polars"}, default=None
            Output of ``transform`` and ``fit_transform``; None leaves it as it is.

        Returns
        -------
        self : estimator instance
            Estimator instance.
        """
        for inner in (self.estimator, getattr(self, "estimator_", None)):
            if inner is None or not (hasattr(inner, "transform") or isinstance(inner, Pipeline)):
                continue
            if not hasattr(inner, "set_output"):
                raise ValueError(
                    f"set_output cannot configure {type(inner).__name__}, which has "
                    "transform but no set_output."
                )
            inner.set_output(transform=transform)
        return self

    @_delegated_if_inner_has("score")
    def score(self, X, y=None, **params):
        """Score of the trained inner estimator (its own ``score`` method).

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
            Test data.

        y : array-like of shape (n_samples,) or None, default=None
            True targets.

        **params : dict
            Metadata for ``estimator_.score``, e.g. ``sample_weight``.

        Returns
        -------
        score : float
            What ``estimator_.score`` returns.
        """
        check_is_fitted(self)
        if get_config()["enable_metadata_routing"]:
            params = process_routing(self, "score", **params).estimator.score
        return self._call_inner("score", X, y, **params)

    def _call_inner(self, method, X, *args, **kwargs):
        """``estimator_.method(X, ...)``, X taken and labels given as in ``fit``."""
        check_is_fitted(self)
        classes = getattr(self, "classes_", None)
        inner = self._trained_estimator
        return predict_with(inner, self.estimator_, classes, method, X, *args, **kwargs)

    def __sklearn_is_fitted__(self):
        return hasattr(self, "estimator_")

    def __sklearn_tags__(self):
        # Without the inner estimator's type, is_classifier() is False and
        # GridSearchCV neither stratifies nor scores with accuracy.
        tags = super().__sklearn_tags__()
        inner = get_tags(self.estimator)
        tags.estimator_type = inner.estimator_type
        tags.classifier_tags = deepcopy(inner.classifier_tags)
        tags.regressor_tags = deepcopy(inner.regressor_tags)
        tags.transformer_tags = deepcopy(inner.transformer_tags)
        tags.target_tags = deepcopy(inner.target_tags)
        tags.input_tags = deepcopy(inner.input_tags)
        tags.non_deterministic = inner.non_deterministic
        return tags

    def get_metadata_routing(self):
        """Get metadata routing of this object.

        Fit metadata goes to the inner estimator's ``partial_fit`` and to the
        scorer; ``score`` metadata to the inner estimator's ``score``.

        Returns
        -------
        routing : MetadataRouter
            A :class:`~sklearn.utils.metadata_routing.MetadataRouter`
            encapsulating routing information.
        """
        router = MetadataRouter(owner=self).add(
            estimator=self.estimator,
            method_mapping=MethodMapping()
            .add(caller="fit", callee="partial_fit")
            .add(caller="score", callee="score"),
        )
        if self.scoring != "loss":  # the estimator's own loss takes no metadata
            router.add(
                scorer=self._scorer(trainer=None),
                method_mapping=MethodMapping().add(caller="fit", callee="score"),
            )
        return router


def split_preprocessing(wrapper):
    """A fitted wrapper around a Pipeline, in two: what prepares its input, and the rest.

    Returns ``(preprocessing, prepare_input, last_step)``: the fitted steps
    before the trained one (the very object the fit used), the trainer's
    ``prepare_input``, and a shallow copy of ``wrapper`` that predicts from
    ``prepare_input(preprocessing.transform(X))`` with the trained last step
    alone; None for a wrapper without preprocessing or a fit to continue.
    How a search scores many candidates sharing one preprocessing of a fold.
    """
    state = wrapper.__dict__.get("_state")
    if state is None or state.preprocessing is None:
        return None
    last_step = copy(wrapper)
    last_step.estimator_ = wrapper.estimator_.steps[-1][1]
    prepare_input = trainer_for(wrapper._trained_estimator).prepare_input
    return state.preprocessing, prepare_input, last_step


def check_parameters(wrapper):
    """Refuse ``wrapper``'s parameters as its ``fit`` would, before any data is read."""
    wrapper._validate_params()
    wrapper._check_params(trainer_for(wrapper._trained_estimator))


def continue_run(wrapper, X, y, fit_params, *, until, paused_state=None, memo=None):
    """Fit ``wrapper`` up to epoch ``until``, continuing ``paused_state``; the run's state after.

    How EpochHalvingSearchCV pauses a candidate-fold at a rung and continues it
    at the next, its state travelling by value: validated as ``fit`` is. The
    state returned is the one to hand back as ``paused_state``. ``memo(key,
    build)`` reuses the rows prepared for an equal split and preprocessing of
    the same ``X`` (see ``training_and_validation``).
    """
    wrapper._validate_params()
    wrapper._fit(X, y, None, None, fit_params, until=until, paused_state=paused_state, memo=memo)
    return wrapper._state
