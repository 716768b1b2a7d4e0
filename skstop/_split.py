"""The held-out validation split that early stopping scores against."""

import warnings
from numbers import Integral

import numpy as np
from sklearn.model_selection import ShuffleSplit, StratifiedShuffleSplit
from sklearn.utils.validation import _num_samples


def validation_split(X, y, *, validation_fraction, stratify, random_state):
    """Return ``(train_indices, validation_indices)`` for one held-out split.

    Works on indices only, so X (a memmap, a dask array, a tensor) is never copied.
    Classifiers get a stratified split, as scikit-learn's SGD estimators do, so
    every class is scored on. Where the data cannot be stratified (a class with
    a single member, fewer validation rows than classes), the split falls back
    to an unstratified one with a warning saying why, rather than failing:
    every class still reaches ``partial_fit`` through ``classes=``.
    """
    n_samples = _num_samples(X)
    n_validation = _n_validation_samples(n_samples, validation_fraction)
    if n_samples < 2 or n_validation >= n_samples:
        raise ValueError(
            f"Cannot hold out a validation split of validation_fraction="
            f"{validation_fraction!r} from {n_samples} sample"
            f"{'' if n_samples == 1 else 's'}: both the training and the "
            "validation split need at least 1 sample. Pass more samples, a "
            "smaller validation_fraction, or X_val and y_val."
        )
    reason = _why_not_stratifiable(np.asarray(y), n_samples, n_validation) if stratify else None
    if reason is not None:
        warnings.warn(
            f"Cannot stratify the validation split: {reason}. Falling back to an "
            "unstratified split, so some classes may be missing from the "
            "validation or training rows. Pass X_val and y_val to choose them.",
            UserWarning,
        )
    splitter = StratifiedShuffleSplit if stratify and reason is None else ShuffleSplit
    splitter = splitter(n_splits=1, test_size=n_validation, random_state=random_state)
    # A zero-width stand-in for X: the splitter only counts its rows.
    train, validation = next(splitter.split(np.empty((n_samples, 0)), y))
    # Sorted indices keep batches of a memory-mapped X close to sequential reads.
    return np.sort(train), np.sort(validation)


def _n_validation_samples(n_samples, validation_fraction):
    if isinstance(validation_fraction, Integral):
        return int(validation_fraction)
    return max(1, int(np.ceil(validation_fraction * n_samples)))


def _why_not_stratifiable(y, n_samples, n_validation):
    classes, counts = np.unique(y, return_counts=True, axis=0 if y.ndim > 1 else None)
    rarest = int(np.argmin(counts))
    if counts[rarest] < 2:
        return (
            f"class {classes[rarest].tolist()!r} has only {counts[rarest]} member, "
            "and a stratified split needs at least 2 of each class"
        )
    if min(n_validation, n_samples - n_validation) < len(classes):
        return (
            f"{n_validation} validation and {n_samples - n_validation} training "
            f"samples cannot each hold all {len(classes)} classes"
        )
    return None
