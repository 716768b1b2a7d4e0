import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

from sklearn.datasets import make_classification  # noqa: E402
from sklearn.linear_model import SGDClassifier  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

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


def test_the_axis_names_the_metric_and_losses_are_drawn_positive():
    model = fitted([0.5, 0.7, 0.6, 0.65])
    assert EarlyStoppingDisplay.from_estimator(model).ax_.get_ylabel() == (
        "accuracy (greater is better)"
    )
    display = EarlyStoppingDisplay(
        validation_scores=[-0.9, -0.5, -0.6],
        best_iteration=2,
        termination_condition="no_change",
        metric="log_loss",
        greater_is_better=False,
    ).plot()
    assert display.ax_.get_ylabel() == "log_loss (lower is better)"
    np.testing.assert_array_equal(display.line_.get_ydata(), [0.9, 0.5, 0.6])
    assert list(display.best_marker_.get_ydata()) == [0.5]


def test_a_neg_scorer_is_named_without_neg_and_drawn_as_the_loss():
    model = EarlyStoppingEstimator(
        SGDClassifier(loss="log_loss", random_state=0),
        scoring="neg_log_loss",
        n_iter_no_change=2,
        random_state=0,
    ).fit(X, y)
    display = EarlyStoppingDisplay.from_estimator(model)
    assert display.ax_.get_ylabel() == "log_loss (lower is better)"
    np.testing.assert_allclose(display.line_.get_ydata(), -model.validation_scores_)


def test_the_legend_names_a_pipelines_last_step_and_a_search_draws_its_best():
    search = GridSearchCV(
        EarlyStoppingEstimator(
            make_pipeline(StandardScaler(), SGDClassifier(random_state=0)), random_state=0
        ),
        {"estimator__sgdclassifier__alpha": [1e-4, 1e-2]},
        cv=2,
    ).fit(X, y)
    display = EarlyStoppingDisplay.from_estimator(search)
    labels = [t.get_text() for t in display.ax_.get_legend().get_texts()]
    assert labels[0] == "SGDClassifier (validation)"
    np.testing.assert_array_equal(
        display.line_.get_ydata(), search.best_estimator_.validation_scores_
    )


def test_record_training_score_draws_training_beside_validation():
    model = fitted([0.5, 0.7, 0.6, 0.65], record_training_score=True)
    np.testing.assert_array_equal(model.training_scores_, [0.9] * 4)
    display = EarlyStoppingDisplay.from_estimator(model)
    np.testing.assert_array_equal(display.training_line_.get_ydata(), [0.9] * 4)
    assert not hasattr(fitted([0.5, 0.7, 0.6, 0.65]), "training_scores_")


def test_a_one_epoch_run_gets_one_tick_at_its_score():
    display = EarlyStoppingDisplay.from_estimator(fitted([0.96], max_iter=1))
    np.testing.assert_array_equal(display.ax_.get_yticks(), [0.96])
    # A run overlaid on it that varies gets ordinary ticks again.
    EarlyStoppingDisplay.from_estimator(fitted([0.5, 0.7, 0.6, 0.65]), ax=display.ax_)
    assert len(display.ax_.get_yticks()) > 2


def test_from_search_draws_every_candidate_to_its_rung_and_the_winner():
    import warnings

    from skstop import EpochHalvingSearchCV

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        search = EpochHalvingSearchCV(
            EarlyStoppingEstimator(SGDClassifier(random_state=0), max_iter=9, random_state=0),
            {"estimator__alpha": list(np.logspace(-5, 1, 9))},
            cv=3,
            refit=False,
        ).fit(X, y)
    display = EarlyStoppingDisplay.from_search(search)
    lines = display.candidate_lines_
    assert lines[search.best_index_] is None
    for candidate, line in enumerate(lines):
        if line is not None:
            rung = search.cv_results_["iter"][candidate]
            assert len(line.get_xdata()) <= search.n_resources_[rung]
            np.testing.assert_array_equal(line.get_ydata(), search.validation_scores_[candidate])
    # Candidates out at the same rung share a colour; other rungs differ.
    colors = {
        search.cv_results_["iter"][c]: line.get_color() for c, line in enumerate(lines) if line
    }
    assert len(set(map(str, colors.values()))) == len(colors)
    np.testing.assert_array_equal(
        display.line_.get_ydata(), search.validation_scores_[search.best_index_]
    )
    alpha = search.best_params_["estimator__alpha"]
    labels = [t.get_text() for t in display.ax_.get_legend().get_texts()]
    assert f"best: alpha={alpha:.3g} (validation)" in labels
    assert "reached rung 1 (up to 1 epoch): 6" in labels


def test_from_search_agrees_with_cv_results_when_patience_stops_a_fold_early():
    import warnings

    from skstop import EpochHalvingSearchCV
    from skstop._search._results import mean_curve

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        search = EpochHalvingSearchCV(
            EarlyStoppingEstimator(
                SGDClassifier(random_state=0), max_iter=27, n_iter_no_change=2, random_state=0
            ),
            {"estimator__alpha": [1e-5, 1e-4, 1e-3]},
            cv=3,
            refit=False,
        ).fit(X, y)
    results, best = search.cv_results_, search.best_index_
    assert results["termination_condition"][best] != "rung budget"
    display = EarlyStoppingDisplay.from_search(search)
    assert display.best_iteration == round(results["best_iteration"][best])
    stops = [t.get_text() for t in display.ax_.texts if t.get_text().startswith("stop:")]
    assert stops == [f"stop: {results['termination_condition'][best]}"]
    # The mean curve ends where the first fold stopped: no tail of fewer folds.
    assert len(search.validation_scores_[best]) <= results["n_epochs"][best]
    np.testing.assert_array_equal(mean_curve([[0.5, 0.7, 0.9], [0.3, 0.5]]), [0.4, 0.6])
    assert len(mean_curve([[0.5, 0.7], []])) == 0
