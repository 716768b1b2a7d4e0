"""Long runs: checkpoints inside an epoch, SIGTERM, the overhead budget (in this process).

Real subprocesses sent real SIGTERM and SIGKILL are in test_preemption.py.
"""

import os
import pickle
import signal
import time

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.linear_model import SGDClassifier

from skstop import CheckpointError, EarlyStoppingEstimator, load_checkpoint
from skstop._checkpoint import latest_checkpoint, run_folders, signing_key
from skstop.checkpoint import Adaptive, Every, OnImprovement

X, y = make_classification(600, 8, n_informative=5, random_state=0)
BATCHES_PER_EPOCH = 11  # 540 training rows in batches of 50


class CrashingSGD(SGDClassifier):
    """An SGDClassifier whose ``crash_at``-th partial_fit call (1-based) raises, as a
    machine that goes away, and whose ``terminate_at``-th sends this process SIGTERM.

    Class attributes, not parameters: the run that crashed and the run that
    resumes it are the same configuration.
    """

    calls = 0
    crash_at = terminate_at = None

    def __init__(self, alpha=1e-3, random_state=0):
        super().__init__(alpha=alpha, random_state=random_state)

    def partial_fit(self, X, y, classes=None, sample_weight=None):
        CrashingSGD.calls += 1
        if CrashingSGD.calls == self.crash_at:
            raise RuntimeError("the machine went away")
        if CrashingSGD.calls == self.terminate_at:
            os.kill(os.getpid(), signal.SIGTERM)
        return super().partial_fit(X, y, classes=classes, sample_weight=sample_weight)


def sgd_model(checkpoint_dir, checkpoint_every, crash_at=None, terminate_at=None, **params):
    CrashingSGD.calls = 0
    CrashingSGD.crash_at, CrashingSGD.terminate_at = crash_at, terminate_at
    estimator = CrashingSGD()
    params = {
        "batch_size": 50,
        "n_iter_no_change": 4,
        "tol": 0.0,
        "max_iter": 12,
        "random_state": 0,
        "warm_start": True,
        "keep_last": 3,
        **params,
    }
    return EarlyStoppingEstimator(
        estimator, checkpoint_dir=checkpoint_dir, checkpoint_every=checkpoint_every, **params
    )


def newest_record(checkpoint_dir):
    (folder,) = run_folders(checkpoint_dir)
    return latest_checkpoint(folder, key=signing_key()).record


def assert_same_fit(resumed, reference):
    np.testing.assert_array_equal(resumed.estimator_.coef_, reference.estimator_.coef_)
    np.testing.assert_array_equal(resumed.validation_scores_, reference.validation_scores_)
    assert (resumed.n_iter_, resumed.best_iteration_) == (
        reference.n_iter_,
        reference.best_iteration_,
    )
    assert [row["validation_score"] for row in resumed.history_] == [
        row["validation_score"] for row in reference.history_
    ]


@pytest.mark.parametrize("crash_at", [6, 12, 19, 40])
def test_a_crash_inside_an_epoch_loses_at_most_k_batches_and_resumes_identically(
    tmp_path, crash_at
):
    policy = Every(batches=4)
    reference = sgd_model(tmp_path / "reference", policy).fit(X, y)
    with pytest.raises(RuntimeError, match="went away"):
        sgd_model(tmp_path / "run", policy, crash_at=crash_at).fit(X, y)
    record = newest_record(tmp_path / "run")
    trained = crash_at - 1  # batches trained before the crash
    assert trained - 4 < record["batches_trained"] <= trained
    assert record["batches_trained"] % 4 == 0
    if record["batches_trained"] % BATCHES_PER_EPOCH:  # inside an epoch
        assert record["position"]["batches"] == record["batches_trained"] % BATCHES_PER_EPOCH

    # Loaded, a checkpoint inside an epoch is the best epoch so far, as any other;
    # inside the first epoch there is none yet, and it says so.
    if record["best_iteration"]:
        loaded = load_checkpoint(tmp_path / "run")
        assert loaded.best_iteration_ == record["best_iteration"]
        assert loaded.n_iter_ == len(record["validation_scores"])
    else:
        with pytest.raises(CheckpointError, match="committed inside epoch 1, before any"):
            load_checkpoint(tmp_path / "run")

    resumed = sgd_model(tmp_path / "run", policy).fit(X, y)
    assert resumed.resumed_from_ == record["batches_trained"] // BATCHES_PER_EPOCH
    assert_same_fit(resumed, reference)


