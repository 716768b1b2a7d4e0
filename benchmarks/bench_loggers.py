"""What logging costs a fit: CSVLogger (and a do-nothing Logger) against no logger.

A workload of ~1 ms epochs, where per-epoch costs show most: SGDClassifier on
2,000 x 20 rows, 200 epochs (patience off). The same fit with no logger, with
a Logger subclass that does nothing (the cost of the events themselves) and
with CSVLogger (a row appended to a file each epoch). Medians of interleaved
repeats and their ratios (target for CSVLogger <= 1.02).

Run: .venv/bin/python benchmarks/bench_loggers.py [--repeats N]
"""

import argparse
import os
import warnings

from _common import machine, median_seconds, scratch_folder
from sklearn.datasets import make_classification
from sklearn.linear_model import SGDClassifier

from skstop import EarlyStoppingEstimator
from skstop.loggers import CSVLogger, Logger

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
    X, y = make_classification(2000, 20, n_informative=10, random_state=0)
    with scratch_folder() as folder:
        path = os.path.join(folder, "history.csv")
        epoch = fit(X, y, None).history_[-1]["elapsed"] / N_EPOCHS
        seconds = median_seconds(
            {
                "no logger": lambda: fit(X, y, None),
                "Logger (does nothing)": lambda: fit(X, y, [Logger()]),
                "CSVLogger": lambda: fit(X, y, [CSVLogger(path)]),
            },
            args.repeats,
        )
    print(machine())
    print(f"{N_EPOCHS} epochs of {epoch * 1e3:.2f} ms; medians of {args.repeats} repeats")
    base = seconds["no logger"]
    for name, value in seconds.items():
        print(f"{name:<24} {value:8.4f} s  {value / base:6.3f}x")


if __name__ == "__main__":
    main()
