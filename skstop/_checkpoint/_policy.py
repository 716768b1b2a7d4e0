"""When to save: a small policy, apart from how a checkpoint is written."""


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
