"""Real processes, real signals: kill -9 and Ctrl-C during fits that checkpoint."""

import json
import random
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from skstop import CheckpointError
from skstop._checkpoint import run_folders, signing_key
from skstop._checkpoint._paths import MANIFEST
from skstop._checkpoint._store import latest_checkpoint, read_manifest

from ._fit_child import data, make_model, result

CHILD = Path(__file__).with_name("_fit_child.py")
ROOT = CHILD.parent.parent

pytestmark = pytest.mark.slow


def start_child(checkpoint_dir, result_path, child=CHILD, *args):
    process = subprocess.Popen(
        [sys.executable, str(child), str(checkpoint_dir), str(result_path), *args],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout.readline().strip() == "ready"
    return process


def step(process, n_steps):
    """Let the child write ``n_steps`` chunks; True if it then waits at the next one.

    The child stops before each chunk until told to go on, so after this it
    sits at a known point of a known write, however loaded the machine is.
    """
    for _ in range(n_steps + 1):
        line = process.stdout.readline().strip()
        if line != "step":
            return False
        if _ < n_steps:
            process.stdin.write("go\n")
            process.stdin.flush()
    return True


def run_to_the_end(process, paused=False):
    """Let the child go on at every step until it exits; its exit code.

    ``paused``: the child waits at a step already read (see ``step``).
    """
    if paused:
        process.stdin.write("go\n")
        process.stdin.flush()
    for line in process.stdout:
        if line.strip() == "step":
            process.stdin.write("go\n")
            process.stdin.flush()
    return process.wait(timeout=120)


def uninterrupted(tmp_path):
    X, y = data()
    return result(make_model(tmp_path / "reference", warm_start=False).fit(X, y), X)


def assert_every_commit_verifies(checkpoint_dir):
    """Each manifest on disk (not just the newest) names intact files."""
    for folder in run_folders(checkpoint_dir):
        for path in folder.iterdir():
            if MANIFEST.fullmatch(path.name):
                read_manifest(folder, path, signing_key())


def test_sigkill_at_random_moments_then_resume_equals_an_uninterrupted_run(tmp_path):
    checkpoint_dir, result_path = tmp_path / "checkpoints", tmp_path / "result.json"
    rng = random.Random(0)
    mid_write = []
    for kill in range(12):
        process = start_child(checkpoint_dir, result_path)
        # A commit is about 7 steps (chunks and renames), so kills land
        # mid-file, between a model file and its manifest, and between
        # commits, with 0 to 2 commits of progress each time.
        assert step(process, rng.randrange(0, 16)), f"kill {kill}: the child finished first"
        process.send_signal(signal.SIGKILL)
        assert process.wait() == -signal.SIGKILL
        mid_write.append(any(checkpoint_dir.glob("run-*/.tmp-*")))
        assert_every_commit_verifies(checkpoint_dir)
        # Mid-write kills leave temporary files; only the next start cleans them.
        try:
            latest_checkpoint(run_folders(checkpoint_dir)[0], key=signing_key())
        except (CheckpointError, IndexError):
            pass  # killed before the first commit: nothing to resume yet
    assert any(mid_write) and not all(mid_write)
    process = start_child(checkpoint_dir, result_path)
    assert run_to_the_end(process) == 0, process.stderr.read()

    assert json.loads(result_path.read_text()) == uninterrupted(tmp_path)
    (folder,) = run_folders(checkpoint_dir)
    assert not list(folder.glob(".tmp-*"))
    assert_every_commit_verifies(checkpoint_dir)


def test_a_net_killed_mid_write_resumes_exactly(tmp_path):
    pytest.importorskip("skorch")
    checkpoint_dir, result_path = tmp_path / "checkpoints", tmp_path / "result.json"
    rng = random.Random(1)
    for kill in range(4):
        process = start_child(checkpoint_dir, result_path, CHILD, "net")
        assert step(process, rng.randrange(0, 40)), f"kill {kill}: the child finished first"
        process.send_signal(signal.SIGKILL)
        assert process.wait() == -signal.SIGKILL
    process = start_child(checkpoint_dir, result_path, CHILD, "net")
    assert run_to_the_end(process) == 0, process.stderr.read()

    X, y = data("net")
    reference = make_model(tmp_path / "reference", warm_start=False, kind="net").fit(X, y)
    assert json.loads(result_path.read_text()) == result(reference, X)
    assert_every_commit_verifies(checkpoint_dir)


def test_ctrl_c_exits_cleanly_with_the_best_committed_and_resumes(tmp_path):
    checkpoint_dir, result_path = tmp_path / "checkpoints", tmp_path / "result.json"
    process = start_child(checkpoint_dir, result_path)
    assert step(process, 30)  # several commits in, paused inside a write
    process.send_signal(signal.SIGINT)
    assert run_to_the_end(process, paused=True) == 0, process.stderr.read()
    interrupted = json.loads(result_path.read_text())
    assert interrupted["termination"] == "interrupted"
    assert "Training interrupted during epoch" in process.stderr.read()

    checkpoint = latest_checkpoint(run_folders(checkpoint_dir)[0], key=signing_key())
    assert checkpoint.record["best_iteration"] == interrupted["best_iteration"]
    assert checkpoint.body["files"]["best"]["name"] == (
        f"model-e{interrupted['best_iteration']:06d}.joblib"
    )

    process = start_child(checkpoint_dir, result_path)
    assert run_to_the_end(process) == 0, process.stderr.read()
    assert json.loads(result_path.read_text()) == uninterrupted(tmp_path)
