"""Cost of durable checkpoints against a plain joblib.dump of the same model.

For each model, medians of repeated saves, side by side:
- plain: ``joblib.dump(estimator, file)`` (not durable: written in place, no fsync);
- blocks: what one durable save costs the training loop (capture the state as
  bytes, hand it to the background writer); target <= 1.2x plain;
- full: the whole durable commit (temporary file, fsync, rename, folder fsync,
  signed manifest), which runs while the next epoch trains;
and end to end: a fit that saves every epoch against one that saves nothing.

Run: .venv/bin/python benchmarks/bench_checkpoint.py [--quick]
"""

import argparse
import os
import pickle
import statistics
import tempfile
import time

import joblib
import numpy as np
from _common import machine, median_seconds, scratch_folder
from sklearn.base import is_classifier
from sklearn.datasets import make_classification, make_regression
from sklearn.linear_model import SGDClassifier
from sklearn.neural_network import MLPClassifier, MLPRegressor

from skstop import EarlyStoppingEstimator
from skstop._checkpoint import CheckpointWriter, signing_key


def save_times(estimator, folder, repeats):
    """Median seconds: plain dump, the loop's blocking part, the full commit."""
    writer = CheckpointWriter.start(folder, "0" * 16, b"", signing_key(), keep_last=2, versions={})
    plain, blocks, full = [], [], []
    try:
        for epoch in range(1, repeats + 1):
            start = time.perf_counter()
            joblib.dump(estimator, os.path.join(folder, "plain.joblib"))
            plain.append(time.perf_counter() - start)

            start = time.perf_counter()
            writer.save(epoch, {}, pickle.dumps(estimator, protocol=5), model_is_best=True)
            blocks.append(time.perf_counter() - start)
            writer._writer.wait()
            full.append(time.perf_counter() - start)
    finally:
        writer.close()
    return statistics.median(plain), statistics.median(blocks), statistics.median(full)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small data, few repeats")
    args = parser.parse_args()
    scale, repeats = (20, 3) if args.quick else (1, 7)
    X_sgd, y_sgd = make_classification(200_000 // scale, 100, n_informative=30, random_state=0)
    X_mlp, y_mlp = make_classification(50_000 // scale, 100, n_informative=30, random_state=0)
    X_big, y_big = make_regression(2_000 // (2 if args.quick else 1), 1_000, random_state=0)
    cases = {
        "SGDClassifier 200k x 100": (SGDClassifier(random_state=0), X_sgd, y_sgd),
        "MLPClassifier(100) 50k x 100": (
            MLPClassifier(hidden_layer_sizes=(100,), random_state=0),
            X_mlp,
            y_mlp,
        ),
        "MLPRegressor(4000) ~100 MB": (
            MLPRegressor(hidden_layer_sizes=(4000,), random_state=0),
            X_big,
            y_big,
        ),
    }
    print(f"machine: {machine()}")
    print(f"median of {repeats}; checkpoints written under {tempfile.gettempdir()}\n")
    print(
        f"{'model':<30} {'size':>8} {'plain dump':>11} {'blocks':>9} {'ratio':>6} "
        f"{'full':>9} {'epoch':>9} {'fit +ckpt/epoch':>16} {'% epoch':>8}"
    )
    for name, (estimator, X, y) in cases.items():
        fit_kw = {"classes": np.unique(y)} if is_classifier(estimator) else {}
        estimator.partial_fit(X, y, **fit_kw)
        size = len(pickle.dumps(estimator, protocol=5))
        with scratch_folder() as folder:
            plain, blocks, full = save_times(estimator, folder, repeats)

            def fit(checkpoint_dir):
                EarlyStoppingEstimator(
                    estimator,
                    max_iter=5,
                    n_iter_no_change=5,
                    random_state=0,
                    checkpoint_dir=checkpoint_dir,
                    checkpoint_every=1 if checkpoint_dir else None,
                ).fit(X, y)

            times = median_seconds(
                {"none": lambda: fit(None), "every": lambda: fit(folder)},
                max(1, repeats // 3),
            )
        epoch = times["none"] / 5
        per_epoch = (times["every"] - times["none"]) / 5
        print(
            f"{name:<30} {size / 1e6:>6.2f}MB {plain * 1e3:>9.2f}ms {blocks * 1e3:>7.2f}ms "
            f"{blocks / plain:>6.2f} {full * 1e3:>7.2f}ms {epoch * 1e3:>7.1f}ms "
            f"{per_epoch * 1e3:>14.2f}ms {100 * per_epoch / epoch:>7.2f}%"
        )


if __name__ == "__main__":
    main()
