"""Scale-out: a real dask LocalCluster, memory-mapped and dask-array inputs."""

import tracemalloc

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")

import joblib  # noqa: E402
from sklearn.datasets import load_digits, make_classification  # noqa: E402
from sklearn.experimental import enable_halving_search_cv  # noqa: E402,F401
from sklearn.linear_model import SGDClassifier  # noqa: E402
from sklearn.model_selection import GridSearchCV, HalvingGridSearchCV  # noqa: E402

from skstop import EarlyStoppingEstimator, _split, load_checkpoint  # noqa: E402
from skstop._checkpoint import run_folders  # noqa: E402
from skstop._split import validation_split  # noqa: E402

from ._cluster import loopback_client  # noqa: E402
from ._scripted import ScriptedClassifier  # noqa: E402

pytestmark = pytest.mark.slow

X_digits, y_digits = load_digits(return_X_y=True)
X_digits, y_digits = X_digits[:600] / 16, y_digits[:600]
GRID = {"estimator__alpha": [1e-4, 1e-2], "n_iter_no_change": [2, 4]}


@pytest.fixture(scope="module")
def dask_client():
    """Two worker processes on the loopback interface, stopped after the module."""
    with loopback_client(2) as client:
        yield client


def sgd_model(**params):
    params = {"random_state": 0, **params}
    return EarlyStoppingEstimator(SGDClassifier(random_state=0), **params)


def search(estimator, backend=None, **params):
    grid_search = GridSearchCV(estimator, GRID, cv=3, n_jobs=-1 if backend else 1, **params)
    if backend is None:
        return grid_search.fit(X_digits, y_digits)
    with joblib.parallel_config(backend=backend):
        return grid_search.fit(X_digits, y_digits)


def test_grid_search_on_dask_matches_sequential(dask_client):
    sequential = search(sgd_model())
    on_dask = search(sgd_model(), backend="dask")
    assert on_dask.best_params_ == sequential.best_params_
    for key in ("mean_test_score", "split0_test_score", "split2_test_score"):
        np.testing.assert_array_equal(on_dask.cv_results_[key], sequential.cv_results_[key])
    workers = {w for w in dask_client.scheduler_info()["workers"]}
    assert len(workers) == 2


def test_halving_search_over_epochs_on_dask(dask_client):
    halving = HalvingGridSearchCV(
        sgd_model(n_iter_no_change=100),
        {"estimator__alpha": np.logspace(-6, -1, 9)},
        resource="max_iter",
        min_resources=2,
        max_resources=18,
        factor=3,
        cv=3,
        n_jobs=-1,
    )
    with joblib.parallel_config(backend="dask"):
        halving.fit(X_digits, y_digits)
    assert list(halving.n_resources_) == [2, 6, 18]


def test_checkpoints_from_dask_workers_never_collide(dask_client, tmp_path):
    on_dask = search(sgd_model(checkpoint_dir=str(tmp_path)), backend="dask")
    folders = run_folders(tmp_path)
    assert len(folders) == 4 * 3 + 1
    for folder in folders:
        assert load_checkpoint(folder).termination_condition_ in {"no_change", "max_iter"}
    assert on_dask.best_params_ == search(sgd_model()).best_params_


def test_memmap_gives_the_same_model_as_an_in_memory_array(tmp_path):
    X, y = make_classification(2000, 20, random_state=0)
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "y.npy", y)
    X_map = np.load(tmp_path / "X.npy", mmap_mode="r")
    y_map = np.load(tmp_path / "y.npy", mmap_mode="r")
    params = dict(batch_size=128, random_state=0, n_iter_no_change=3)
    in_memory = sgd_model(**params).fit(X, y)
    mapped = sgd_model(**params).fit(X_map, y_map)
    np.testing.assert_array_equal(mapped.validation_scores_, in_memory.validation_scores_)
    np.testing.assert_array_equal(mapped.estimator_.coef_, in_memory.estimator_.coef_)


