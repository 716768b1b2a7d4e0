"""EarlyStoppingEstimator(pipeline): preprocessing fitted on the training rows only."""

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.linear_model import SGDClassifier
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from skstop import EarlyStoppingEstimator, load_checkpoint
from skstop._split import validation_split

X, y = load_digits(return_X_y=True)
X, y = X[:500], y[:500]


def model(**params):
    return EarlyStoppingEstimator(
        make_pipeline(StandardScaler(), SGDClassifier(random_state=0)),
        n_iter_no_change=3,
        random_state=0,
        **params,
    )


def test_scaler_sees_only_the_training_rows():
    fitted = model().fit(X, y)
    train, validation = validation_split(
        X, y, validation_fraction=0.1, stratify=True, random_state=np.random.RandomState(0)
    )
    scaler = fitted.estimator_[0]
    np.testing.assert_allclose(scaler.mean_, X[train.all()].mean(axis=0))
    assert not np.allclose(scaler.mean_, X.mean(axis=0))
    assert isinstance(fitted.estimator_, Pipeline)
    # The validation score is the whole pipeline's on the raw validation rows.
    assert fitted.best_score_ == fitted.estimator_.score(X[validation], y[validation])


def test_only_the_last_step_is_trained_per_epoch_and_predicts_on_raw_data():
    fitted = model(restore_best=False).fit(X, y)
    sgd = fitted.estimator_[-1]
    assert sgd.t_ == fitted.n_iter_ * 450 + 1  # one pass over 450 rows per epoch
    np.testing.assert_array_equal(fitted.predict(X), sgd.predict(fitted.estimator_[0].transform(X)))


def test_x_val_is_transformed_by_the_preprocessing_fitted_on_x():
    fitted = model().fit(X[100:], y[100:], X_val=X[:100], y_val=y[:100])
    np.testing.assert_allclose(fitted.estimator_[0].mean_, X[100:].mean(axis=0))


def test_last_step_needs_partial_fit():
    with pytest.raises(ValueError, match="last step of the Pipeline, SVC, has no partial_fit"):
        EarlyStoppingEstimator(make_pipeline(StandardScaler(), SVC())).fit(X, y)


def test_pipeline_checkpoint_loads_with_its_preprocessing(tmp_path):
    fitted = model(checkpoint_dir=tmp_path).fit(X, y)
    loaded = load_checkpoint(tmp_path)
    assert isinstance(loaded.estimator_, Pipeline)
    np.testing.assert_array_equal(loaded.predict(X), fitted.predict(X))


def test_set_output_reaches_the_pipeline_inside_and_the_fitted_one():
    import pandas as pd
    from sklearn.cluster import MiniBatchKMeans

    clusters = EarlyStoppingEstimator(
        make_pipeline(StandardScaler(), MiniBatchKMeans(3, random_state=0, n_init=1)),
        scoring=lambda estimator, X_, y_=None: estimator.score(X_),
        max_iter=2,
    )
    assert clusters.set_output(transform="pandas") is clusters
    transformed = clusters.fit(X).transform(X[:5])
    assert isinstance(transformed, pd.DataFrame)
    assert list(transformed.columns) == ["minibatchkmeans0", "minibatchkmeans1", "minibatchkmeans2"]
    clusters.set_output(transform="default")
    assert isinstance(clusters.transform(X[:5]), np.ndarray)
    # A wrapper whose inner estimator does not transform takes it as a Pipeline would.
    assert model().set_output(transform="pandas").fit(X, y).predict(X[:2]).shape == (2,)
