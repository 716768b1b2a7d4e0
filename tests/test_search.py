"""EpochHalvingSearchCV: rungs that continue the survivors, ranked by their best epochs."""

import warnings
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import loguniform
from sklearn.datasets import load_digits
from sklearn.exceptions import FitFailedWarning
from sklearn.linear_model import SGDClassifier

from skstop import EarlyStoppingEstimator, EpochHalvingSearchCV
from skstop._search import epoch_budgets
from skstop._trainers._partial_fit import TRIAL_ROWS

from ._scripted import ScriptedClassifier

X = np.random.RandomState(0).rand(300, 3)
y = np.arange(300) % 2
X_digits, y_digits = load_digits(return_X_y=True)
X_digits, y_digits = X_digits[:600] / 16, y_digits[:600]

CALLS = Counter()  # partial_fit calls of one epoch each, by the candidate's scores


class Counted(ScriptedClassifier):
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        if self.eta0 < 0:
            raise ValueError("eta0 must be positive")
        if len(X) > TRIAL_ROWS:  # not the trial on a copy before training
            CALLS[self.scores] += 1
        return super().partial_fit(X, y, classes, sample_weight)


def rising(level, n_epochs=9):
    """Scores that improve every epoch, from ``level``: later candidates are better."""
    return tuple(round(level + 0.001 * epoch, 6) for epoch in range(n_epochs))


