import tracemalloc

import numpy as np
import pytest
from sklearn.model_selection import StratifiedShuffleSplit

from skstop import _split
from skstop._split import RowsNotHeldOut, validation_split

y = np.repeat([0, 1, 2], [60, 30, 10])


def split(y, fraction=0.2, stratify=True, seed=0):
    return validation_split(
        np.empty((len(y), 0)),
        y,
        validation_fraction=fraction,
        stratify=stratify,
        random_state=seed,
    )


@pytest.fixture
def small_label_blocks(monkeypatch):
    """Blocks of 7 labels: every class spans many blocks, as on a large memmap."""
    monkeypatch.setattr(_split, "LABEL_BLOCK", 7)


def test_split_is_a_sorted_partition_of_the_rows():
    train, val = split(y)
    assert np.all(np.diff(train.all()) > 0) and np.all(np.diff(val) > 0)
    np.testing.assert_array_equal(np.sort(np.concatenate([train.all(), val])), np.arange(100))
    assert len(train) == 80


def test_stratified_split_keeps_class_proportions():
    _, val = split(y)
    np.testing.assert_array_equal(np.bincount(y[val]), [12, 6, 2])


@pytest.mark.parametrize("seed", range(5))
def test_holds_out_as_many_of_each_class_as_stratified_shuffle_split(seed, small_label_blocks):
    labels = np.random.RandomState(seed).choice(["a", "b", "c", "d"], 203, p=[0.5, 0.3, 0.15, 0.05])
    _, val = split(labels, fraction=0.13, seed=seed)
    _, reference = next(
        StratifiedShuffleSplit(1, test_size=len(val), random_state=seed).split(labels, labels)
    )
    assert sorted(labels[val]) == sorted(labels[reference])


def test_every_row_is_equally_likely_to_be_held_out(small_label_blocks):
    """A uniform sample of each class, although labels are read block by block."""
    labels = np.repeat([0, 1], [70, 30])
    held_out = np.zeros(len(labels))
    for seed in range(2000):
        held_out[split(labels, fraction=0.2, seed=seed)[1]] += 1
    frequency = held_out / 2000
    # Each row's count is binomial(2000, 0.2): 4 standard deviations is 0.036.
    assert np.abs(frequency - 0.2).max() < 0.036


def test_multi_output_rows_are_classes(small_label_blocks):
    labels = np.column_stack([np.repeat([0, 1], 50), np.tile([0, 1], 50)])
    _, val = split(labels, fraction=0.2)
    rows, counts = np.unique(labels[val], axis=0, return_counts=True)
    assert len(rows) == 4 and set(counts) == {5}


@pytest.mark.parametrize("fraction, n_val", [(0.1, 10), (0.01, 1), (0.333, 34), (7, 7)])
def test_fraction_or_count(fraction, n_val):
    _, val = split(y, fraction, stratify=False)
    assert len(val) == n_val


def test_seeded():
    np.testing.assert_array_equal(split(y, seed=3)[1], split(y, seed=3)[1])
    assert not np.array_equal(split(y, seed=3)[1], split(y, seed=4)[1])


def test_count_as_large_as_the_data_is_rejected():
    with pytest.raises(ValueError, match="validation_fraction=100 from 100 samples"):
        split(y, 100)


@pytest.mark.parametrize("held_out", [[], [0], [9], [0, 1, 2], [3, 4, 8], list(range(1, 10, 2))])
def test_training_rows_are_the_complement_by_position(held_out):
    rows = RowsNotHeldOut(10, held_out)
    complement = np.setdiff1d(np.arange(10), held_out)
    assert len(rows) == len(complement)
    np.testing.assert_array_equal(rows.all(), complement)
    np.testing.assert_array_equal(rows.rows([len(complement) - 1, 0]), complement[[-1, 0]])
    for row in range(11):
        assert rows.positions_before(row) == np.sum(complement < row)


def test_memory_does_not_grow_with_the_rows():
    """No array with an entry per row: 4M rows would take 32 MB as int64 indices."""
    labels = np.random.RandomState(0).randint(0, 3, 4_000_000)
    tracemalloc.start()
    try:
        train, val = split(labels, fraction=0.01)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(train) + len(val) == len(labels)
    assert peak < 16e6


@pytest.mark.parametrize(
    "n_samples, fraction, message",
    [
        (560, 0.95, r"validation_fraction=0.95 holds out 532 of 560 rows: training uses only 28"),
        (6, 0.1, r"holds out 1 of 6 rows: the validation score of 1 row moves in steps too"),
    ],
)
def test_a_lopsided_split_is_warned_of(n_samples, fraction, message):
    with pytest.warns(UserWarning, match=message):
        split(np.arange(n_samples) % 2, fraction=fraction, stratify=False)


def test_a_usual_split_is_not_warned_of():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        split(np.arange(100) % 2, fraction=0.1)
