"""The data of one fit: the training batches and the validation set.

Holds out the validation rows (unless ``X_val`` is given), and fits a
Pipeline's preprocessing on the training rows only.
"""

from functools import partial
from typing import Any, NamedTuple

import joblib
import numpy as np
from sklearn.base import clone
from sklearn.utils import _safe_indexing
from sklearn.utils.validation import _check_method_params

from ._batches import EpochBatches, is_dask_collection
from ._loop import ValidationSet
from ._split import RowsNotHeldOut, validation_split


def training_and_validation(
    X,
    y,
    X_val,
    y_val,
    train_params,
    score_params,
    *,
    state,
    validation_fraction,
    stratify,
    preprocessing,
    batching,
    scorer,
    trained_input,
    memo=None,
):
    """The training batches and the validation set (None when nothing is held out).

    ``preprocessing`` is a Pipeline's steps before the trained one (or None):
    fitted here on the training rows and stored in ``state``, unless ``state``
    (continued) has it already; ``trained_input`` turns its output into what
    the trained estimator takes (a trainer's ``prepare_input``). ``batching``
    holds EpochBatches' ``batch_size`` and ``shuffle``. ``memo(key, build)``,
    when given, returns what ``build()`` returned for an equal ``key`` before:
    how a search prepares a fold once for every rung and every candidate whose
    split and preprocessing are the same (``preparation_key``).
    """
    prepare = partial(
        _held_out_and_preprocessed,
        X,
        y,
        X_val,
        y_val,
        train_params,
        score_params,
        state=state,
        validation_fraction=validation_fraction,
        stratify=stratify,
        preprocessing=preprocessing,
        whole=batching["batch_size"] is None,
        trained_input=trained_input,
    )
    if memo is None:
        prepared = prepare()
    else:
        key = preparation_key(state, validation_fraction, stratify, preprocessing, batching)
        prepared = memo(key, prepare)
    # Continued or shared, the preparation's preprocessing is the run's.
    state.preprocessing = prepared.preprocessing
    batches = EpochBatches(
        prepared.X,
        prepared.y,
        prepared.train,
        prepared.train_params,
        random_state=state.random_state,
        **batching,
    )
    if prepared.X_val is None:
        return batches, None
    return batches, ValidationSet(prepared.X_val, prepared.y_val, prepared.score_params, scorer)


class Prepared(NamedTuple):
    """The rows a fit trains and validates on, as the trained estimator takes them."""

    X: Any
    y: Any
    train: RowsNotHeldOut | None  # rows of X to train on; None: all of them
    train_params: dict
    X_val: Any
    y_val: Any
    score_params: dict
    preprocessing: Any  # a Pipeline's fitted steps before the trained one, or None


def preparation_key(state, validation_fraction, stratify, preprocessing, batching):
    """What a fit's prepared rows depend on besides the data: equal keys, equal rows."""
    held_out = validation_fraction is not None
    return (
        validation_fraction,
        stratify,
        # The split is drawn from the run's initial random state.
        joblib.hash(state.initial_rng_state) if held_out else None,
        None if preprocessing is None else joblib.hash(preprocessing),
        batching["batch_size"] is None,
    )


def _held_out_and_preprocessed(
    X,
    y,
    X_val,
    y_val,
    train_params,
    score_params,
    *,
    state,
    validation_fraction,
    stratify,
    preprocessing,
    whole,
    trained_input,
):
    """Hold out the validation rows and fit the preprocessing on the training rows.

    ``whole``: the training rows are taken out of X at once (an epoch is one
    call), not row by row as batches.
    """
    train = None  # every row of X trains, unless a split is held out
    if X_val is None and validation_fraction is not None:
        train, validation = validation_split(
            X,
            y,
            validation_fraction=validation_fraction,
            stratify=stratify,
            random_state=state.split_random_state(),
        )
        X_val = _safe_indexing(X, validation)
        y_val = None if y is None else _safe_indexing(y, validation)
        score_params = _check_method_params(X, score_params, validation)
    # Scored every epoch: a lazy (dask) validation set is computed once.
    X_val, y_val = (
        np.asarray(data) if is_dask_collection(data) else data for data in (X_val, y_val)
    )
    if train is not None and (preprocessing is not None or whole):
        rows = train.all()
        y = None if y is None else _safe_indexing(y, rows)
        train_params = _check_method_params(X, train_params, rows)
        X, train = _safe_indexing(X, rows), None
    fitted = state.preprocessing  # a continued run keeps the one it was fitted with
    if preprocessing is not None:
        # Fitted on the training rows only, so that no statistic of the
        # validation rows leaks into what the model is scored with.
        if fitted is None:
            fitted = clone(preprocessing).fit(X, y)
        X = trained_input(fitted.transform(X))
        if X_val is not None:
            X_val = trained_input(_transform_validation(fitted, X_val))
    return Prepared(X, y, train, train_params, X_val, y_val, score_params, fitted)


def _transform_validation(preprocessing, X_val):
    """The validation rows through the preprocessing fitted on the training rows."""
    try:
        return preprocessing.transform(X_val)
    except ValueError as error:
        # The same steps took the training rows: what they refuse now is most
        # likely a value only validation rows hold.
        raise ValueError(
            f"{error} (Raised transforming the validation rows. The Pipeline's "
            "preprocessing is fitted on the training rows only, so that nothing of the "
            "validation rows leaks into the model; a value that only validation rows hold, "
            "such as a category, is unknown to it. Use OneHotEncoder(handle_unknown="
            "'ignore') (or 'infrequent_if_exist'), or pass X_val and y_val.)"
        ) from error
