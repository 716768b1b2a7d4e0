"""The held-out validation split that early stopping scores against."""

import warnings
from numbers import Integral

import numpy as np
from sklearn.utils import _safe_indexing, check_random_state
from sklearn.utils.extmath import _approximate_mode
from sklearn.utils.validation import _num_samples

# Labels are read this many at a time, so that splitting a memory-mapped or
# dask y holds nothing with one entry per row: scikit-learn's
# StratifiedShuffleSplit peaked at 359 MB on 5M labels, about 70 bytes a row.
LABEL_BLOCK = 2**18

# A validation set smaller than this scores in coarse steps (one row: 0 or 1
# for accuracy, every epoch alike), too coarse to tell a better epoch.
FEW_VALIDATION_ROWS = 10

# Part of a checkpoint's configuration, so that a run is only ever resumed
# with the rows it was started with: bump it whenever the rows drawn for a
# given seed change (2: block-wise draws, from skstop 0.1.0 on).
SPLIT_SCHEME = 2


def validation_split(X, y, *, validation_fraction, stratify, random_state):
    """Return ``(training_rows, validation_indices)`` for one held-out split.

    Works on indices only, so X (a memmap, a dask array, a tensor) is never
    copied. Classifiers get a stratified split, as scikit-learn's SGD
    estimators do, so every class is scored on: each class holds out the
    number of rows scikit-learn's ``StratifiedShuffleSplit`` would, chosen
    uniformly among its members. Where the data cannot be stratified (a class
    with a single member, fewer validation rows than classes), the split
    falls back to an unstratified one with a warning saying why, rather than
    failing: every class still reaches ``partial_fit`` through ``classes=``.

    Memory is bounded by the validation indices and one block of labels,
    whatever the number of rows: ``y`` is read ``LABEL_BLOCK`` labels at a
    time, and the training rows are the complement of the validation rows,
    never listed (see :class:`RowsNotHeldOut`).
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
    _warn_if_lopsided(n_samples, n_validation, validation_fraction)
    random_state = check_random_state(random_state)
    # Unstratified: every row is of one class.
    classes, counts, to_hold_out = None, np.array([n_samples]), np.array([n_validation])
    if stratify:
        found_classes, found_counts = _class_counts(y, n_samples)
        reason = _why_not_stratifiable(found_classes, found_counts, n_samples, n_validation)
        if reason is None:
            classes, counts = found_classes, found_counts
            # StratifiedShuffleSplit's allocation: the training rows per
            # class first, the validation rows are the rest of each class.
            to_hold_out = counts - _approximate_mode(counts, n_samples - n_validation, random_state)
        else:
            warnings.warn(
                f"Cannot stratify the validation split: {reason}. Falling back to an "
                "unstratified split, so some classes may be missing from the "
                "validation or training rows. Pass X_val and y_val to choose them.",
                UserWarning,
            )
    validation = _sample_each_class(y, classes, counts, to_hold_out, n_samples, random_state)
    return RowsNotHeldOut(n_samples, validation), validation


class RowsNotHeldOut:
    """The rows ``0 .. n_samples - 1`` except the held-out ones, by position.

    The training row at position ``k`` is ``k`` plus the number of held-out
    rows before it, found by bisection in an array the size of the held-out
    set: the training rows, nearly all of the data, are never listed.

    Parameters
    ----------
    n_samples : int
        Rows of the whole data.
    held_out : array-like of int, default=()
        Sorted row numbers that are not training rows.
    """

    def __init__(self, n_samples, held_out=()):
        self._n_samples = n_samples
        self._held_out = np.asarray(held_out, dtype=np.intp)
        # The j-th held-out row shifts every later position by j + 1; a
        # position k lands past the j-th once k >= held_out[j] - j.
        self._shifts = self._held_out - np.arange(len(self._held_out))

    def __len__(self):
        return self._n_samples - len(self._held_out)

    @property
    def held_out(self):
        """Whether any row of the data is left out of training."""
        return len(self._held_out) > 0

    def rows(self, positions):
        """Row numbers of the training rows at ``positions``."""
        positions = np.asarray(positions)
        return positions + np.searchsorted(self._shifts, positions, side="right")

    def positions_before(self, rows):
        """How many training rows come before each row number in ``rows``."""
        return rows - np.searchsorted(self._held_out, rows)

    def all(self):
        """Row numbers of every training row, in order."""
        return self.rows(np.arange(len(self)))


def _warn_if_lopsided(n_samples, n_validation, validation_fraction):
    """Warn of a split that trains on fewer rows than it holds out, or scores on very few."""
    n_training = n_samples - n_validation
    held_out = f"validation_fraction={validation_fraction!r} holds out {n_validation} of "
    if n_validation > n_training:
        warnings.warn(
            f"{held_out}{n_samples} rows: training uses only {n_training}. A fraction of "
            "0.1-0.3 is usual; an int is a number of rows.",
            UserWarning,
        )
    elif n_validation < FEW_VALIDATION_ROWS:
        warnings.warn(
            f"{held_out}{n_samples} rows: the validation score of {n_validation} "
            f"row{'s' * (n_validation > 1)} moves in steps too coarse to tell a better "
            "epoch. Pass more rows, a larger validation_fraction, or X_val and y_val.",
            UserWarning,
        )


def _n_validation_samples(n_samples, validation_fraction):
    if isinstance(validation_fraction, Integral):
        return int(validation_fraction)
    return max(1, int(np.ceil(validation_fraction * n_samples)))


def _label_blocks(y, n_samples):
    """``(first_row, labels)`` of consecutive blocks of ``y``, one in memory at a time.

    A multi-output row is one class, named as ``StratifiedShuffleSplit`` names it.
    """
    for start in range(0, n_samples, LABEL_BLOCK):
        block = np.asarray(_safe_indexing(y, slice(start, start + LABEL_BLOCK)))
        if block.ndim == 2:
            block = np.array([" ".join(row.astype("str")) for row in block])
        yield start, block


def _class_counts(y, n_samples):
    """Sorted classes of ``y`` and the number of rows of each."""
    block_classes, block_counts = zip(
        *(np.unique(block, return_counts=True) for _, block in _label_blocks(y, n_samples))
    )
    classes = np.unique(np.concatenate(block_classes))
    counts = np.zeros(len(classes), dtype=np.intp)
    for present, count in zip(block_classes, block_counts):
        counts[np.searchsorted(classes, present)] += count
    return classes, counts


def _sample_each_class(y, classes, counts, to_hold_out, n_samples, random_state):
    """Sorted row numbers: ``to_hold_out[c]`` rows drawn uniformly from class ``c``.

    One pass over the blocks of ``y``. How many of a class's draws fall in a
    block is hypergeometric (the block's members against those still to
    come), then they are drawn among the block's members: together a uniform
    sample of the whole class without replacement. ``classes=None`` treats
    every row as one class.
    """
    unseen, still_to_draw = counts.copy(), to_hold_out.copy()
    drawn = []
    blocks = (
        ((start, None) for start in range(0, n_samples, LABEL_BLOCK))
        if classes is None
        else _label_blocks(y, n_samples)
    )
    for start, labels in blocks:
        codes = (
            np.zeros(min(LABEL_BLOCK, n_samples - start), dtype=np.intp)
            if labels is None
            else np.searchsorted(classes, labels)
        )
        by_class = np.argsort(codes, kind="stable")
        bounds = np.searchsorted(codes[by_class], np.arange(len(counts) + 1))
        for code in np.flatnonzero(np.diff(bounds)):
            members = by_class[bounds[code] : bounds[code + 1]]
            unseen[code] -= len(members)
            if still_to_draw[code] == 0:
                continue
            n_drawn = random_state.hypergeometric(len(members), unseen[code], still_to_draw[code])
            still_to_draw[code] -= n_drawn
            drawn.append(start + random_state.choice(members, n_drawn, replace=False))
    return np.sort(np.concatenate(drawn))


def _why_not_stratifiable(classes, counts, n_samples, n_validation):
    rarest = int(np.argmin(counts))
    if counts[rarest] < 2:
        return (
            f"class {plain_label(classes[rarest])!r} has only {counts[rarest]} member, "
            "and a stratified split needs at least 2 of each class"
        )
    if min(n_validation, n_samples - n_validation) < len(classes):
        return (
            f"{n_validation} validation and {n_samples - n_validation} training "
            f"samples cannot each hold all {len(classes)} classes"
        )
    return None


def plain_label(label):
    """A label as Python shows it: a numpy scalar as its value, a str as itself."""
    return label.item() if isinstance(label, np.generic) else label
