"""Real processes, real signals: kill -9 and Ctrl-C during fits that checkpoint."""

import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from skstop import CheckpointError
from skstop._checkpoint._store import MANIFEST, latest_checkpoint, read_manifest
from skstop._checkpoint import run_folders

from ._fit_child import data, make_model, result

CHILD = Path(__file__).with_name("_fit_child.py")
ROOT = CHILD.parent.parent

pytestmark = pytest.mark.slow


def start_child(checkpoint_dir, result_path):
    process = subprocess.Popen(
        [sys.executable, str(CHILD), str(checkpoint_dir), str(result_path)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert process.stdout.readline().strip() == "ready"
    return process


def uninterrupted(tmp_path):
    X, y = data()
    return result(make_model(tmp_path / "reference", warm_start=False).fit(X, y), X)


def assert_every_commit_verifies(checkpoint_dir):
    """Each manifest on disk (not just the newest) names intact files."""
    for folder in run_folders(checkpoint_dir):
        for path in folder.iterdir():
            if MANIFEST.fullmatch(path.name):
                read_manifest(folder, path, trusted=False)


def test_sigkill_at_random_moments_then_resume_equals_an_uninterrupted_run(tmp_path):
    checkpoint_dir, result_path = tmp_path / "checkpoints", tmp_path / "result.json"
    rng = random.Random(0)
    kills = 0
    for _ in range(40):
        process = start_child(checkpoint_dir, result_path)
        time.sleep(rng.uniform(0.02, 0.4))
        if process.poll() is not None:
            break
        process.send_signal(signal.SIGKILL)
        process.wait()
        kills += 1
        assert_every_commit_verifies(checkpoint_dir)
        # Mid-write kills leave temporary files; only the next start cleans them.
        try:
            latest_checkpoint(run_folders(checkpoint_dir)[0])
        except (CheckpointError, IndexError):
            pass  # killed before the first commit: nothing to resume yet
    else:
        process = start_child(checkpoint_dir, result_path)
    assert process.wait(timeout=120) == 0, process.stderr.read()

    assert kills >= 10
    assert json.loads(result_path.read_text()) == uninterrupted(tmp_path)
    (folder,) = run_folders(checkpoint_dir)
    assert not list(folder.glob(".tmp-*"))
    assert_every_commit_verifies(checkpoint_dir)


def test_ctrl_c_exits_cleanly_with_the_best_committed_and_resumes(tmp_path):
    checkpoint_dir, result_path = tmp_path / "checkpoints", tmp_path / "result.json"
    process = start_child(checkpoint_dir, result_path)
    time.sleep(1.0)
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=60) == 0, process.stderr.read()
    interrupted = json.loads(result_path.read_text())
    assert interrupted["termination"] == "interrupted"
    assert "Training interrupted during epoch" in process.stderr.read()

    checkpoint = latest_checkpoint(run_folders(checkpoint_dir)[0])
    assert checkpoint.record["best_iteration"] == interrupted["best_iteration"]
    assert checkpoint.body["files"]["best"]["name"] == (
        f"model-e{interrupted['best_iteration']:06d}.joblib"
    )

    process = start_child(checkpoint_dir, result_path)
    assert process.wait(timeout=120) == 0, process.stderr.read()
    assert json.loads(result_path.read_text()) == uninterrupted(tmp_path)