def test_fit_on_a_memmap_holds_batch_validation_set_and_one_int32_per_row(tmp_path):
    """What a minibatch fit allocates, measured: no int64 index or label copy per row."""
    n_rows, n_features = 2_000_000, 4
    X = np.lib.format.open_memmap(
        tmp_path / "X.npy", mode="w+", dtype=np.float64, shape=(n_rows, n_features)
    )
    X[:] = np.random.RandomState(0).randn(n_rows, n_features)
    y = (X[:, 0] > 0).astype(np.int64)
    model = sgd_model(batch_size=10_000, max_iter=1, validation_fraction=0.01)
    tracemalloc.start()
    try:
        model.fit(X, y)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    validation_set = 0.01 * n_rows * (n_features * 8 + 8)  # X_val, y_val
    epoch_order = 4 * n_rows
    # Batches, a block of labels and the model fit in the other 8 MB; the
    # split of scikit-learn's StratifiedShuffleSplit alone peaked at 144 MB here.
    assert peak < validation_set + epoch_order + 8e6


def test_dask_array_is_streamed_chunk_by_chunk():
    X, y = make_classification(1000, 5, random_state=0)
    X_lazy, y_lazy = da.from_array(X, chunks=(250, 5)), da.from_array(y, chunks=250)
    model = EarlyStoppingEstimator(
        ScriptedClassifier(scores=[0.5, 0.6]),
        batch_size=100,
        max_iter=2,
        restore_best=False,
        random_state=0,
    ).fit(X_lazy, y_lazy)
    calls = model.estimator_.calls_
    assert all(isinstance(call["X"], np.ndarray) for call in calls)
    # 900 training rows, 4 chunks of ~225 training rows: 3 batches each per epoch.
    assert len(calls) == 2 * 4 * 3
    for epoch in (calls[:12], calls[12:]):
        rows = np.concatenate([call["X"][:, 0] for call in epoch])
        assert len(rows) == len(np.unique(rows)) == 900
        for call in epoch:  # a batch never spans two chunks
            chunk = {int(np.flatnonzero(X[:, 0] == value)[0]) // 250 for value in call["X"][:, 0]}
            assert len(chunk) == 1
    np.testing.assert_array_equal(model.classes_, [0, 1])


def test_dask_array_trains_a_real_model():
    X, y = make_classification(3000, 10, random_state=0)
    model = sgd_model(batch_size=200, n_iter_no_change=3).fit(
        da.from_array(X, chunks=(500, 10)), da.from_array(y, chunks=500)
    )
    assert model.score(X, y) > 0.8


def test_dask_labels_are_split_like_in_memory_labels(monkeypatch):
    monkeypatch.setattr(_split, "LABEL_BLOCK", 300)  # blocks across dask's chunks
    _, y = make_classification(2000, 5, n_classes=3, n_informative=3, random_state=0)
    split = dict(validation_fraction=0.2, stratify=True, random_state=0)
    in_memory = validation_split(np.empty((2000, 0)), y, **split)
    lazy = validation_split(np.empty((2000, 0)), da.from_array(y, chunks=250), **split)
    np.testing.assert_array_equal(lazy[1], in_memory[1])
    np.testing.assert_array_equal(lazy[0].all(), in_memory[0].all())


def test_epoch_halving_search_on_dask_matches_sequential(dask_client):
    from skstop import EpochHalvingSearchCV

    def halving(backend=None):
        search = EpochHalvingSearchCV(
            sgd_model(max_iter=9),
            {"estimator__alpha": list(np.logspace(-5, 1, 9))},
            cv=3,
            n_jobs=-1 if backend else 1,
        )
        with joblib.parallel_config(backend=backend or "loky"):
            return search.fit(X_digits, y_digits)

    sequential, on_dask = halving(), halving("dask")
    assert on_dask.best_params_ == sequential.best_params_
    assert on_dask.total_epochs_ == sequential.total_epochs_
    for key in ("mean_test_score", "split2_test_score", "iter", "n_epochs"):
        np.testing.assert_array_equal(on_dask.cv_results_[key], sequential.cv_results_[key])
