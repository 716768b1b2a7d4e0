import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_digits, make_classification
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import GridSearchCV

from skstop import EarlyStoppingEstimator
from skstop._split import validation_split
from skstop.criteria import (
    Divergence,
    GeneralizationLoss,
    ProgressQuotient,
    TargetScore,
    TimeBudget,
    TrainingHistory,
    UpStrips,
)

from ._scripted import VALIDATION_MARK, ScriptedClassifier

X, y = make_classification(200, 5, n_informative=3, random_state=0)
X_val, y_val = X[:40].copy(), y[:40]
X_val[:, 0] = VALIDATION_MARK


def run(scores, criteria, train_scores=None, **params):
    params = {"n_iter_no_change": None, "max_iter": 50, **params}
    model = EarlyStoppingEstimator(
        ScriptedClassifier(scores=scores, train_scores=train_scores),
        criteria=criteria,
        **params,
    )
    return model.fit(X, y, X_val=X_val, y_val=y_val)


def test_generalization_loss_stops_when_gl_exceeds_alpha():
    # E = 1 - accuracy = .2, .1, .105, .106: GL = 0, 0, 5.0, 6.0
    model = run([0.80, 0.90, 0.895, 0.894, 0.5], [GeneralizationLoss(alpha=5.5)])
    assert (model.n_iter_, model.best_iteration_) == (4, 2)
    assert model.termination_condition_ == "GeneralizationLoss"


def test_progress_quotient_is_checked_at_strip_ends_with_training_error():
    # E_va = .3 .2 .22 .23; E_tr = .4 .3 .29 .289. At t=4: GL = 15,
    # P_2 = 1000 (.579 / .578 - 1) = 1.73, GL / P = 8.67 > 0.5. At t=3 (not a
    # strip end) GL = 10 is not looked at.
    model = run(
        [0.7, 0.8, 0.78, 0.77, 0.5],
        [ProgressQuotient(alpha=0.5, strip=2)],
        train_scores=[0.6, 0.7, 0.71, 0.711, 0.72],
    )
    assert model.n_iter_ == 4
    assert model.termination_condition_ == "ProgressQuotient"
    np.testing.assert_allclose(model.training_scores_, [0.6, 0.7, 0.71, 0.711])


class RecordingSGDClassifier(SGDClassifier):
    """Keeps, in the class, the first column of every X it is scored on."""

    scored = []

    def score(self, X, y, sample_weight=None):
        self.scored.append(X[:, 0].astype(int))
        return super().score(X, y, sample_weight)


def test_training_error_is_scored_on_training_rows_only():
    rows = np.arange(300.0)[:, None]  # each row's feature is its row number
    labels = np.arange(300) % 2
    scored = RecordingSGDClassifier.scored
    scored.clear()
    EarlyStoppingEstimator(
        RecordingSGDClassifier(random_state=0),
        criteria=[ProgressQuotient(alpha=1e9)],
        validation_fraction=0.5,
        max_iter=1,
        random_state=0,
    ).fit(rows, labels)
    train, validation = validation_split(
        rows,
        labels,
        validation_fraction=0.5,
        stratify=True,
        random_state=np.random.RandomState(0),
    )
    scored_validation, scored_training = (set(scored[0]), set(scored[1]))
    assert scored_validation == set(validation)
    assert scored_training == set(train.all())


def test_training_error_is_only_computed_when_a_criterion_needs_it():
    model = run([0.8, 0.9, 0.7], [GeneralizationLoss(alpha=5)])
    assert not hasattr(model, "training_scores_")


def test_up_strips_needs_s_successive_rises_at_strip_ends():
    # strip ends 2, 4, 6 have E = .2, .3, .4: two rises in a row at t=6; the dip
    # at 4 -> 5 is inside a strip and does not count.
    scores = [0.5, 0.8, 0.9, 0.7, 0.9, 0.6, 0.95]
    model = run(scores, [UpStrips(s=2, strip=2)])
    assert (model.n_iter_, model.best_iteration_) == (6, 3)
    assert model.termination_condition_ == "UpStrips"
    assert run(scores[:6] + [0.95], [UpStrips(s=3, strip=2)], max_iter=7).n_iter_ == 7


