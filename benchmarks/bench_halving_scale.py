"""The search at scale: synchronous rungs against asynchronous ones, 8 to 1,024 workers.

1. On a real ``distributed.LocalCluster`` of 8 and 32 workers (threads of this
   process, so that 32 fit on a small machine), EpochHalvingSearchCV over a
   simulated estimator whose epochs sleep: candidate ``c``'s epoch lasts
   ``seconds[c]`` (equal costs: 0.3 s each; unequal: drawn log-uniformly
   between 0.05 and 1.5 s, the spread of hidden sizes and batch sizes), and its
   score after ``k`` epochs is ``level[c] * (1 - 0.5**k)``. Per configuration:
   worker utilization (time the workers spent in tasks, from the search's
   ``schedule_log_``, over workers x wall time), time to finish, epochs
   trained, and the candidate chosen ("best": the best of all).
2. A discrete-event simulation of the same schedules at 8 to 1,024 workers,
   with the per-task overhead measured in part 1 added to every task, and a
   third schedule: ASHA's own order (promotions before new candidates), which
   skstop does not use.

Candidates: 4 per worker (and 16 in part 2), cv=2, max_iter=9, factor=3 (rungs
of 1, 3 and 9 epochs). Run: python benchmarks/bench_halving_scale.py [--quick]
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
    return {
        "wall": wall,
        "utilization": busy / (n_workers * wall),
        "epochs": search.total_epochs_,
        "chosen": levels[search.best_index_],
        "overhead": statistics.median(overheads),
    }


SCHEDULES = {
    "synchronous": None,
    "asynchronous": {"promotions_first": False},  # skstop's order
    "ASHA's order": {"promotions_first": True},  # the paper's: simulated only
}


def simulate(n_workers, levels, seconds, schedule, overhead):
    """A schedule simulated; tasks cost their epochs plus ``overhead``.

    Returns time to finish, utilization, epochs trained and the level of the
    candidate chosen (the best score at the highest rung reached).
    """
    if SCHEDULES[schedule] is None:
        return _simulate_rungs(n_workers, levels, seconds, overhead)
    return _simulate_asha(n_workers, levels, seconds, overhead, **SCHEDULES[schedule])


def _task_epochs(rung):
    return BUDGETS[rung] - (BUDGETS[rung - 1] if rung else 0)


def _chosen(levels, reached):
    top = np.flatnonzero(reached == reached.max())
    return levels[top[np.argmax(levels[top])]]


def _simulate_asha(n_workers, levels, seconds, overhead, promotions_first):
    asha = Asha(len(levels), FOLDS, len(BUDGETS), FACTOR, promotions_first=promotions_first)
    running, now, busy, epochs = [], 0.0, 0.0, 0
    while True:
        while len(running) < n_workers and (task := asha.next_task()) is not None:
            rung, candidate, fold = task
            duration = _task_epochs(rung) * seconds[candidate] + overhead
            busy, epochs = busy + duration, epochs + _task_epochs(rung)
            heapq.heappush(running, (now + duration, task))
        if not running:
            return now, busy / (n_workers * now), epochs, _chosen(levels, asha.reached)
        now, (rung, candidate, fold) = heapq.heappop(running)
        asha.finished(rung, candidate, fold, score(levels[candidate], BUDGETS[rung]), False)


def _simulate_rungs(n_workers, levels, seconds, overhead):
    alive, now, busy, epochs = list(range(len(levels))), 0.0, 0.0, 0
    reached = np.zeros(len(levels), dtype=int)
    for rung in range(len(BUDGETS)):
        if rung:
            means = [score(levels[c], BUDGETS[rung - 1]) for c in alive]
            alive = best_candidates(alive, means, math.ceil(len(alive) / FACTOR))
            reached[alive] = rung
        free = [now] * n_workers  # each task to the worker that frees first
        for candidate in alive:
            for _ in range(FOLDS):
                duration = _task_epochs(rung) * seconds[candidate] + overhead
                busy, epochs = busy + duration, epochs + _task_epochs(rung)
                heapq.heappush(free, heapq.heappop(free) + duration)
        now = max(free)
    return now, busy / (n_workers * now), epochs, _chosen(levels, reached)


HEADER = (
    f"{'workers':>7s} {'cand.':>5s} {'costs':>8s} {'schedule':>13s} {'seconds':>8s} "
    f"{'util.':>6s} {'epochs':>7s} {'speed-up':>8s} {'chosen':>7s}"
)


def row(n_workers, n_candidates, costs, schedule, result, reference, best):
    seconds, utilization, epochs, chosen = result
    return (
        f"{n_workers:7d} {n_candidates:5d} {costs:>8s} {schedule:>13s} {seconds:8.2f} "
        f"{utilization:6.3f} {epochs:7d} {reference / seconds:8.2f} "
        f"{'best' if chosen == best else f'{chosen:.3f}':>7s}"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="8 workers only on the cluster")
    args = parser.parse_args()
    print(machine())
    print("\n1. LocalCluster (worker threads), 4 candidates per worker, cv=2, rungs 1/3/9")
    print(HEADER)
    overheads = []
    for n_workers in (8,) if args.quick else (8, 32):
        for costs in ("equal", "unequal"):
            levels, seconds = candidates(4 * n_workers, costs)
            results = {}
            for schedule in ("synchronous", "asynchronous"):
                result = search_on_cluster(n_workers, levels, seconds, schedule != "synchronous")
                overheads.append(result.pop("overhead"))
                results[schedule] = tuple(result.values())
            for schedule, result in results.items():
                reference = results["synchronous"][0]
                print(row(n_workers, len(levels), costs, schedule, result, reference, levels.max()))
    overhead = statistics.median(overheads)
    print(f"\nper-task overhead measured on the cluster (median): {overhead * 1000:.1f} ms")
    print("\n2. Simulated: the same schedules, candidates drawn alike, that overhead per task")
    print(HEADER)
    for per_worker in (4, 16):
        for n_workers in (8, 32, 64, 256, 1024):
            for costs in ("equal", "unequal"):
                levels, seconds = candidates(per_worker * n_workers, costs)
                results = {
                    schedule: simulate(n_workers, levels, seconds, schedule, overhead)
                    for schedule in SCHEDULES
                }
                for schedule, result in results.items():
                    reference = results["synchronous"][0]
                    print(
                        row(
                            n_workers, len(levels), costs, schedule, result, reference, levels.max()
                        )
                    )


if __name__ == "__main__":
    main()
