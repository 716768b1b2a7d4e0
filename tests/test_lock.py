"""One live owner per run folder: concurrent fits and searches, real processes."""

import json
import random
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from skstop._checkpoint import run_folders, signing_key
from skstop._checkpoint._lock import RunLock
from skstop._checkpoint._paths import MANIFEST
from skstop._checkpoint._store import read_manifest

from . import _search_child
from .test_resume import run_to_the_end, start_child, step, uninterrupted

pytestmark = pytest.mark.slow
ROOT = Path(__file__).parent.parent


def every_manifest_verifies(checkpoint_dir):
    key = signing_key()
    count = 0
    for folder in run_folders(checkpoint_dir):
        for path in folder.iterdir():
            if MANIFEST.fullmatch(path.name):
                read_manifest(folder, path, key)
                count += 1
    return count


def test_a_lock_is_held_by_one_owner_and_freed_when_it_ends(tmp_path):
    first = RunLock.acquire(tmp_path)
    assert first is not None
    assert RunLock.acquire(tmp_path) is None
    first.release()
    again = RunLock.acquire(tmp_path)
    assert again is not None
    again.release()


@pytest.mark.parametrize("first_paused_at", [0, 20], ids=["before-first-commit", "mid-write"])
def test_two_fits_of_one_configuration_both_end_as_uninterrupted(tmp_path, first_paused_at):
    checkpoint_dir = tmp_path / "checkpoints"
    signing_key()  # made now, so that the first fit's first write is its own run folder's
    first = start_child(checkpoint_dir, tmp_path / "first.json")
    assert step(first, first_paused_at)  # holds its run folder, mid-write
    assert len(run_folders(checkpoint_dir)) == 1
    second = start_child(checkpoint_dir, tmp_path / "second.json")
    assert run_to_the_end(second) == 0, second.stderr.read()
    assert run_to_the_end(first, paused=True) == 0, first.stderr.read()

    expected = uninterrupted(tmp_path)
    for name in ("first.json", "second.json"):
        assert json.loads((tmp_path / name).read_text()) == expected
    # The second fit never resumed a folder the first held: one each.
    assert len(run_folders(checkpoint_dir)) == 2
    assert every_manifest_verifies(checkpoint_dir) > 0


def start_search(checkpoint_dir, result_path, stepped=False):
    process = subprocess.Popen(
        [
            sys.executable,
            str(Path(_search_child.__file__)),
            str(checkpoint_dir),
            str(result_path),
            *(["stepped"] if stepped else []),
        ],
        cwd=ROOT,
        stdin=subprocess.PIPE if stepped else subprocess.DEVNULL,
        stdout=subprocess.PIPE if stepped else subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    if stepped:
        assert process.stdout.readline().strip() == "ready"
    return process


def test_four_identical_searches_killed_mid_write_then_rerun_end_as_uninterrupted(tmp_path):
    checkpoint_dir = tmp_path / "checkpoints"
    results = [tmp_path / f"search-{i}.json" for i in range(4)]
    rng = random.Random(0)
    # A whole search writes about 500 chunks; each is killed where its seed
    # says, mid-file or between files, the four writing in turn, so where the
    # kills land does not depend on the machine's load.
    kill_at = [rng.randint(20, 450) for _ in results]
    searches = [start_search(checkpoint_dir, path, stepped=True) for path in results]
    written = [0] * len(searches)
    alive = set(range(len(searches)))
    while alive:
        for i in sorted(alive):
            search = searches[i]
            assert search.stdout.readline().strip() == "step", search.stderr.read()
            if written[i] == kill_at[i]:
                search.send_signal(signal.SIGKILL)
                assert search.wait(timeout=60) == -signal.SIGKILL
                alive.discard(i)
                continue
            search.stdin.write("go\n")
            search.stdin.flush()
            written[i] += 1
    assert every_manifest_verifies(checkpoint_dir) > 0  # what was committed verifies

    reruns = [start_search(checkpoint_dir, path) for path in results]
    for rerun in reruns:
        assert rerun.wait(timeout=300) == 0, rerun.stderr.read()

    reference = _search_child.make_search(None).fit(*_search_child.data())
    expected = json.loads(json.dumps(_search_child.result(reference)))
    for path in results:
        assert json.loads(path.read_text()) == expected
    assert every_manifest_verifies(checkpoint_dir) > 0
