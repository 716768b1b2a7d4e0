"""The search at scale: synchronous rungs against asynchronous (ASHA), 8 to 1,024 workers.

1. On a real ``distributed.LocalCluster`` of 8 and 32 workers (threads of this
   process, so that 32 fit on a small machine), EpochHalvingSearchCV over a
   simulated estimator whose epochs sleep: candidate ``c``'s epoch lasts
   ``seconds[c]`` (equal costs: 0.3 s each; unequal: drawn log-uniformly
   between 0.05 and 1.5 s, the spread of hidden sizes and batch sizes), and its
   score after ``k`` epochs is ``level[c] * (1 - 0.5**k)``. Per configuration:
   worker utilization (time the workers spent in tasks, from the search's
   ``schedule_log_``, over workers x wall time) and time to finish.
2. A discrete-event simulation of the same two schedules (skstop's own Asha
   class and the synchronous rung rule) at 64, 256 and 1,024 workers, with the
   per-task overhead measured in part 1 added to every task.

Candidates: 4 per worker, cv=2, max_iter=9, factor=3 (rungs of 1, 3 and 9
epochs). Run: python benchmarks/bench_halving_scale.py [--quick]
"""

import argparse
import heapq
import math
import statistics
import time
import warnings

import joblib
import numpy as np
from _common import machine
from _sleeping import SleepingEpochs, score

from skstop import EarlyStoppingEstimator, EpochHalvingSearchCV
from skstop._search._schedule import Asha, best_candidates, epoch_budgets

MAX_ITER, FACTOR, FOLDS = 9, 3, 2
BUDGETS = epoch_budgets(1, FACTOR, MAX_ITER)


def candidates(n, costs, seed=0):
    rng = np.random.default_rng(seed)
    levels = rng.uniform(0.5, 1.0, n)
    if costs == "equal":
        seconds = np.full(n, 0.3)
    else:
        seconds = np.exp(rng.uniform(np.log(0.05), np.log(1.5), n))
    return levels, seconds


def search_on_cluster(n_workers, levels, seconds, asynchronous):
    from distributed import Client, LocalCluster

    X, y = np.zeros((60, 2)), np.arange(60) % 2
    grid = [
        {"estimator__level": [float(level)], "estimator__seconds": [float(s)]}
        for level, s in zip(levels, seconds)
    ]
    search = EpochHalvingSearchCV(
        EarlyStoppingEstimator(
            SleepingEpochs(), max_iter=MAX_ITER, n_iter_no_change=50, random_state=0
        ),
        grid,
        cv=FOLDS,
        factor=FACTOR,
        refit=False,
        asynchronous=asynchronous,
    )
    with (
        LocalCluster(
            n_workers=n_workers, threads_per_worker=1, processes=False, dashboard_address=":0"
        ) as cluster,
        Client(cluster),
        joblib.parallel_config(backend="dask"),
        warnings.catch_warnings(),
    ):
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        search.fit(X, y)
        wall = time.perf_counter() - start
    log = search.schedule_log_
    busy = sum(task["finished"] - task["started"] for task in log)
    epochs_run = {
        (t["candidate"], t["iter"]): BUDGETS[t["iter"]]
        - (BUDGETS[t["iter"] - 1] if t["iter"] else 0)
        for t in log
    }
    overheads = [
        t["finished"]
        - t["started"]
        - epochs_run[t["candidate"], t["iter"]] * seconds[t["candidate"]]
        for t in log
    ]
    best = int(np.argmax(search.cv_results_["mean_test_score"]))
    return {
        "wall": wall,
        "utilization": busy / (n_workers * wall),
        "overhead": statistics.median(overheads),
        "epochs": search.total_epochs_,
        "best_level": levels[best],
    }


def simulate(n_workers, levels, seconds, asynchronous, overhead):
    """Time to finish and utilization of a schedule, simulated; tasks cost epochs + overhead."""
    if asynchronous:
        return _simulate_asha(n_workers, levels, seconds, overhead)
    return _simulate_rungs(n_workers, levels, seconds, overhead)


