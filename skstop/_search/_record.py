"""A search's finished rungs, recorded beside its runs' checkpoints and replayed on a rerun.

The record itself (signed JSON, never unpickled) is stored by
``skstop._checkpoint.RungRecord``; this module decides which search it
belongs to and turns a recorded rung back into FoldRuns.
"""

import pickle
import warnings

import joblib

from .._checkpoint import RungRecord, signing_key
from .._resume import configuration_id
from ._runner import FoldRun


def rung_record(wrapper, X, y, candidates, folds, budgets, scoring_and_schedule):
    """The record of this search's rungs in the wrapper's checkpoint_dir; None without one.

    ``scoring_and_schedule``: the search's other arguments that decide what
    its rungs record (scoring, train scores, asynchronous).
    """
    if wrapper.checkpoint_dir is None:
        return None
    try:
        search_id = joblib.hash(
            (
                configuration_id(wrapper, X, y, None, None),
                candidates,
                folds,
                budgets,
                scoring_and_schedule,
            )
        )[:16]
    except pickle.PicklingError:
        warnings.warn(
            "scoring cannot be pickled (a lambda?), so this search's rungs are not "
            "recorded: a rerun continues its runs from their checkpoints, but ranks "
            "the rungs from them as they are then.",
            UserWarning,
        )
        return None
    return RungRecord(wrapper.checkpoint_dir, search_id, signing_key())


def replay(recorded_rung, todo):
    """The FoldRuns of ``todo`` as a recorded rung ranked them."""
    recorded = RungRecord.runs_of(recorded_rung)
    return {key: FoldRun.from_results(recorded[key]) for key in todo}