def scripted_search(candidates, max_iter=9, n_iter_no_change=20, **params):
    CALLS.clear()
    wrapper = EarlyStoppingEstimator(
        Counted(), max_iter=max_iter, n_iter_no_change=n_iter_no_change, random_state=0
    )
    params = {"refit": False, **params}  # a refit's epochs would count too
    search = EpochHalvingSearchCV(wrapper, {"estimator__scores": candidates}, cv=3, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # max_iter reached while improving, by design
        return search.fit(X, y)


@pytest.mark.parametrize(
    "min_epochs, factor, max_iter, budgets",
    [(1, 3, 9, [1, 3, 9]), (1, 2, 8, [1, 2, 4, 8]), (2, 3, 10, [2, 6, 10]), (5, 3, 5, [5])],
)
def test_the_rungs_budgets(min_epochs, factor, max_iter, budgets):
    assert epoch_budgets(min_epochs, factor, max_iter) == budgets


def test_survivors_continue_rather_than_restart():
    candidates = [rising(0.1 * k) for k in range(9)]
    search = scripted_search(candidates)
    assert search.n_candidates_ == [9, 3, 1]
    assert search.n_resources_ == [1, 3, 9]
    # Each fold trains only up to the budget of the last rung it reached.
    epochs_per_fold = {candidates[8]: 9, candidates[7]: 3, candidates[6]: 3}
    for scores in candidates:
        assert CALLS[scores] == 3 * epochs_per_fold.get(scores, 1)
    assert search.total_epochs_ == sum(CALLS.values()) == 3 * (6 * 1 + 2 * 3 + 9)
    results = search.cv_results_
    np.testing.assert_array_equal(results["iter"], [0] * 6 + [1, 1, 2])
    np.testing.assert_array_equal(results["n_epochs"], [1] * 6 + [3, 3, 9])
    np.testing.assert_array_equal(results["rank_test_score"], [9, 8, 7, 6, 5, 4, 3, 2, 1])
    # Scored at the rung each reached, with its best (here: last) epoch.
    np.testing.assert_allclose(results["mean_test_score"][[5, 7, 8]], [0.5, 0.702, 0.808])
    assert search.best_index_ == 8
    assert search.best_params_ == {"estimator__scores": candidates[8]}
    assert search.best_score_ == pytest.approx(0.808)


def test_factor_two_keeps_the_better_half_rounded_up():
    search = scripted_search([rising(0.1 * k) for k in range(9)], max_iter=8, factor=2)
    assert search.n_candidates_ == [9, 5, 3, 2]
    assert search.n_resources_ == [1, 2, 4, 8]
    assert search.n_iterations_ == 4


def test_candidates_are_ranked_by_their_best_epoch_not_their_last():
    peaked = (0.9, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1)
    steady = [rising(0.2 + 0.01 * k) for k in range(8)]
    search = scripted_search([peaked, *steady])
    results = search.cv_results_
    # At 3 epochs, peaked's best state (epoch 1, 0.9) beats every steady one.
    assert results["iter"][0] == 2
    assert results["best_iteration"][0] == 1
    assert results["mean_test_score"][0] == pytest.approx(0.9)
    assert search.best_params_ == {"estimator__scores": peaked}


def test_a_candidate_fold_stopped_by_patience_is_not_trained_again():
    peaked = (0.9, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1)
    search = scripted_search(
        [peaked, *[rising(0.2 + 0.01 * k) for k in range(8)]], n_iter_no_change=2
    )
    # Patience ends it at epoch 3 (best epoch 1 + 2), whatever the rungs allow.
    assert CALLS[peaked] == 3 * 3
    assert search.cv_results_["n_epochs"][0] == 3
    assert search.cv_results_["iter"][0] == 2


def sgd_search(**params):
    wrapper = EarlyStoppingEstimator(SGDClassifier(random_state=0), max_iter=9, random_state=0)
    grid = {"estimator__alpha": list(np.logspace(-5, 1, 9))}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return EpochHalvingSearchCV(wrapper, grid, cv=3, **params).fit(X_digits, y_digits)


def test_parallel_candidate_folds_give_the_sequential_results():
    sequential, parallel = sgd_search(n_jobs=1), sgd_search(n_jobs=2)
    assert parallel.best_params_ == sequential.best_params_
    for key in ("mean_test_score", "split1_test_score", "iter", "n_epochs", "rank_test_score"):
        np.testing.assert_array_equal(parallel.cv_results_[key], sequential.cv_results_[key])
    assert parallel.total_epochs_ == sequential.total_epochs_


def test_refit_on_every_row_for_the_learned_number_of_epochs():
    peaks_at_4 = (0.5, 0.6, 0.7, 0.95, 0.9, 0.9, 0.9, 0.9, 0.9)
    candidates = [peaks_at_4, *[rising(0.2 + 0.01 * k) for k in range(8)]]
    search = scripted_search(candidates, refit="epochs")
    assert search.best_params_ == {"estimator__scores": peaks_at_4}
    assert search.cv_results_["best_iteration"][0] == 4
    best = search.best_estimator_
    assert best.validation_fraction is None
    assert best.max_iter == best.n_iter_ == 4
    # Trained on every row: the refit's one call per epoch holds all 300 rows.
    assert [len(call["X"]) for call in best.estimator_.calls_] == [300] * 4
    np.testing.assert_array_equal(search.predict(X[:5]), best.predict(X[:5]))
    assert search.score(X, y) == best.score(X, y)


def test_refit_true_fits_the_best_candidate_with_its_own_split():
    search = sgd_search()
    assert search.best_estimator_.estimator.alpha == search.best_params_["estimator__alpha"]
    assert search.best_estimator_.validation_fraction == 0.1
    assert search.refit_time_ > 0
    assert not hasattr(search, "predict_proba")  # hinge loss: SGDClassifier has none


def test_sampled_candidates_from_distributions():
    wrapper = EarlyStoppingEstimator(SGDClassifier(random_state=0), max_iter=3, random_state=0)
    search = EpochHalvingSearchCV(
        wrapper,
        {"estimator__alpha": loguniform(1e-5, 1e-1)},
        n_candidates=6,
        cv=2,
        random_state=0,
        refit=False,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        search.fit(X_digits, y_digits)
    assert search.n_candidates_ == [6, 2]
    assert search.n_resources_ == [1, 3]
    assert len(set(search.cv_results_["param_estimator__alpha"])) == 6
    assert not hasattr(search, "best_estimator_")


@pytest.mark.parametrize(
    "estimator, grid, params, message",
    [
        (
            SGDClassifier(),
            {"alpha": [1e-4, 1e-3]},
            {},
            r"searches over an EarlyStoppingEstimator.*got SGDClassifier. Wrap it.*"
            r"EpochHalvingSearchCV\(EarlyStoppingEstimator\(SGDClassifier\(\.\.\.\)\), "
            r"\{'estimator__alpha'",
        ),
        (
            EarlyStoppingEstimator(Counted()),
            {"estimator__eta0": loguniform(1e-3, 1)},
            {},
            "n_candidates=None searches every point of a grid, but 'estimator__eta0' is a "
            "distribution",
        ),
        (
            EarlyStoppingEstimator(Counted()),
            {"estimator__eta0": [0.1]},
            {"factor": 1.5},
            r"The 'factor' parameter of EpochHalvingSearchCV must be a float in the range \[2",
        ),
        (
            EarlyStoppingEstimator(Counted(), max_iter=5),
            {"estimator__eta0": [0.1]},
            {"min_epochs": 6},
            "min_epochs=6 is larger than the estimator's max_iter=5",
        ),
        (
            EarlyStoppingEstimator(Counted()),
            {"n_iter_no_change": [3, 0], "tol": [0.0]},
            {},
            r"The candidate \{'n_iter_no_change': 0, 'tol': 0.0\} is refused: The "
            r"'n_iter_no_change' parameter of EarlyStoppingEstimator must be None or an int "
            r"in the range \[1, inf\)",
        ),
        (
            EarlyStoppingEstimator(Counted()),
            {"tol": [-1.0]},
            {},
            r"The candidate \{'tol': -1.0\} is refused: The 'tol' parameter",
        ),
        (
            EarlyStoppingEstimator(Counted(), max_iter=5),
            {"min_iter": [2, 8]},
            {},
            r"The candidate \{'min_iter': 8\} is refused: min_iter=8 is larger than max_iter=5",
        ),
    ],
)
def test_bad_arguments_are_refused_before_any_training(estimator, grid, params, message):
    CALLS.clear()
    with pytest.raises(ValueError, match=message):
        EpochHalvingSearchCV(estimator, grid, **params).fit(X, y)
    assert sum(CALLS.values()) == 0


@pytest.mark.slow
def test_a_search_killed_mid_write_continues_and_ends_as_uninterrupted(tmp_path):
    import json
    import random
    import signal

    from . import _halving_child
    from .test_resume import run_to_the_end, start_child, step

    child = Path(__file__).with_name("_halving_child.py")
    checkpoint_dir, result_path = tmp_path / "checkpoints", tmp_path / "result.json"
    rng = random.Random(0)
    kills = 0
    # The first kill after rung 1's commits (about 190 of a run's 671 steps),
    # the second in what is left: then mid-file or between files, as seeded.
    for low, high in ((200, 300), (100, 200)):
        process = start_child(checkpoint_dir, result_path, child)
        if step(process, rng.randint(low, high)):  # waits inside a write: kill it there
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=60)
            kills += 1
        else:
            assert run_to_the_end(process) == 0
    assert kills == 2
    assert run_to_the_end(start_child(checkpoint_dir, result_path, child)) == 0

    outcome = json.loads(result_path.read_text())
    trained_after_the_kills = outcome.pop("trained_epochs")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference = _halving_child.make_search(None).fit(*_halving_child.data())
    assert outcome == json.loads(json.dumps(_halving_child.result(reference)))
    # The rerun trained only what the killed runs had not committed.
    assert 0 < trained_after_the_kills < reference.total_epochs_


def test_an_altered_rung_record_is_ignored_not_believed(tmp_path):
    import json

    wrapper = EarlyStoppingEstimator(
        SGDClassifier(random_state=0),
        max_iter=9,
        random_state=0,
        checkpoint_dir=tmp_path,
        warm_start=True,
    )
    grid = {"estimator__alpha": list(np.logspace(-5, 1, 9))}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        first = EpochHalvingSearchCV(wrapper, grid, cv=3, refit=False).fit(X_digits, y_digits)
    [record] = tmp_path.glob("search-*.json")
    envelope = json.loads(record.read_text())
    body = json.loads(envelope["body"])
    for run in body["rungs"][0].values():  # make the worst candidate look best
        run["test_score"] = 0.0
    body["rungs"][0]["8,0"]["test_score"] = 1.0
    envelope["body"] = json.dumps(body)
    record.write_text(json.dumps(envelope))

    with pytest.warns(UserWarning, match="is ignored: it is not signed with this user's"):
        again = EpochHalvingSearchCV(wrapper, grid, cv=3, refit=False).fit(X_digits, y_digits)
    # Believed, the record would have sent the worst candidate (alpha=10) on.
    assert first.cv_results_["iter"][8] == again.cv_results_["iter"][8] == 0


def test_a_candidate_that_fails_scores_error_score_and_trains_no_further():
    candidates = [rising(0.1 * k) for k in range(3)]
    CALLS.clear()
    wrapper = EarlyStoppingEstimator(Counted(), max_iter=3, n_iter_no_change=20, random_state=0)
    grid = {"estimator__scores": candidates, "estimator__eta0": [0.1, -1.0]}
    search = EpochHalvingSearchCV(wrapper, grid, cv=3, refit=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        search.fit(X, y)
    [failed] = [w for w in caught if w.category is FitFailedWarning]
    assert str(failed.message) == (
        "9 of the 18 candidate-folds failed to fit, so they score error_score=nan and train "
        "no further: ValueError: Counted.partial_fit refused the first 5 rows of X, tried on "
        "a copy before training: ValueError: eta0 must be positive (9 candidate-folds)"
    )
    failed = [params["estimator__eta0"] < 0 for params in search.cv_results_["params"]]
    assert np.isnan(search.cv_results_["mean_test_score"][failed]).all()
    assert (search.cv_results_["n_epochs"][failed] == 0).all()
    assert search.best_params_["estimator__eta0"] == 0.1
    with pytest.raises(ValueError, match="eta0 must be positive"):
        EpochHalvingSearchCV(wrapper, grid, cv=3, refit=False, error_score="raise").fit(X, y)


def test_a_resumable_search_says_nothing_of_starting_over_and_says_what_it_replays(
    tmp_path, capsys
):
    from skstop._checkpoint import NoMatchingCheckpointWarning

    wrapper = EarlyStoppingEstimator(
        SGDClassifier(random_state=0),
        max_iter=3,
        random_state=0,
        checkpoint_dir=tmp_path,
        warm_start=True,
    )
    grid = {"estimator__alpha": [1e-4, 1e-2, 1.0]}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        EpochHalvingSearchCV(wrapper, grid, cv=2, verbose=1).fit(X_digits, y_digits)
    assert [w for w in caught if issubclass(w.category, NoMatchingCheckpointWarning)] == []
    assert not any("starts over" in str(w.message) for w in caught)
    assert "replayed" not in capsys.readouterr().out

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        EpochHalvingSearchCV(wrapper, grid, cv=2, verbose=1).fit(X_digits, y_digits)
    out = capsys.readouterr().out.splitlines()
    assert out[:3] == [
        "Fitting 2 folds for each of 3 candidates, rungs of 1, 3 epochs",
        "rung 1/2: 3 candidates x 2 folds, up to epoch 1 (replayed from the record of an "
        "interrupted search)",
        "rung 2/2: 1 candidates x 2 folds, up to epoch 3 (replayed from the record of an "
        "interrupted search)",
    ]


def test_a_search_says_once_that_candidate_folds_did_not_converge():
    from sklearn.exceptions import ConvergenceWarning

    wrapper = EarlyStoppingEstimator(SGDClassifier(random_state=0), max_iter=9, random_state=0)
    grid = {"estimator__alpha": list(np.logspace(-6, 0, 9))}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        search = EpochHalvingSearchCV(wrapper, grid, cv=3, refit=False).fit(X_digits, y_digits)
    unconverged = [w for w in caught if issubclass(w.category, ConvergenceWarning)]
    [winner] = [c for c in search.cv_results_["termination_condition"] if c != "rung budget"]
    assert winner == "no_change on 1 fold, max_iter on 2 folds"
    assert len(unconverged) == 1
    assert str(unconverged[0].message).startswith("2 of the 27 candidate-folds reached max_iter=9")


def test_verbose_prints_the_search_each_rung_and_at_3_each_candidate_fold(capsys):
    scripted_search([rising(0.1), rising(0.5), rising(0.3)], max_iter=3, verbose=1)
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        "Fitting 3 folds for each of 3 candidates, rungs of 1, 3 epochs",
        "rung 1/2: 3 candidates x 3 folds, up to epoch 1",
        "rung 2/2: 1 candidates x 3 folds, up to epoch 3",
    ]
    scripted_search([rising(0.1), rising(0.5), rising(0.3)], max_iter=3, verbose=3)
    lines = capsys.readouterr().out.splitlines()
    per_fold = [line for line in lines if line.startswith("[CV ")]
    assert len(per_fold) == 3 * 3 + 3
    assert per_fold[-1].startswith(
        "[CV 3/3; 2/3] END rung 2/2 estimator__scores=(0.5, 0.501, 0.502"
    )
    assert "score=0.502, epochs=3, best epoch=3, total time=" in per_fold[-1]


def test_more_candidates_than_the_grid_holds_is_said_in_this_class_terms():
    wrapper = EarlyStoppingEstimator(Counted(), max_iter=1, random_state=0)
    grid = {"estimator__scores": [rising(0.1), rising(0.5)]}
    search = EpochHalvingSearchCV(wrapper, grid, n_candidates=5, cv=3, random_state=0)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        search.fit(X, y)
    said = [str(warning.message) for warning in record if warning.category is UserWarning]
    assert said == [
        "n_candidates=5 is more than the 2 points of param_distributions: each is searched once."
    ]


def test_a_warning_of_every_candidate_fold_is_said_once_for_the_search():
    wrapper = EarlyStoppingEstimator(Counted(), max_iter=3, n_iter_no_change=20, random_state=0)
    grid = {"estimator__scores": [rising(0.1), rising(0.5), rising(0.3)]}
    search = EpochHalvingSearchCV(wrapper, grid, cv=2, refit=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        search.fit(X[:60], y[:60])  # folds of 30 rows: 3 held out to validate
    said = [str(w.message) for w in caught if "holds out 3 of 30 rows" in str(w.message)]
    # Said where each fold's split is made: once per fold, for every candidate.
    assert len(said) == 1
    assert said[0].endswith("(said by 2 candidate-folds)")


def test_a_search_whose_every_fit_fails_says_so_with_an_error():
    wrapper = EarlyStoppingEstimator(Counted(eta0=-1.0), max_iter=3, random_state=0)
    search = EpochHalvingSearchCV(wrapper, {"estimator__scores": [rising(0.1)]}, cv=3)
    with pytest.raises(ValueError, match="All the 3 candidate-folds failed to fit.*eta0 must be"):
        search.fit(X, y)
