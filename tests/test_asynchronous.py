"""asynchronous=True: ASHA's promotions over cross-validated rungs, on a real Dask cluster."""

import math
import os
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

from skstop import EarlyStoppingEstimator, EpochHalvingSearchCV
from skstop._search._schedule import Asha

from ._cluster import loopback_client
from ._scripted import SlowScripted

distributed = pytest.importorskip("distributed")
joblib = pytest.importorskip("joblib")

X = np.random.RandomState(0).rand(120, 3)
y = np.arange(120) % 2
# Candidates of unequal worth and cost: an epoch of candidate c sleeps 10-40 ms.
LEVELS = [0.30, 0.80, 0.50, 0.10, 0.70, 0.20, 0.90, 0.40, 0.60, 0.05, 0.85, 0.45]
SECONDS = [0.01 * (1 + c % 4) for c in range(len(LEVELS))]
CHILD = Path(__file__).with_name("_asha_child.py")


def test_asha_promotes_the_top_third_of_those_finished_in_the_papers_order():
    asha = Asha(n_candidates=9, n_folds=1, n_rungs=3, factor=3, promotions_first=True)
    assert [asha.next_task() for _ in range(3)] == [(0, 0, 0), (0, 1, 0), (0, 2, 0)]
    for candidate, score in enumerate([0.1, 0.3, 0.2]):
        asha.finished(0, candidate, 0, score, stopped=False)
    # floor(3 / 3) = 1: the best of the three goes on before a new candidate starts.
    assert asha.next_task() == (1, 1, 0)
    assert asha.next_task() == (0, 3, 0)
    asha.finished(1, 1, 0, 0.5, stopped=False)
    asha.finished(0, 3, 0, 0.9, stopped=False)
    # Rung 1: one finished, floor(1 / 3) = 0 go on. Rung 0: 3 is the top of four.
    assert asha.promotable(1) == [] and asha.promotable(0) == [3]
    assert asha.next_task() == (1, 3, 0)
    assert asha.next_task() == (0, 4, 0)
    assert list(asha.reached[:6]) == [0, 1, 0, 1, 0, -1]


def test_by_default_every_candidate_starts_before_any_is_promoted():
    asha = Asha(n_candidates=4, n_folds=1, n_rungs=3, factor=3)
    assert [asha.next_task() for _ in range(3)] == [(0, 0, 0), (0, 1, 0), (0, 2, 0)]
    for candidate, score in enumerate([0.1, 0.3, 0.2]):
        asha.finished(0, candidate, 0, score, stopped=False)
    assert asha.promotable(0) == [1]  # the top third of three: promotable already
    assert asha.next_task() == (0, 3, 0)  # but candidate 3 starts first
    assert asha.next_task() == (1, 1, 0)
    assert asha.next_task() is None  # 3 runs, 1 runs; nothing else can
    asha.finished(0, 3, 0, 0.9, stopped=False)
    assert asha.next_task() == (1, 3, 0)  # top third of four, without waiting for 1
    assert list(asha.reached) == [0, 1, 0, 1]


def test_a_finished_rung_too_small_for_a_third_sends_its_best_so_it_reaches_max_iter():
    asha = Asha(n_candidates=2, n_folds=1, n_rungs=3, factor=3)
    assert [asha.next_task() for _ in range(2)] == [(0, 0, 0), (0, 1, 0)]
    asha.finished(0, 0, 0, 0.5, stopped=False)
    # floor(1 / 3) = 0, and candidate 1 may finish rung 0 yet.
    assert not asha.complete(0) and asha.next_task() is None
    asha.finished(0, 1, 0, 0.7, stopped=False)
    assert asha.complete(0) and asha.promotable(0) == [1]  # floor(2 / 3) = 0, yet one
    assert asha.next_task() == (1, 1, 0)
    asha.finished(1, 1, 0, 0.8, stopped=False)
    assert asha.next_task() == (2, 1, 0)  # rung 1 is complete too: its one goes on
    assert asha.next_task() is None


def test_a_candidate_needs_every_fold_to_finish_a_rung_and_a_stopped_fold_is_carried_up():
    asha = Asha(n_candidates=3, n_folds=2, n_rungs=2, factor=3)
    tasks = [asha.next_task() for _ in range(6)]
    assert tasks == [(0, c, f) for c in range(3) for f in range(2)]
    for c, f in [(0, 0), (0, 1), (1, 0), (1, 1), (2, 0)]:
        asha.finished(0, c, f, 0.5 + c / 10, stopped=(c, f) == (2, 0))
    assert asha.next_task() is None  # candidate 2's second fold runs still
    asha.finished(0, 2, 1, 0.9, stopped=False)
    assert asha.next_task() == (1, 2, 1)  # its stopped fold is carried, not trained
    assert asha.next_task() is None


@pytest.fixture(scope="module")
def four_workers():
    with loopback_client(4) as client:
        yield client


def slow_search(**params):
    wrapper = EarlyStoppingEstimator(
        SlowScripted(), max_iter=9, n_iter_no_change=20, random_state=0
    )
    grid = [
        {"estimator__level": [level], "estimator__seconds": [seconds]}
        for level, seconds in zip(LEVELS, SECONDS)
    ]
    return EpochHalvingSearchCV(wrapper, grid, cv=2, refit=False, **params)


def fitted(search):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # max_iter reached while improving, by design
        return search.fit(X, y)


