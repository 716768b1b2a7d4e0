"""Bad input: a clear error before any training and before anything is written."""

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import SGDClassifier, SGDRegressor

from skstop import EarlyStoppingEstimator
from skstop._checkpoint import run_folders

X = np.random.RandomState(0).rand(200, 4)
y = np.arange(200) % 2
y_reg = np.linspace(0, 1, 200)


def with_nan(values, row=3):
    values = values.astype(float if values.dtype.kind != "O" else object).copy()
    values.flat[row] = np.nan
    return values


CASES = {
    "3-D X": (SGDClassifier(), X.reshape(200, 2, 2), y, {}, "X: Found array with dim 3"),
    "ragged X": (SGDClassifier(), [[1.0, 2.0], [3.0]] * 100, y, {}, "X: setting an array element"),
    "strings in X": (
        SGDClassifier(),
        np.array([["a", "b"]] * 200, dtype=object),
        y,
        {},
        "X: could not convert string to float",
    ),
    "NaN in an object X": (
        SGDClassifier(),
        with_nan(X.astype(object)),
        y,
        {},
        "Input X contains NaN",
    ),
    "complex X": (SGDClassifier(), X + 1j, y, {}, r"X: Complex data not supported$"),
    "no features": (SGDClassifier(), X[:, :0], y, {}, r"X: Found array with 0 feature\(s\)"),
    "X is None": (SGDClassifier(), None, y, {}, "X must be array-like, one row per sample"),
    "X is a str": (SGDClassifier(), "data.csv", y, {}, "X must be array-like.*'data.csv'"),
    "NaN in y": (SGDRegressor(), X, with_nan(y_reg), {}, "Input y contains NaN"),
    "inf in y": (SGDRegressor(), X, np.where(y == 1, np.inf, 0.5), {}, "Input y contains infinity"),
    "2-D y, classifier": (SGDClassifier(), X, np.c_[y, y], {}, r"y has shape \(200, 2\), but"),
    "one class": (SGDClassifier(), X, np.zeros(200), {}, r"y holds one class only \(0.0\)"),
    "string y, regressor": (
        SGDRegressor(),
        X,
        np.array(["a"] * 200),
        {},
        "y holds values that are not numbers",
    ),
    "mixed labels": (
        SGDClassifier(),
        X,
        np.array(["a", 1] * 100, dtype=object),
        {},
        "y mixes string and number labels",
    ),
    "sample_weight length": (
        SGDClassifier(),
        X,
        y,
        {"sample_weight": np.ones(150)},
        r"sample_weight.shape == \(150,\), expected \(200,\)",
    ),
    "NaN in sample_weight": (
        SGDClassifier(),
        X,
        y,
        {"sample_weight": with_nan(np.ones(200))},
        "Input sample_weight contains NaN",
    ),
    "unknown fit parameter": (
        SGDClassifier(),
        X,
        y,
        {"sample_weights": np.ones(200)},
        r"fit got 'sample_weights', which SGDClassifier.partial_fit does not take "
        r"\(it takes classes, sample_weight\)",
    ),
    "NaN in y_val": (
        SGDRegressor(),
        X,
        y_reg,
        {"X_val": X[:20], "y_val": with_nan(y_reg[:20])},
        "Input y_val contains NaN",
    ),
    "a label only y_val has (a typo)": (
        SGDClassifier(),
        X,
        y,
        {"X_val": X[:20], "y_val": np.r_[y[:19], 7]},
        r"y_val holds label 7 that y never has: the model would get a class it never trains "
        r"on\. Correct y_val, or, if the class is real, pass every class: "
        r"fit\(\.\.\., classes=\[0, 1, 7\]\)",
    ),
    "a label of y outside classes": (
        SGDClassifier(),
        X,
        y,
        {"classes": [0, 2]},
        r"y holds label 1 that classes never has",
    ),
    "classes for a regressor": (
        SGDRegressor(),
        X,
        y_reg,
        {"classes": [0, 1]},
        "classes was passed to fit, but SGDRegressor is not a classifier",
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_bad_input_is_refused_before_training_naming_the_argument(case, tmp_path):
    estimator, X_bad, y_bad, fit_params, message = CASES[case]
    model = EarlyStoppingEstimator(estimator, checkpoint_dir=tmp_path / "checkpoints")
    with pytest.raises((ValueError, TypeError), match=message):
        model.fit(X_bad, y_bad, **fit_params)
    assert not hasattr(model, "n_iter_")
    assert run_folders(tmp_path / "checkpoints") == []


def test_a_non_sklearn_estimator_decides_what_input_it_takes():
    from ._scripted import ScriptedClassifier

    images = np.random.RandomState(0).rand(40, 1, 8, 8).astype(np.float32)
    model = EarlyStoppingEstimator(ScriptedClassifier(scores=[0.5]), max_iter=1)
    assert model.fit(images, np.arange(40) % 2).n_iter_ == 1


class TakesTables(ClassifierMixin, BaseEstimator):
    """A third-party estimator that checks its own input, as scikit-learn's do."""

    def partial_fit(self, X, y, classes=None):
        from sklearn.utils import check_array

        check_array(X)
        self.trained_ = True
        return self


@pytest.mark.parametrize(
    "X_bad, message",
    [
        (X.reshape(200, 2, 2), "Found array with dim 3"),
        (X.astype(complex), "Complex data not supported"),
    ],
)
def test_a_third_party_estimator_refuses_on_a_copy_before_training(X_bad, message, tmp_path):
    model = EarlyStoppingEstimator(TakesTables(), checkpoint_dir=tmp_path)
    with pytest.raises(
        ValueError,
        match=rf"TakesTables.partial_fit refused the first 5 rows of X, tried on a copy "
        rf"before training: ValueError: {message}",
    ):
        model.fit(X_bad, y)
    assert not hasattr(model, "n_iter_")
    assert run_folders(tmp_path) == []


def test_a_subclass_of_a_sklearn_estimator_is_checked_as_its_base():
    class Renamed(SGDClassifier):
        def partial_fit(self, X, y, classes=None, sample_weight=None):
            raise AssertionError("the bad input reached partial_fit")

    with pytest.raises(ValueError, match="X: Found array with dim 3"):
        EarlyStoppingEstimator(Renamed()).fit(X.reshape(200, 2, 2), y)


def test_a_lambda_in_the_pipeline_with_checkpoints_says_what_to_do(tmp_path):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    model = EarlyStoppingEstimator(
        make_pipeline(FunctionTransformer(lambda Z: Z * 2), SGDClassifier()),
        checkpoint_dir=tmp_path,
    )
    with pytest.raises(ValueError, match="need the estimator to be picklable.*A lambda") as info:
        model.fit(X, y)
    assert len(str(info.value)) < 500  # no data dumped into the message
    assert run_folders(tmp_path) == []


def test_a_category_only_the_validation_rows_hold_gets_a_hint():
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder

    colours = np.array([["red"], ["blue"]] * 100, dtype=object)
    colours[199, 0] = "green"  # one row: it may land in the validation split only
    labels = np.arange(200) % 2
    X_val = np.array([["green"], ["red"]], dtype=object)
    model = EarlyStoppingEstimator(make_pipeline(OneHotEncoder(), SGDClassifier()))
    with pytest.raises(ValueError, match=r"Found unknown categories.*handle_unknown='ignore'"):
        model.fit(colours[:198], labels[:198], X_val=X_val, y_val=[0, 1])
    EarlyStoppingEstimator(
        make_pipeline(OneHotEncoder(handle_unknown="ignore"), SGDClassifier()), max_iter=2
    ).fit(colours[:198], labels[:198], X_val=X_val, y_val=[0, 1])


def test_the_class_instead_of_an_instance_is_named():
    with pytest.raises(TypeError, match=r"Expected an estimator instance \(SGDClassifier\(\)\)"):
        EarlyStoppingEstimator(SGDClassifier).fit(X, y)


def test_a_method_the_inner_estimator_lacks_says_why():
    model = EarlyStoppingEstimator(SGDClassifier(loss="hinge")).fit(X, y)
    assert not hasattr(model, "predict_proba")
    with pytest.raises(
        AttributeError,
        match="has no attribute 'predict_proba': probability estimates are not available for "
        "loss='hinge'",
    ):
        model.predict_proba(X)


def test_classes_passed_to_fit_declare_every_class():
    model = EarlyStoppingEstimator(SGDClassifier(random_state=0), max_iter=2, random_state=0)
    model.fit(X, y, classes=[0, 1, 2], X_val=X[:20], y_val=np.r_[y[:19], 2])
    np.testing.assert_array_equal(model.classes_, [0, 1, 2])
    assert model.decision_function(X[:3]).shape == (3, 3)


@pytest.mark.parametrize("container", ["ndarray", "DataFrame"])
def test_nan_reaches_a_pipeline_that_imputes_it_whatever_holds_it(container):
    import pandas as pd
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline

    X_nan = with_nan(X, row=7)
    X_nan = pd.DataFrame(X_nan, columns=list("abcd")) if container == "DataFrame" else X_nan
    model = EarlyStoppingEstimator(
        make_pipeline(SimpleImputer(), SGDClassifier(random_state=0)), max_iter=3
    ).fit(X_nan, y)
    assert model.n_iter_ == 3


def test_nan_a_pipeline_does_not_impute_is_refused_by_its_step_before_anything_is_written(
    tmp_path,
):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    model = EarlyStoppingEstimator(
        make_pipeline(StandardScaler(), SGDClassifier()), checkpoint_dir=tmp_path
    )
    X_nan = X.copy()
    X_nan[::20, 1] = np.nan  # in training rows and in validation rows, whatever the split
    with pytest.raises(ValueError, match="Input X contains NaN"):
        model.fit(X_nan, y)
    assert not hasattr(model, "n_iter_")
    assert run_folders(tmp_path) == []


def test_nan_only_in_x_val_is_an_error_not_a_nan_score(tmp_path):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    model = EarlyStoppingEstimator(
        make_pipeline(StandardScaler(), SGDClassifier()), checkpoint_dir=tmp_path
    )
    with pytest.raises(ValueError, match="Input X contains NaN"):
        model.fit(X, y, X_val=with_nan(X[:20]), y_val=y[:20])
    assert not hasattr(model, "n_iter_")
    assert run_folders(tmp_path) == []
