"""Out of core: early stopping on a memory-mapped X of several GB.

Creates float64 X on disk (default 4.0 GB: 5M x 100) in the current folder,
then fits EarlyStoppingEstimator(SGDClassifier, batch_size=10_000) for 2 epochs
on the first half of the rows (n) and on all of them (2n), interleaved
repeats. Prints the median wall time, the time ratio 2n / n (target <= 2.1)
and the highest peak *anonymous* memory of the process during a fit (RssAnon:
heap, not the file's cached pages; target < 1 GB), sampled every 20 ms, with
the part of it that is the held-out validation set. Also the peak memory of
the validation split alone on the 2n labels, against scikit-learn's
StratifiedShuffleSplit (tracemalloc). Linux only (reads /proc/self/status).

Run: .venv/bin/python benchmarks/bench_out_of_core.py [--gigabytes 4] [--repeats 3] [--keep]
"""

import argparse
import os
import statistics
import threading
import time
import tracemalloc

import numpy as np
from _common import machine
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import StratifiedShuffleSplit

from skstop import EarlyStoppingEstimator
from skstop._split import validation_split

N_FEATURES = 100
VALIDATION_FRACTION = 0.01


def anonymous_rss():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("RssAnon:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no RssAnon in /proc/self/status")


class PeakMemory:
    """Highest anonymous RSS seen while the block runs."""

    def __enter__(self):
        self.peak, self._running = anonymous_rss(), True
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while self._running:
            self.peak = max(self.peak, anonymous_rss())
            time.sleep(0.02)

    def __exit__(self, *exc):
        self._running = False
        self._thread.join()


def create(path, n_samples, seed=0):
    """Rows from a fixed linear teacher, written block by block."""
    rng = np.random.RandomState(seed)
    teacher = rng.randn(N_FEATURES)
    X = np.lib.format.open_memmap(path, mode="w+", dtype=np.float64, shape=(n_samples, N_FEATURES))
    y = np.empty(n_samples, dtype=np.int64)
    for start in range(0, n_samples, 500_000):
        block = rng.randn(min(500_000, n_samples - start), N_FEATURES)
        X[start : start + len(block)] = block
        y[start : start + len(block)] = block @ teacher + rng.randn(len(block)) > 0
    X.flush()
    del X
    return y


def split_peak_bytes(split, y):
    """Peak bytes allocated while ``split(y)`` runs, as tracemalloc counts them."""
    tracemalloc.start()
    try:
        split(y)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def skstop_split(y):
    return validation_split(
        np.empty((len(y), 0)),
        y,
        validation_fraction=VALIDATION_FRACTION,
        stratify=True,
        random_state=0,
    )


def scikit_learn_split(y):
    splitter = StratifiedShuffleSplit(1, test_size=VALIDATION_FRACTION, random_state=0)
    return next(splitter.split(np.empty((len(y), 0)), y))


def fit(X, y):
    model = EarlyStoppingEstimator(
        SGDClassifier(random_state=0),
        batch_size=10_000,
        max_iter=2,
        n_iter_no_change=10,
        validation_fraction=VALIDATION_FRACTION,
        random_state=0,
    )
    start = time.perf_counter()
    with PeakMemory() as memory:
        model.fit(X, y)
    return time.perf_counter() - start, memory.peak, model


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gigabytes", type=float, default=4.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the file afterwards")
    args = parser.parse_args()
    n_samples = int(args.gigabytes * 1e9 / (8 * N_FEATURES)) // 2 * 2
    path = os.path.abspath("bench_out_of_core_X.npy")
    print(f"machine: {machine()}")
    start = time.perf_counter()
    y = create(path, n_samples)
    print(
        f"created {path}: {n_samples} x {N_FEATURES} float64, "
        f"{os.path.getsize(path) / 1e9:.2f} GB in {time.perf_counter() - start:.1f} s\n"
    )
    try:
        X = np.load(path, mmap_mode="r")
        half = n_samples // 2
        baseline = anonymous_rss()
        sizes = {"n": half, "2n": n_samples}
        seconds, peaks = {name: [] for name in sizes}, {name: [] for name in sizes}
        for repeat in range(args.repeats):
            for name in list(sizes)[repeat % 2 :] + list(sizes)[: repeat % 2]:
                elapsed, peak, model = fit(X[: sizes[name]], y[: sizes[name]])
                seconds[name].append(elapsed)
                peaks[name].append(peak)
        for name, rows in sizes.items():
            peak = max(peaks[name])
            validation_set = int(np.ceil(VALIDATION_FRACTION * rows)) * N_FEATURES * 8
            print(
                f"{name:>3} = {rows:>9} rows: {statistics.median(seconds[name]):7.2f} s "
                f"(median of {args.repeats}), peak anonymous memory {peak / 1e6:7.1f} MB: "
                f"{(peak - baseline) / 1e6:+.1f} MB over the {baseline / 1e6:.0f} MB "
                f"before fitting, of which {validation_set / 1e6:.1f} MB is the "
                f"validation set"
            )
        ratio = statistics.median(seconds["2n"]) / statistics.median(seconds["n"])
        print(f"\ntime 2n / n: {ratio:.3f}")
        print(
            f"validation split of {n_samples} labels, peak memory: skstop "
            f"{split_peak_bytes(skstop_split, y) / 1e6:.1f} MB, StratifiedShuffleSplit "
            f"{split_peak_bytes(scikit_learn_split, y) / 1e6:.1f} MB"
        )
    finally:
        if not args.keep:
            os.remove(path)


if __name__ == "__main__":
    main()
