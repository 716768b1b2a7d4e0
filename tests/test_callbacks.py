"""scikit-learn's callback API (scikit-learn >= 1.9) on EarlyStoppingEstimator."""

import pytest

callback = pytest.importorskip("sklearn.callback")

from sklearn.callback import CallbackSupportMixin, ProgressBar, ScoringMonitor  # noqa: E402
from sklearn.datasets import make_classification  # noqa: E402
from sklearn.linear_model import SGDClassifier  # noqa: E402

from skstop import EarlyStoppingEstimator  # noqa: E402

from ._scripted import ScriptedClassifier  # noqa: E402

X, y = make_classification(300, 5, n_informative=3, random_state=0)


def test_scoring_monitor_scores_every_epoch_on_the_training_rows():
    monitor = ScoringMonitor(scoring="accuracy")
    model = EarlyStoppingEstimator(
        SGDClassifier(random_state=0), n_iter_no_change=3, random_state=0
    ).set_callbacks(monitor)
    model.fit(X, y)
    rows = monitor.get_logs().data
    epochs = [row for row in rows if row["task_name"] == "epoch"]
    assert len(epochs) == model.n_iter_
    assert [row["task_id"] for row in epochs] == list(range(model.n_iter_))
    assert all(0 <= row["accuracy"] <= 1 for row in epochs)
    assert sum(row["task_name"] == "fit" for row in rows) == 1


class StopAtThirdEpoch:
    """A callback that asks training to stop at the end of the third epoch."""

    def setup(self, estimator, context):
        self.ended = 0

    def on_fit_task_begin(self, estimator, context):
        pass

    def on_fit_task_end(self, estimator, context):
        if context.task_name == "epoch":
            self.ended += 1
            return self.ended == 3
        return False

    def teardown(self, estimator, context):
        pass


def test_a_callback_can_stop_training():
    model = EarlyStoppingEstimator(
        ScriptedClassifier(scores=[0.1, 0.2, 0.3, 0.4, 0.5]), max_iter=5
    ).set_callbacks(StopAtThirdEpoch())
    model.fit(X, y)
    assert model.n_iter_ == 3
    assert model.termination_condition_ == "callback"


def test_a_stop_inside_the_warm_up_keeps_the_last_epoch_with_a_warning():
    model = EarlyStoppingEstimator(
        ScriptedClassifier(scores=[0.1, 0.2, 0.3, 0.4, 0.5]), max_iter=5, min_iter=5
    ).set_callbacks(StopAtThirdEpoch())
    with pytest.warns(UserWarning, match="inside the min_iter=5 warm-up.*last epoch's state"):
        model.fit(X, y)
    assert (model.n_iter_, model.best_iteration_) == (3, 3)
    assert model.estimator_.epochs_ == 3
    assert model.stop_reason_ == "a callback asked to stop"


def test_progress_bar_runs(capsys):
    model = EarlyStoppingEstimator(
        SGDClassifier(random_state=0), n_iter_no_change=2, random_state=0
    ).set_callbacks(ProgressBar())
    model.fit(X, y)
    assert "EarlyStoppingEstimator" in capsys.readouterr().out


class CallbackAwareScripted(CallbackSupportMixin, ScriptedClassifier):
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        self.saw_parent_context_ = hasattr(self, "_parent_callback_ctx")
        self.had_callbacks_ = list(getattr(self, "_skl_callbacks", []))
        return super().partial_fit(X, y, classes, sample_weight)


def test_auto_propagated_callbacks_reach_an_inner_estimator_that_supports_them():
    model = EarlyStoppingEstimator(
        CallbackAwareScripted(scores=[0.5, 0.4]), n_iter_no_change=1
    ).set_callbacks(ProgressBar())
    model.fit(X, y)
    assert model.estimator_.saw_parent_context_
    assert [type(c) for c in model.estimator_.had_callbacks_] == [ProgressBar]


class EpochWatcher:
    """A scikit-learn FitCallback reading each epoch's record off its fitted estimator."""

    def setup(self, estimator, context):
        self.epochs, self.roots = [], 0

    def on_fit_task_begin(self, estimator, context):
        pass

    def on_fit_task_end(self, estimator, context, *, fitted_estimator):
        if context.task_name == "epoch":
            record = fitted_estimator.history_[-1]
            self.epochs.append((record, fitted_estimator.predict(X[:5])))
        else:
            self.roots += 1

    def teardown(self, estimator, context):
        pass


def test_each_epoch_task_gets_its_score_time_and_a_fitted_estimator():
    import numpy as np

    watcher = EpochWatcher()
    model = EarlyStoppingEstimator(
        SGDClassifier(random_state=0), n_iter_no_change=3, random_state=0
    ).set_callbacks(watcher)
    model.fit(X, y)
    assert len(watcher.epochs) == model.n_iter_ and watcher.roots == 1
    for epoch, (record, predicted) in enumerate(watcher.epochs, start=1):
        assert record["epoch"] == epoch
        assert record["validation_score"] == model.validation_scores_[epoch - 1]
        assert record["epoch_time"] > 0 and record["elapsed"] >= record["epoch_time"]
        assert predicted.shape == (5,)
    # The fitted estimator of the best epoch predicts as the restored model does.
    np.testing.assert_array_equal(
        watcher.epochs[model.best_iteration_ - 1][1], model.predict(X[:5])
    )