def test_target_and_divergence():
    assert run([0.5, 0.8, 0.86, 0.9], [TargetScore(0.85)]).n_iter_ == 3
    model = run([0.5, 0.6, 0.2, 0.9], [Divergence(0.3)])
    assert (model.n_iter_, model.best_iteration_) == (3, 2)
    assert model.termination_condition_ == "Divergence"


def test_time_budget():
    assert run([0.5] * 5, [TimeBudget(0.0)]).n_iter_ == 1
    assert run([0.5] * 5, [TimeBudget(1e9)], max_iter=5).termination_condition_ == "max_iter"


def test_first_criterion_to_fire_is_named_and_patience_still_applies():
    model = run([0.5, 0.6, 0.6, 0.6], [TargetScore(0.99)], n_iter_no_change=2)
    assert model.termination_condition_ == "no_change"
    assert model.n_iter_ == 4


def test_patience_off_runs_to_max_iter():
    model = run([0.9, 0.1, 0.1, 0.1], [], max_iter=4)
    assert (model.n_iter_, model.termination_condition_) == (4, "max_iter")


def test_warm_up_delays_stopping_and_the_best_snapshot():
    scores = [0.9, 0.5, 0.6, 0.6, 0.6, 0.6, 0.6]
    model = run(scores, [], n_iter_no_change=2, min_iter=3)
    assert (model.best_iteration_, model.n_iter_) == (3, 5)
    assert model.estimator_.epochs_ == 3
    assert run(scores, [], n_iter_no_change=2).n_iter_ == 3  # without: best is epoch 1
    assert run(scores, [TargetScore(0.5)], min_iter=4).n_iter_ == 4


def test_relative_tol_scales_with_the_best_score():
    scores = [-10.0, -9.4, -9.0, -8.99, -8.98]
    relative = run(scores, [], n_iter_no_change=2, tol=0.05, tol_mode="rel")
    assert (relative.best_iteration_, relative.n_iter_) == (2, 4)  # needs +0.47 after -9.4
    absolute = run(scores, [], n_iter_no_change=2, tol=0.05)
    assert absolute.best_iteration_ == 3


def test_criteria_unit_values():
    errors = np.array([0.0, 0.1])
    history = TrainingHistory(1 - errors, errors)
    assert GeneralizationLoss(alpha=1e9).should_stop(history) == (
        True,
        "GeneralizationLoss: GL inf > 1e+09",
    )
    assert clone(UpStrips(s=4, strip=3)).get_params() == {"s": 4, "strip": 3}


def test_scorer_without_an_error_is_rejected_before_training():
    estimator = ScriptedClassifier()
    with pytest.raises(
        ValueError, match="scoring='positive_likelihood_ratio' has no validation error E"
    ):
        EarlyStoppingEstimator(
            estimator, scoring="positive_likelihood_ratio", criteria=[GeneralizationLoss()]
        ).fit(X, y)
    assert not hasattr(estimator, "epochs_")
    # Criteria that read the score itself accept any scorer.
    EarlyStoppingEstimator(
        SGDClassifier(), scoring="positive_likelihood_ratio", criteria=[TargetScore(0)], max_iter=2
    ).fit(X, y)


def test_criteria_in_a_parallel_grid_search():
    X_digits, y_digits = load_digits(return_X_y=True)
    search = GridSearchCV(
        EarlyStoppingEstimator(
            SGDClassifier(random_state=0), n_iter_no_change=None, max_iter=40, random_state=0
        ),
        {"criteria": [[GeneralizationLoss(alpha=1)], [UpStrips(s=1, strip=2)]]},
        cv=3,
        n_jobs=2,
    ).fit(X_digits[:600] / 16, y_digits[:600])
    assert search.best_estimator_.termination_condition_ in {
        "GeneralizationLoss",
        "UpStrips",
        "max_iter",
    }
    assert len(search.cv_results_["mean_test_score"]) == 2
