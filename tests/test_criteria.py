import math

import pytest

from skstop._criteria import is_improvement, should_stop


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


@pytest.mark.parametrize(
    "scores, best_iteration, expected",
    [
        ([0.1, 0.2], 2, (False, None)),
        ([0.3, 0.2, 0.1], 1, (True, "no_change")),
        ([0.3, 0.2], 1, (False, None)),
        ([0.1, 0.2, 0.3, 0.4], 4, (True, "max_iter")),
        ([0.1, math.nan], 1, (True, "non_finite")),
        # Patience and max_iter run out together: patience is the reason.
        ([0.4, 0.3, 0.2, 0.1], 2, (True, "no_change")),
    ],
)
def test_should_stop(scores, best_iteration, expected):
    assert should_stop(
        scores, best_iteration, n_iter_no_change=2, max_iter=4
    ) == expected
