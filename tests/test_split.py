import numpy as np
import pytest

from skstop._split import validation_split

y = np.repeat([0, 1, 2], [60, 30, 10])


def split(y, fraction=0.2, stratify=True, seed=0):
    return validation_split(
        np.zeros((len(y), 1)), y, validation_fraction=fraction, stratify=stratify,
        random_state=seed,
    )


def test_split_is_a_sorted_partition_of_the_rows():
    train, val = split(y)
    assert np.all(np.diff(train) > 0) and np.all(np.diff(val) > 0)
    np.testing.assert_array_equal(np.sort(np.concatenate([train, val])), np.arange(100))


def test_stratified_split_keeps_class_proportions():
    _, val = split(y)
    np.testing.assert_array_equal(np.bincount(y[val]), [12, 6, 2])


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
