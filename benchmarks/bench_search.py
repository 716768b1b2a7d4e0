"""Search scaling: 8 candidates x 3 folds of EarlyStoppingEstimator(SGDClassifier).

Data: 200k x 100 synthetic. Wall time of GridSearchCV with n_jobs=1, with
loky n_jobs=2, and on a 2-worker dask LocalCluster (processes, loopback), side
by side in one run, with speed-ups. Target: >= 1.7x on 2 cores. Worker pools
are started (and skstop imported in them) before timing, each worker runs one
BLAS thread, and the data is scattered to the dask workers once. The refit of the best candidate runs in this process,
as GridSearchCV does it, and is part of every time.

Run: .venv/bin/python benchmarks/bench_search.py [--quick]
     .venv/bin/python benchmarks/bench_search.py --scheduler tcp://HOST:8786
       (the same search on an existing multi-machine dask cluster)
"""

import argparse
import os
import time

import joblib
from sklearn.datasets import make_classification
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import GridSearchCV

from _common import machine
from skstop import EarlyStoppingEstimator

BLAS_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
GRID = {"estimator__alpha": [1e-6, 1e-5, 1e-4, 1e-3], "n_iter_no_change": [3, 5]}


def run_search(X, y, n_jobs, backend=None, **backend_params):
    search = GridSearchCV(
        EarlyStoppingEstimator(SGDClassifier(random_state=0), random_state=0, max_iter=30),
        GRID, cv=3, n_jobs=n_jobs,
    )
    start = time.perf_counter()
    with joblib.parallel_config(backend=backend or "loky", **backend_params):
        search.fit(X, y)
    return time.perf_counter() - start, search


def warm_up(n_jobs, backend=None):
    """Start the workers (and import skstop in them) before anything is timed."""
    X, y = make_classification(300, 5, random_state=0)
    run_search(X, y, n_jobs, backend)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20k rows")
    parser.add_argument("--scheduler", default=None,
                        help="address of a running dask scheduler; default: start a "
                        "2-worker LocalCluster on this machine")
    args = parser.parse_args()
    from distributed import Client, LocalCluster

    n_samples = 20_000 if args.quick else 200_000
    X, y = make_classification(n_samples, 100, n_informative=30, random_state=0)
    print(f"machine: {machine()}")
    print(f"{len(GRID['estimator__alpha']) * len(GRID['n_iter_no_change'])} candidates x 3 "
          f"folds on {n_samples} x 100\n")
    sequential, reference = run_search(X, y, n_jobs=1)
    # One BLAS thread per worker: two workers with two OpenBLAS threads each
    # oversubscribe two cores, and the spinning threads doubled each fit's time.
    warm_up(n_jobs=2)
    loky, _ = run_search(X, y, n_jobs=2, inner_max_num_threads=1)
    if args.scheduler:
        client = Client(args.scheduler)
        cluster = None
    else:
        # Worker processes inherit these at start: one BLAS thread each.
        os.environ.update({name: "1" for name in BLAS_THREAD_VARIABLES})
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                               host="127.0.0.1", dashboard_address=None)
        client = Client(cluster)
    try:
        warm_up(n_jobs=-1, backend="dask")
        # Scattered once to the workers, instead of shipped with each of 25 fits.
        on_dask, search = run_search(X, y, n_jobs=-1, backend="dask", scatter=[X, y])
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    assert search.best_params_ == reference.best_params_
    print(f"{'n_jobs=1':<28} {sequential:8.2f} s")
    print(f"{'loky, n_jobs=2':<28} {loky:8.2f} s  speed-up {sequential / loky:.2f}x")
    print(f"{'dask, 2 workers':<28} {on_dask:8.2f} s  speed-up {sequential / on_dask:.2f}x")
    print(f"same best_params_ everywhere: {reference.best_params_}")


if __name__ == "__main__":
    main()