def test_the_file_of_a_save_inside_an_epoch_says_where(tmp_path):
    sgd_model(tmp_path, Every(batches=5), keep_last=100, max_iter=2).fit(X, y)
    (folder,) = run_folders(tmp_path)
    names = sorted(path.name for path in folder.glob("model-*"))
    # batches 5 and 10 of epoch 1, 15 and 20 = 4 and 9 into epoch 2, and the end
    # epoch 1, the best then, was written with the first commit after it
    assert names == [
        "model-e000001-b000005.joblib",
        "model-e000001-b000010.joblib",
        "model-e000001.joblib",
        "model-e000002-b000004.joblib",
        "model-e000002-b000009.joblib",
        "model-e000002.joblib",
    ]


def test_sigterm_inside_an_epoch_commits_there_and_hands_on_to_the_previous_handler(tmp_path):
    handed = []
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: handed.append(signum))
    try:
        with pytest.warns(UserWarning, match="preempted"):
            model = sgd_model(tmp_path, OnImprovement(), terminate_at=27).fit(X, y)
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert handed == [signal.SIGTERM]
    assert model.termination_condition_ == "preempted"
    assert model.stop_reason_.startswith("preempted (SIGTERM) during epoch 3")
    assert signal.getsignal(signal.SIGTERM) is previous  # restored after the fit
    record = newest_record(tmp_path)
    # SIGTERM came inside call 27 (5 into epoch 3): committed after it.
    assert record["batches_trained"] == 27
    assert record["position"]["batches"] == 5
    # The fitted model is the best epoch's, as after Ctrl-C.
    assert model.best_iteration_ <= 2

    reference = sgd_model(tmp_path / "reference", OnImprovement()).fit(X, y)
    assert_same_fit(sgd_model(tmp_path, OnImprovement()).fit(X, y), reference)


def test_sigterm_when_an_epoch_is_one_call_commits_the_best_at_once(tmp_path):
    handed = []
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: handed.append(signum))
    try:
        with pytest.warns(UserWarning, match="preempted"):
            model = sgd_model(tmp_path, Every(epochs=10), batch_size=None, terminate_at=4).fit(X, y)
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert handed == [signal.SIGTERM]
    assert model.termination_condition_ == "preempted"
    record = newest_record(tmp_path)
    assert len(record["validation_scores"]) == record["best_iteration"] == model.best_iteration_


def test_sigterm_is_left_alone_without_checkpoint_dir():
    handed = []
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: handed.append(signum))
    try:
        model = sgd_model(None, None, terminate_at=5, warm_start=False).fit(X, y)
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert handed == [signal.SIGTERM]
    assert model.termination_condition_ != "preempted"


class SlowToPickle(SGDClassifier):
    """Pickling takes ``pickle_seconds``: a model whose saves are slow."""

    def __init__(self, pickle_seconds=0.05, alpha=1e-3, random_state=0):
        super().__init__(alpha=alpha, random_state=random_state)
        self.pickle_seconds = pickle_seconds

    def __reduce_ex__(self, protocol):
        time.sleep(self.pickle_seconds)
        return super().__reduce_ex__(protocol)


def slow_to_save(checkpoint_dir, policy, max_iter):
    return EarlyStoppingEstimator(
        SlowToPickle(),
        batch_size=20,
        n_iter_no_change=None,
        max_iter=max_iter,
        random_state=0,
        checkpoint_dir=checkpoint_dir,
        checkpoint_every=policy,
    ).fit(X, y)


