"""skorch nets on CPU: one epoch per iteration, the best state restored, checkpoints."""

import copy
import pickle
from collections import Counter

import joblib
import numpy as np
import pytest

torch = pytest.importorskip("torch")
skorch = pytest.importorskip("skorch")

from sklearn.datasets import load_digits  # noqa: E402
from sklearn.linear_model import SGDClassifier  # noqa: E402
from sklearn.metrics import accuracy_score  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402
from skorch import NeuralNetClassifier  # noqa: E402
from skorch.callbacks import LRScheduler  # noqa: E402

from skstop import EarlyStoppingEstimator, load_checkpoint  # noqa: E402
from skstop._checkpoint import run_folders  # noqa: E402
from skstop._demo_nets import DigitsCNN  # noqa: E402
from skstop._trainers import take_snapshot  # noqa: E402

digits = load_digits()
X = (digits.images[:600] / 16).astype(np.float32)[:, None]  # (600, 1, 8, 8)
y = digits.target[:600]


def cnn(**params):
    params = {
        "module__channels": 4,
        "criterion": torch.nn.CrossEntropyLoss,
        "lr": 0.2,
        "batch_size": 64,
        "max_epochs": 10,
        "iterator_train__shuffle": True,
        "verbose": 0,
        **params,
    }
    return NeuralNetClassifier(DigitsCNN, **params)


def fit(net=None, seed=0, **params):
    torch.manual_seed(seed)
    params = {"random_state": 0, "max_iter": 8, "n_iter_no_change": 3, **params}
    return EarlyStoppingEstimator(net or cnn(), **params).fit(X, y)


def test_one_history_row_per_epoch_whatever_max_epochs():
    model = fit(restore_best=False, n_iter_no_change=20)
    assert model.n_iter_ == 8
    assert len(model.estimator_.history) == 8
    restored = fit(n_iter_no_change=20)
    assert len(restored.estimator_.history) == restored.best_iteration_


def test_every_training_row_is_trained_on_and_the_users_net_is_untouched():
    net = cnn()
    model = fit(net, max_iter=2)
    batches = model.estimator_.history[-1]["batches"]
    assert sum(b["train_batch_size"] for b in batches) == 540  # 600 minus 10%
    assert not any("valid_loss" in b for b in batches)
    assert model.estimator_.train_split is None
    assert net.train_split is not None and not net.initialized_


def test_restored_net_is_the_best_epochs_module_optimizer_and_history():
    recorded = []

    def accuracy_recording_state(net, X_val, y_val):
        recorded.append(
            (
                copy.deepcopy(net.module_.state_dict()),
                copy.deepcopy(net.optimizer_.state_dict()),
                len(net.history),
            )
        )
        return accuracy_score(y_val, net.predict(X_val))

    model = fit(scoring=accuracy_recording_state, n_iter_no_change=2, tol=0.02, max_iter=20)
    assert model.best_iteration_ < model.n_iter_
    module, optimizer, n_rows = recorded[model.best_iteration_ - 1]
    for name, tensor in model.estimator_.module_.state_dict().items():
        torch.testing.assert_close(tensor, module[name], rtol=0, atol=0)
    assert model.estimator_.optimizer_.state_dict()["param_groups"] == optimizer["param_groups"]
    assert len(model.estimator_.history) == n_rows == model.best_iteration_


def test_callbacks_keep_their_state_across_epochs():
    scheduler = LRScheduler(policy=torch.optim.lr_scheduler.StepLR, step_size=2, gamma=0.5)
    model = fit(cnn(callbacks=[scheduler]), restore_best=False, n_iter_no_change=20, max_iter=6)
    # partial_fit per epoch would restart the scheduler each time: lr stays 0.2.
    assert model.estimator_.optimizer_.param_groups[0]["lr"] == pytest.approx(0.2 * 0.5**3)


def test_tensor_input_and_every_class_known():
    torch.manual_seed(0)
    model = EarlyStoppingEstimator(cnn(), max_iter=2, random_state=0).fit(
        torch.from_numpy(X), torch.from_numpy(y)
    )
    np.testing.assert_array_equal(model.classes_, np.arange(10))
    assert model.predict(torch.from_numpy(X[:5])).shape == (5,)


