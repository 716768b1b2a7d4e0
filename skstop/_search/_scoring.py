"""What a search scores candidates with: one metric or several, and which one ranks them.

As scikit-learn's searches take ``scoring`` (a name, a callable, a list or a
dict of them) and ``refit`` (a metric's name or a callable when there are
several); the rungs rank candidates by the metric ``refit`` names, else by the
first.
"""

from dataclasses import dataclass

from sklearn.metrics import check_scoring
from sklearn.metrics._scorer import _check_multimetric_scoring, _MultimetricScorer

from .._inputs import check_scoring_name


@dataclass(frozen=True)
class Scoring:
    """The search's scorers by name, the one the rungs rank by, and whether there are several.

    One metric is named ``"score"``, as in scikit-learn's ``cv_results_``
    (``mean_test_score``); several are named by their keys (``mean_test_<name>``).
    """

    scorers: dict
    rank_by: str
    multimetric: bool

    def scores(self, estimator, X, y):
        """Every metric's score of ``estimator`` on ``X, y``, by name."""
        scores = _MultimetricScorer(scorers=self.scorers, raise_exc=True)(estimator, X, y)
        return {name: float(score) for name, score in scores.items()}

    def failed(self, error_score):
        """Every metric's score of a fit that failed."""
        return dict.fromkeys(self.scorers, error_score)

    def key(self, subset, name):
        """``cv_results_``'s name of a metric's scores: ``test_score`` or ``test_<name>``."""
        return f"{subset}_{name}" if self.multimetric else f"{subset}_score"


def check_search_scoring(estimator, scoring, refit, owner):
    """The Scoring of ``scoring``, with ``refit`` checked against it; else a ValueError."""
    if scoring is None or isinstance(scoring, str) or callable(scoring):
        check_scoring_name(scoring, owner)
        scorer = check_scoring(estimator, scoring=scoring)
        return Scoring({"score": scorer}, "score", multimetric=False)
    for name in scoring if not isinstance(scoring, dict) else scoring.values():
        check_scoring_name(name, owner)
    scorers = _check_multimetric_scoring(estimator, scoring)
    if refit is True or refit == "epochs" or (isinstance(refit, str) and refit not in scorers):
        raise ValueError(
            f"With several metrics in scoring ({', '.join(scorers)}), refit must name "
            f"the one that picks the best candidate (refit={next(iter(scorers))!r}, say), "
            f"be a callable of cv_results_, or be False; got refit={refit!r}. The rungs "
            "rank candidates by the metric refit names (by the first one otherwise)."
        )
    rank_by = refit if isinstance(refit, str) else next(iter(scorers))
    return Scoring(scorers, rank_by, multimetric=True)
