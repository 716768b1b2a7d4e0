"""Bad input refused before any training, named as the user named it, in the user's sizes.

The inner estimator would refuse the same input on its first ``partial_fit``,
but only after the split, quoting the training split's sizes and calling every
array "X" or "Input". These checks use scikit-learn's own validators on the
user's whole arrays, so the messages are scikit-learn's, with the argument's
name. Nothing here converts or keeps a copy of the data.
"""

import difflib
import inspect

import numpy as np
import scipy.sparse as sp
from sklearn.metrics import get_scorer_names
from sklearn.pipeline import Pipeline
from sklearn.utils import assert_all_finite, check_array, get_tags
from sklearn.utils.multiclass import check_classification_targets, type_of_target, unique_labels
from sklearn.utils.validation import _check_sample_weight, check_consistent_length, validate_data

from ._batches import is_dask_collection
from ._schedules import ReduceOnPlateau
from ._split import plain_label
from .criteria import Criterion
from .loggers import Logger


def check_features(data, input_name, tags, estimator_name):
    """``data`` as a 2-D numeric array-like the estimator takes, or a ValueError naming it.

    Only for estimators trained on 2-D arrays (scikit-learn's); a dask array
    is left to its chunks, which the estimator checks as they come.
    """
    if data is None or is_dask_collection(data):
        return
    try:
        check_array(
            data,
            accept_sparse=True,
            dtype=None if tags.input_tags.string else "numeric",
            ensure_all_finite=not tags.input_tags.allow_nan,
            allow_nd=False,
            input_name=input_name,
            estimator=estimator_name,
        )
    except (TypeError, ValueError) as error:
        if f" {input_name} " in f" {error} ":
            raise
        # scikit-learn's message (its first line: some go on to print the
        # data), with the argument it is about.
        raise type(error)(f"{input_name}: {str(error).splitlines()[0]}") from error


def check_array_like(data, input_name):
    """Refuse a string or a missing X where rows of data belong."""
    if isinstance(data, (str, bytes)) or (data is None and input_name == "X"):
        raise TypeError(
            f"{input_name} must be array-like, one row per sample; got "
            f"{type(data).__name__} {data!r:.40}."
        )


def check_targets(target, input_name, tags, estimator_name):
    """Refuse targets a classifier or regressor cannot take, naming the argument."""
    if target is None or is_dask_collection(target):
        return
    values = np.asarray(target)
    if tags.estimator_type == "classifier":
        one_per_row = not (tags.target_tags.multi_output or tags.classifier_tags.multi_label)
        if values.ndim == 2 and values.shape[1] > 1 and one_per_row:
            raise ValueError(
                f"{input_name} has shape {values.shape}, but {estimator_name} takes one "
                f"label per row: pass a 1-D {input_name}."
            )
        if values.dtype == object:
            kinds = {isinstance(label, str) for label in values.ravel()}
            if len(kinds) > 1:
                raise ValueError(
                    f"{input_name} mixes string and number labels; use one kind, e.g. "
                    f"{input_name}.astype(str)."
                )
        try:
            check_classification_targets(values)
        except ValueError as error:
            kind = type_of_target(values, input_name=input_name)
            raise ValueError(f"{input_name} ({kind} values): {error}") from error
    elif tags.estimator_type == "regressor":
        if values.dtype.kind in "OUSb":
            try:
                values = values.astype(float)
            except (TypeError, ValueError) as error:
                raise ValueError(
                    f"{input_name} holds values that are not numbers ({error}); "
                    f"{estimator_name} is a regressor and needs numeric targets."
                ) from error
        assert_all_finite(values, input_name=input_name, estimator_name=estimator_name)


def check_classes(y, y_val, classes, estimator, is_classifier):
    """The classes of a classifier's fit: ``classes`` if given, else the labels of ``y``.

    A label of ``y_val`` outside them is refused (a typo would otherwise
    become a class the model never trains on), as is a label of ``y`` outside
    ``classes``; two classes at least. None for other estimators, which take
    no ``classes``.
    """
    estimator_name = type(estimator).__name__
    if not is_classifier:
        if classes is not None:
            raise TypeError(f"classes was passed to fit, but {estimator_name} is not a classifier.")
        return None
    labels = unique_labels(y) if y is not None else np.array([])
    known_from = "y" if classes is None else "classes"
    if classes is None:
        classes = labels
    else:
        classes = unique_labels(np.asarray(classes))
        _refuse_unknown_labels(labels, classes, "y", known_from)
    if y_val is not None:
        _refuse_unknown_labels(unique_labels(y_val), classes, "y_val", known_from)
    if len(classes) < 2:
        raise ValueError(
            f"y holds one class only ({plain_label(classes[0])!r}); {estimator_name} is a "
            "classifier and needs at least 2 classes."
        )
    return classes


def _refuse_unknown_labels(labels, classes, input_name, known_from):
    unknown = np.setdiff1d(labels, classes)
    if len(unknown) == 0:
        return
    shown = ", ".join(repr(plain_label(label)) for label in unknown[:5])
    more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
    every = [plain_label(label) for label in np.union1d(classes, unknown)[:10]]
    raise ValueError(
        f"{input_name} holds label{'s' * (len(unknown) > 1)} {shown}{more} that {known_from} "
        f"never has: the model would get a class it never trains on. Correct "
        f"{input_name}, or, if the class is real, pass every class: "
        f"fit(..., classes={every}{'...' if len(every) == 10 else ''})."
    )


