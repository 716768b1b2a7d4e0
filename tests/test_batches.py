import numpy as np

from skstop._batches import EpochBatches
from skstop._split import RowsNotHeldOut

X = np.arange(20, dtype=float).reshape(10, 2)
y = np.arange(10)


def training_set(held_out, batch_size, shuffle=False, params=None):
    rows = None if held_out is None else RowsNotHeldOut(len(X), held_out)
    return EpochBatches(
        X,
        y,
        rows,
        params or {},
        batch_size=batch_size,
        shuffle=shuffle,
        random_state=np.random.RandomState(0),
    )


def test_whole_split_is_one_batch_taken_once():
    data = training_set([0, 2, 4, 6, 7, 8, 9], None)
    (first,) = list(data.epoch())
    (second,) = list(data.epoch())
    np.testing.assert_array_equal(first[1], [1, 3, 5])
    assert first[0] is second[0]  # indexed once per fit, not once per epoch


def test_all_rows_without_indices_are_not_copied():
    (batch,) = list(training_set(None, None).epoch())
    assert batch[0] is X


def test_minibatches_slice_sample_aligned_params_only():
    weights = np.arange(10) * 10.0
    data = training_set(None, 4, params={"sample_weight": weights, "flag": True})
    batches = list(data.epoch())
    assert [len(b[1]) for b in batches] == [4, 4, 2]
    for X_batch, y_batch, params in batches:
        np.testing.assert_array_equal(params["sample_weight"], y_batch * 10.0)
        assert params["flag"] is True
        np.testing.assert_array_equal(X_batch[:, 0], y_batch * 2)


def test_shuffled_epochs_differ_and_cover_every_row():
    data = training_set(None, 3, shuffle=True)
    epochs = [np.concatenate([b[1] for b in data.epoch()]) for _ in range(2)]
    for epoch in epochs:
        np.testing.assert_array_equal(np.sort(epoch), np.arange(10))
    assert not np.array_equal(epochs[0], epochs[1])


def test_minibatches_skip_held_out_rows_and_cover_the_rest():
    data = training_set([0, 4, 5, 9], 4, shuffle=True)
    rows = np.concatenate([b[1] for b in data.epoch()])
    np.testing.assert_array_equal(np.sort(rows), [1, 2, 3, 6, 7, 8])


def test_shuffle_draws_the_same_order_as_permutation():
    """The int32 in-place shuffle keeps the stream of ``RandomState.permutation``."""
    data = training_set([2, 7], 3, shuffle=True)
    batches = [b[1] for b in data.epoch()]
    order = np.random.RandomState(0).permutation(8)
    training_rows = np.array([0, 1, 3, 4, 5, 6, 8, 9])
    expected = [np.sort(training_rows[order[i : i + 3]]) for i in range(0, 8, 3)]
    for batch, rows in zip(batches, expected, strict=True):
        np.testing.assert_array_equal(batch, rows)
