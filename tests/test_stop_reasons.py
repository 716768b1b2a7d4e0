"""Telling the user what happened: reasons, warnings, and bad parameters refused up front."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import SGDClassifier
from sklearn.utils._param_validation import InvalidParameterError

from skstop import EarlyStoppingEstimator, ReduceOnPlateau, load_checkpoint
from skstop.criteria import Baseline, GeneralizationLoss, TimeBudget

from ._scripted import ScriptedClassifier

X, y = make_classification(200, 5, n_informative=3, random_state=0)


def scripted(scores, **params):
    return EarlyStoppingEstimator(ScriptedClassifier(scores=scores), **params)


def test_stop_reason_says_why_in_the_users_terms():
    patience = scripted([0.5, 0.6, 0.6, 0.6], n_iter_no_change=2).fit(X, y)
    assert patience.stop_reason_ == "no improvement greater than 0.0001 for 2 epochs"
    criterion = scripted(
        [0.8, 0.9, 0.85], criteria=[GeneralizationLoss(alpha=5)], n_iter_no_change=None
    ).fit(X, y)
    assert criterion.termination_condition_ == "GeneralizationLoss"
    assert criterion.stop_reason_ == "GeneralizationLoss: GL 50.00 > 5"


def test_max_iter_ending_a_run_still_improving_warns_of_convergence():
    with pytest.warns(ConvergenceWarning, match="max_iter=3 reached while still improving"):
        model = scripted([0.1, 0.2, 0.3, 0.4], max_iter=3).fit(X, y)
    assert model.stop_reason_ == "max_iter=3 reached while still improving (best epoch 3)"


def test_stop_reason_survives_the_checkpoint(tmp_path):
    model = scripted([0.5, 0.6, 0.6, 0.6], n_iter_no_change=2, checkpoint_dir=tmp_path).fit(X, y)
    assert load_checkpoint(tmp_path).stop_reason_ == model.stop_reason_


def test_baseline_stops_a_run_that_never_beats_it():
    model = scripted([0.5, 0.6, 0.65, 0.9], criteria=[Baseline(0.7, patience=3)]).fit(X, y)
    assert model.n_iter_ == 3
    assert model.stop_reason_ == "Baseline: no score above 0.7 within 3 epochs (best 0.65)"
    beaten = scripted([0.5, 0.8, 0.8, 0.8], criteria=[Baseline(0.7, patience=2)]).fit(X, y)
    assert beaten.termination_condition_ == "no_change"


@pytest.mark.parametrize(
    "params, match",
    [
        ({"criteria": [GeneralizationLoss(alpha=-1)]}, "'alpha' parameter of GeneralizationLoss"),
        ({"criteria": [GeneralizationLoss(alpha="x")]}, "'alpha' parameter of GeneralizationLoss"),
        ({"criteria": [TimeBudget(seconds=-5)]}, "'seconds' parameter of TimeBudget"),
        ({"criteria": [Baseline(0.5, patience=0)]}, "'patience' parameter of Baseline"),
        (
            {"schedules": [ReduceOnPlateau("eta0", patience="2")]},
            "'patience' parameter of ReduceOnPlateau",
        ),
        (
            {"schedules": [ReduceOnPlateau("eta0", patience=-1)]},
            "'patience' parameter of ReduceOnPlateau",
        ),
    ],
)
def test_bad_criterion_and_schedule_parameters_are_refused_before_training(params, match):
    model = scripted([0.5, 0.6], **params)
    with pytest.raises(InvalidParameterError, match=match):
        model.fit(X, y)
    assert not hasattr(model, "n_iter_")


def test_a_schedule_of_a_parameter_that_is_no_number_is_refused():
    model = EarlyStoppingEstimator(SGDClassifier(), schedules=[ReduceOnPlateau("loss")])
    with pytest.raises(ValueError, match="SGDClassifier's loss is 'hinge', not a number"):
        model.fit(X, y)


def test_min_iter_larger_than_max_iter_is_refused():
    with pytest.raises(ValueError, match="min_iter=10 is larger than max_iter=5"):
        scripted([0.5], min_iter=10, max_iter=5).fit(X, y)


@pytest.mark.parametrize(
    "labels",
    [
        lambda y: np.where(y == 0, "a", "b").astype(object),
        lambda y: pd.Series(np.where(y == 0, "a", "b"), dtype="string"),
    ],
    ids=["object", "pandas-string"],
)
def test_a_one_member_class_of_string_labels_warns_and_falls_back(labels):
    y_str = labels(y)
    y_str[7] = "z"
    with pytest.warns(UserWarning, match="class 'z' has only 1 member"):
        model = EarlyStoppingEstimator(SGDClassifier(random_state=0), random_state=0)
        model.fit(X, y_str)
    assert set(model.classes_) == {"a", "b", "z"}


class DivergesAt(RegressorMixin, BaseEstimator):
    """Predicts 0 until ``epoch`` partial_fits, then NaN, as a diverged model does."""

    def __init__(self, epoch=3):
        self.epoch = epoch

    def partial_fit(self, X, y):
        self.epochs_ = getattr(self, "epochs_", 0) + 1
        return self

    def fit(self, X, y):
        return self.partial_fit(X, y)

    def predict(self, X):
        value = np.nan if self.epochs_ >= self.epoch else 0.1 * self.epochs_
        return np.full(len(X), value)


@pytest.mark.parametrize("scoring", ["r2", "neg_mean_squared_error"])
def test_non_finite_predictions_stop_training_and_keep_the_best(scoring):
    y_reg = np.linspace(0, 1, len(X))
    with pytest.warns(UserWarning, match="score is nan at epoch 3"):
        model = EarlyStoppingEstimator(DivergesAt(epoch=3), scoring=scoring).fit(X, y_reg)
    assert model.termination_condition_ == "non_finite"
    assert model.n_iter_ == 3
    assert model.best_iteration_ == 2
    assert model.estimator_.epochs_ == 2


def test_x_val_with_other_columns_is_refused_before_training_naming_x_val():
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(X.shape[1])])
    model = scripted([0.5, 0.6])
    renamed = frame.rename(columns={"x0": "zero"})
    with pytest.raises(ValueError, match=r"X_val's columns \['zero', .* differ from X's"):
        model.fit(frame, y, X_val=renamed, y_val=y)
    with pytest.raises(ValueError, match="X_val's columns"):
        model.fit(frame, y, X_val=frame[frame.columns[::-1]], y_val=y)
    assert not hasattr(model, "n_iter_")


def test_an_empty_checkpoint_dir_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError, match="checkpoint_dir='' is an empty path"):
        scripted([0.5], checkpoint_dir="").fit(X, y)
    assert list(tmp_path.iterdir()) == []


def test_a_best_r2_below_zero_says_the_model_learned_nothing():
    import warnings

    from sklearn.linear_model import SGDRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    rng = np.random.RandomState(0)
    prices = rng.rand(300, 4) * [1, 1e3, 1e5, 1e6]  # unscaled: SGD diverges
    target = prices @ [1.0, 2.0, 3.0, 4.0]
    with pytest.warns(UserWarning, match=r"The best validation r2 is -[\d.]+e\+\d+, below 0: no "):
        model = EarlyStoppingEstimator(SGDRegressor(random_state=0), random_state=0)
        model.fit(prices, target)
    assert model.best_score_ < 0
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        scaled = EarlyStoppingEstimator(
            make_pipeline(StandardScaler(), SGDRegressor(random_state=0)), random_state=0
        ).fit(prices, target)
    assert scaled.best_score_ > 0.9
