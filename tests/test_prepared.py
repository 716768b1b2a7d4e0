"""Prepared folds: each fold's rows, split and preprocessing made once, whatever the rungs."""

import warnings
from collections import Counter

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.linear_model import SGDClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import skstop._data
from skstop import EarlyStoppingEstimator, EpochHalvingSearchCV
from skstop._search._prepared import FoldMemo

X, y = load_digits(return_X_y=True)
X, y = X[:600], y[:600]
DONE = Counter()  # what the preprocessing did, by step and row count


class CountedScaler(StandardScaler):
    def fit(self, X, y=None, sample_weight=None):
        DONE["fit", len(X)] += 1
        return super().fit(X, y, sample_weight)

    def transform(self, X, copy=None):
        DONE["transform", len(X)] += 1
        return super().transform(X, copy)


def search(grid, **params):
    pipeline = make_pipeline(CountedScaler(), SGDClassifier(random_state=0))
    wrapper = EarlyStoppingEstimator(pipeline, max_iter=9, random_state=0)
    search = EpochHalvingSearchCV(wrapper, grid, cv=3, refit=False, **params)
    DONE.clear()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # max_iter reached while improving
        return search.fit(X, y)


ALPHAS = {"estimator__sgdclassifier__alpha": list(np.logspace(-5, 1, 9))}


def test_each_fold_is_split_fitted_and_transformed_once_for_every_rung_and_candidate(
    monkeypatch,
):
    splits = Counter()
    split = skstop._data.validation_split
    monkeypatch.setattr(
        skstop._data,
        "validation_split",
        lambda X, *args, **kwargs: splits.update([len(X)]) or split(X, *args, **kwargs),
    )
    done = search(ALPHAS)
    assert done.n_candidates_ == [9, 3, 1]  # 13 candidate-folds x 3 folds, 3 rungs
    # A fold of 600 rows: 400 train (of which 40 validate), 200 test.
    assert splits == {400: 3}
    assert DONE == {
        ("fit", 360): 3,
        ("transform", 360): 3,
        ("transform", 40): 3,
        ("transform", 200): 3,
    }


def test_candidates_with_other_preprocessing_are_prepared_apart():
    search({**ALPHAS, "estimator__countedscaler__with_mean": [True, False]})
    assert DONE[("fit", 360)] == 2 * 3
    assert DONE[("transform", 200)] == 2 * 3


def test_train_scores_are_transformed_once_per_fold():
    search(ALPHAS, return_train_score=True)
    assert DONE[("transform", 400)] == 3


def fields(search):
    return {
        key: search.cv_results_[key].tolist()
        for key in ("mean_test_score", "std_test_score", "n_epochs", "best_iteration", "iter")
    } | {"best_params": search.best_params_, "total_epochs": search.total_epochs_}


@pytest.mark.parametrize("n_jobs", [None, 2])
def test_prepared_once_gives_the_results_of_preparing_at_every_rung(monkeypatch, n_jobs):
    reused = fields(search(ALPHAS, n_jobs=n_jobs, return_train_score=True))
    monkeypatch.setattr(FoldMemo, "__call__", lambda memo, key, build: build())
    assert fields(search(ALPHAS, return_train_score=True)) == reused


def test_a_scorer_of_ones_own_sees_the_wrapper_and_the_untransformed_rows():
    seen = []

    def scorer(estimator, X_test, y_test):
        seen.append((type(estimator).__name__, X_test.max()))
        return estimator.score(X_test, y_test)

    done = search(ALPHAS, scoring=scorer)
    assert set(seen) == {("EarlyStoppingEstimator", X.max())}
    assert len(seen) == 3 * sum(done.n_candidates_)
