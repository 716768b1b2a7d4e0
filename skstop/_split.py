"""The held-out validation split that early stopping scores against."""

from numbers import Integral

import numpy as np
from sklearn.model_selection import ShuffleSplit, StratifiedShuffleSplit
from sklearn.utils.validation import _num_samples


def validation_split(X, y, *, validation_fraction, stratify, random_state):
    """Return ``(train_indices, validation_indices)`` for one held-out split.

    Works on indices only, so X (a memmap, a dask array, a tensor) is never copied.
    Classifiers get a stratified split, as scikit-learn's SGD estimators do, so
    every class is scored on; the errors explain what to change instead of
    surfacing a splitter's internals.
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
    if stratify:
        _check_stratifiable(np.asarray(y), n_samples, n_validation)
        splitter = StratifiedShuffleSplit(
            n_splits=1, test_size=n_validation, random_state=random_state
        )
    else:
        splitter = ShuffleSplit(
            n_splits=1, test_size=n_validation, random_state=random_state
        )
    train, validation = next(splitter.split(np.zeros((n_samples, 1)), y))
    # Sorted indices keep batches of a memory-mapped X close to sequential reads.
    return np.sort(train), np.sort(validation)


def _n_validation_samples(n_samples, validation_fraction):
    if isinstance(validation_fraction, Integral):
        return int(validation_fraction)
    return max(1, int(np.ceil(validation_fraction * n_samples)))


def _check_stratifiable(y, n_samples, n_validation):
    classes, counts = np.unique(y, return_counts=True, axis=0 if y.ndim > 1 else None)
    rarest = int(np.argmin(counts))
    if counts[rarest] < 2:
        raise ValueError(
            f"Cannot stratify the validation split: class {classes[rarest]!r} has "
            f"only {counts[rarest]} member, and a stratified split needs at least 2 "
            "of each class. Pass X_val and y_val, or remove the class."
        )
    n_classes = len(classes)
    if min(n_validation, n_samples - n_validation) < n_classes:
        raise ValueError(
            f"Cannot stratify the validation split: {n_validation} validation and "
            f"{n_samples - n_validation} training samples cannot each hold all "
            f"{n_classes} classes. Raise validation_fraction (or give it as a "
            "number of samples), or pass X_val and y_val."
        )
