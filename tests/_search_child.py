"""A cross-validated search run as a separate process by the concurrency tests.

usage: python _search_child.py CHECKPOINT_DIR RESULT_JSON [stepped]

Every fit of the search checkpoints into CHECKPOINT_DIR with warm_start=True,
so a search killed and started again continues where its fits were. With
``stepped``, it prints "ready" once imported and then waits for the parent
before each chunk it writes and after each rename (as ``_fit_child`` does), so
that where a kill lands is chosen by the parent, not by the machine's load.
"""

import json
import sys

from sklearn.datasets import make_classification
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import GridSearchCV

from skstop import EarlyStoppingEstimator

GRID = {"estimator__alpha": [1e-4, 1e-3], "n_iter_no_change": [3, 6]}


def make_search(checkpoint_dir):
    return GridSearchCV(
        EarlyStoppingEstimator(
            SGDClassifier(random_state=0),
            batch_size=50,
            max_iter=30,
            random_state=0,
            checkpoint_dir=checkpoint_dir,
            checkpoint_every=2 if checkpoint_dir else None,
            warm_start=checkpoint_dir is not None,
        ),
        GRID,
        cv=2,
        n_jobs=1,
    )


def data():
    return make_classification(1000, 20, n_informative=8, random_state=1)


def result(search):
    return {
        "mean_test_score": search.cv_results_["mean_test_score"].tolist(),
        "best_params": search.best_params_,
        "best_n_iter": int(search.best_estimator_.n_iter_),
    }


if __name__ == "__main__":
    checkpoint_dir, result_path, *stepped = sys.argv[1:]
    if stepped:
        from _fit_child import stepped_fsync_folder, stepped_write

        import skstop._checkpoint._durable as durable

        durable.CHUNK_SIZE = 2048
        durable.write_chunk = stepped_write
        durable.fsync_folder = stepped_fsync_folder
        print("ready", flush=True)
    search = make_search(checkpoint_dir).fit(*data())
    with open(result_path, "w") as file:
        json.dump(result(search), file)
