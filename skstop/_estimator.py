"""EarlyStoppingEstimator: early stopping for any estimator with ``partial_fit``."""

import time
import warnings
from copy import deepcopy
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, MetaEstimatorMixin, _fit_context, clone
from sklearn.metrics import check_scoring, get_scorer_names
from sklearn.utils import _safe_indexing, check_random_state, get_tags
from sklearn.utils._param_validation import HasMethods, Interval, RealNotInt, StrOptions
from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
    _routing_enabled,
    process_routing,
)
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import unique_labels
from sklearn.utils.validation import (
    _assert_all_finite,
    _check_method_params,
    _num_samples,
    check_consistent_length,
    check_is_fitted,
    validate_data,
)

from ._batches import TrainingSet
from ._criteria import is_improvement, should_stop
from ._snapshot import take_snapshot
from ._split import validation_split


def _estimator_has(attr):
    """Whether the fitted (else the unfitted) inner estimator has ``attr``.

    Used with ``available_if``; lets the inner ``AttributeError`` propagate so its
    message (e.g. SGDClassifier's "probability estimates are not available for
    loss='hinge'") reaches the user.
    """

    def check(self):
        getattr(self.estimator_ if hasattr(self, "estimator_") else self.estimator, attr)
        return True

    return check


class EarlyStoppingEstimator(MetaEstimatorMixin, BaseEstimator):
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
        MLP, naive Bayes, MiniBatchKMeans, skorch nets ...). It is cloned, never
        modified. Its own early stopping must be off.

    scoring : str, callable or None, default=None
        Validation score, anything :func:`~sklearn.metrics.check_scoring`
        accepts; greater is better. None uses the estimator's ``score`` method.

    validation_fraction : float or int, default=0.1
        Held-out share of the training data when ``X_val`` is not given: a
        fraction in (0, 1) or a number of samples. The split is stratified for
        classifiers and seeded by ``random_state``.

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
        on the whole training split.

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
        Print one line per epoch (epoch, score, best score, elapsed time) when
        greater than 0.

    Attributes
    ----------
    estimator_ : estimator object
        The trained inner estimator, as after its best epoch when
        ``restore_best=True``.

    n_iter_ : int
        Number of epochs run.

    best_iteration_ : int
        1-based epoch of the best validation score.

    best_score_ : float
        Validation score of epoch ``best_iteration_``.

    validation_scores_ : ndarray of shape (n_iter_,)
        Validation score after each epoch.

    termination_condition_ : {'no_change', 'max_iter', 'non_finite', \
            'interrupted'}
        Why training stopped.

    classes_ : ndarray of shape (n_classes,)
        Class labels; only for classifiers.

    n_features_in_ : int
        Number of features seen during ``fit``.

    feature_names_in_ : ndarray of shape (n_features_in_,)
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
        "estimator": [HasMethods(["partial_fit"])],
        "scoring": [None, StrOptions(set(get_scorer_names())), callable],
        "validation_fraction": [
            Interval(RealNotInt, 0, 1, closed="neither"),
            Interval(Integral, 1, None, closed="left"),
        ],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [None, Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "restore_best": ["boolean"],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
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
            Metadata for ``partial_fit`` and the scorer (see Notes).

        Returns
        -------
        self : object
            The fitted early-stopping estimator.
        """
        self._check_inner_estimator()
        X, y, X_val, y_val = self._validate_training_data(X, y, X_val, y_val)
        train_params, score_params = self._route_fit_params(fit_params)
        scorer = check_scoring(self.estimator, scoring=self.scoring)
        random_state = check_random_state(self.random_state)
        training, (X_val, y_val, score_params) = self._split(
            X, y, X_val, y_val, train_params, score_params, random_state
        )
        first_call_params = self._first_call_params(y, y_val)
        estimator = clone(self.estimator)

        scores, best, best_iteration, best_score = [], None, 0, -np.inf
        termination, start = None, time.perf_counter()
        try:
            while termination is None:
                self._train_one_epoch(estimator, training, first_call_params)
                scores.append(float(scorer(estimator, X_val, y_val, **score_params)))
                # The first epoch is always kept: even a non-finite first score
                # leaves a model to return.
                if best is None or is_improvement(scores[-1], best_score, self.tol):
                    best, best_iteration, best_score = (
                        take_snapshot(estimator),
                        len(scores),
                        scores[-1],
                    )
                self._report(scores, best_score, best_iteration, start)
                _, termination = should_stop(
                    scores,
                    best_iteration,
                    n_iter_no_change=self.n_iter_no_change,
                    max_iter=self.max_iter,
                )
        except KeyboardInterrupt:
            if best is None:
                raise
            termination = "interrupted"
            warnings.warn(
                f"Training interrupted during epoch {len(scores) + 1}; keeping the "
                f"best state so far (epoch {best_iteration}).",
                UserWarning,
            )
        if termination == "non_finite":
            warnings.warn(
                f"The validation score is {scores[-1]} at epoch {len(scores)}; "
                f"training stopped and the best state (epoch {best_iteration}) "
                "was kept. A diverging model may need a lower learning rate; a "
                "validation split of very few rows can make scores like r2 "
                "undefined.",
                UserWarning,
            )

        keep_last = not self.restore_best and termination in ("no_change", "max_iter")
        self.estimator_ = estimator if keep_last else best.restore()
        self.n_iter_ = len(scores)
        self.best_iteration_ = best_iteration
        self.best_score_ = best_score
        self.validation_scores_ = np.asarray(scores)
        self.termination_condition_ = termination
        if self._is_classifier:
            self.classes_ = self.estimator_.classes_
        return self

    # -- fit, step by step ------------------------------------------------------

    @property
    def _is_classifier(self):
        return get_tags(self.estimator).estimator_type == "classifier"

    def _check_inner_estimator(self):
        params = self.estimator.get_params(deep=False)
        if params.get("early_stopping") is True:
            raise ValueError(
                f"{type(self.estimator).__name__} has its own early stopping switched "
                "on (early_stopping=True); set early_stopping=False so that "
                f"{type(self).__name__} alone decides when to stop."
            )

    def _validate_training_data(self, X, y, X_val, y_val):
        tags = get_tags(self.estimator)
        if y is None and tags.target_tags.required:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y "
                "is None."
            )
        if X_val is not None and y is not None and y_val is None:
            raise ValueError("X_val was given without y_val; pass both or neither.")
        if X_val is None and y_val is not None:
            raise ValueError("y_val was given without X_val; pass both or neither.")
        # Checks the feature count and names only: the inner estimator decides
        # what input it takes (skorch nets take 4-D arrays and tensors).
        validate_data(self, X, skip_check_array=True)
        if y is not None:
            check_consistent_length(X, y)
        if X_val is not None:
            if y_val is not None:
                check_consistent_length(X_val, y_val)
            if np.shape(X_val)[1:] != np.shape(X)[1:]:
                raise ValueError(
                    f"X_val has shape {np.shape(X_val)}, but X has shape "
                    f"{np.shape(X)}: they must have the same number of features."
                )
        if not tags.input_tags.allow_nan:
            name = type(self.estimator).__name__
            for data, input_name in ((X, "X"), (X_val, "X_val")):
                _check_finite_if_numeric(data, input_name, name)
        return tuple(_row_indexable(data) for data in (X, y, X_val, y_val))

    def _route_fit_params(self, fit_params):
        if _routing_enabled():
            routed = process_routing(self, "fit", **fit_params)
            return routed.estimator.partial_fit, routed.scorer.score
        return fit_params, {}

    def _split(self, X, y, X_val, y_val, train_params, score_params, random_state):
        batching = dict(
            batch_size=self.batch_size,
            shuffle=self.shuffle,
            random_state=random_state,
        )
        if X_val is not None:
            return (
                TrainingSet(X, y, None, train_params, **batching),
                (X_val, y_val, score_params),
            )
        train, validation = validation_split(
            X,
            y,
            validation_fraction=self.validation_fraction,
            stratify=self._is_classifier and y is not None,
            random_state=random_state,
        )
        held_out = (
            _safe_indexing(X, validation),
            None if y is None else _safe_indexing(y, validation),
            _check_method_params(X, score_params, validation),
        )
        return TrainingSet(X, y, train, train_params, **batching), held_out

    def _first_call_params(self, y, y_val):
        # Every class of y and y_val goes to partial_fit: a class missing from a
        # batch or from the training split must not break training.
        if not self._is_classifier:
            return {}
        return {"classes": unique_labels(*(t for t in (y, y_val) if t is not None))}

    def _train_one_epoch(self, estimator, training, first_call_params):
        # Passed on every call, not just the first: scikit-learn accepts the
        # same classes again, and a resumed fit need not know which call is first.
        for X_batch, y_batch, params in training.epoch():
            estimator.partial_fit(X_batch, y_batch, **first_call_params, **params)

    def _report(self, scores, best_score, best_iteration, start):
        if self.verbose > 0:
            print(
                f"[{type(self).__name__}] epoch {len(scores):>4d}"
                f"  score {scores[-1]: .6f}"
                f"  best {best_score: .6f} (epoch {best_iteration})"
                f"  elapsed {time.perf_counter() - start:.2f}s",
                flush=True,
            )

    # -- delegation -------------------------------------------------------------

    @available_if(_estimator_has("predict"))
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
        check_is_fitted(self)
        return self.estimator_.predict(X)

    @available_if(_estimator_has("predict_proba"))
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
        check_is_fitted(self)
        return self.estimator_.predict_proba(X)

    @available_if(_estimator_has("predict_log_proba"))
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
        check_is_fitted(self)
        return self.estimator_.predict_log_proba(X)

    @available_if(_estimator_has("decision_function"))
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
        check_is_fitted(self)
        return self.estimator_.decision_function(X)

    @available_if(_estimator_has("transform"))
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
        check_is_fitted(self)
        return self.estimator_.transform(X)

    @available_if(_estimator_has("score"))
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
        if _routing_enabled():
            params = process_routing(self, "score", **params).estimator.score
        return self.estimator_.score(X, y, **params)

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
        return (
            MetadataRouter(owner=self)
            .add(
                estimator=self.estimator,
                method_mapping=MethodMapping()
                .add(caller="fit", callee="partial_fit")
                .add(caller="score", callee="score"),
            )
            .add(
                scorer=check_scoring(self.estimator, scoring=self.scoring),
                method_mapping=MethodMapping().add(caller="fit", callee="score"),
            )
        )


def _check_finite_if_numeric(data, input_name, estimator_name):
    """Reject NaN/inf up front, without copying or converting ``data``.

    Only numpy arrays (memmaps included) and sparse matrices of numbers are
    checked here; anything else is left to the inner estimator's own checks.
    """
    values = getattr(data, "data", None) if sp.issparse(data) else data
    if isinstance(values, np.ndarray) and values.dtype.kind in "fc":
        _assert_all_finite(values, input_name=input_name, estimator_name=estimator_name)


def _row_indexable(data):
    """``data`` in a form whose rows can be taken by index, copied only if needed.

    Sparse formats without row slicing become CSR; objects that are array-like
    only through ``__array__`` become arrays. Everything else passes unchanged.
    """
    if sp.issparse(data):
        return data if data.format in ("csr", "csc") else data.tocsr()
    if data is not None and not hasattr(data, "__getitem__"):
        return np.asarray(data)
    return data
