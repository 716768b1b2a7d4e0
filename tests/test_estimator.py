import pickle
import re

import joblib
import numpy as np
import pytest
from sklearn import config_context
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.cluster import MiniBatchKMeans
from sklearn.datasets import load_digits, make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import SGDClassifier, SGDRegressor
from sklearn.metrics import accuracy_score, make_scorer
from sklearn.naive_bayes import MultinomialNB
from sklearn.neural_network import MLPClassifier
from sklearn.svm import SVC

from skstop import EarlyStoppingEstimator, EpochHalvingSearchCV
from skstop._split import validation_split

from ._scripted import HidingNB, ScriptedClassifier, ScriptedRegressor

X_small, y_small = make_classification(n_samples=200, n_features=5, n_informative=3, random_state=0)


def fit_scripted(scores, **params):
    model = EarlyStoppingEstimator(ScriptedClassifier(scores=scores), **params)
    return model.fit(X_small, y_small)


# -- the patience rule -----------------------------------------------------------


def test_stops_n_iter_no_change_epochs_after_the_best():
    scores = [0.5, 0.6, 0.7, 0.65, 0.66, 0.69, 0.71, 0.72]
    model = fit_scripted(scores, n_iter_no_change=3, tol=0.0)

    assert model.n_iter_ == 6
    assert model.best_iteration_ == 3
    assert model.n_iter_ == model.best_iteration_ + model.n_iter_no_change
    assert model.best_score_ == 0.7
    assert model.termination_condition_ == "no_change"
    np.testing.assert_array_equal(model.validation_scores_, scores[:6])
    # The restored model is the one that existed right after epoch 3.
    assert model.estimator_.epochs_ == 3


def test_gains_within_tol_do_not_count_as_improvement():
    scores = [0.5, 0.50005, 0.50009, 0.50009, 0.6]
    model = fit_scripted(scores, n_iter_no_change=3, tol=1e-4)

    assert model.best_iteration_ == 1
    assert model.n_iter_ == 4
    assert model.best_score_ == 0.5


def test_gain_just_above_tol_counts():
    model = fit_scripted([0.5, 0.5002, 0.4, 0.4], n_iter_no_change=2, tol=1e-4)
    assert model.best_iteration_ == 2
    assert model.n_iter_ == 4


def test_stops_at_max_iter_when_still_improving():
    model = fit_scripted([0.1, 0.2, 0.3, 0.4, 0.5, 0.6], max_iter=4)

    assert model.n_iter_ == 4
    assert model.best_iteration_ == 4
    assert model.termination_condition_ == "max_iter"


def test_restore_best_false_keeps_the_last_epoch():
    model = fit_scripted([0.9, 0.1, 0.1], n_iter_no_change=2, restore_best=False)

    assert model.best_iteration_ == 1
    assert model.estimator_.epochs_ == 3


def test_non_finite_score_stops_and_keeps_the_best_state():
    with pytest.warns(UserWarning, match=r"score is nan at epoch 3.*best state \(epoch 2\)"):
        model = fit_scripted([0.5, 0.7, np.nan, 0.9], restore_best=False)

    assert model.termination_condition_ == "non_finite"
    assert model.n_iter_ == 3
    assert model.best_iteration_ == 2
    assert model.estimator_.epochs_ == 2


def test_non_finite_first_score_keeps_the_first_epoch():
    with pytest.warns(UserWarning, match=r"score is inf at epoch 1.*\(epoch 1\)"):
        model = fit_scripted([np.inf, 0.5])
    assert (model.n_iter_, model.best_iteration_) == (1, 1)
    assert model.best_score_ == np.inf
    assert model.estimator_.epochs_ == 1


def test_keyboard_interrupt_keeps_the_best_state_so_far():
    estimator = ScriptedClassifier(scores=[0.5, 0.8, 0.7, 0.9], interrupt_at=4)
    with pytest.warns(UserWarning, match=r"interrupted during epoch 4.*\(epoch 2\)"):
        model = EarlyStoppingEstimator(estimator, restore_best=False).fit(X_small, y_small)

    assert model.termination_condition_ == "interrupted"
    assert model.n_iter_ == 3
    assert model.best_iteration_ == 2
    assert model.estimator_.epochs_ == 2
    assert model.predict(X_small[:2]).shape == (2,)


