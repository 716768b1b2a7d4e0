"""A fit run as a separate process by the kill tests.

usage: python _fit_child.py CHECKPOINT_DIR RESULT_JSON [net]

Fits an SGDClassifier, or with ``net`` a skorch CNN on the digits images
(random_state seeds its torch RNG too).

Writes go in small chunks; before each chunk and after each file is renamed
into place, the child prints "step" and waits for a line on stdin: the parent
decides, step by step, whether it goes on or is killed right there, so where
kills land depends on a seed, never on how busy the machine is. Prints
"ready" once imported, then fits with warm_start=True, so running it again
after a kill continues from the last commit.
"""

import json
import signal
import sys

from sklearn.datasets import load_digits, make_classification
from sklearn.linear_model import SGDClassifier

import skstop._checkpoint._durable as durable
from skstop import EarlyStoppingEstimator


def make_model(checkpoint_dir, warm_start=True, kind="sgd"):
    if kind == "net":
        return EarlyStoppingEstimator(
            digits_cnn(),
            max_iter=8,
            n_iter_no_change=3,
            tol=0.0,
            checkpoint_dir=checkpoint_dir,
            checkpoint_every=1,
            warm_start=warm_start,
            random_state=0,
        )
    return EarlyStoppingEstimator(
        SGDClassifier(alpha=1e-3, random_state=0),
        batch_size=100,
        max_iter=25,
        n_iter_no_change=6,
        tol=0.0,
        checkpoint_dir=checkpoint_dir,
        checkpoint_every=1,
        warm_start=warm_start,
        random_state=0,
    )


def data(kind="sgd"):
    if kind == "net":
        digits = load_digits()
        return (digits.images[:800] / 16).astype("float32")[:, None], digits.target[:800]
    return make_classification(3000, 20, n_informative=10, random_state=0)


def digits_cnn():
    from skorch import NeuralNetClassifier
    from torch import nn

    from skstop._demo_nets import DigitsCNN  # importable wherever a checkpoint is loaded

    return NeuralNetClassifier(
        DigitsCNN,
        module__channels=4,
        criterion=nn.CrossEntropyLoss,
        lr=0.2,
        batch_size=64,
        iterator_train__shuffle=True,
        verbose=0,
    )


def wait_for_the_parent():
    print("step", flush=True)
    if not sys.stdin.readline():
        raise SystemExit("the parent closed stdin")


def stepped_write(file, chunk):
    wait_for_the_parent()  # before each chunk: a kill lands mid-file
    file.write(chunk)
    file.flush()


def stepped_fsync_folder(folder, fsync_folder=durable.fsync_folder):
    fsync_folder(folder)
    wait_for_the_parent()  # after each rename: a kill lands between files


def result(model, X):
    return {
        "validation_scores": model.validation_scores_.tolist(),
        "best_iteration": model.best_iteration_,
        "n_iter": model.n_iter_,
        "termination": model.termination_condition_,
        "predictions": model.predict(X).tolist(),
        # history_ without its times: every epoch once, as an uninterrupted run saves them.
        "history": [
            [row["epoch"], row["validation_score"], row["checkpoint"]] for row in model.history_
        ],
    }


if __name__ == "__main__":
    # A shell runs background jobs with SIGINT ignored, and children inherit
    # that: Ctrl-C at a terminal is what this child stands for, so it takes
    # SIGINT as an interactive Python does, whatever started the tests.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    checkpoint_dir, result_path, *kind = sys.argv[1:]
    durable.CHUNK_SIZE = 2048
    durable.write_chunk = stepped_write
    durable.fsync_folder = stepped_fsync_folder
    X, y = data(*kind)
    print("ready", flush=True)
    model = make_model(checkpoint_dir, kind=(kind or ["sgd"])[0]).fit(X, y)
    with open(result_path, "w") as file:
        json.dump(result(model, X), file)
    print("done", flush=True)
