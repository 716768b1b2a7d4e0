import numpy as np
import pytest
from sklearn.linear_model import SGDClassifier

from skstop._trainers import take_snapshot


def test_snapshot_is_frozen_at_capture_time():
    X = np.random.RandomState(0).rand(50, 3)
    y = (X[:, 0] > 0.5).astype(int)
    estimator = SGDClassifier(random_state=0).partial_fit(X, y, classes=[0, 1])
    coef_then = estimator.coef_.copy()
    snapshot = take_snapshot(estimator)

    estimator.partial_fit(X, y)
    assert not np.array_equal(estimator.coef_, coef_then)
    restored = snapshot.restore()
    np.testing.assert_array_equal(restored.coef_, coef_then)
    assert restored.t_ == 51.0
    # Each restore is independent: training one leaves the snapshot and the next as captured.
    restored.partial_fit(X, y)
    again = snapshot.restore()
    assert not np.array_equal(restored.coef_, coef_then)
    np.testing.assert_array_equal(again.coef_, coef_then)
    assert again.t_ == 51.0


def test_naive_bayes_warns_once_that_more_epochs_count_the_rows_again():
    import warnings

    from sklearn.naive_bayes import MultinomialNB

    from skstop import EarlyStoppingEstimator

    X = np.random.RandomState(0).randint(0, 5, size=(200, 4))
    y = X[:, 0] > 2

    def counted_again(max_iter):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            EarlyStoppingEstimator(MultinomialNB(), max_iter=max_iter, n_iter_no_change=10).fit(
                X, y
            )
        return [w for w in caught if "only accumulates counts" in str(w.message)]

    assert len(counted_again(max_iter=4)) == 1
    assert counted_again(max_iter=1) == []  # one epoch: nothing counted twice


def test_tensor_batches_are_the_dataloaders_batches():
    torch = pytest.importorskip("torch")
    skorch = pytest.importorskip("skorch")
    from torch.utils.data import DataLoader, TensorDataset

    from skstop._trainers._tensor_batches import TensorBatches

    X = np.arange(70, dtype=np.float32).reshape(35, 2)
    y = np.arange(35) % 3

    def batches(iterator, dataset, shuffle):
        torch.manual_seed(0)
        first = [
            [t.clone() for t in batch] for batch in iterator(dataset, batch_size=8, shuffle=shuffle)
        ]
        return first, torch.get_rng_state()

    for dataset in (
        skorch.dataset.Dataset(X, y),  # sliced
        skorch.dataset.Dataset(X, None),  # sliced, with skorch's placeholder y
        TensorDataset(torch.as_tensor(X), torch.as_tensor(y)),  # not skorch's: a DataLoader
    ):
        for shuffle in (False, True):
            sliced, rng_after_sliced = batches(TensorBatches, dataset, shuffle)
            loaded, rng_after_loaded = batches(DataLoader, dataset, shuffle)
            assert len(sliced) == len(loaded) == 5
            for ours, theirs in zip(sliced, loaded):
                for a, b in zip(ours, theirs):
                    assert a.dtype == b.dtype and torch.equal(a, b)
            # The same draws from torch's RNG: later batches and dropout agree too.
            assert torch.equal(rng_after_sliced, rng_after_loaded)
