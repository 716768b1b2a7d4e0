"""Ctrl-C stops a fit even where the inner estimator swallows it (a real SIGINT)."""

import json
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.slow

# scikit-learn's MLP catches KeyboardInterrupt inside partial_fit and returns:
# without skstop noticing, this fit would train all 200 epochs. The child
# sends itself SIGINT in the middle of epoch 3's minibatches, where the MLP
# catches it, so where it lands does not depend on the machine's speed.
CHILD = textwrap.dedent(
    """
    import json, os, signal
    from sklearn.datasets import make_classification
    from sklearn.neural_network import {cls}
    from skstop import EarlyStoppingEstimator

    signal.signal(signal.SIGINT, signal.default_int_handler)  # as an interactive Python
    X, y = make_classification(2000, 20, n_informative=10, random_state=0)
    batches = [0]

    class PressedInEpoch3({cls}):
        def _backprop(self, *args, **kwargs):
            batches[0] += 1
            if batches[0] == 2 * 9 + 4:  # 1800 training rows: 9 batches of 200 an epoch
                os.kill(os.getpid(), signal.SIGINT)
            return super()._backprop(*args, **kwargs)

    model = EarlyStoppingEstimator(
        PressedInEpoch3(batch_size=200, random_state=0),
        max_iter=200, n_iter_no_change=200, random_state=0,
    ).fit(X, y)
    print(json.dumps({{"n_iter": model.n_iter_, "termination": model.termination_condition_,
                      "best": model.best_iteration_}}))
    """
)


@pytest.mark.parametrize("cls", ["MLPClassifier", "MLPRegressor"])
def test_ctrl_c_stops_an_mlp_fit_and_keeps_the_best_epoch(cls):
    process = subprocess.run(
        [sys.executable, "-c", CHILD.format(cls=cls)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert process.returncode == 0, process.stderr
    assert "Training interrupted by user." in process.stderr  # the MLP swallowed it
    assert json.loads(process.stdout.splitlines()[-1]) == {
        "n_iter": 2,
        "termination": "interrupted",
        "best": 2,
    }
    assert "Training interrupted during epoch 3; keeping the best state so far (epoch 2)" in (
        process.stderr
    )
