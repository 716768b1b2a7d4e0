"""The epoch loop on its own: it runs to an epoch, returns, and continues."""

import math
from functools import partial

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.linear_model import SGDClassifier
from sklearn.metrics import check_scoring

from skstop._batches import EpochBatches
from skstop._callbacks import EpochTasks
from skstop._loop import EpochLoop, ValidationSet
from skstop._monitor import FixedEpochs, StoppingMonitor
from skstop._progress import EpochReporter
from skstop._state import TrainingState
from skstop._trainers import PartialFitTrainer

X, y = make_classification(600, 10, n_informative=5, random_state=0)
X_train, y_train, X_val, y_val = X[:500], y[:500], X[500:], y[500:]


def make_loop(monitor, validation=True):
    trainer = PartialFitTrainer(SGDClassifier(random_state=0), classes=np.unique(y))
    random_state = np.random.RandomState(0)
    state = TrainingState(trainer.new_estimator(), random_state, config=None)
    batches = EpochBatches(
        X_train, y_train, None, {}, batch_size=64, shuffle=True, random_state=random_state
    )
    scorer = check_scoring(trainer.estimator)
    return EpochLoop(
        state,
        trainer,
        monitor,
        batches,
        ValidationSet(X_val, y_val, {}, scorer) if validation else None,
        tasks=EpochTasks(None, 0, None, None),
        reporter=partial(EpochReporter, "test", 0, monitor.max_iter),
    )


def patience():
    return StoppingMonitor(n_iter_no_change=3, tol=0.0, max_iter=40)


def test_paused_and_continued_ends_exactly_as_run_straight_through():
    straight = make_loop(patience())
    stop = straight.run()

    paused = make_loop(patience())
    assert paused.run(until=2) is None
    assert paused.state.n_epochs == 2
    assert paused.run(until=4) is None
    assert paused.run() == stop

    assert stop.condition == "no_change"
    assert paused.state.scores == straight.state.scores
    assert paused.state.best_iteration == straight.state.best_iteration
    np.testing.assert_array_equal(paused.state.estimator.coef_, straight.state.estimator.coef_)
    np.testing.assert_array_equal(
        paused.state.best.restore().coef_, straight.state.best.restore().coef_
    )


def test_a_stopped_loop_stays_stopped():
    loop = make_loop(patience())
    stop = loop.run()
    n_epochs = loop.state.n_epochs
    assert loop.run() == stop
    assert loop.state.n_epochs == n_epochs


def test_the_best_snapshot_is_the_best_epochs_state():
    loop = make_loop(patience())
    loop.run()
    best = loop.state.best.restore()
    assert loop.state.best_iteration < loop.state.n_epochs
    assert best.t_ == 1 + loop.state.best_iteration * len(X_train)


def test_without_validation_the_same_loop_trains_max_iter_epochs_and_keeps_the_last():
    loop = make_loop(FixedEpochs(max_iter=5), validation=False)
    assert loop.run(until=2) is None
    stop = loop.run()
    assert stop.condition == "max_iter"
    assert loop.state.n_epochs == 5
    assert all(math.isnan(score) for score in loop.state.scores)
    assert loop.state.best_iteration == 5
    np.testing.assert_array_equal(loop.state.best.restore().coef_, loop.state.estimator.coef_)


def test_history_is_one_row_per_epoch_with_every_column():
    import pandas as pd
    from sklearn.datasets import make_classification
    from sklearn.linear_model import SGDClassifier

    from skstop import EarlyStoppingEstimator, ReduceOnPlateau

    X, y = make_classification(400, 6, random_state=0)
    model = EarlyStoppingEstimator(
        SGDClassifier(learning_rate="constant", eta0=0.5, random_state=0),
        n_iter_no_change=4,
        record_training_score=True,
        schedules=[ReduceOnPlateau("eta0", patience=1)],
        random_state=0,
    ).fit(X, y)
    table = pd.DataFrame(model.history_)
    assert list(table.columns) == [
        "epoch",
        "validation_score",
        "training_score",
        "epoch_time",
        "elapsed",
        "eta0",
        "checkpoint",
    ]
    assert table["epoch"].tolist() == list(range(1, model.n_iter_ + 1))
    np.testing.assert_array_equal(table["validation_score"], model.validation_scores_)
    np.testing.assert_array_equal(table["training_score"], model.training_scores_)
    np.testing.assert_allclose(table["elapsed"], table["epoch_time"].cumsum())
    assert (table["epoch_time"] > 0).all() and not table["checkpoint"].any()
    # The learning rate each epoch trained with: halved after each plateau event.
    for event in model.schedule_events_:
        assert table.loc[table["epoch"] == event["epoch"], "eta0"].item() == event["old"]
        assert table.loc[table["epoch"] == event["epoch"] + 1, "eta0"].item() == event["new"]


def test_history_marks_the_epochs_saved_and_continues_after_a_warm_start(tmp_path):
    from sklearn.datasets import make_classification
    from sklearn.linear_model import SGDClassifier

    from skstop import EarlyStoppingEstimator

    X, y = make_classification(400, 6, random_state=0)

    def model(max_iter):
        return EarlyStoppingEstimator(
            SGDClassifier(random_state=0),
            max_iter=max_iter,
            n_iter_no_change=50,
            checkpoint_dir=tmp_path,
            checkpoint_every=2,
            warm_start=True,
            random_state=0,
        )

    first = model(5).fit(X, y)
    resumed = model(8).fit(X, y)  # a new object: the history comes from the checkpoint
    assert [row["epoch"] for row in resumed.history_] == list(range(1, 9))
    assert resumed.history_[:5] == first.history_
    improved = np.r_[True, np.diff(np.maximum.accumulate(resumed.validation_scores_)) > 1e-4]
    for row, better in zip(resumed.history_, improved):
        assert row["checkpoint"] == (better or row["epoch"] % 2 == 0 or row["epoch"] in (5, 8))


def test_a_scorer_refusing_non_finite_predictions_scores_nan_other_errors_are_raised():
    from sklearn.linear_model import SGDRegressor

    from skstop._loop import score_or_nan

    rng = np.random.RandomState(0)
    X = rng.rand(50, 3)
    y = X @ [1.0, 2.0, 3.0]
    diverged = SGDRegressor().fit(X, y)
    diverged.coef_ = np.array([np.inf, 0.0, 0.0])  # its predictions are inf

    def r2(estimator, X_, y_):
        from sklearn.metrics import r2_score

        return r2_score(y_, estimator.predict(X_))  # refuses inf with a ValueError

    assert np.isnan(score_or_nan(r2, diverged, X, y))
    fine = SGDRegressor(random_state=0).fit(X, y)

    def refuses(estimator, X_, y_):
        raise ValueError("a scorer's own complaint")

    with pytest.raises(ValueError, match="a scorer's own complaint"):
        score_or_nan(refuses, fine, X, y)
