"""Overhead of EarlyStoppingEstimator against the hand-written partial_fit loop.

Both do the same work: the same validation split, 20 epochs, a snapshot of the
whole estimator at each improvement, the best state restored at the end. The
script prints medians of interleaved repeats, their ratio (target <= 1.03), the
median of the ratios of each repeat's adjacent pair (less sensitive to a shared
machine's drift), and what one snapshot costs as a share of one epoch.

Run: .venv/bin/python benchmarks/bench_overhead.py [--quick] [--repeats N]
"""

import argparse
import pickle
import statistics
import time

import numpy as np
from _common import interleaved_seconds, machine
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.linear_model import SGDClassifier
from sklearn.neural_network import MLPClassifier

from skstop import EarlyStoppingEstimator
from skstop._split import validation_split

N_EPOCHS = 20


def wrapped(estimator, X, y):
    return EarlyStoppingEstimator(
        estimator,
        max_iter=N_EPOCHS,
        n_iter_no_change=N_EPOCHS,
        tol=0.0,
        random_state=0,
    ).fit(X, y)


def hand_written(estimator, X, y):
    train, val = validation_split(
        X,
        y,
        validation_fraction=0.1,
        stratify=True,
        random_state=np.random.RandomState(0),
    )
    X_train, y_train, X_val, y_val = X[train.all()], y[train.all()], X[val], y[val]
    classes = np.unique(y)
    estimator = clone(estimator)
    best_score, best = -np.inf, None
    for _ in range(N_EPOCHS):
        estimator.partial_fit(X_train, y_train, classes=classes)
        score = estimator.score(X_val, y_val)
        if score > best_score:
            best_score, best = score, pickle.dumps(estimator, protocol=5)
    return pickle.loads(best)


def snapshot_share(estimator, X, y):
    """Seconds per snapshot and per epoch, measured on one trained estimator."""
    estimator = clone(estimator)
    start = time.perf_counter()
    estimator.partial_fit(X, y, classes=np.unique(y))
    epoch = time.perf_counter() - start
    start = time.perf_counter()
    for _ in range(20):
        pickle.dumps(estimator, protocol=5)
    return (time.perf_counter() - start) / 20, epoch


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small data, 1 repeat")
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    scale, repeats = (20, 1) if args.quick else (1, args.repeats)
    cases = {
        "SGDClassifier 200k x 100": (
            SGDClassifier(random_state=0),
            make_classification(200_000 // scale, 100, n_informative=30, random_state=0),
        ),
        "MLPClassifier 50k x 100": (
            MLPClassifier(hidden_layer_sizes=(100,), random_state=0),
            make_classification(50_000 // scale, 100, n_informative=30, random_state=0),
        ),
    }
    print(f"machine: {machine()}")
    print(f"{N_EPOCHS} epochs, median of {repeats} interleaved repeats\n")
    print(
        f"{'case':<26} {'hand loop':>10} {'skstop':>10} {'ratio':>7} {'paired':>7} "
        f"{'snapshot':>10} {'% epoch':>8}"
    )
    for name, (estimator, (X, y)) in cases.items():
        runs = interleaved_seconds(
            {
                "hand": lambda: hand_written(estimator, X, y),
                "skstop": lambda: wrapped(estimator, X, y),
            },
            repeats,
        )
        times = {name: statistics.median(seconds) for name, seconds in runs.items()}
        paired = statistics.median(s / h for s, h in zip(runs["skstop"], runs["hand"]))
        snapshot, epoch = snapshot_share(estimator, X, y)
        print(
            f"{name:<26} {times['hand']:>9.3f}s {times['skstop']:>9.3f}s "
            f"{times['skstop'] / times['hand']:>7.3f} {paired:>7.3f} {snapshot * 1e3:>8.3f}ms "
            f"{100 * snapshot / epoch:>7.3f}%"
        )


if __name__ == "__main__":
    main()