def test_loss_scoring_is_minus_the_criterion_on_the_validation_data():
    X_val, y_val = X[:100], y[:100]
    torch.manual_seed(0)
    model = EarlyStoppingEstimator(cnn(), scoring="loss", max_iter=5, random_state=0)
    model.fit(X[100:], y[100:], X_val=X_val, y_val=y_val)
    net = model.estimator_
    with torch.no_grad():
        loss = torch.nn.functional.cross_entropy(
            net.evaluation_step((torch.from_numpy(X_val), None)), torch.from_numpy(y_val)
        )
    assert model.best_score_ == pytest.approx(-loss.item(), rel=1e-5)
    assert np.all(model.validation_scores_ < 0)


def test_net_specific_errors():
    with pytest.raises(ValueError, match="scoring='loss' .* needs a skorch net"):
        EarlyStoppingEstimator(SGDClassifier(), scoring="loss").fit(X.reshape(600, -1), y)
    with pytest.raises(ValueError, match="set the net's own batch_size"):
        EarlyStoppingEstimator(cnn(), batch_size=32).fit(X, y)


def test_snapshot_stays_on_the_device_and_is_independent_of_training():
    torch.manual_seed(0)
    net = cnn().initialize()
    net.fit_loop(X, y, epochs=1)
    snapshot = take_snapshot(net)
    weights = copy.deepcopy(net.module_.state_dict())
    net.fit_loop(X, y, epochs=1)

    restored = snapshot.restore()
    for name, tensor in restored.module_.state_dict().items():
        torch.testing.assert_close(tensor, weights[name], rtol=0, atol=0)
    restored.fit_loop(X, y, epochs=1)  # training the restored net ...
    again = snapshot.restore()  # ... leaves the snapshot as it was
    for name, tensor in again.module_.state_dict().items():
        torch.testing.assert_close(tensor, weights[name], rtol=0, atol=0)
    assert len(again.history) == 1
    # A new snapshot of the same net reuses the old one's buffers.
    newer = take_snapshot(net, reuse=snapshot)
    assert newer._buffers is snapshot._buffers


def test_pickle_round_trip_predicts_identically():
    model = fit(max_iter=3)
    loaded = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))


def test_grid_search_over_net_parameters_in_parallel():
    search = GridSearchCV(
        EarlyStoppingEstimator(cnn(), max_iter=3, random_state=0),
        {"estimator__lr": [0.05, 0.2], "estimator__module__channels": [2, 4]},
        cv=2,
        n_jobs=2,
    ).fit(X, y)
    assert set(search.best_params_) == {"estimator__lr", "estimator__module__channels"}
    assert (
        search.best_estimator_.estimator_.module_.features[0].out_channels
        == (search.best_params_["estimator__module__channels"])
    )


def test_net_checkpoints_open_with_joblib_and_resume_exactly(tmp_path):
    reference = fit(n_iter_no_change=20)
    fit(checkpoint_dir=tmp_path, n_iter_no_change=20, max_iter=4)
    # torch's RNG moves on in between, as it would in a new process.
    torch.manual_seed(123)
    resumed = EarlyStoppingEstimator(
        cnn(),
        random_state=0,
        max_iter=8,
        n_iter_no_change=20,
        checkpoint_dir=tmp_path,
        warm_start=True,
    ).fit(X, y)
    np.testing.assert_array_equal(resumed.validation_scores_, reference.validation_scores_)
    np.testing.assert_array_equal(resumed.predict_proba(X), reference.predict_proba(X))

    (folder,) = run_folders(tmp_path)
    best = joblib.load(folder / f"model-e{resumed.best_iteration_:06d}.joblib")
    assert isinstance(best, NeuralNetClassifier)
    np.testing.assert_array_equal(best.predict(X), resumed.predict(X))
    np.testing.assert_array_equal(load_checkpoint(tmp_path).predict(X), resumed.predict(X))


