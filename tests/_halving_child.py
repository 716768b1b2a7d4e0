"""An EpochHalvingSearchCV run as a separate process by its kill test.

usage: python _halving_child.py CHECKPOINT_DIR RESULT_JSON

Steps through its checkpoint writes as ``_fit_child`` does (the parent decides,
write by write, where a kill lands). Every candidate-fold checkpoints with
warm_start=True, so running it again after a kill continues the search.
"""

import json
import signal
import sys
import warnings

import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import SGDClassifier

import skstop._checkpoint._durable as durable
from skstop import EarlyStoppingEstimator, EpochHalvingSearchCV


def make_search(checkpoint_dir):
    return EpochHalvingSearchCV(
        EarlyStoppingEstimator(
            SGDClassifier(random_state=0),
            max_iter=9,
            random_state=0,
            checkpoint_dir=checkpoint_dir,
            warm_start=checkpoint_dir is not None,
        ),
        {"estimator__alpha": list(np.logspace(-5, 1, 9))},
        cv=3,
        refit=False,
    )


def data():
    X, y = load_digits(return_X_y=True)
    return X[:600] / 16, y[:600]


def result(search):
    return {
        key: search.cv_results_[key].tolist()
        for key in ("mean_test_score", "iter", "n_epochs", "best_iteration")
    } | {"best_params": search.best_params_, "total_epochs": search.total_epochs_}


def count_epochs():
    """Count SGDClassifier.partial_fit calls in this process: one per epoch here."""
    calls = [0]
    partial_fit = SGDClassifier.partial_fit

    def counted(self, *args, **kwargs):
        calls[0] += 1
        return partial_fit(self, *args, **kwargs)

    SGDClassifier.partial_fit = counted
    return calls


if __name__ == "__main__":
    from _fit_child import stepped_fsync_folder, stepped_write  # beside this script

    signal.signal(signal.SIGINT, signal.default_int_handler)
    checkpoint_dir, result_path = sys.argv[1:3]
    durable.CHUNK_SIZE = 2048
    durable.write_chunk = stepped_write
    durable.fsync_folder = stepped_fsync_folder
    trained = count_epochs()
    warnings.simplefilter("ignore")
    print("ready", flush=True)
    search = make_search(checkpoint_dir).fit(*data())
    with open(result_path, "w") as file:
        json.dump(result(search) | {"trained_epochs": trained[0]}, file)
    print("done", flush=True)
