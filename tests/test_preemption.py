"""Preemption and kills inside an epoch, with real processes and real signals.

The child (``_preempt_child.py``) waits before each training batch until the
parent says go on, so a signal lands at a batch chosen by a seed, never by
how busy the machine is.
"""

import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from skstop._checkpoint import latest_checkpoint, run_folders, signing_key

CHILD = Path(__file__).with_name("_preempt_child.py")
ROOT = CHILD.parent.parent
BATCHES_PER_EPOCH = {"sgd": 11, "net": 17}
EPOCHS = {"sgd": 6, "net": 3}


def run_child(checkpoint_dir, kind, policy, tmp_path, gated=False):
    result = tmp_path / f"result-{time.monotonic_ns()}.json"
    process = subprocess.Popen(
        [sys.executable, str(CHILD), str(checkpoint_dir), str(result), kind, policy]
        + (["gated"] if gated else []),
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=(tmp_path / "child-stderr.txt").open("a"),
        text=True,
    )
    assert process.stdout.readline().strip() == "ready"
    return process, result


def finished(checkpoint_dir, kind, policy, tmp_path):
    """The result of a child run to its end (after a kill, a resume)."""
    process, result = run_child(checkpoint_dir, kind, policy, tmp_path)
    assert process.wait(timeout=300) == 0, (tmp_path / "child-stderr.txt").read_text()
    return json.loads(result.read_text())


def go_to_batch(process, batch):
    """Let the child train until it waits before batch ``batch + 1``."""
    while True:
        line = process.stdout.readline().strip()
        assert line.startswith("batch "), line
        if int(line.split()[1]) == batch:
            return
        process.stdin.write("\n")
        process.stdin.flush()


def go_on(process):
    """Let the child go on from the gate it waits at, and answer every gate until it exits."""
    try:
        process.stdin.write("\n")
        process.stdin.flush()
        for line in process.stdout:
            if line.startswith("batch "):
                process.stdin.write("\n")
                process.stdin.flush()
    except BrokenPipeError:
        pass
    return process.wait(timeout=300)


def newest_record(checkpoint_dir):
    (folder,) = run_folders(checkpoint_dir)
    return latest_checkpoint(folder, key=signing_key()).record


def seeded_batch(seed, kind):
    total = BATCHES_PER_EPOCH[kind] * EPOCHS[kind]
    return random.Random(seed).randrange(2, total - 2)


@pytest.mark.parametrize(
    "kind, seed", [("sgd", 0), ("sgd", 1), ("net", 2)], ids=["sgd-0", "sgd-1", "net-2"]
)
def test_sigterm_commits_within_a_batch_exits_143_and_resumes_identically(tmp_path, kind, seed):
    reference = finished(tmp_path / "reference", kind, "default", tmp_path)
    batch = seeded_batch(seed, kind)
    process, _ = run_child(tmp_path / "run", kind, "default", tmp_path, gated=True)
    go_to_batch(process, batch)
    process.send_signal(signal.SIGTERM)  # arrives while batch + 1 is about to train
    assert go_on(process) == -signal.SIGTERM  # the shell's 143

    # The commit is the state after the batch SIGTERM came in: one batch behind at most.
    record = newest_record(tmp_path / "run")
    assert record["batches_trained"] == batch + 1
    inside = (batch + 1) % BATCHES_PER_EPOCH[kind]
    assert (record["position"] or {"batches": 0})["batches"] == inside
    assert record["stop_reason"] is None  # a resume point, not a finished run

    resumed = finished(tmp_path / "run", kind, "default", tmp_path)
    assert resumed["resumed_from"] == (batch + 1) // BATCHES_PER_EPOCH[kind]
    for key in ("validation_scores", "best_iteration", "n_iter", "weights", "history"):
        assert resumed[key] == reference[key], key


@pytest.mark.parametrize("kind, seed", [("sgd", 3), ("net", 4)], ids=["sgd-3", "net-4"])
def test_sigkill_inside_an_epoch_loses_at_most_k_batches_and_resumes_identically(
    tmp_path, kind, seed
):
    reference = finished(tmp_path / "reference", kind, "batches", tmp_path)
    batch = seeded_batch(seed, kind)
    process, _ = run_child(tmp_path / "run", kind, "batches", tmp_path, gated=True)
    go_to_batch(process, batch)
    # Every(batches=4): the commit of batch // 4 * 4 was handed to the writer;
    # it is killed once that write is durable (a write in flight is lost).
    saved = batch // 4 * 4
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        folders = run_folders(tmp_path / "run")
        if folders and newest_record(tmp_path / "run")["batches_trained"] == saved:
            break
        time.sleep(0.05)
    process.kill()
    assert process.wait(timeout=60) == -signal.SIGKILL

    record = newest_record(tmp_path / "run")
    assert batch - 4 < record["batches_trained"] == saved <= batch
    resumed = finished(tmp_path / "run", kind, "batches", tmp_path)
    for key in ("validation_scores", "best_iteration", "n_iter", "weights", "history"):
        assert resumed[key] == reference[key], key
