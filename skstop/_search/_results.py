"""``cv_results_`` and the search's other results, built from the candidate-folds' runs.

In GridSearchCV's layout (``params``, ``param_*`` as masked arrays,
``split{k}_test_score``, means, standard deviations and ranks, fit and score
times), plus the columns of a search over epochs; built here rather than with
scikit-learn's private ``_format_results``.
"""

import warnings
from collections import Counter, defaultdict

import numpy as np
from sklearn.exceptions import ConvergenceWarning, FitFailedWarning

from ._schedule import rank


def cv_results(candidates, by_candidate, reached, *, scoring, return_train_score):
    """The ``cv_results_`` dict; ``by_candidate[c][f]``: candidate ``c``'s FoldRun on fold ``f``.

    Every metric of ``scoring`` (a Scoring) gets its columns, named as
    scikit-learn's searches name them.
    """
    results = {}
    for name in ("fit_time", "score_time"):
        times = _per_fold(by_candidate, name)
        results[f"mean_{name}"], results[f"std_{name}"] = times.mean(axis=1), times.std(axis=1)
    results.update(_param_columns(candidates))
    results["params"] = list(candidates)
    sets = ["test", "train"] if return_train_score else ["test"]
    for subset in sets:
        for metric in scoring.scorers:
            scores = np.array(
                [
                    [getattr(run, f"{subset}_scores")[metric] for run in runs]
                    for runs in by_candidate
                ],
                float,
            )
            key = scoring.key(subset, metric)
            for fold in range(scores.shape[1]):
                results[f"split{fold}_{key}"] = scores[:, fold]
            results[f"mean_{key}"] = scores.mean(axis=1)
            results[f"std_{key}"] = scores.std(axis=1)
            if subset == "test":
                # A later rung first, then the greater mean score.
                results[f"rank_{key}"] = rank(reached, results[f"mean_{key}"])
    results["iter"] = np.asarray(reached)
    results["n_epochs"] = _per_fold(by_candidate, "n_epochs").mean(axis=1)
    results["best_iteration"] = _per_fold(by_candidate, "best_iteration").mean(axis=1)
    results["termination_condition"] = np.array(
        [termination([run.termination for run in runs]) for runs in by_candidate], dtype=object
    )
    return results


def _per_fold(by_candidate, attribute):
    return np.array([[getattr(run, attribute) for run in runs] for runs in by_candidate], float)


def _param_columns(candidates):
    """``param_<name>``: a masked array per parameter, masked where a candidate lacks it.

    The dtype is the values' own when numpy gives them a 1-D non-string one,
    else object, as scikit-learn's searches do.
    """
    values = defaultdict(dict)
    for index, params in enumerate(candidates):
        for name, value in params.items():
            values[name][index] = value
    columns = {}
    for name, found in values.items():
        try:
            array = np.array(list(found.values()))
        except ValueError:
            dtype = np.dtype(object)
        else:
            dtype = array.dtype if array.dtype.kind != "U" and array.ndim == 1 else object
        column = np.ma.MaskedArray(np.empty(len(candidates), dtype=dtype), mask=True)
        for index, value in found.items():
            column[index] = value
        columns[f"param_{name}"] = column
    return columns


def warn_unconverged(runs, max_iter):
    """One ConvergenceWarning for the search, not one per candidate-fold."""
    unconverged = sum(not run.converged for run in runs.values())
    if unconverged:
        warnings.warn(
            f"{unconverged} of the {len(runs)} candidate-folds reached max_iter="
            f"{max_iter} before their patience ran out: they may not have converged. "
            "Raise the estimator's max_iter to train the best candidates further.",
            ConvergenceWarning,
        )


def say_once(runs, error_score):
    """Each distinct warning of the candidate-folds' fits, once for the search.

    Failed fits are said in one FitFailedWarning, as scikit-learn's searches
    say them, and raised as a ValueError when every candidate-fold failed;
    any other warning once, with how many candidate-folds gave it.
    """
    said = Counter(warning for run in runs.values() for warning in dict.fromkeys(run.warned))
    failures = {
        message: n for (category, message), n in said.items() if category is FitFailedWarning
    }
    if failures:
        errors = "; ".join(
            message + (f" ({n} candidate-folds)" if n > 1 else "")
            for message, n in failures.items()
        )
        if sum(failures.values()) == len(runs):
            raise ValueError(
                f"All the {len(runs)} candidate-folds failed to fit; most likely the "
                f"estimator or the data is wrong for every candidate: {errors}"
            )
        warnings.warn(
            f"{sum(failures.values())} of the {len(runs)} candidate-folds failed to fit, so "
            f"they score error_score={error_score} and train no further: {errors}",
            FitFailedWarning,
        )
    for (category, message), n in said.items():
        if category is not FitFailedWarning:
            warnings.warn(message + (f" (said by {n} candidate-folds)" if n > 1 else ""), category)


def mean_curve(curves):
    """The folds' mean score, epoch by epoch, up to the last epoch every fold reached.

    Past a fold's stop the mean would be over the other folds only: a tail
    that is not the candidate's cross-validated curve.
    """
    length = min((len(curve) for curve in curves), default=0)
    return np.mean([curve[:length] for curve in curves], axis=0).reshape(length)


def termination(conditions):
    """How a candidate's folds ended, in one phrase: ``'no_change'``, or a count of each."""
    named = ["rung budget" if condition is None else condition for condition in conditions]
    counts = {condition: named.count(condition) for condition in dict.fromkeys(named)}
    if len(counts) == 1:
        return named[0]
    return ", ".join(f"{condition} on {n} fold{'s' * (n > 1)}" for condition, n in counts.items())
