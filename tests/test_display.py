import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

from sklearn.datasets import make_classification  # noqa: E402

from skstop import EarlyStoppingDisplay, EarlyStoppingEstimator  # noqa: E402
from skstop.criteria import ProgressQuotient  # noqa: E402

from ._scripted import VALIDATION_MARK, ScriptedClassifier  # noqa: E402

X, y = make_classification(200, 5, n_informative=3, random_state=0)
X_val, y_val = X[:40].copy(), y[:40]
X_val[:, 0] = VALIDATION_MARK


def fitted(scores, **params):
    return EarlyStoppingEstimator(
        ScriptedClassifier(scores=scores, train_scores=[0.9] * 20),
        n_iter_no_change=2,
        **params,
    ).fit(X, y, X_val=X_val, y_val=y_val)


def test_curve_best_epoch_and_stop_are_drawn():
    model = fitted([0.5, 0.7, 0.6, 0.65])
    display = EarlyStoppingDisplay.from_estimator(model, name="run A")

    np.testing.assert_array_equal(display.line_.get_xdata(), [1, 2, 3, 4])
    np.testing.assert_array_equal(display.line_.get_ydata(), [0.5, 0.7, 0.6, 0.65])
    assert list(display.best_marker_.get_xdata()) == [2]
    assert list(display.best_marker_.get_ydata()) == [0.7]
    assert display.ax_.get_xlabel() == "epoch"
    texts = [t.get_text() for t in display.ax_.texts]
    assert texts == ["stop: no_change"]
    labels = [t.get_text() for t in display.ax_.get_legend().get_texts()]
    assert labels == ["run A (validation)", "best: epoch 2"]
    assert display.training_line_ is None
    assert display.figure_ is display.ax_.figure


def test_training_scores_are_drawn_when_recorded():
    model = fitted([0.5, 0.7, 0.6, 0.65], criteria=[ProgressQuotient(alpha=1e9)])
    display = EarlyStoppingDisplay.from_estimator(model)
    np.testing.assert_array_equal(display.training_line_.get_ydata(), [0.9] * 4)


def test_runs_overlay_on_the_same_axes():
    first = EarlyStoppingDisplay.from_estimator(fitted([0.5, 0.7, 0.6, 0.6]), name="a")
    second = EarlyStoppingDisplay.from_estimator(
        fitted([0.4, 0.5, 0.6, 0.5, 0.5]), ax=first.ax_, name="b"
    )
    assert second.ax_ is first.ax_
    assert len([line for line in first.ax_.lines if line.get_marker() == "."]) == 2
    assert second.line_.get_color() != first.line_.get_color()


def test_unfitted_estimator_is_refused():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        EarlyStoppingDisplay.from_estimator(EarlyStoppingEstimator(ScriptedClassifier()))
