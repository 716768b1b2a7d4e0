"""When to save and what to keep (skstop._checkpoint._policy), and the writer that applies them."""

import pytest

from skstop._checkpoint import KeepLatest, SavePolicy


@pytest.mark.parametrize(
    "every, epoch, improved, finished, saved",
    [
        (None, 3, False, False, False),
        (None, 3, True, False, True),
        (None, 3, False, True, True),
        (5, 10, False, False, True),
        (5, 11, False, False, False),
    ],
)
def test_save_at_improvements_every_k_epochs_and_at_the_end(
    every, epoch, improved, finished, saved
):
    assert SavePolicy(every).should_save(epoch, improved=improved, finished=finished) is saved


def test_keep_latest_keeps_the_newest_commits():
    commits = [(1, "a"), (2, "b"), (3, "c")]
    assert KeepLatest(2).split(commits) == ([(2, "b"), (3, "c")], [(1, "a")])
    assert KeepLatest(5).split(commits) == (commits, [])
