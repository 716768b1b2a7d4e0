import json

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.linear_model import SGDClassifier

from skstop import EarlyStoppingEstimator, load_checkpoint
from skstop._checkpoint import latest_checkpoint, run_folders, signing_key
from skstop._state import TrainingState, rng_state_from_json, rng_state_to_json

X, y = make_classification(300, 6, n_informative=4, random_state=0)


def fitted(checkpoint_dir, **params):
    params = {"batch_size": 50, "n_iter_no_change": 3, **params}
    return EarlyStoppingEstimator(
        SGDClassifier(random_state=0), random_state=0, checkpoint_dir=checkpoint_dir, **params
    ).fit(X, y)


def test_the_state_read_back_from_its_manifest_is_the_state_that_was_saved(tmp_path):
    model = fitted(tmp_path)
    live = model._state
    (folder,) = run_folders(tmp_path)
    read = TrainingState.from_manifest(latest_checkpoint(folder, key=signing_key()))

    assert read.scores == live.scores
    assert (read.best_iteration, read.best_score) == (live.best_iteration, live.best_score)
    assert read.config == live.config
    np.testing.assert_array_equal(
        read.random_state.get_state()[1], live.random_state.get_state()[1]
    )
    np.testing.assert_array_equal(
        read.split_random_state().rand(3), live.split_random_state().rand(3)
    )
    np.testing.assert_array_equal(read.best.restore().coef_, live.best.restore().coef_)
    np.testing.assert_array_equal(read.estimator.coef_, live.estimator.coef_)


def test_the_manifest_at_the_best_epoch_holds_that_epochs_scores_and_rng(tmp_path):
    model = fitted(None)
    state = model._state
    record = state.to_manifest(None, trainer_rng=None, at_best=True, n_features_in=6)
    assert record["validation_scores"] == state.scores[: state.best_iteration]
    assert record["rng"] == rng_state_to_json(state.best_rng_state[0])
    assert record["rng"] != rng_state_to_json(state.random_state.get_state())
    assert record["n_features_in"] == 6
    json.dumps(record)  # all of it is JSON


def test_rng_state_survives_json():
    random_state = np.random.RandomState(7)
    random_state.rand(5)
    text = json.dumps(rng_state_to_json(random_state.get_state()))
    again = np.random.RandomState()
    again.set_state(rng_state_from_json(json.loads(text)))
    np.testing.assert_array_equal(again.rand(4), random_state.rand(4))


def test_fit_and_load_checkpoint_set_the_same_fitted_attributes(tmp_path):
    for restore_best in (True, False):
        folder = tmp_path / str(restore_best)
        model = fitted(folder, restore_best=restore_best)
        loaded = load_checkpoint(folder)
        for name in (
            "n_iter_",
            "best_iteration_",
            "best_score_",
            "termination_condition_",
            "n_features_in_",
            "schedule_events_",
        ):
            assert getattr(loaded, name) == getattr(model, name), name
        np.testing.assert_array_equal(loaded.validation_scores_, model.validation_scores_)
        np.testing.assert_array_equal(loaded.classes_, model.classes_)
        np.testing.assert_array_equal(loaded.estimator_.coef_, model.estimator_.coef_)


def test_a_run_that_crashed_at_any_epoch_of_its_warm_up_resumes_to_the_uninterrupted_end(
    tmp_path, monkeypatch
):
    # min_iter=8 with a checkpoint every 4 epochs: the commit at epoch 4 has no
    # best epoch yet, so a crash in epochs 5-8 resumes from a state without one.
    from skstop._trainers import PartialFitTrainer

    params = dict(min_iter=8, checkpoint_every=4, max_iter=12, n_iter_no_change=2, warm_start=True)
    reference = fitted(tmp_path / "reference", **params)
    train_one_epoch = PartialFitTrainer.train_one_epoch
    for crash_at in range(1, reference.n_iter_ + 1):
        epochs = iter(range(1, 100))

        def crashing(self, estimator, batches, crash_at=crash_at, epochs=epochs, **kwargs):
            if next(epochs) == crash_at:
                raise RuntimeError("the machine went away")
            return train_one_epoch(self, estimator, batches, **kwargs)

        checkpoint_dir = tmp_path / f"crash-{crash_at}"
        monkeypatch.setattr(PartialFitTrainer, "train_one_epoch", crashing)
        with pytest.raises(RuntimeError, match="went away"):
            fitted(checkpoint_dir, **params)
        monkeypatch.setattr(PartialFitTrainer, "train_one_epoch", train_one_epoch)
        resumed = fitted(checkpoint_dir, **params)

        np.testing.assert_array_equal(resumed.validation_scores_, reference.validation_scores_)
        assert resumed.best_iteration_ == reference.best_iteration_
        np.testing.assert_array_equal(resumed.estimator_.coef_, reference.estimator_.coef_)
