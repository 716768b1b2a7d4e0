"""A long fit run as a separate process by the preemption tests.

usage: python _preempt_child.py CHECKPOINT_DIR RESULT_JSON KIND POLICY [gated]

KIND is ``sgd`` (an SGDClassifier trained in batches of 100 rows, 11 a epoch)
or ``net`` (a skorch CNN with dropout on the digits images, 17 batches a epoch);
POLICY is ``default`` (checkpoint_every=None) or ``batches`` (Every(batches=4)).
With ``gated``, before each training batch the child prints "batch N" (N
batches trained so far) and waits for a line on stdin, so that the parent
sends its signal at a batch it chose, however loaded the machine is. Prints
"ready" once imported, then fits with warm_start=True, so running it again
after a kill continues from the last commit, and writes the fit's result.
"""

import hashlib
import json
import sys

import numpy as np
from sklearn.datasets import load_digits, make_classification
from sklearn.linear_model import SGDClassifier

from skstop import EarlyStoppingEstimator
from skstop.checkpoint import Every

GATED = False
trained = 0


def gate():
    """Before a training batch: say how many were trained, and wait for the parent."""
    global trained
    if GATED:
        print(f"batch {trained}", flush=True)
        if not sys.stdin.readline():
            raise SystemExit("the parent closed stdin")
    trained += 1


class GatedSGD(SGDClassifier):
    """SGDClassifier that waits at the gate before each batch (a class, not a parameter)."""

    def partial_fit(self, X, y, classes=None, sample_weight=None):
        gate()
        return super().partial_fit(X, y, classes=classes, sample_weight=sample_weight)


if len(sys.argv) > 3 and sys.argv[3] == "net":  # torch and skorch only for a net
    from skorch.callbacks import Callback

    class Gate(Callback):
        """Waits at the gate before each training batch (a class, not a parameter)."""

        def on_batch_begin(self, net, batch=None, training=None, **kwargs):
            if training:
                gate()


def gated_net():
    import torch
    from skorch import NeuralNetClassifier

    from skstop._demo_nets import DigitsCNN  # with dropout: the RNG reaches training

    return NeuralNetClassifier(
        DigitsCNN,
        module__channels=4,
        criterion=torch.nn.CrossEntropyLoss,
        lr=0.2,
        batch_size=32,
        iterator_train__shuffle=True,
        callbacks=[("gate", Gate())],
        verbose=0,
    )


def make_model(checkpoint_dir, kind, policy):
    saving = {
        "checkpoint_dir": checkpoint_dir,
        "checkpoint_every": Every(batches=4) if policy == "batches" else None,
        "warm_start": True,
        "random_state": 0,
    }
    if kind == "net":
        return EarlyStoppingEstimator(gated_net(), max_iter=3, n_iter_no_change=10, **saving)
    return EarlyStoppingEstimator(
        GatedSGD(alpha=1e-3, random_state=0),
        batch_size=100,
        max_iter=6,
        n_iter_no_change=10,
        **saving,
    )


def data(kind):
    if kind == "net":
        digits = load_digits()
        return (digits.images[:600] / 16).astype("float32")[:, None], digits.target[:600]
    return make_classification(1200, 20, n_informative=10, random_state=0)


def weights_digest(model):
    inner = model.estimator_
    if hasattr(inner, "module_"):
        arrays = [tensor.numpy() for tensor in inner.module_.state_dict().values()]
    else:
        arrays = [inner.coef_, inner.intercept_]
    return hashlib.sha256(b"".join(np.ascontiguousarray(a).tobytes() for a in arrays)).hexdigest()


def result(model):
    return {
        "validation_scores": model.validation_scores_.tolist(),
        "best_iteration": model.best_iteration_,
        "n_iter": model.n_iter_,
        "termination": model.termination_condition_,
        "resumed_from": model.resumed_from_,
        "weights": weights_digest(model),
        "history": [[row["epoch"], row["validation_score"]] for row in model.history_],
    }


if __name__ == "__main__":
    checkpoint_dir, result_path, kind, policy, *gated = sys.argv[1:]
    GATED = bool(gated)
    X, y = data(kind)
    model = make_model(checkpoint_dir, kind, policy)
    print("ready", flush=True)
    model.fit(X, y)
    with open(result_path, "w") as file:
        json.dump(result(model), file)
    print("done", flush=True)
