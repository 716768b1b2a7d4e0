import numpy as np
import pytest
from sklearn.datasets import load_digits, make_classification
from sklearn.linear_model import SGDClassifier
from sklearn.neural_network import MLPClassifier

from skstop import EarlyStoppingEstimator, ReduceOnPlateau

from ._scripted import ScriptedClassifier

X, y = make_classification(200, 5, n_informative=3, random_state=0)


def test_eta0_is_reduced_after_each_plateau_of_patience_epochs():
    scores = [0.5, 0.6, 0.6, 0.6, 0.7, 0.7, 0.7, 0.7]
    model = EarlyStoppingEstimator(
        ScriptedClassifier(scores=scores, eta0=0.1),
        schedules=[ReduceOnPlateau("eta0", factor=0.5, patience=1)],
        n_iter_no_change=3,
        restore_best=False,
    ).fit(X, y)
    # best at 2 -> reduce after 3, again after 4; best at 5 -> after 6 and 7;
    # epoch 8 stops training (5 + 3), so nothing more is applied.
    assert model.n_iter_ == 8
    assert [e["epoch"] for e in model.schedule_events_] == [3, 4, 6, 7]
    used = [call["eta0"] for call in model.estimator_.calls_]
    np.testing.assert_allclose(used, [0.1, 0.1, 0.1, 0.05, 0.025, 0.025, 0.0125, 0.00625])
    assert model.schedule_events_[0] == {"epoch": 3, "param": "eta0", "old": 0.1, "new": 0.05}


def test_min_value_bounds_the_reductions():
    model = EarlyStoppingEstimator(
        ScriptedClassifier(scores=[0.5] * 10, eta0=0.1),
        schedules=[ReduceOnPlateau("eta0", factor=0.05, patience=1, min_value=0.01)],
        n_iter_no_change=None,
        max_iter=6,
        restore_best=False,
    ).fit(X, y)
    assert [e["new"] for e in model.schedule_events_] == [0.01]


def test_real_sgd_keeps_the_best_epochs_learning_rate():
    X_digits, y_digits = load_digits(return_X_y=True)
    model = EarlyStoppingEstimator(
        SGDClassifier(learning_rate="constant", eta0=0.5, random_state=0),
        schedules=[ReduceOnPlateau("eta0", factor=0.5, patience=1)],
        n_iter_no_change=4,
        random_state=0,
    ).fit(X_digits / 16, y_digits)
    assert model.schedule_events_
    expected = 0.5
    for event in model.schedule_events_:
        if event["epoch"] < model.best_iteration_:
            expected = event["new"]
    assert model.estimator_.eta0 == expected


@pytest.mark.parametrize(
    "estimator, param, message",
    [
        (
            MLPClassifier(),
            "learning_rate_init",
            "reads 'learning_rate_init' only once, into its optimizer",
        ),
        (SGDClassifier(), "eta0", "learning_rate='optimal'\\) ignores eta0"),
        (SGDClassifier(), "no_such", "SGDClassifier has no parameter 'no_such'"),
    ],
)
def test_parameters_that_cannot_be_scheduled_are_rejected_before_training(
    estimator, param, message
):
    with pytest.raises(ValueError, match=message):
        EarlyStoppingEstimator(estimator, schedules=[ReduceOnPlateau(param)]).fit(X, y)
    assert not hasattr(estimator, "n_iter_")


def test_factor_must_shrink():
    with pytest.raises(ValueError, match="factor must be in \\(0, 1\\); got 2"):
        EarlyStoppingEstimator(
            ScriptedClassifier(), schedules=[ReduceOnPlateau("eta0", factor=2)]
        ).fit(X, y)
