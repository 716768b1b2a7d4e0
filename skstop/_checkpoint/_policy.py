"""When to save and what to keep: small policies, apart from how a checkpoint is written."""


class SavePolicy:
    """Save at every improvement, every ``every`` epochs, and when training ends or pauses.

    Parameters
    ----------
    every : int or None
        Period in epochs of the extra saves (``checkpoint_every``); None for none.
    """

    def __init__(self, every=None):
        self.every = every

    def should_save(self, n_epochs, *, improved, finished):
        """Whether the state after epoch ``n_epochs`` is saved."""
        periodic = self.every is not None and n_epochs % self.every == 0
        return improved or periodic or finished


class KeepLatest:
    """Keep the newest ``n`` commits; each names the best model so far, which stays too.

    Parameters
    ----------
    n : int
        Commits kept (``keep_last``).
    """

    def __init__(self, n):
        self.n = n

    def split(self, commits):
        """``(kept, dropped)`` of ``commits``, oldest first."""
        return commits[-self.n :], commits[: -self.n]
