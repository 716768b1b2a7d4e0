"""TrainingRun: one run of a fit, its parts built once, trained up to an epoch at a time.

The estimator resolves the parts (trainer, state, batches, validation set,
saver, lock) and hands them over; the run never sees the estimator. It trains
with ``run_to(epoch)``, which may pause and be called again, and ``close``
(or leaving its ``with`` block) waits for the last checkpoint and releases the
run folder's lock. Its state (a TrainingState) is what travels by value when a
paused run is continued elsewhere.
"""

from contextlib import ExitStack

from ._loop import EpochLoop


class TrainingRun:
    """One run: its trainer, state, batches, validation set, saver, lock and loop.

    Parameters
    ----------
    state : TrainingState
        What is trained and everything recorded so far; updated in place.
    trainer : Trainer
        Trains the inner estimator; built once per fit.
    monitor : StoppingMonitor or FixedEpochs
        The stopping rule.
    batches : EpochBatches
        The training rows of one epoch.
    validation : ValidationSet or None
        The held-out data; None when nothing is held out.
    tasks : EpochTasks
        scikit-learn's callbacks.
    reporter : callable
        ``reporter(first_epoch)`` makes the EpochReporter of one ``run_to``.
    seed : int or None
        Seeds the trainer's own random stream (a net's torch RNG).
    saver : CheckpointSaver, default=None
        Saves checkpoints; closed with the run.
    lock : RunLock, default=None
        The run folder's lock, held; released with the run.
    **loop_options
        ``schedules``, ``restore_best``, ``record_training_score`` of EpochLoop.
    """

    def __init__(
        self,
        *,
        state,
        trainer,
        monitor,
        batches,
        validation,
        tasks,
        reporter,
        seed,
        saver=None,
        lock=None,
        **loop_options,
    ):
        self.state = state
        self.trainer = trainer
        self.seed = seed
        self._resources = ExitStack()
        if lock is not None:
            self._resources.callback(lock.release)
        if saver is not None:
            self._resources.enter_context(saver)
        self.resumed_from = state.n_epochs
        self.loop = EpochLoop(
            state,
            trainer,
            monitor,
            batches,
            validation,
            tasks=tasks,
            reporter=reporter,
            saver=saver,
            **loop_options,
        )

    def run_to(self, epoch=None):
        """Train until stopped, or until ``epoch``; the Stop, or None when paused there."""
        with self.trainer.random_stream(self.state, self.seed):
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
