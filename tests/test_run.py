"""A training run paused and continued (skstop._run, and the search's entry point)."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.linear_model import SGDClassifier

from skstop import EarlyStoppingEstimator
from skstop._checkpoint import RunLock, run_folders
from skstop._estimator import continue_run

X, y = make_classification(400, 8, n_informative=5, random_state=0)
WRAPPER = EarlyStoppingEstimator(
    SGDClassifier(random_state=0), batch_size=50, max_iter=12, n_iter_no_change=50, random_state=0
)


def test_a_run_paused_and_continued_by_value_ends_as_uninterrupted():
    reference = clone(WRAPPER).fit(X, y)
    state = continue_run(clone(WRAPPER), X, y, {}, until=4)
    assert (state.n_epochs, state.stop) == (4, None)
    # By value, as joblib ships a paused run to another worker.
    state = pickle.loads(pickle.dumps(state))
    state = continue_run(clone(WRAPPER), X, y, {}, until=12, paused_state=state)
    assert state.scores == list(reference.validation_scores_)
    np.testing.assert_array_equal(state.best.restore().coef_, reference.estimator_.coef_)


def test_a_paused_run_releases_its_run_folder(tmp_path):
    wrapper = clone(WRAPPER).set_params(checkpoint_dir=tmp_path)
    state = continue_run(wrapper, X, y, {}, until=3)
    [folder] = run_folders(tmp_path)
    assert state.checkpoint_folder == folder
    lock = RunLock.acquire(folder)  # the paused run holds it no longer
    assert lock is not None
    lock.release()


def test_continuing_a_run_validates_the_parameters_as_fit_does():
    with pytest.raises(ValueError, match="'n_iter_no_change' parameter"):
        continue_run(clone(WRAPPER).set_params(n_iter_no_change=0), X, y, {}, until=2)