def check_fit_params(fit_params, X, partial_fit):
    """Refuse what ``partial_fit`` does not take, and a misfit ``sample_weight``.

    Used with metadata routing off, when every fit parameter goes to
    ``partial_fit``; ``sample_weight`` is checked against all of ``X``.
    """
    signature = inspect.signature(partial_fit).parameters
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in signature.values())
    unknown = sorted(set(fit_params) - set(signature))
    if unknown and not takes_any:
        owner = type(partial_fit.__self__).__name__
        raise TypeError(
            f"fit got {', '.join(map(repr, unknown))}, which {owner}.partial_fit does "
            f"not take (it takes {', '.join(n for n in signature if n not in ('X', 'y'))})."
        )
    if fit_params.get("sample_weight") is not None and not is_dask_collection(X):
        _check_sample_weight(fit_params["sample_weight"], X)


def check_scoring_name(scoring, owner, extra=()):
    """Refuse a ``scoring`` string that names no scorer, with the names closest to it.

    scikit-learn's own message lists all sixty-odd scorer names.
    """
    if not isinstance(scoring, str):
        return
    names = [*get_scorer_names(), *extra]
    if scoring in names:
        return
    close = difflib.get_close_matches(scoring, names, n=3)
    guess = f"did you mean {' or '.join(map(repr, close))}? " if close else ""
    raise ValueError(
        f"The 'scoring' parameter of {owner} is {scoring!r}, which is not a scorer name: "
        f"{guess}sklearn.metrics.get_scorer_names() lists them all"
        + (f", and {owner} also takes {', '.join(map(repr, extra))}." if extra else ".")
    )


def validate_training_data(wrapper, X, y, X_val, y_val, trainer, fit_params=None):
    """X, y, X_val, y_val checked as the wrapper's fit takes them, rows indexable; else an error.

    Sets the wrapper's ``n_features_in_`` and ``feature_names_in_``. ``fit_params``
    (metadata routing off: all of them go to ``partial_fit``) are checked too.
    """
    tags = get_tags(wrapper.estimator)
    if y is None and tags.target_tags.required:
        raise ValueError(
            f"{type(wrapper).__name__} requires y to be passed, but the target y is None."
        )
    if X_val is not None and y is not None and y_val is None:
        raise ValueError("X_val was given without y_val; pass both or neither.")
    if X_val is None and y_val is not None:
        raise ValueError("y_val was given without X_val; pass both or neither.")
    for data, input_name in ((X, "X"), (y, "y"), (X_val, "X_val"), (y_val, "y_val")):
        check_array_like(data, input_name)
    # Checks the feature count and names only: the inner estimator decides
    # what input it takes (nets take 4-D arrays and tensors).
    validate_data(wrapper, X, skip_check_array=True)
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
        _check_same_columns(wrapper, X_val)
    name = type(trainer.estimator).__name__
    # What the inner estimator's first partial_fit would refuse, refused now
    # with the argument's name. A Pipeline's steps check their own input
    # (a SimpleImputer takes NaN, whatever container holds it).
    takes_2d = trainer.takes_2d_arrays
    for data, input_name in ((X, "X"), (X_val, "X_val")):
        if isinstance(wrapper.estimator, Pipeline):
            continue
        if takes_2d:
            check_features(data, input_name, tags, name)
        elif not tags.input_tags.allow_nan:
            _check_finite_if_numeric(data, input_name, name)
    for target, input_name in ((y, "y"), (y_val, "y_val")):
        check_targets(target, input_name, tags, name)
    if fit_params is not None:
        check_fit_params(fit_params, X, trainer.estimator.partial_fit)
    return tuple(row_indexable(data) for data in (X, y, X_val, y_val))


def _check_finite_if_numeric(data, input_name, estimator_name):
    """Reject NaN/inf up front, without copying or converting ``data``.

    Only numpy arrays (memmaps included) and sparse matrices of numbers are
    checked here; anything else is left to the inner estimator's own checks.
    """
    values = getattr(data, "data", None) if sp.issparse(data) else data
    if isinstance(values, np.ndarray) and values.dtype.kind in "fc":
        assert_all_finite(values, input_name=input_name, estimator_name=estimator_name)


def _check_same_columns(wrapper, X_val):
    """X_val's column names must be X's, in X's order (the model reads by position)."""
    names = getattr(wrapper, "feature_names_in_", None)
    columns = getattr(X_val, "columns", None)
    if names is not None and columns is not None and list(columns) != list(names):
        raise ValueError(
            f"X_val's columns {list(columns)} differ from X's {list(names)}: pass X_val "
            "with the same columns in the same order (e.g. X_val[X.columns])."
        )


def row_indexable(data):
    """``data`` in a form whose rows can be taken by index, copied only if needed.

    Sparse formats without row slicing become CSR; objects that are array-like
    only through ``__array__`` become arrays. Everything else passes unchanged.
    """
    if sp.issparse(data):
        return data if data.format in ("csr", "csc") else data.tocsr()
    if data is not None and not hasattr(data, "__getitem__"):
        return np.asarray(data)
    return data


def check_parts(trained, schedules, criteria, loggers):
    """Refuse schedules, criteria and loggers of the wrong kind, or with bad arguments."""
    for schedule in schedules or ():
        if not isinstance(schedule, ReduceOnPlateau):
            raise ValueError(f"schedules must hold ReduceOnPlateau objects; got {schedule!r}.")
        schedule.check(trained)
    for logger in loggers or ():
        if not isinstance(logger, Logger):
            raise ValueError(f"loggers must hold skstop.loggers.Logger objects; got {logger!r}.")
        logger.check()
    for criterion in criteria or ():
        if not isinstance(criterion, Criterion):
            raise ValueError(f"criteria must hold skstop.criteria objects; got {criterion!r}.")
        criterion._validate_params()
