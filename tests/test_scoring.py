"""Scoring a search: several metrics, refit by name or callable, as scikit-learn's searches."""

import re
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.linear_model import SGDClassifier
from sklearn.metrics import balanced_accuracy_score, make_scorer
from sklearn.model_selection import GridSearchCV

from skstop import EarlyStoppingEstimator, EpochHalvingSearchCV

X, y = load_digits(return_X_y=True)
X, y = X[:600] / 16, y[:600]
GRID = {"estimator__alpha": [1e-5, 1e-3, 1e-1], "estimator__eta0": [0.01, 0.1]}
METRICS = ["accuracy", "f1_macro"]


def wrapper(max_iter):
    inner = SGDClassifier(learning_rate="constant", random_state=0)
    return EarlyStoppingEstimator(inner, max_iter=max_iter, random_state=0)


def both(scoring, refit):
    """The search with a single rung (max_iter = min_epochs) and GridSearchCV, fitted."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # max_iter reached while improving
        ours = EpochHalvingSearchCV(
            wrapper(4), GRID, min_epochs=4, cv=3, scoring=scoring, refit=refit
        ).fit(X, y)
        theirs = GridSearchCV(wrapper(4), GRID, cv=3, scoring=scoring, refit=refit).fit(X, y)
    return ours, theirs


def assert_same_results(ours, theirs, keys):
    for key in keys:
        np.testing.assert_allclose(ours.cv_results_[key], theirs.cv_results_[key], err_msg=key)
    assert ours.best_index_ == theirs.best_index_
    assert ours.best_params_ == theirs.best_params_


def test_several_metrics_and_refit_by_name_equal_grid_search_where_the_rungs_are_one():
    ours, theirs = both(METRICS, refit="f1_macro")
    keys = [
        f"{kind}_test_{metric}"
        for metric in METRICS
        for kind in ("split0", "split1", "split2", "mean", "std", "rank")
    ]
    assert_same_results(ours, theirs, keys)
    assert ours.best_score_ == theirs.best_score_
    assert ours.multimetric_ and isinstance(ours.scorer_, dict)
    assert ours.score(X, y) == pytest.approx(theirs.score(X, y))


def lowest_balanced_rank(cv_results):
    return int(np.argmin(cv_results["rank_test_balanced"]))


def test_a_callable_refit_picks_the_best_as_in_grid_search():
    scoring = {"accuracy": "accuracy", "balanced": make_scorer(balanced_accuracy_score)}
    ours, theirs = both(scoring, refit=lowest_balanced_rank)
    assert_same_results(ours, theirs, ["mean_test_balanced", "rank_test_accuracy"])
    assert not hasattr(ours, "best_score_") and not hasattr(theirs, "best_score_")
    assert (ours.predict(X) == theirs.predict(X)).all()


def test_one_metric_and_a_callable_refit():
    ours, theirs = both("accuracy", refit=lambda results: int(np.argmax(results["std_test_score"])))
    assert_same_results(ours, theirs, ["mean_test_score", "std_test_score", "rank_test_score"])


def test_the_rungs_rank_by_the_metric_refit_names():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        several = EpochHalvingSearchCV(
            wrapper(9), GRID, cv=3, scoring=METRICS, refit="f1_macro"
        ).fit(X, y)
        one = EpochHalvingSearchCV(wrapper(9), GRID, cv=3, scoring="f1_macro").fit(X, y)
    assert several.n_candidates_ == [6, 2, 1]
    np.testing.assert_array_equal(several.cv_results_["iter"], one.cv_results_["iter"])
    np.testing.assert_allclose(
        several.cv_results_["mean_test_f1_macro"], one.cv_results_["mean_test_score"]
    )
    assert several.best_params_ == one.best_params_


@pytest.mark.parametrize(
    "refit, said",
    [
        (True, "refit must name the one that picks the best candidate (refit='accuracy', say)"),
        ("epochs", "got refit='epochs'"),
        ("recall", "got refit='recall'"),
    ],
)
def test_several_metrics_need_refit_to_name_one_before_any_training(refit, said):
    search = EpochHalvingSearchCV(wrapper(3), GRID, cv=3, scoring=METRICS, refit=refit)
    with pytest.raises(ValueError, match=re.escape(said)):
        search.fit(X, y)
    assert not hasattr(search, "cv_results_")


def test_without_refit_several_metrics_have_no_best_candidate_as_in_grid_search():
    ours, theirs = both(METRICS, refit=False)
    for search in (ours, theirs):
        assert not hasattr(search, "best_index_") and not hasattr(search, "best_estimator_")
    np.testing.assert_allclose(
        ours.cv_results_["mean_test_accuracy"], theirs.cv_results_["mean_test_accuracy"]
    )
