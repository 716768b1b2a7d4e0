"""TrainingRun: one run of a fit, its parts built once, trained up to an epoch at a time.

The estimator resolves the parts (trainer, state, batches, validation set,
saver, lock) and hands them over; the run never sees the estimator. It trains
with ``run_to(epoch)``, which may pause and be called again, and ``close``
(or leaving its ``with`` block) waits for the last checkpoint and releases the
run folder's lock. Its state (a TrainingState) is what travels by value when a
paused run is continued elsewhere.
"""

from contextlib import ExitStack


class TrainingRun:
    """One run: its trainer, state, batches, validation set, saver, lock and loop.

    Parameters
    ----------
    loop : EpochLoop
        The epoch loop over the run's state, trainer, batches, validation set
        and saver; its state is the run's.
    seed : int or None
        Seeds the trainer's own random stream (a net's torch RNG).
    saver : CheckpointSaver, default=None
        Saves checkpoints; closed with the run.
    lock : RunLock, default=None
        The run folder's lock, held; released with the run.
    """

    def __init__(self, loop, seed, *, saver=None, lock=None):
        self.loop = loop
        self.seed = seed
        self.resumed_from = loop.state.n_epochs
        self._resources = ExitStack()
        if lock is not None:
            self._resources.callback(lock.release)
        if saver is not None:
            self._resources.enter_context(saver)

    @property
    def state(self):
        """The TrainingState: what travels by value when a paused run goes on elsewhere."""
        return self.loop.state

    def run_to(self, epoch=None):
        """Train until stopped, or until ``epoch``; the Stop, or None when paused there."""
        with self.loop.trainer.random_stream(self.state, self.seed):
            return self.loop.run(until=epoch)

    def close(self):
        """Wait for the last checkpoint and release the run folder."""
        self._resources.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        # The saver hears of an error in training: it then says a failed
        # write beside that error instead of hiding it.
        return self._resources.__exit__(*exc_info)
