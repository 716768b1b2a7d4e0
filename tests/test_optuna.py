"""OptunaPruning with real Optuna studies made here (skstop.criteria.OptunaPruning)."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.linear_model import SGDClassifier

from skstop import EarlyStoppingEstimator
from skstop.criteria import OptunaPruning

optuna = pytest.importorskip("optuna")

X, y = load_digits(return_X_y=True)
X, y = X[:600] / 16, y[:600]


def wrapper(params, criteria=()):
    return EarlyStoppingEstimator(
        SGDClassifier(
            alpha=params["alpha"],
            learning_rate="constant",
            eta0=params["eta0"],
            random_state=0,
        ),
        max_iter=15,
        n_iter_no_change=15,
        criteria=list(criteria),
        random_state=0,
    )


def objective(trial):
    params = {
        "alpha": trial.suggest_float("alpha", 1e-6, 10.0, log=True),
        "eta0": trial.suggest_float("eta0", 1e-4, 1.0, log=True),
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = wrapper(params, [OptunaPruning(trial)]).fit(X, y)
    return model.best_score_


def test_a_median_pruner_prunes_trials_recorded_as_pruned_and_the_best_refits_exactly():
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(
        direction="maximize",
        sampler=optuna.samplers.RandomSampler(seed=0),
        pruner=optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=2),
    )
    study.optimize(objective, n_trials=20)
    states = [trial.state for trial in study.trials]
    pruned = [t for t in study.trials if t.state == optuna.trial.TrialState.PRUNED]
    assert len(pruned) >= 3 and states.count(optuna.trial.TrialState.COMPLETE) >= 5
    for trial in pruned:  # every epoch reported, step by step, up to the prune
        steps = sorted(trial.intermediate_values)
        assert steps == list(range(1, len(steps) + 1)) and 2 <= len(steps) <= 15
    complete = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    assert all(sorted(t.intermediate_values) == list(range(1, 16)) for t in complete)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        refit = wrapper(study.best_params).fit(X, y)
    assert refit.best_score_ == study.best_value


def test_a_pruned_fit_stops_keeps_its_best_state_and_raises_trial_pruned(tmp_path):
    study = optuna.create_study(
        direction="maximize", pruner=optuna.pruners.ThresholdPruner(lower=2.0, n_warmup_steps=3)
    )
    trial = study.ask()
    model = wrapper({"alpha": 1e-4, "eta0": 0.01}, [OptunaPruning(trial)])
    model.set_params(checkpoint_dir=tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(optuna.TrialPruned, match="pruned by Optuna after epoch 3"):
            model.fit(X, y)
    assert model.termination_condition_ == "OptunaPruning"
    assert model.stop_reason_ == "pruned by Optuna after epoch 3"
    assert model.n_iter_ == 3
    assert model.best_score_ == np.max(model.validation_scores_)
    assert (model.checkpoint_path_ / f"model-e{model.best_iteration_:06d}.joblib").is_file()
    assert sorted(trial.storage.get_trial(trial._trial_id).intermediate_values) == [1, 2, 3]


@pytest.mark.parametrize(
    "trial, message",
    [
        ("trial", "The 'trial' parameter of OptunaPruning must be an object implementing"),
        (None, "the trial's study minimizes: create it with direction='maximize'"),
    ],
)
def test_a_trial_of_another_kind_or_a_minimizing_study_is_refused_before_training(trial, message):
    if trial is None:
        trial = optuna.create_study(direction="minimize").ask()
    model = wrapper({"alpha": 1e-4, "eta0": 0.01}, [OptunaPruning(trial)])
    with pytest.raises(ValueError, match=message):
        model.fit(X, y)
    assert not hasattr(model, "n_iter_")
