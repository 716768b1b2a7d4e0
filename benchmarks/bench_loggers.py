"""What logging costs a fit: CSVLogger (and a do-nothing Logger) against no logger.

A workload of ~1 ms epochs, where per-epoch costs show most: SGDClassifier on
1,000 x 10 rows, 200 epochs (patience off). The same fit with no logger, with
a Logger subclass that does nothing (the cost of the events themselves) and
with CSVLogger (a row appended to a file each epoch). Medians of interleaved
repeats, and the median of each repeat's ratio to the fit without a logger run
beside it (less sensitive to a shared machine's drift; target for CSVLogger
<= 1.02). The whole-fit ratios cannot resolve 1 %, so the script also times
what CSVLogger adds to an epoch directly (its on_epoch_end, 20,000 calls) and
states it as a share of a 1 ms epoch.

Run: .venv/bin/python benchmarks/bench_loggers.py [--repeats N]
"""

import argparse
import os
import statistics
import time
import warnings

from _common import interleaved_seconds, machine, scratch_folder
from sklearn.datasets import make_classification
from sklearn.linear_model import SGDClassifier

from skstop import EarlyStoppingEstimator
from skstop.loggers import CSVLogger, FitInfo, Logger

N_EPOCHS = 200


def fit(X, y, loggers):
    model = EarlyStoppingEstimator(
        SGDClassifier(random_state=0),
        max_iter=N_EPOCHS,
        n_iter_no_change=None,
        random_state=0,
        loggers=loggers,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model.fit(X, y)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    X, y = make_classification(1000, 10, n_informative=5, random_state=0)
    with scratch_folder() as folder:
        path = os.path.join(folder, "history.csv")
        epoch = fit(X, y, None).history_[-1]["elapsed"] / N_EPOCHS
        seconds = interleaved_seconds(
            {
                "no logger": lambda: fit(X, y, None),
                "Logger (does nothing)": lambda: fit(X, y, [Logger()]),
                "CSVLogger": lambda: fit(X, y, [CSVLogger(path)]),
            },
            args.repeats,
        )
        per_epoch = csv_seconds_per_epoch(os.path.join(folder, "direct.csv"))
    print(machine())
    print(f"{N_EPOCHS} epochs of {epoch * 1e3:.2f} ms; medians of {args.repeats} repeats")
    base = seconds["no logger"]
    print(f"{'':<24} {'median':>8}    ratio  ratio per repeat")
    for name, values in seconds.items():
        ratios = [value / reference for value, reference in zip(values, base)]
        median = statistics.median(values)
        print(
            f"{name:<24} {median:8.4f} s  {median / statistics.median(base):6.3f}x"
            f"  {statistics.median(ratios):6.3f}x"
        )

    print(
        f"CSVLogger.on_epoch_end: {per_epoch * 1e6:.1f} us an epoch = "
        f"{per_epoch / 1e-3:.2%} of a 1 ms epoch"
    )


def csv_seconds_per_epoch(path, n_calls=20_000):
    """Seconds CSVLogger adds to one epoch: a row written and flushed."""
    logger, fit_info = CSVLogger(path), FitInfo("EarlyStoppingEstimator", {})
    logger.on_fit_begin(fit_info)
    row = {"epoch": 0, "validation_score": 0.9, "epoch_time": 1e-3, "elapsed": 1.0}
    start = time.perf_counter()
    for epoch in range(1, n_calls + 1):
        row["epoch"] = epoch
        logger.on_epoch_end(fit_info, {**row, "checkpoint": False})
    seconds = (time.perf_counter() - start) / n_calls
    logger.on_fit_end(fit_info, {})
    return seconds


if __name__ == "__main__":
    main()
