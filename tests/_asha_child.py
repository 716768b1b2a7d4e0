"""An asynchronous EpochHalvingSearchCV on a 4-worker Dask cluster, run by its kill test.

usage: python _asha_child.py CHECKPOINT_DIR RESULT_JSON

The cluster's workers are threads of this process, so that SIGKILL ends the
whole search at once. Every candidate-fold checkpoints with warm_start=True:
run again after a kill, the search continues from its record and run folders.
The result lists the tasks ``(candidate, fold, rung)`` this run trained.
"""

import json
import sys
import warnings
from pathlib import Path

import joblib

from skstop import EarlyStoppingEstimator, EpochHalvingSearchCV
from skstop._checkpoint import RungRecord, signing_key
from skstop._checkpoint._envelope import read_envelope

sys.path.insert(0, str(Path(__file__).parents[1]))
from tests._scripted import SlowScripted  # noqa: E402
from tests.test_asynchronous import LEVELS, SECONDS, X, y  # noqa: E402


def make_search(checkpoint_dir):
    wrapper = EarlyStoppingEstimator(
        SlowScripted(),
        max_iter=9,
        n_iter_no_change=20,
        random_state=0,
        checkpoint_dir=checkpoint_dir,
        warm_start=True,
        checkpoint_every=1,
    )
    grid = [
        {"estimator__level": [level], "estimator__seconds": [5 * seconds]}
        for level, seconds in zip(LEVELS, SECONDS)
    ]
    return EpochHalvingSearchCV(wrapper, grid, cv=2, refit=False, asynchronous=True)


def finished_tasks(checkpoint_dir):
    """``(candidate, fold, rung)`` of every task the search's record holds."""
    tasks = set()
    for path in Path(checkpoint_dir).glob("search-*.json"):
        try:
            body = json.loads(read_envelope(path, signing_key()))
        except (OSError, ValueError):
            continue  # being replaced
        for entry in body["rungs"]:
            for (c, f), results in RungRecord.runs_of(entry).items():
                tasks.add((c, f, results["rung"]))
    return tasks


if __name__ == "__main__":
    from distributed import Client, LocalCluster

    checkpoint_dir, result_path = sys.argv[1:3]
    warnings.simplefilter("ignore")
    with (
        LocalCluster(
            n_workers=4, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        Client(cluster),
        joblib.parallel_config(backend="dask"),
    ):
        search = make_search(checkpoint_dir).fit(X, y)
    tasks = [(t["candidate"], t["fold"], t["iter"]) for t in search.schedule_log_]
    with open(result_path, "w") as file:
        json.dump({"tasks": tasks, "iter": search.cv_results_["iter"].tolist()}, file)
