import numpy as np

from skstop._batches import TrainingSet

X = np.arange(20, dtype=float).reshape(10, 2)
y = np.arange(10)


def training_set(indices, batch_size, shuffle=False, params=None):
    return TrainingSet(
        X, y, indices, params or {}, batch_size=batch_size, shuffle=shuffle,
        random_state=np.random.RandomState(0),
    )


def test_whole_split_is_one_batch_taken_once():
    data = training_set(np.array([1, 3, 5]), None)
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
    data = training_set(np.arange(10), 3, shuffle=True)
    epochs = [np.concatenate([b[1] for b in data.epoch()]) for _ in range(2)]
    for epoch in epochs:
        np.testing.assert_array_equal(np.sort(epoch), np.arange(10))
    assert not np.array_equal(epochs[0], epochs[1])
