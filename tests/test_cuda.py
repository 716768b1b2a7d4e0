"""skorch nets on a CUDA GPU: run where one is present (the device machine)."""

import pickle
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("skorch")
if not torch.cuda.is_available():
    pytest.skip("no CUDA device on this machine", allow_module_level=True)

from sklearn.datasets import load_digits  # noqa: E402
from skorch import NeuralNetClassifier  # noqa: E402

from skstop import EarlyStoppingEstimator, load_checkpoint  # noqa: E402
from skstop._demo_nets import DigitsCNN  # noqa: E402

digits = load_digits()
X = (digits.images / 16).astype(np.float32)[:, None]
y = digits.target


def cuda_model(**params):
    torch.manual_seed(0)
    net = NeuralNetClassifier(
        DigitsCNN,
        criterion=torch.nn.CrossEntropyLoss,
        lr=0.1,
        batch_size=64,
        device="cuda",
        verbose=0,
    )
    return EarlyStoppingEstimator(net, random_state=0, max_iter=30, **params)


def test_trains_restores_and_predicts_on_the_gpu():
    model = cuda_model(scoring="loss").fit(X, y)
    net = model.estimator_
    assert all(p.device.type == "cuda" for p in net.module_.parameters())
    assert len(net.history) == model.best_iteration_
    assert model.score(X, y) > 0.9


def test_snapshot_buffers_stay_on_the_gpu():
    from skstop._trainers import take_snapshot

    net = cuda_model().estimator.initialize()
    net.fit_loop(X, y, epochs=1)
    snapshot = take_snapshot(net)
    assert {b.device.type for b in snapshot._buffers if b.dim() > 0} == {"cuda"}


def test_cuda_checkpoint_loads_and_predicts_without_a_gpu(tmp_path):
    model = cuda_model(checkpoint_dir=tmp_path).fit(X, y)
    expected = model.predict(X)
    np.testing.assert_array_equal(load_checkpoint(tmp_path).predict(X), expected)
    (tmp_path / "model.pkl").write_bytes(pickle.dumps(model))
    np.save(tmp_path / "X.npy", X)
    code = (
        "import pickle, sys, numpy as np, torch, skstop;"
        "assert not torch.cuda.is_available();"
        f"m = pickle.load(open({str(tmp_path / 'model.pkl')!r}, 'rb'));"
        f"l = skstop.load_checkpoint({str(tmp_path)!r});"
        f"X = np.load({str(tmp_path / 'X.npy')!r});"
        "print(''.join(map(str, m.predict(X))));"
        "print(''.join(map(str, l.predict(X))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**__import__("os").environ, "CUDA_VISIBLE_DEVICES": ""},
    )
    assert result.returncode == 0, result.stderr
    pickled, loaded = result.stdout.split()
    assert pickled == loaded == "".join(map(str, expected))
