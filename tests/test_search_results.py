"""cv_results_ of EpochHalvingSearchCV in GridSearchCV's layout (skstop._search._results)."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import GridSearchCV

from skstop import EarlyStoppingEstimator, EpochHalvingSearchCV

X, y = load_digits(return_X_y=True)
X, y = X[:500] / 16, y[:500]


@pytest.mark.parametrize("return_train_score", [False, True])
def test_one_rung_gives_gridsearchcvs_cv_results(return_train_score):
    wrapper = EarlyStoppingEstimator(SGDClassifier(random_state=0), max_iter=3, random_state=0)
    grid = [
        {"estimator__alpha": [1e-4, 1e-2], "n_iter_no_change": [2]},
        {"estimator__loss": ["hinge", "log_loss"]},  # masked where absent
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = EpochHalvingSearchCV(
            wrapper, grid, min_epochs=3, cv=3, return_train_score=return_train_score
        ).fit(X, y)
        theirs = GridSearchCV(wrapper, grid, cv=3, return_train_score=return_train_score).fit(X, y)
    assert ours.n_iterations_ == 1
    for key, expected in theirs.cv_results_.items():
        found = ours.cv_results_[key]
        if key.endswith("_time"):
            assert np.shape(found) == np.shape(expected)
        elif key.startswith("param_"):
            assert found.dtype == expected.dtype, key
            np.testing.assert_array_equal(found.mask, expected.mask)
            assert list(found.compressed()) == list(expected.compressed())
        else:
            np.testing.assert_array_equal(found, expected, err_msg=key)
    assert ours.best_params_ == theirs.best_params_