def test_learning_rate_schedule_on_a_net():
    from skstop import ReduceOnPlateau

    model = fit(
        schedules=[ReduceOnPlateau("lr", factor=0.5, patience=1)],
        n_iter_no_change=20,
        max_iter=6,
        restore_best=False,
    )
    expected = 0.2 * 0.5 ** len(model.schedule_events_)
    assert model.estimator_.lr == pytest.approx(expected)
    assert model.estimator_.optimizer_.param_groups[0]["lr"] == pytest.approx(expected)


# -- fast batches, reproducible nets, inputs as scikit-learn users pass them ----------


class MLP(torch.nn.Module):
    """A small module with dropout, so that the RNG reaches training too."""

    def __init__(self, n_features=64, n_classes=10):
        super().__init__()
        self.layers = torch.nn.Sequential(
            torch.nn.Linear(n_features, 32),
            torch.nn.ReLU(),
            torch.nn.Dropout(0.2),
            torch.nn.Linear(32, n_classes),
        )

    def forward(self, X):
        return self.layers(X)


X_flat = X.reshape(len(X), -1)


def mlp(**params):
    params = {
        "criterion": torch.nn.CrossEntropyLoss,
        "lr": 0.1,
        "batch_size": 32,
        "iterator_train__shuffle": True,
        "verbose": 0,
        **params,
    }
    return NeuralNetClassifier(MLP, **params)


def fitted_mlp(net=None, X_fit=X_flat, y_fit=y, **params):
    params = {"random_state": 0, "max_iter": 6, "n_iter_no_change": 10, **params}
    return EarlyStoppingEstimator(net or mlp(), **params).fit(X_fit, y_fit)


def same_weights(first, second):
    one, two = first.module_.state_dict(), second.module_.state_dict()
    return one.keys() == two.keys() and all(torch.equal(one[k], two[k]) for k in one)


def test_sliced_batches_train_the_net_the_dataloader_trains():
    from skstop._trainers._tensor_batches import TensorBatches

    fast = fitted_mlp()
    # An iterator option keeps skorch's own DataLoader (identical here).
    default = fitted_mlp(mlp(iterator_train__num_workers=0))
    assert fast.estimator_.iterator_train is TensorBatches
    assert default.estimator_.iterator_train is torch.utils.data.DataLoader
    assert same_weights(fast.estimator_, default.estimator_)
    np.testing.assert_array_equal(fast.validation_scores_, default.validation_scores_)
    np.testing.assert_array_equal(fast.predict_proba(X_flat), default.predict_proba(X_flat))


def test_the_same_random_state_gives_the_same_net_and_leaves_torchs_rng_alone():
    before = torch.get_rng_state()
    first, second = fitted_mlp(), fitted_mlp()
    assert torch.equal(torch.get_rng_state(), before)
    assert same_weights(first.estimator_, second.estimator_)
    np.testing.assert_array_equal(first.predict_proba(X_flat), second.predict_proba(X_flat))
    other = fitted_mlp(random_state=1)
    assert not same_weights(first.estimator_, other.estimator_)


def test_without_random_state_a_net_draws_from_torchs_global_rng_as_skorch_does():
    torch.manual_seed(3)
    first = fitted_mlp(random_state=None)
    assert not torch.equal(torch.get_rng_state(), torch.manual_seed(3).get_state())
    torch.manual_seed(3)
    second = fitted_mlp(random_state=None)
    assert same_weights(first.estimator_, second.estimator_)


def test_warm_start_continues_the_nets_own_random_stream():
    straight = fitted_mlp(max_iter=6)
    paused = fitted_mlp(max_iter=3, warm_start=True)
    paused.set_params(max_iter=6).fit(X_flat, y)
    assert same_weights(straight.estimator_, paused.estimator_)


@pytest.mark.parametrize(
    "labels",
    [
        np.array(list("abcdefghij"))[y],
        np.array(list("abcdefghij"), dtype=object)[y],
        (y * 3).astype(np.int32),
        "categorical",
    ],
    ids=["str", "object", "int32 not 0..k-1", "categorical"],
)
def test_labels_as_users_have_them(labels):
    pd = pytest.importorskip("pandas")
    if isinstance(labels, str):
        labels = pd.Series(pd.Categorical(np.array(list("abcdefghij"))[y]))
    model = fitted_mlp(y_fit=labels)
    expected = np.unique(np.asarray(labels))
    np.testing.assert_array_equal(model.classes_, expected)
    predicted = model.predict(X_flat)
    assert set(predicted) <= set(expected)
    assert model.score(X_flat, labels) == accuracy_score(np.asarray(labels), predicted) > 0.5