def test_keyboard_interrupt_before_any_epoch_propagates():
    with pytest.raises(KeyboardInterrupt):
        EarlyStoppingEstimator(ScriptedClassifier(interrupt_at=1)).fit(X_small, y_small)


# -- the restored state is the best epoch's, for real estimators -----------------


def manual_partial_fit_loop(estimator, X, y, model, n_epochs):
    """The loop EarlyStoppingEstimator replaces: same split, one call per epoch."""
    train, val = validation_split(
        X,
        y,
        validation_fraction=model.validation_fraction,
        stratify=True,
        random_state=np.random.RandomState(model.random_state),
    )
    estimator = clone(estimator)
    states, scores = [], []
    for _ in range(n_epochs):
        estimator.partial_fit(X[train.all()], y[train.all()], classes=np.unique(y))
        states.append(pickle.loads(pickle.dumps(estimator)))
        scores.append(estimator.score(X[val], y[val]))
    return states, scores


@pytest.mark.parametrize(
    "estimator",
    [
        SGDClassifier(random_state=0),
        MLPClassifier(hidden_layer_sizes=(16,), random_state=0),
    ],
    ids=["sgd", "mlp"],
)
def test_restored_state_is_the_best_epochs_whole_state(estimator):
    X, y = load_digits(return_X_y=True)
    X = X / 16
    model = EarlyStoppingEstimator(estimator, n_iter_no_change=2, max_iter=100, random_state=7).fit(
        X, y
    )
    states, scores = manual_partial_fit_loop(estimator, X, y, model, model.n_iter_)

    np.testing.assert_allclose(model.validation_scores_, scores)
    best = states[model.best_iteration_ - 1]
    assert model.best_iteration_ < model.n_iter_
    assert model.estimator_.t_ == best.t_
    if hasattr(best, "coefs_"):
        for restored, expected in zip(model.estimator_.coefs_, best.coefs_):
            np.testing.assert_array_equal(restored, expected)
        # Optimizer moments too: training from the restored state continues
        # exactly as it would have from the best epoch.
        assert model.estimator_._optimizer.t == best._optimizer.t
    else:
        np.testing.assert_array_equal(model.estimator_.coef_, best.coef_)
    np.testing.assert_array_equal(model.predict(X), best.predict(X))


def test_inner_estimator_is_cloned_not_modified():
    estimator = SGDClassifier(random_state=0)
    EarlyStoppingEstimator(estimator, max_iter=3).fit(X_small, y_small)
    assert not hasattr(estimator, "coef_")


# -- epochs, batches, classes ----------------------------------------------------


def test_one_partial_fit_call_per_epoch_on_the_training_split():
    model = fit_scripted([0.5] * 10, n_iter_no_change=2, validation_fraction=0.25)
    calls = model.estimator_.calls_

    assert len(calls) == 1  # restored after epoch 1
    assert len(calls[0]["X"]) == 150
    assert len(model.estimator_.scored_on_["X"]) == 50


def test_minibatches_cover_the_training_split_once_per_epoch_and_reshuffle():
    X = np.arange(100, dtype=float).reshape(-1, 1)
    y = np.arange(100) % 2
    estimator = ScriptedClassifier(scores=[0.1, 0.2, 0.3])
    model = EarlyStoppingEstimator(
        estimator,
        batch_size=32,
        max_iter=3,
        validation_fraction=10,
        restore_best=False,
        random_state=0,
    ).fit(X, y)

    calls = model.estimator_.calls_
    assert [len(c["X"]) for c in calls] == [32, 32, 26] * 3
    epochs = [np.concatenate([c["X"].ravel() for c in calls[k : k + 3]]) for k in (0, 3, 6)]
    train_rows = np.sort(epochs[0])
    assert len(train_rows) == 90
    for epoch in epochs[1:]:
        np.testing.assert_array_equal(np.sort(epoch), train_rows)
    first_batches = [set(calls[k]["X"].ravel()) for k in (0, 3, 6)]
    assert first_batches[0] != first_batches[1] != first_batches[2]


