"""EarlyStoppingEstimator inside Pipelines and cross-validated model selection."""

import numpy as np
from sklearn.datasets import load_digits, make_regression
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.linear_model import SGDClassifier, SGDRegressor
from sklearn.model_selection import (
    GridSearchCV,
    HalvingGridSearchCV,
    RandomizedSearchCV,
    StratifiedKFold,
    cross_validate,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skstop import EarlyStoppingEstimator

X_digits, y_digits = load_digits(return_X_y=True)
X_digits = X_digits[:600] / 16
y_digits = y_digits[:600]


def sgd_model(**params):
    params = {"n_iter_no_change": 3, "random_state": 0, **params}
    return EarlyStoppingEstimator(SGDClassifier(random_state=0), **params)


def test_last_step_of_a_pipeline():
    pipe = make_pipeline(StandardScaler(), sgd_model()).fit(X_digits, y_digits)
    model = pipe[-1]
    assert model.n_iter_ == model.best_iteration_ + 3
    assert pipe.score(X_digits, y_digits) > 0.9
    np.testing.assert_array_equal(
        pipe.predict(X_digits), model.estimator_.predict(pipe[0].transform(X_digits))
    )


def test_grid_search_in_parallel_matches_sequential_and_stratifies():
    grid = {"estimator__alpha": [1e-4, 1e-2], "n_iter_no_change": [2, 4]}
    searches = [
        GridSearchCV(sgd_model(), grid, cv=3, n_jobs=n_jobs).fit(X_digits, y_digits)
        for n_jobs in (1, 2)
    ]
    assert searches[0].best_params_ == searches[1].best_params_
    np.testing.assert_array_equal(
        searches[0].cv_results_["mean_test_score"],
        searches[1].cv_results_["mean_test_score"],
    )
    # A classifier: folds are stratified and the default score is accuracy.
    search = searches[1]
    folds = StratifiedKFold(3).split(X_digits, y_digits)
    train, test = next(folds)
    best = search.best_params_
    first_fold = sgd_model().set_params(**best).fit(X_digits[train], y_digits[train])
    assert search.cv_results_["split0_test_score"][search.best_index_] == (
        first_fold.score(X_digits[test], y_digits[test])
    )
    assert search.best_estimator_.n_iter_ >= search.best_estimator_.best_iteration_


def test_randomized_search_and_cross_validate_in_parallel():
    search = RandomizedSearchCV(
        sgd_model(),
        {"estimator__alpha": np.logspace(-5, -1, 10), "tol": [0.0, 1e-3]},
        n_iter=4,
        cv=3,
        n_jobs=2,
        random_state=0,
    ).fit(X_digits, y_digits)
    assert search.best_score_ > 0.85

    X, y = make_regression(400, 8, noise=5.0, random_state=0)
    results = cross_validate(
        EarlyStoppingEstimator(SGDRegressor(random_state=0), random_state=0),
        X,
        y,
        cv=3,
        n_jobs=2,
        return_estimator=True,
    )
    assert np.all(results["test_score"] > 0.9)
    assert all(
        est.termination_condition_ in {"no_change", "max_iter"} for est in results["estimator"]
    )


def test_successive_halving_over_max_iter():
    search = HalvingGridSearchCV(
        sgd_model(n_iter_no_change=100),
        {"estimator__alpha": np.logspace(-6, -1, 9)},
        resource="max_iter",
        min_resources=2,
        max_resources=18,
        factor=3,
        cv=3,
    ).fit(X_digits, y_digits)
    # Each round trains its survivors for exactly max_iter epochs.
    assert list(search.n_resources_) == [2, 6, 18]
    assert search.best_estimator_.n_iter_ == 18
    assert search.best_estimator_.termination_condition_ == "max_iter"


def test_refit_on_every_row_with_the_epoch_count_learned_in_cross_validation():
    from sklearn.base import clone

    search = GridSearchCV(sgd_model(), {"estimator__alpha": [1e-4, 1e-2]}, cv=3)
    search.fit(X_digits, y_digits)
    folds = cross_validate(
        clone(search.best_estimator_), X_digits, y_digits, cv=3, return_estimator=True
    )
    epochs = int(np.median([fold.best_iteration_ for fold in folds["estimator"]]))

    final = clone(search.best_estimator_).set_params(validation_fraction=None, max_iter=epochs)
    final.fit(X_digits, y_digits)
    assert final.n_iter_ == final.best_iteration_ == epochs
    assert final.termination_condition_ == "max_iter"
    assert np.isnan(final.validation_scores_).all()
    assert final.estimator_.t_ == epochs * len(X_digits) + 1  # every row, every epoch
