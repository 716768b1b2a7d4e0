"""Save policies (skstop.checkpoint) and what to keep (skstop._checkpoint._policy)."""

import math
import pickle

import pytest
from sklearn.base import clone

from skstop._checkpoint import KeepLatest
from skstop._checkpoint._policy import daly_interval, save_policy, seconds_of
from skstop.checkpoint import Adaptive, Every, Moment, OnImprovement, SaveClock, SavePolicy


class FrozenClock(SaveClock):
    """A SaveClock whose time is set by the test."""

    def __init__(self, elapsed=0.0, since_save=0.0, spent=0.0, cost=0.0):
        super().__init__()
        self._elapsed, self._since = elapsed, since_save
        self.blocked, self.last_cost = spent, cost

    def elapsed(self):
        return self._elapsed

    def since_save(self):
        return self._since


def epoch_end(epochs, improved=False, batches=0):
    return Moment(True, improved, epochs, batches)


def between(batches):
    return Moment(False, False, 3, batches)


@pytest.mark.parametrize(
    "checkpoint_every, moment, saved",
    [
        (3, epoch_end(4), False),
        (3, epoch_end(4, improved=True), True),
        (5, epoch_end(10), True),
        (5, epoch_end(11), False),
        (5, between(10), False),
    ],
)
def test_an_int_saves_at_improvements_and_every_k_epochs_as_before(checkpoint_every, moment, saved):
    assert save_policy(checkpoint_every).should_save(moment, FrozenClock()) is saved


def test_every_epochs_batches_and_seconds():
    clock = FrozenClock(since_save=10.0)
    assert Every(epochs=2).should_save(epoch_end(4), clock)
    assert not Every(epochs=2).should_save(epoch_end(5), clock)
    assert not Every(epochs=2).should_save(between(4), clock)  # epochs only at epochs' ends
    assert Every(batches=4).should_save(between(8), clock)
    assert Every(batches=4).should_save(epoch_end(5, batches=12), clock)
    assert not Every(batches=4).should_save(between(9), clock)
    assert Every(seconds=10).should_save(between(9), clock)
    assert not Every(seconds=11).should_save(between(9), clock)


def test_policies_combine_with_or():
    policy = Every(epochs=5) | Every(seconds=900) | OnImprovement()
    assert repr(policy) == "Every(epochs=5, batches=None, seconds=None) | " + (
        "Every(epochs=None, batches=None, seconds=900) | OnImprovement()"
    )
    assert len(policy.policies) == 3  # flattened, not nested
    assert policy.should_save(epoch_end(5), FrozenClock())
    assert policy.should_save(epoch_end(6), FrozenClock(since_save=900))
    assert policy.should_save(epoch_end(6, improved=True), FrozenClock())
    assert not policy.should_save(epoch_end(6), FrozenClock(since_save=899))
    assert policy.interval(FrozenClock()) == 900
    assert policy.saves_between_batches()
    assert not (Every(epochs=5) | OnImprovement()).saves_between_batches()


def test_policies_clone_pickle_and_compare_as_parameters():
    policy = Every(epochs=5) | Adaptive("24h")
    assert pickle.loads(pickle.dumps(policy)) == policy
    assert clone(policy, safe=False) == policy
    assert policy != Every(epochs=5) | Adaptive("12h")
    assert hash(Every(epochs=5)) == hash(Every(epochs=5))


def test_young_and_daly_intervals():
    # Young: sqrt(2 C M) for C << M; Daly's correction is small there.
    assert daly_interval(10, 86400) == pytest.approx(math.sqrt(2 * 10 * 86400), rel=0.01)
    # Daly (2006), eq. 37: sqrt(2CM)(1 + sqrt(C/2M)/3 + C/(18M)) - C.
    cost, mtbf = 600, 3600
    ratio = cost / (2 * mtbf)
    expected = math.sqrt(2 * cost * mtbf) * (1 + math.sqrt(ratio) / 3 + ratio / 9) - cost
    assert daly_interval(cost, mtbf) == pytest.approx(expected)
    assert daly_interval(8000, 3600) == 3600  # a save longer than 2 M: save every M


@pytest.mark.parametrize(
    "text, seconds", [("24h", 86400), ("90m", 5400), ("1d12h", 129600), (" 45 s", 45), (3.5, 3.5)]
)
def test_durations(text, seconds):
    assert seconds_of(text, "mtbf") == seconds


def test_adaptive_saves_at_the_daly_interval_within_the_budget():
    policy = Adaptive(mtbf=3600, max_overhead=0.05)
    interval = daly_interval(1.0, 3600)  # ~85 s for 1 s saves
    assert policy.interval(FrozenClock(cost=1.0)) == pytest.approx(interval)
    due = FrozenClock(elapsed=1000, since_save=interval, spent=10, cost=1.0)
    assert policy.should_save(epoch_end(9), due)
    assert not policy.should_save(epoch_end(9), FrozenClock(1000, interval - 1, 10, 1.0))
    # An improvement waits for the interval: any commit resumes to the same end.
    assert not policy.should_save(epoch_end(9, improved=True), FrozenClock(1000, 1, 10, 1.0))
    # Nothing is saved beyond the budget, counting the save at the fit's end:
    # 49 s spent + 2 x 1 s > 5 % of 1000 s.
    assert not policy.should_save(epoch_end(9), FrozenClock(1000, 500, 49, 1.0))
    # Saves that cost more than the budget allows at Daly's interval are spaced out.
    assert policy.interval(FrozenClock(cost=20.0)) == pytest.approx(20.0 / 0.05)


@pytest.mark.parametrize(
    "policy, message",
    [
        (Every(), r"Every\(\) was given no period"),
        (Every(epochs=0), r"Every\(epochs=0\): epochs must be a positive number of epochs"),
        (Every(batches=2.5), r"Every\(batches=2.5\): batches must be a positive number"),
        (Every(seconds=-1), r"Every\(seconds=-1\): seconds must be a positive number"),
        (Adaptive(mtbf=0), r"Adaptive\(mtbf=0\): mtbf must be a positive duration"),
        (Adaptive(mtbf="a day"), r"Adaptive\(mtbf\)='a day' is not a duration"),
        (Adaptive("24h", max_overhead=1), r"Adaptive\(max_overhead=1\): max_overhead is a share"),
        (Adaptive("24h", max_overhead=0), r"Adaptive\(max_overhead=0\)"),
    ],
)
def test_bad_periods_are_refused_naming_the_argument(policy, message):
    with pytest.raises(ValueError, match=message):
        policy.check()


def test_a_policy_of_ones_own():
    class AfterEpochTen(SavePolicy):
        def should_save(self, moment, clock):
            return moment.epoch_end and moment.epochs > 10

    policy = AfterEpochTen() | Every(epochs=2)
    assert policy.should_save(epoch_end(11), FrozenClock())
    assert not policy.should_save(epoch_end(9), FrozenClock())


def test_keep_latest_keeps_the_newest_commits():
    commits = [(1, "a"), (2, "b"), (3, "c")]
    assert KeepLatest(2).split(commits) == ([(2, "b"), (3, "c")], [(1, "a")])
    assert KeepLatest(5).split(commits) == (commits, [])
