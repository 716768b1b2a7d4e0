"""The README's examples do what the README says, run as written."""

import json
import re
import signal
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning

from ._readme_child import readme_block

CHILD = Path(__file__).with_name("_readme_child.py")


def test_the_first_example_gives_the_same_model_every_run():
    X, y = load_digits(return_X_y=True)
    code = readme_block("SGDClassifier(")
    code = code[: code.index("model.best_iteration_")]
    fitted = []
    for _ in range(2):
        namespace = {"X": X / 16, "y": y}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            exec(code, namespace)
        fitted.append(namespace["model"])
    first, second = fitted
    np.testing.assert_array_equal(first.validation_scores_, second.validation_scores_)
    np.testing.assert_array_equal(first.estimator_.coef_, second.estimator_.coef_)


def run_child(*args, **kwargs):
    return subprocess.Popen(
        [sys.executable, str(CHILD), *map(str, args)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


def scores(process):
    out, err = process.communicate(timeout=300)
    assert process.returncode == 0, err
    return json.loads(out.splitlines()[-1])["scores"], out, err


@pytest.mark.slow
def test_the_skorch_example_repeats_in_another_process_and_resumes_after_a_kill(tmp_path):
    pytest.importorskip("skorch")
    first, _, err = scores(run_child())
    second, _, _ = scores(run_child())
    assert first == second
    assert "module is an instance" not in err

    killed = run_child(tmp_path)
    assert killed.stdout.readline().strip() == "epoch 4"
    killed.send_signal(signal.SIGKILL)
    assert killed.wait(timeout=60) == -signal.SIGKILL

    resumed, out, err = scores(run_child(tmp_path))  # stdin closed: it never waits
    assert out.splitlines()[0] == "resumed"
    assert "training starts over" not in err
    assert resumed == first


def test_a_module_passed_built_is_warned_of_when_runs_should_repeat():
    pytest.importorskip("skorch")
    from skorch import NeuralNetClassifier
    from torch import nn

    from skstop import EarlyStoppingEstimator

    X, y = load_digits(return_X_y=True)
    net = NeuralNetClassifier(nn.Sequential(nn.Linear(64, 10)), max_epochs=1, verbose=0)
    with pytest.warns(UserWarning, match=re.escape("The net's module is an instance (Sequential)")):
        EarlyStoppingEstimator(net, max_iter=1, random_state=0).fit(X / 16, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing is expected to repeat: no warning
        warnings.simplefilter("ignore", ConvergenceWarning)
        EarlyStoppingEstimator(net, max_iter=1).fit(X / 16, y)