def test_on_a_dask_cluster_promotions_follow_the_rule_and_no_worker_waits(four_workers):
    with joblib.parallel_config(backend="dask"):
        search = fitted(slow_search(asynchronous=True))
    log = search.schedule_log_
    assert len({task["worker"] for task in log}) == 4
    # Every candidate ran every fold at rung 0, once; none ran a rung twice.
    tasks = [(t["candidate"], t["fold"], t["iter"]) for t in log]
    assert len(set(tasks)) == len(tasks)
    assert {(c, f) for c, f, rung in tasks if rung == 0} == {
        (c, f) for c in range(len(LEVELS)) for f in range(2)
    }
    for candidate, rung in {(c, r) for c, _, r in tasks if r > 0}:
        promoted_at = min(
            t["submitted"] for t in log if (t["candidate"], t["iter"]) == (candidate, rung)
        )
        # Those whose every fold had come back from the rung below by then.
        below = {}
        for t in log:
            if t["iter"] == rung - 1 and t["returned"] < promoted_at:
                below.setdefault(t["candidate"], []).append(t["test_score"])
        means = {c: np.mean(s) for c, s in below.items() if len(s) == 2}
        # The top third so far; one at least once every entrant of the rung finished it.
        entrants = {t["candidate"] for t in log if t["iter"] == rung - 1}
        n_top = math.floor(len(means) / 3)
        if len(means) == len(entrants):
            n_top = max(n_top, 1)
        top = sorted(means, key=means.get, reverse=True)[:n_top]
        assert candidate in top, (candidate, rung, means)
    # While candidates were still to start after it, every time results came
    # back the freed workers were given new work: 4 tasks in flight until the
    # next results came back.
    last_start = max(t["submitted"] for t in log if t["iter"] == 0)
    returns = sorted({t["returned"] for t in log})
    checked = [back for back, next_back in zip(returns, returns[1:]) if next_back < last_start]
    for back, next_back in zip(returns, returns[1:]):
        if next_back < last_start:
            in_flight = [t for t in log if t["submitted"] < next_back <= t["returned"]]
            assert len(in_flight) == 4, back
    assert len(checked) >= 10
    assert (
        search.n_candidates_[0] == 12
        and search.n_resources_ == [1, 3, 9][: len(search.n_candidates_)]
    )
    best = int(np.argmax(LEVELS))
    assert search.cv_results_["iter"][best] == search.n_iterations_ - 1


def test_on_threads_and_processes_the_same_schedule_is_followed():
    for backend in ("threading", "loky"):
        with joblib.parallel_config(backend=backend, n_jobs=2):
            search = fitted(slow_search(asynchronous=True))
        assert len({task["worker"] for task in search.schedule_log_}) == 2
        assert search.cv_results_["iter"][int(np.argmax(LEVELS))] == 2


def test_in_one_process_it_is_asha_in_order_and_reproducible():
    one, two = fitted(slow_search(asynchronous=True)), fitted(slow_search(asynchronous=True))
    assert [t["candidate"] for t in one.schedule_log_] == [
        t["candidate"] for t in two.schedule_log_
    ]
    np.testing.assert_array_equal(one.cv_results_["iter"], two.cv_results_["iter"])
    # On one worker: every candidate, then the best third (6, 10, 1, 4: levels
    # 0.90, 0.85, 0.80, 0.70), best first, then the best of those (6).
    order = [(t["candidate"], t["iter"]) for t in one.schedule_log_ if t["fold"] == 0]
    assert order == [(c, 0) for c in range(12)] + [(6, 1), (10, 1), (1, 1), (4, 1), (6, 2)]
    # When each entered its last rung: just before its first task there started.
    for candidate, entered in enumerate(one.cv_results_["iter_entered_at"]):
        rung = one.cv_results_["iter"][candidate]
        first = min(
            t["started"]
            for t in one.schedule_log_
            if (t["candidate"], t["iter"]) == (candidate, rung)
        )
        assert 0 < entered <= first


def test_a_killed_asynchronous_search_resumes_without_training_a_finished_rung(tmp_path):
    result = tmp_path / "first.json"
    child = subprocess.Popen([sys.executable, str(CHILD), str(tmp_path), str(result)])
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and child.poll() is None:
        if len(recorded(tmp_path)) >= 10:
            break
        time.sleep(0.05)
    os.kill(child.pid, signal.SIGKILL)
    assert child.wait(timeout=30) == -signal.SIGKILL
    finished = recorded(tmp_path)
    assert len(finished) >= 10 and not result.exists()
    second = subprocess.run(
        [sys.executable, str(CHILD), str(tmp_path), str(result)], timeout=300, check=True
    )
    assert second.returncode == 0
    import json

    rerun = json.loads(result.read_text())
    trained_again = {tuple(task) for task in rerun["tasks"]} & finished
    assert not trained_again
    assert rerun["iter"][int(np.argmax(LEVELS))] == 2
    assert set(map(tuple, rerun["tasks"])) | finished >= {
        (c, f, 0) for c in range(len(LEVELS)) for f in range(2)
    }


def recorded(folder):
    """``(candidate, fold, rung)`` of the tasks the child's search recorded as finished."""
    sys.path.insert(0, str(CHILD.parent))
    try:
        from _asha_child import finished_tasks
    finally:
        sys.path.pop(0)
    return finished_tasks(folder)
