import math

import numpy as np
import pytest

from skstop._monitor import (
    FixedEpochs,
    StoppingMonitor,
    error_transform,
    is_improvement,
    should_stop,
)
from skstop._state import TrainingState
from skstop.criteria import GeneralizationLoss


@pytest.mark.parametrize(
    "score, best, tol, expected",
    [
        (0.6, 0.5, 0.0, True),
        (0.5, 0.5, 0.0, False),
        (0.5002, 0.5, 1e-4, True),
        (0.50009, 0.5, 1e-4, False),
        (-1.0, -math.inf, 0.0, True),
        (math.nan, 0.5, 0.0, False),
        (math.inf, 0.5, 0.0, False),
    ],
)
def test_is_improvement(score, best, tol, expected):
    assert is_improvement(score, best, tol) is expected


def test_relative_improvement_scales_with_the_best_score():
    assert is_improvement(-0.99, -1.0, 0.005, relative=True)
    assert not is_improvement(-0.996, -1.0, 0.005, relative=True)


@pytest.mark.parametrize(
    "scores, best_iteration, condition, reason",
    [
        ([0.1, 0.2], 2, None, None),
        ([0.3, 0.2, 0.1], 1, "no_change", "no improvement greater than 0.001 for 2 epochs"),
        ([0.3, 0.2], 1, None, None),
        (
            [0.1, 0.2, 0.3, 0.4],
            4,
            "max_iter",
            "max_iter=4 reached while still improving (best epoch 4)",
        ),
        # Not improving for a while, but patience had not run out: not "still improving".
        (
            [0.1, 0.2, 0.4, 0.3],
            3,
            "max_iter",
            "max_iter=4 reached 1 epoch after the best (epoch 3), before the patience of 2 "
            "epochs ran out",
        ),
        ([0.1, math.nan], 1, "non_finite", "validation score nan at epoch 2"),
        # Patience and max_iter run out together: patience is the reason.
        ([0.4, 0.3, 0.2, 0.1], 2, "no_change", "no improvement greater than 0.001 for 2 epochs"),
    ],
)
def test_should_stop_says_which_condition_and_why(scores, best_iteration, condition, reason):
    stop = should_stop(scores, best_iteration, n_iter_no_change=2, max_iter=4, tol=1e-3)
    if condition is None:
        assert stop is None
    else:
        assert (stop.condition, stop.reason) == (condition, reason)


def test_relative_tol_is_said_as_such():
    stop = should_stop([0.3, 0.2], 1, n_iter_no_change=1, max_iter=9, tol=0.01, relative=True)
    assert stop.reason == "no improvement greater than 0.01 x |best score| for 1 epoch"


def new_state():
    state = TrainingState(None, np.random.RandomState(0), config=None)
    state.started = 0.0
    return state


def test_monitor_keeps_the_first_epoch_after_warm_up_then_only_improvements():
    monitor = StoppingMonitor(n_iter_no_change=2, tol=0.0, max_iter=10, min_iter=2)
    state = new_state()
    kept = []
    for score in [0.9, 0.5, 0.4, 0.6, 0.6]:
        improved = monitor.record(state, score)
        if improved:
            state.keep_best("snapshot", None)
        kept.append(improved)
    # Epoch 1 (0.9) is warm-up; epoch 2 is the first kept, 4 improves on it.
    assert kept == [False, True, False, True, False]
    assert (state.best_iteration, state.best_score) == (4, 0.6)
    assert monitor.decide(state) is None


def test_monitor_keeps_a_non_finite_first_score_so_there_is_a_model():
    monitor = StoppingMonitor(n_iter_no_change=2, tol=0.0, max_iter=10, min_iter=3)
    state = new_state()
    assert monitor.record(state, math.nan)
    state.keep_best("snapshot", None)
    assert monitor.decide(state).condition == "non_finite"


def test_monitor_passes_the_criterion_reason_on():
    monitor = StoppingMonitor(
        n_iter_no_change=None,
        tol=0.0,
        max_iter=10,
        criteria=[GeneralizationLoss(alpha=5)],
        scoring="accuracy",
    )
    state = new_state()
    for score in [0.8, 0.9, 0.894]:
        if monitor.record(state, score):
            state.keep_best("snapshot", None)
    stop = monitor.decide(state)
    assert stop.condition == "GeneralizationLoss"
    assert stop.reason == "GeneralizationLoss: GL 6.00 > 5"


def test_criteria_needing_errors_are_checked_against_the_scorer_when_built():
    with pytest.raises(ValueError, match="scoring='max_error' has no validation error E"):
        StoppingMonitor(
            n_iter_no_change=1,
            tol=0.0,
            max_iter=3,
            criteria=[GeneralizationLoss()],
            scoring="max_error",
        )


def test_fixed_epochs_stop_at_max_iter_only():
    monitor = FixedEpochs(max_iter=3)
    state = new_state()
    decisions = []
    for _ in range(3):
        assert monitor.record(state, math.nan) is False
        decisions.append(monitor.decide(state))
    assert decisions[:2] == [None, None]
    assert decisions[2].condition == "max_iter"


@pytest.mark.parametrize("scoring", ["neg_log_loss", "loss"])
def test_error_of_neg_scores_is_minus_the_score(scoring):
    np.testing.assert_array_equal(error_transform(scoring, True)(np.array([-2.0])), [2.0])


@pytest.mark.parametrize("scoring", [None, "accuracy", "r2", "f1_macro", "roc_auc"])
def test_error_of_scores_bounded_by_one(scoring):
    np.testing.assert_allclose(error_transform(scoring, True)(np.array([0.75])), [0.25])


def test_max_iter_with_patience_off_is_still_improving_only_if_the_last_epoch_is_best():
    improving = should_stop([0.1, 0.3], 2, n_iter_no_change=None, max_iter=2)
    flat = should_stop([0.3, 0.1], 1, n_iter_no_change=None, max_iter=2)
    assert (improving.converged, flat.converged) == (False, True)
    assert flat.reason == "max_iter=2 reached"