def test_float64_and_dataframes_train_and_predict():
    pd = pytest.importorskip("pandas")
    as_float32 = fitted_mlp()
    as_float64 = fitted_mlp(X_fit=X_flat.astype(np.float64))
    frame = pd.DataFrame(X_flat.astype(np.float64))
    as_frame = fitted_mlp(X_fit=frame)
    assert same_weights(as_float32.estimator_, as_float64.estimator_)
    assert same_weights(as_float32.estimator_, as_frame.estimator_)
    proba = as_float32.predict_proba(X_flat)
    np.testing.assert_array_equal(as_frame.predict_proba(frame), proba)
    np.testing.assert_array_equal(as_frame.predict_proba(X_flat.astype(np.float64)), proba)
    assert as_frame.score(frame, y) == as_float32.score(X_flat, y)


def test_a_user_set_iterator_or_dataset_is_kept():
    class CountingLoader(torch.utils.data.DataLoader):
        passes = 0

        def __iter__(self):
            CountingLoader.passes += 1
            return super().__iter__()

    model = fitted_mlp(mlp(iterator_train=CountingLoader), max_iter=3)
    assert model.estimator_.iterator_train is CountingLoader
    assert CountingLoader.passes == 3

    class Halved(skorch.dataset.Dataset):
        def transform(self, X, y):
            return super().transform(X / 2, y)

    halved = fitted_mlp(mlp(dataset=Halved), max_iter=2)
    assert halved.estimator_.dataset is Halved
    assert halved.estimator_.iterator_train is torch.utils.data.DataLoader


def test_a_net_without_callbacks_is_restored():
    model = fitted_mlp(mlp(callbacks="disable"), max_iter=3)
    assert model.n_iter_ == 3
    assert model.predict(X_flat).shape == (len(X_flat),)


HOOK_CALLS = Counter()


class CountsBatches(skorch.callbacks.Callback):
    """Counts its per-batch hook calls (in a module-level Counter: nets are cloned)."""

    def on_batch_begin(self, net, **kwargs):
        HOOK_CALLS["on_batch_begin"] += 1

    def on_grad_computed(self, net, named_parameters, **kwargs):
        HOOK_CALLS["on_grad_computed"] += 1

    def on_batch_end(self, net, **kwargs):
        HOOK_CALLS["on_batch_end"] += 1