def test_adaptive_keeps_the_overhead_under_its_budget_when_saves_are_slow(tmp_path):
    # A save sleeps 50 ms, an epoch takes about as long.
    model = slow_to_save(tmp_path, Adaptive(mtbf="20s", max_overhead=0.1), max_iter=150)
    stats = model.checkpoint_stats_
    assert stats["overhead"] <= 0.1
    assert 2 <= stats["saves"] < model.n_iter_ / 2
    assert stats["blocked_seconds"] >= 0.05 * stats["saves"]
    # Saving every epoch instead takes far more than the budget.
    every = slow_to_save(tmp_path / "every", Every(epochs=1), max_iter=10)
    assert every.checkpoint_stats_["saves"] == 10
    assert every.checkpoint_stats_["overhead"] > 0.1


def test_checkpoint_stats_are_measured_and_recorded_in_each_manifest(tmp_path):
    model = sgd_model(tmp_path, Every(epochs=2) | Every(seconds=3600)).fit(X, y)
    stats = model.checkpoint_stats_
    assert stats["saves"] == len([row for row in model.history_ if row["checkpoint"]])
    assert stats["interval_seconds"] == 3600
    assert 0 < stats["blocked_seconds"] < stats["wall_seconds"]
    assert stats["overhead"] == pytest.approx(
        (stats["blocked_seconds"] + stats["background_seconds"]) / stats["wall_seconds"]
    )
    recorded = newest_record(tmp_path)["checkpoint_stats"]
    assert recorded["saves"] == stats["saves"] - 1  # as it stood when that commit was made
    assert sgd_model(None, None, warm_start=False).fit(X, y).checkpoint_stats_ is None


@pytest.mark.parametrize(
    "params, message",
    [
        (
            {"checkpoint_every": Every(batches=5), "batch_size": None},
            r"checkpoint_every=Every\(epochs=None, batches=5, seconds=None\) saves between "
            r"batches, but each epoch of CrashingSGD is one call",
        ),
        (
            {"checkpoint_every": Adaptive("1d"), "checkpoint_dir": None},
            r"checkpoint_every=Adaptive\(mtbf='1d', max_overhead=0.05\) was set, but "
            "checkpoint_dir is None",
        ),
        ({"checkpoint_every": Every(seconds=0)}, r"Every\(seconds=0\): seconds must be"),
        ({"checkpoint_every": Adaptive(mtbf=-3)}, r"Adaptive\(mtbf=-3\): mtbf must be"),
        (
            {"checkpoint_every": Adaptive("24h", max_overhead=1.5)},
            r"Adaptive\(max_overhead=1.5\): max_overhead is a share",
        ),
        ({"checkpoint_every": "5"}, "The 'checkpoint_every' parameter"),
    ],
)
def test_bad_policies_are_refused_before_anything_is_written(tmp_path, params, message):
    checkpoint_dir = params.pop("checkpoint_dir", tmp_path / "checkpoints")
    model = sgd_model(checkpoint_dir, **params)
    with pytest.raises(ValueError, match=message):
        model.fit(X, y)
    assert CrashingSGD.calls == 0
    assert not (tmp_path / "checkpoints").exists()


def test_a_save_inside_an_epoch_pickles_nothing_of_skstop_into_the_model(tmp_path):
    sgd_model(tmp_path, Every(batches=3), max_iter=1).fit(X, y)
    (folder,) = run_folders(tmp_path)
    for path in folder.glob("model-*-b*.joblib"):
        assert b"skstop" not in path.read_bytes()
        assert isinstance(pickle.loads(path.read_bytes()), CrashingSGD)


def test_sigterm_in_the_last_epoch_lets_the_fit_end_then_hands_the_signal_on(tmp_path):
    handed = []
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: handed.append(signum))
    try:
        # max_iter=2: call 22 is the last batch of the last epoch, whose end is the fit's.
        model = sgd_model(tmp_path, OnImprovement(), terminate_at=22, max_iter=2).fit(X, y)
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert handed == [signal.SIGTERM]
    assert model.termination_condition_ == "max_iter"
    assert newest_record(tmp_path)["termination"] == "max_iter"