def _task_seconds(candidate, rung, seconds, overhead):
    epochs = BUDGETS[rung] - (BUDGETS[rung - 1] if rung else 0)
    return epochs * seconds[candidate] + overhead


def _simulate_asha(n_workers, levels, seconds, overhead):
    asha = Asha(len(levels), FOLDS, len(BUDGETS), FACTOR)
    running, now, busy = [], 0.0, 0.0
    while True:
        while len(running) < n_workers and (task := asha.next_task()) is not None:
            rung, candidate, fold = task
            duration = _task_seconds(candidate, rung, seconds, overhead)
            busy += duration
            heapq.heappush(running, (now + duration, task))
        if not running:
            return now, busy / (n_workers * now)
        now, (rung, candidate, fold) = heapq.heappop(running)
        asha.finished(rung, candidate, fold, score(levels[candidate], BUDGETS[rung]), False)


def _simulate_rungs(n_workers, levels, seconds, overhead):
    alive, now, busy = list(range(len(levels))), 0.0, 0.0
    for rung in range(len(BUDGETS)):
        if rung:
            means = [score(levels[c], BUDGETS[rung - 1]) for c in alive]
            alive = best_candidates(alive, means, math.ceil(len(alive) / FACTOR))
        free = [now] * n_workers  # each task to the worker that frees first
        for candidate in alive:
            for _ in range(FOLDS):
                duration = _task_seconds(candidate, rung, seconds, overhead)
                busy += duration
                heapq.heappush(free, heapq.heappop(free) + duration)
        now = max(free)
    return now, busy / (n_workers * now)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="8 workers only on the cluster")
    args = parser.parse_args()
    print(machine())
    print("\n1. LocalCluster (worker threads), 4 candidates per worker, cv=2, rungs 1/3/9")
    print(
        f"{'workers':>7s} {'costs':>8s} {'schedule':>12s} {'seconds':>8s} {'util.':>6s} "
        f"{'epochs':>7s} {'speed-up':>8s}"
    )
    overheads = []
    for n_workers in (8,) if args.quick else (8, 32):
        for costs in ("equal", "unequal"):
            levels, seconds = candidates(4 * n_workers, costs)
            results = {
                mode: search_on_cluster(n_workers, levels, seconds, mode == "asynchronous")
                for mode in ("synchronous", "asynchronous")
            }
            for mode, result in results.items():
                overheads.append(result["overhead"])
                speed_up = results["synchronous"]["wall"] / result["wall"]
                print(
                    f"{n_workers:7d} {costs:>8s} {mode:>12s} {result['wall']:8.2f} "
                    f"{result['utilization']:6.3f} {result['epochs']:7d} {speed_up:8.2f}"
                )
    overhead = statistics.median(overheads)
    print(f"\nper-task overhead measured on the cluster (median): {overhead * 1000:.1f} ms")
    print("\n2. Simulated, the same candidates' distribution, 4 per worker")
    print(
        f"{'workers':>7s} {'costs':>8s} {'schedule':>12s} {'seconds':>8s} {'util.':>6s} "
        f"{'speed-up':>8s}"
    )
    for n_workers in (8, 32, 64, 256, 1024):
        for costs in ("equal", "unequal"):
            levels, seconds = candidates(4 * n_workers, costs)
            results = {
                mode: simulate(n_workers, levels, seconds, mode == "asynchronous", overhead)
                for mode in ("synchronous", "asynchronous")
            }
            for mode, (finish, utilization) in results.items():
                speed_up = results["synchronous"][0] / finish
                print(
                    f"{n_workers:7d} {costs:>8s} {mode:>12s} {finish:8.2f} {utilization:6.3f} "
                    f"{speed_up:8.2f}"
                )


if __name__ == "__main__":
    main()