def test_callbacks_that_define_batch_hooks_still_get_every_batch():
    HOOK_CALLS.clear()
    fitted_mlp(mlp(callbacks=[("counts", CountsBatches())]), max_iter=2)
    n_batches = 2 * -(-540 // 32)  # 2 epochs of 540 training rows in batches of 32
    assert HOOK_CALLS == {
        "on_batch_begin": n_batches,
        "on_grad_computed": n_batches,
        "on_batch_end": n_batches,
    }


@pytest.mark.parametrize("iterator", ["TensorBatches", "DataLoader"])
def test_a_net_as_the_last_step_of_a_pipeline_takes_its_scalers_float64(iterator, tmp_path):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    # A user-set iterator option keeps skorch's DataLoader (see _iterates_by_default).
    own = {"iterator_valid__num_workers": 0} if iterator == "DataLoader" else {}
    X_float64 = X_flat.astype(np.float64)
    model = EarlyStoppingEstimator(
        make_pipeline(StandardScaler(), mlp(**own)),
        max_iter=3,
        random_state=0,
        checkpoint_dir=tmp_path,
    ).fit(X_float64, y)
    assert model.n_iter_ == 3
    assert model.predict(X_float64[:50]).shape == (50,)
    assert 0 <= model.score(X_float64, y) <= 1
    if iterator == "TensorBatches":  # the fitted Pipeline, and its model file, take float64 too
        np.testing.assert_array_equal(
            model.estimator_.predict(X_float64[:50]), model.predict(X_float64[:50])
        )
        saved = joblib.load(model.checkpoint_path_ / f"model-e{model.best_iteration_:06d}.joblib")
        np.testing.assert_array_equal(saved.predict(X_float64[:50]), model.predict(X_float64[:50]))


def refused_callbacks():
    from skorch.callbacks import Checkpoint, EarlyStopping

    return {
        "EarlyStopping": (
            lambda folder: EarlyStopping(),
            r"The net's callback 'EarlyStopping' is skorch's EarlyStopping, which stops a net "
            r"by raising KeyboardInterrupt",
        ),
        "EarlyStopping on train_loss": (
            lambda folder: EarlyStopping(monitor="train_loss"),
            "is skorch's EarlyStopping",
        ),
        "Checkpoint": (
            lambda folder: ("keep", Checkpoint(dirname=str(folder))),
            r"The net's callback 'keep' monitors 'valid_loss_best', which the net never records",
        ),
    }


@pytest.mark.parametrize("case", refused_callbacks())
def test_skorch_callbacks_that_cannot_work_are_refused_before_training(case, tmp_path):
    callback, message = refused_callbacks()[case]
    model = EarlyStoppingEstimator(mlp(callbacks=[callback(tmp_path)]), max_iter=3)
    with pytest.raises(ValueError, match=message):
        model.fit(X_flat, y)
    assert not hasattr(model, "n_iter_")
    assert list(tmp_path.iterdir()) == []


def test_the_nets_callbacks_see_the_training_begin_and_end_once():
    from skorch.callbacks import Callback

    seen = Counter()

    class CountsTrainingEvents(Callback):
        def on_train_begin(self, net, **kwargs):
            seen["on_train_begin"] += 1

        def on_train_end(self, net, **kwargs):
            seen["on_train_end"] += 1

    fitted_mlp(mlp(callbacks=[CountsTrainingEvents()]), max_iter=4)
    assert seen == {"on_train_begin": 1, "on_train_end": 1}


# -- checkpoints inside an epoch ------------------------------------------------------


class CrashAtBatch(skorch.callbacks.Callback):
    """Raises before the ``crash_at``-th training batch (1-based, counted by the class).

    A class attribute, not a parameter: the run that crashed and the run that
    resumes it are the same configuration.
    """

    crash_at = None
    batches = 0

    def on_batch_begin(self, net, batch=None, training=None, **kwargs):
        if training:
            CrashAtBatch.batches += 1
            if CrashAtBatch.batches == CrashAtBatch.crash_at:
                raise RuntimeError("the machine went away")


@pytest.mark.parametrize("crash_at", [9, 25])
def test_a_net_resumes_inside_an_epoch_exactly(tmp_path, crash_at):
    # 540 training rows in batches of 32: 17 a epoch; saved every 4, dropout on.
    from skstop.checkpoint import Every

    def model(checkpoint_dir):
        CrashAtBatch.batches = 0
        return EarlyStoppingEstimator(
            mlp(callbacks=[("crash", CrashAtBatch())]),
            random_state=0,
            max_iter=3,
            n_iter_no_change=10,
            restore_best=False,
            checkpoint_dir=checkpoint_dir,
            checkpoint_every=Every(batches=4),
            warm_start=True,
        )

    reference = model(tmp_path / "reference").fit(X_flat, y)
    CrashAtBatch.crash_at = crash_at
    try:
        with pytest.raises(RuntimeError, match="went away"):
            model(tmp_path / "run").fit(X_flat, y)
    finally:
        CrashAtBatch.crash_at = None
    torch.manual_seed(123)  # torch's RNG moves on, as in a new process
    resumed = model(tmp_path / "run").fit(X_flat, y)

    assert resumed.resumed_from_ == (crash_at - 1) // 4 * 4 // 17
    assert same_weights(resumed.estimator_, reference.estimator_)
    np.testing.assert_array_equal(resumed.validation_scores_, reference.validation_scores_)
    for key in ("train_loss", "train_batch_count"):
        assert resumed.estimator_.history[:, key] == reference.estimator_.history[:, key]
    assert len(resumed.estimator_.history[-1, "batches"]) == 17