def test_shuffle_false_keeps_row_order_and_random_state_reproduces():
    X = np.arange(50, dtype=float).reshape(-1, 1)
    y = np.arange(50) % 2

    def fit(**params):
        model = EarlyStoppingEstimator(
            ScriptedClassifier(scores=[0.1, 0.2]),
            batch_size=8,
            max_iter=2,
            random_state=3,
            **params,
        )
        return model.fit(X, y).estimator_.calls_

    unshuffled = np.concatenate([c["X"].ravel() for c in fit(shuffle=False)])
    assert np.all(np.diff(unshuffled[: len(unshuffled) // 2]) > 0)
    first, second = fit(shuffle=True), fit(shuffle=True)
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a["X"], b["X"])


def test_every_class_reaches_partial_fit_even_if_missing_from_a_batch():
    X, y = make_classification(300, 10, n_informative=5, n_classes=3, random_state=0)
    order = np.argsort(y, kind="stable")
    model = EarlyStoppingEstimator(
        SGDClassifier(random_state=0), batch_size=20, shuffle=False, random_state=0
    ).fit(X[order], y[order])
    np.testing.assert_array_equal(model.classes_, [0, 1, 2])


def test_class_only_in_y_val_is_known_to_the_model_when_declared():
    X_val, y_val = X_small[:20], np.where(y_small[:20] == 1, 2, 0)
    model = EarlyStoppingEstimator(MultinomialNB(), max_iter=3)
    with pytest.raises(ValueError, match="y_val holds label 2 that y never has"):
        model.fit(X_small - X_small.min(), y_small, X_val=X_val - X_small.min(), y_val=y_val)
    model.fit(
        X_small - X_small.min(),
        y_small,
        X_val=X_val - X_small.min(),
        y_val=y_val,
        classes=[0, 1, 2],
    )
    np.testing.assert_array_equal(model.classes_, [0, 1, 2])
    np.testing.assert_array_equal(model.estimator_.classes_, [0, 1, 2])


def test_x_val_is_used_instead_of_a_split():
    model = EarlyStoppingEstimator(ScriptedClassifier(scores=[0.5, 0.4])).fit(
        X_small, y_small, X_val=X_small[:7], y_val=y_small[:7]
    )
    assert len(model.estimator_.calls_[0]["X"]) == 200
    assert len(model.estimator_.scored_on_["X"]) == 7


def test_integer_validation_fraction_is_a_sample_count():
    model = fit_scripted([0.5], validation_fraction=33, max_iter=1)
    assert len(model.estimator_.scored_on_["X"]) == 33


def test_unsupervised_estimator_without_y():
    X, _ = make_classification(300, 4, random_state=0)
    model = EarlyStoppingEstimator(
        MiniBatchKMeans(n_clusters=3, n_init=1, random_state=0), max_iter=5
    ).fit(X)
    assert model.transform(X).shape == (300, 3)
    assert not hasattr(model, "predict_proba")


def test_nd_input_reaches_the_inner_estimator_unconverted():
    X = np.random.RandomState(0).rand(40, 1, 8, 8).astype(np.float32)
    y = np.arange(40) % 2
    model = EarlyStoppingEstimator(ScriptedClassifier(scores=[0.5]), max_iter=1).fit(X, y)
    first_batch = model.estimator_.calls_[0]["X"]
    assert first_batch.shape == (36, 1, 8, 8)
    assert first_batch.dtype == np.float32


def test_memmap_is_read_batch_by_batch(tmp_path):
    X, y = make_classification(500, 8, random_state=0)
    X_map = np.lib.format.open_memmap(tmp_path / "X.npy", mode="w+", shape=X.shape)
    X_map[:] = X
    X_map.flush()
    X_map = np.load(tmp_path / "X.npy", mmap_mode="r")

    model = EarlyStoppingEstimator(
        ScriptedClassifier(scores=[0.5]), batch_size=64, max_iter=1, random_state=0
    ).fit(X_map, y)
    batches = [c["X"] for c in model.estimator_.calls_]
    assert max(len(b) for b in batches) == 64
    assert sum(len(b) for b in batches) == 450


def test_feature_names_are_recorded():
    pd = pytest.importorskip("pandas")
    X = pd.DataFrame(X_small, columns=[f"f{i}" for i in range(5)])
    model = EarlyStoppingEstimator(SGDClassifier(random_state=0), max_iter=2).fit(X, y_small)
    assert model.n_features_in_ == 5
    np.testing.assert_array_equal(model.feature_names_in_, X.columns)


# -- scoring and reporting -------------------------------------------------------


def test_scoring_string_is_used_and_greater_is_better():
    X, y = make_regression(300, 5, noise=1.0, random_state=0)
    model = EarlyStoppingEstimator(
        SGDRegressor(random_state=0), scoring="neg_mean_squared_error", random_state=0
    ).fit(X, y)
    assert np.all(model.validation_scores_ <= 0)
    assert model.best_score_ == model.validation_scores_.max()


def test_verbose_prints_one_line_per_epoch(capsys):
    fit_scripted([0.5, 0.25, 0.75, 0.1], n_iter_no_change=1, verbose=2)
    lines = capsys.readouterr().out.splitlines()

    assert len(lines) == 2 + 1  # and the final line
    assert lines[-1] == (
        "[EarlyStoppingEstimator] stopped after epoch 2: no improvement greater than "
        "0.0001 for 1 epoch; restored epoch 1 (score 0.5)"
    )
    assert re.match(
        r"\[EarlyStoppingEstimator\] epoch +2 +score +0\.250000 +best "
        r"+0\.500000 \(epoch 1\) +elapsed \d+\.\d\ds",
        lines[1],
    )


def test_quiet_by_default(capsys):
    fit_scripted([0.5, 0.25])
    assert capsys.readouterr().out == ""


# -- metadata --------------------------------------------------------------------


def test_sample_weight_reaches_partial_fit_without_routing():
    weights = np.arange(200, dtype=float)
    model = EarlyStoppingEstimator(ScriptedClassifier(), max_iter=1, random_state=0)
    model.fit(X_small, y_small, sample_weight=weights)

    call = model.estimator_.calls_[0]
    # The weights travel with their rows: row i of X_small has weight i.
    rows = [np.flatnonzero((X_small == x).all(axis=1))[0] for x in call["X"]]
    np.testing.assert_array_equal(call["sample_weight"], weights[rows])
    assert model.estimator_.scored_on_["sample_weight"] is None


def test_metadata_routing_sends_weights_to_partial_fit_and_scorer():
    weights = np.arange(200, dtype=float)
    with config_context(enable_metadata_routing=True):
        estimator = ScriptedClassifier().set_partial_fit_request(sample_weight=True)
        estimator.set_score_request(sample_weight=True)
        model = EarlyStoppingEstimator(estimator, max_iter=1, random_state=0)
        model.fit(X_small, y_small, sample_weight=weights)

    train_weights = model.estimator_.calls_[0]["sample_weight"]
    val_weights = model.estimator_.scored_on_["sample_weight"]
    assert len(train_weights) == 180 and len(val_weights) == 20
    np.testing.assert_array_equal(np.sort(np.concatenate([train_weights, val_weights])), weights)


def test_metadata_routing_rejects_unrequested_metadata():
    with config_context(enable_metadata_routing=True):
        model = EarlyStoppingEstimator(SGDClassifier(), max_iter=1)
        with pytest.raises(Exception, match="sample_weight"):
            model.fit(X_small, y_small, sample_weight=np.ones(200))


def test_metadata_routing_to_a_scorer():
    seen = {}

    def weighted_accuracy(y_true, y_pred, sample_weight=None):
        seen["sample_weight"] = sample_weight
        return accuracy_score(y_true, y_pred, sample_weight=sample_weight)

    with config_context(enable_metadata_routing=True):
        scorer = make_scorer(weighted_accuracy).set_score_request(sample_weight=True)
        estimator = SGDClassifier(random_state=0).set_partial_fit_request(sample_weight=False)
        EarlyStoppingEstimator(estimator, scoring=scorer, max_iter=1).fit(
            X_small, y_small, sample_weight=np.ones(200)
        )
    assert len(seen["sample_weight"]) == 20


# -- bad input: a clear error before any work, nothing changed --------------------


@pytest.mark.parametrize(
    "params, message",
    [
        (
            {"n_iter_no_change": 0},
            "'n_iter_no_change' parameter .* must be None or an int in the range \\[1, inf\\)",
        ),
        ({"validation_fraction": 1.5}, "'validation_fraction' parameter"),
        ({"tol": -1.0}, "'tol' parameter"),
        ({"max_iter": 0}, "'max_iter' parameter"),
        ({"batch_size": 0}, "'batch_size' parameter"),
        ({"scoring": "no_such_metric"}, "'scoring' parameter"),
        ({"restore_best": "yes"}, "'restore_best' parameter"),
    ],
)
def test_invalid_parameters_are_named(params, message):
    estimator = ScriptedClassifier()
    with pytest.raises(ValueError, match=message):
        EarlyStoppingEstimator(estimator, **params).fit(X_small, y_small)
    assert not hasattr(estimator, "epochs_")


@pytest.mark.parametrize(
    "model",
    [
        EarlyStoppingEstimator(ScriptedClassifier(), scoring="acuracy"),
        EpochHalvingSearchCV(EarlyStoppingEstimator(ScriptedClassifier()), {}, scoring="acuracy"),
    ],
)
def test_a_scoring_typo_gets_the_closest_names_not_all_of_them(model):
    with pytest.raises(ValueError) as error:
        model.fit(X_small, y_small)
    message = str(error.value)
    assert "is 'acuracy', which is not a scorer name: did you mean 'accuracy'" in message
    assert "sklearn.metrics.get_scorer_names() lists them all" in message
    assert len(message) < 300


def test_estimator_without_partial_fit_is_named():
    with pytest.raises(ValueError, match=r"'estimator' parameter.*'partial_fit'.*SVC\(\)"):
        EarlyStoppingEstimator(SVC()).fit(X_small, y_small)


@pytest.mark.parametrize("Estimator", [SGDClassifier, MLPClassifier])
def test_inner_early_stopping_is_rejected(Estimator):
    with pytest.raises(ValueError, match="own early stopping switched on"):
        EarlyStoppingEstimator(Estimator(early_stopping=True)).fit(X_small, y_small)


def test_one_sample_cannot_be_split():
    with pytest.raises(ValueError, match="from 1 sample: both the training and"):
        EarlyStoppingEstimator(SGDRegressor()).fit(X_small[:1], [1.0])


def test_class_with_one_member_falls_back_to_an_unstratified_split():
    y = y_small.copy()
    y[0] = 5
    with pytest.warns(UserWarning, match="class 5 has only 1 member.*Falling back"):
        model = EarlyStoppingEstimator(SGDClassifier(), max_iter=2).fit(X_small, y)
    np.testing.assert_array_equal(model.classes_, [0, 1, 5])


def test_validation_split_too_small_for_every_class_falls_back():
    X, y = make_classification(60, 8, n_informative=4, n_redundant=0, n_classes=4, random_state=0)
    with pytest.warns(UserWarning, match="cannot each hold all 4 classes"):
        EarlyStoppingEstimator(SGDClassifier(), validation_fraction=0.05).fit(X, y)


def test_x_val_without_y_val():
    with pytest.raises(ValueError, match="X_val was given without y_val"):
        EarlyStoppingEstimator(SGDClassifier()).fit(X_small, y_small, X_val=X_small)


def test_feature_count_mismatch_between_x_and_x_val():
    with pytest.raises(ValueError, match=r"X_val has shape \(10, 3\), but X has shape \(200, 5\)"):
        EarlyStoppingEstimator(SGDClassifier()).fit(
            X_small, y_small, X_val=X_small[:10, :3], y_val=y_small[:10]
        )


def test_nan_in_x_is_rejected_up_front_for_estimators_that_reject_nan():
    X = X_small.copy()
    X[3, 2] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        EarlyStoppingEstimator(SGDClassifier()).fit(X, y_small)
    X_val = X_small[:10].copy()
    X_val[0, 0] = np.inf
    with pytest.raises(ValueError, match="Input X_val contains infinity"):
        EarlyStoppingEstimator(SGDClassifier()).fit(
            X_small, y_small, X_val=X_val, y_val=y_small[:10]
        )


def test_failed_refit_leaves_the_fitted_model_as_it_was():
    model = fit_scripted([0.5, 0.6], max_iter=2)
    before = pickle.dumps(model.estimator_)
    with pytest.raises(ValueError, match="X_val was given without y_val"):
        model.fit(X_small, y_small, X_val=X_small)
    assert pickle.dumps(model.estimator_) == before
    assert model.n_iter_ == 2


# -- scikit-learn citizenship ------------------------------------------------------


def test_tags_follow_the_inner_estimator():
    assert is_classifier(EarlyStoppingEstimator(SGDClassifier()))
    assert is_regressor(EarlyStoppingEstimator(SGDRegressor()))
    assert not is_classifier(EarlyStoppingEstimator(SGDRegressor()))


def causes(error):
    """The messages of an exception and of the chain of errors that caused it."""
    messages = []
    while error is not None:
        messages.append(str(error))
        error = error.__cause__
    return "\n".join(messages)


@pytest.mark.parametrize("method", ["predict", "predict_proba", "predict_log_proba", "score"])
def test_methods_exist_exactly_when_the_inner_estimator_has_them(method):
    model = EarlyStoppingEstimator(HidingNB(hidden=method), max_iter=2)
    if method not in ("predict", "score"):  # the default scorer needs both
        model.fit(X_small, y_small)
    assert not hasattr(model, method)
    for other in {"predict", "predict_proba", "predict_log_proba", "score"} - {method}:
        assert hasattr(model, other)
    # The inner estimator's own message is kept as the cause.
    with pytest.raises(AttributeError) as excinfo:
        getattr(model, method)
    assert f"HidingNB has no {method}" in causes(excinfo.value)


def test_inner_attribute_error_message_is_kept():
    model = EarlyStoppingEstimator(SGDClassifier(loss="hinge"))
    with pytest.raises(AttributeError) as excinfo:
        model.predict_proba
    assert "probability estimates are not available" in causes(excinfo.value)


def test_delegated_methods_match_the_inner_estimator():
    model = EarlyStoppingEstimator(
        SGDClassifier(loss="log_loss", random_state=0), random_state=0
    ).fit(X_small, y_small)
    inner = model.estimator_
    np.testing.assert_array_equal(model.predict(X_small), inner.predict(X_small))
    np.testing.assert_array_equal(model.predict_proba(X_small), inner.predict_proba(X_small))
    np.testing.assert_array_equal(
        model.predict_log_proba(X_small), inner.predict_log_proba(X_small)
    )
    np.testing.assert_array_equal(
        model.decision_function(X_small), inner.decision_function(X_small)
    )
    assert model.score(X_small, y_small) == inner.score(X_small, y_small)


def test_nested_parameters():
    model = EarlyStoppingEstimator(SGDClassifier())
    model.set_params(estimator__alpha=0.1, n_iter_no_change=2)
    assert model.get_params()["estimator__alpha"] == 0.1
    assert clone(model).estimator.alpha == 0.1


def test_clone_pickle_and_joblib_round_trips_predict_identically(tmp_path):
    model = EarlyStoppingEstimator(
        MLPClassifier(hidden_layer_sizes=(8,), random_state=0), random_state=0
    ).fit(X_small, y_small)
    expected = model.predict_proba(X_small)

    np.testing.assert_array_equal(
        pickle.loads(pickle.dumps(model)).predict_proba(X_small), expected
    )
    joblib.dump(model, tmp_path / "model.joblib")
    np.testing.assert_array_equal(
        joblib.load(tmp_path / "model.joblib").predict_proba(X_small), expected
    )
    refitted = clone(model).fit(X_small, y_small)
    np.testing.assert_array_equal(refitted.predict_proba(X_small), expected)


def test_scripted_regressor_follows_the_same_rule():
    model = EarlyStoppingEstimator(
        ScriptedRegressor(scores=[0.1, 0.3, 0.2, 0.2]), n_iter_no_change=2
    ).fit(X_small, y_small.astype(float))
    assert (model.n_iter_, model.best_iteration_) == (4, 2)


def test_pickling_a_warm_started_fit_leaves_it_able_to_continue():
    X, y = make_classification(300, random_state=0)
    wrapper = EarlyStoppingEstimator(
        SGDClassifier(random_state=0),
        max_iter=3,
        n_iter_no_change=50,
        random_state=0,
        warm_start=True,
    )
    with pytest.warns(ConvergenceWarning):
        wrapper.fit(X, y)
    assert not hasattr(pickle.loads(pickle.dumps(wrapper)), "_state")
    with pytest.warns(ConvergenceWarning):
        wrapper.set_params(max_iter=5).fit(X, y)
    assert (wrapper.resumed_from_, wrapper.n_iter_) == (3, 5)
