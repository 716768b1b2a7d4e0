"""What the loop hands to checkpointing after each epoch and on Ctrl-C, and how a fit opens it."""

import os
import pickle
import time
import warnings

import sklearn
from sklearn.base import clone
from sklearn.pipeline import Pipeline

from ._checkpoint import (
    CheckpointWriter,
    Moment,
    SaveClock,
    batch_period,
    check_policy,
    save_policy,
)
from ._state import input_attributes
from ._version import __version__

# Bytes a second a save is assumed to write before one is measured: slower
# than local SSDs, so that the first save comes late rather than too early.
ASSUMED_WRITE_SPEED = 100e6


class CheckpointSaver:
    """Saves a fit's state through its writer whenever the policy says so.

    Parameters
    ----------
    writer : CheckpointWriter
        Commits the files of the fit's run folder.
    policy : SavePolicy
        When to save, besides the fit's end.
    trainer : Trainer
        Pickles the live estimator and reads its RNG.
    wrapper : EarlyStoppingEstimator
        The estimator being fitted; its input attributes go in every manifest.
    clock : SaveClock
        What saving has cost this fit so far; started as the run folder was.
    """

    def __init__(self, writer, policy, trainer, wrapper, clock):
        self.writer = writer
        self.policy = policy
        self.trainer = trainer
        self.clock = clock
        self._start_cost = clock.estimated_cost
        self._inputs = input_attributes(wrapper)
        estimator = wrapper.estimator
        self._last_step = estimator.steps[-1][0] if isinstance(estimator, Pipeline) else None

    def due(self, state, *, improved, stop, pausing=False):
        """Whether the state after this epoch is saved: when the policy says, and at the end.

        ``pausing``: the run pauses after this epoch, to be continued later.
        """
        if stop is not None or pausing:
            return True
        moment = Moment(True, improved, state.n_epochs, state.batches_trained)
        return self.policy.should_save(moment, self.clock)

    def due_between_batches(self, state):
        """Whether the policy saves the state here, inside an epoch."""
        moment = Moment(False, False, state.n_epochs, state.batches_trained)
        return self.policy.should_save(moment, self.clock)

    def note_snapshot(self, snapshot, seconds):
        """Capturing the best state took ``seconds``: the cost of a save, until one is measured.

        About what the capture took (pickling) plus writing its bytes at
        ``ASSUMED_WRITE_SPEED``, plus the fixed cost measured when the run
        folder was opened.
        """
        if self.clock.last_cost is None:
            write = snapshot.nbytes / ASSUMED_WRITE_SPEED
            self.clock.estimated_cost = self._start_cost + seconds + write

    def save(self, state, *, improved, stop):
        """Commit the state as it is now (in the background); the best too, if not on disk yet.

        Inside an epoch (``state.position``) the live estimator is saved
        with its place in the epoch.
        """
        started = time.perf_counter()
        # At an improvement the live estimator *is* the best: a snapshot that
        # already holds pickle bytes hands them over without a second dump.
        if improved and state.best.holds_payload and self._last_step is None:
            model_bytes = state.best.payload
        else:
            model_bytes = self._model_bytes(state, state.estimator)
        best_bytes = None
        if not improved and self._best_unsaved(state):
            best_bytes = self._best_bytes(state)
        record = state.to_manifest(
            stop,
            trainer_rng=self.trainer.rng_state(),
            checkpoint_stats=self.stats(),
            **self._inputs,
        )
        position = state.position
        self.writer.save(
            state.n_epochs,
            record,
            model_bytes,
            model_is_best=improved,
            best_bytes=best_bytes,
            batches=None if position is None else position.batches,
        )
        self._count(started)

    def save_best_if_unsaved(self, state):
        """Commit the best epoch as a resume point of its own, if it is not saved yet.

        Ctrl-C (or SIGTERM inside an epoch that is one call) may land between
        an improvement and its save; the commit holds that epoch's scores and
        RNG as they were.
        """
        if self._best_unsaved(state):
            started = time.perf_counter()
            record = state.to_manifest(
                None, trainer_rng=None, at_best=True, checkpoint_stats=self.stats(), **self._inputs
            )
            self.writer.save(
                state.best_iteration, record, self._best_bytes(state), model_is_best=True
            )
            self._count(started)

    def flush(self):
        """Wait until the last commit is durable."""
        started = time.perf_counter()
        self.writer.flush()
        self.clock.blocked += time.perf_counter() - started

    def stats(self):
        """``checkpoint_stats_``: saves, seconds blocked and in background, overhead, interval."""
        clock = self.clock
        clock.background = self.writer.background_seconds
        wall = clock.elapsed()
        return {
            "saves": clock.saves,
            "blocked_seconds": clock.blocked,
            "background_seconds": clock.background,
            "wall_seconds": wall,
            "overhead": clock.spent / wall,
            "interval_seconds": self.policy.interval(clock),
        }

    def _count(self, started):
        self.clock.record_save(started, self.writer.background_seconds)

    def _best_unsaved(self, state):
        return state.best is not None and self.writer.best_epoch_saved != state.best_iteration

    def _best_bytes(self, state):
        best = state.best.payload if self._last_step is None else None
        return best or self._model_bytes(state, state.best.restore())

    def _model_bytes(self, state, estimator):
        """The model file: what predicts on the user's X (for a Pipeline, all of it)."""
        if self._last_step is not None:
            estimator = Pipeline([*state.preprocessing.steps, (self._last_step, estimator)])
        return self.trainer.dumps(estimator)

    def close(self):
        """Wait for the last commit; re-raises its error."""
        started = time.perf_counter()
        try:
            self.writer.close()
        finally:
            self.clock.blocked += time.perf_counter() - started
            self.clock.background = self.writer.background_seconds

    def __enter__(self):
        return self

    def __exit__(self, exc_type, error, traceback):
        """Close; when the fit raised, its error comes first and a failed write is said beside it.

        A full disk must not hide why training failed (the estimator's own
        error would be left in ``__context__``).
        """
        if error is None:
            self.close()
            return
        try:
            self.close()
        except Exception as write_error:
            warnings.warn(
                f"Saving the last checkpoint failed as well: {type(write_error).__name__}: "
                f"{write_error}",
                UserWarning,
            )


def open_saver(wrapper, state, manifest, lock, trainer, key):
    """The saver of this fit's checkpoints, or None without checkpoint_dir.

    Opened after the split, so that data the split refuses leaves no run
    folder behind, and before the first epoch, so that an unwritable
    folder is reported before any training.
    """
    if wrapper.checkpoint_dir is None:
        return None
    clock = SaveClock()
    versions = {"skstop": __version__, "sklearn": sklearn.__version__}
    if manifest is not None:
        writer = CheckpointWriter.resume(
            manifest, lock, key, keep_last=wrapper.keep_last, versions=versions
        )
    else:
        writer = CheckpointWriter.start(
            wrapper.checkpoint_dir,
            state.config,
            pickled_parameters(clone(wrapper)),
            key,
            keep_last=wrapper.keep_last,
            versions=versions,
        )
        state.checkpoint_folder = writer.folder
    if state.preprocessing is not None:
        try:
            writer.add_file("preprocessing", pickle.dumps(state.preprocessing))
        except BaseException:
            writer.close()
            raise
    # Opening the run folder wrote a small file durably: the fixed cost of any
    # save, the estimate of one until the first is measured.
    clock.blocked = clock.estimated_cost = clock.elapsed()
    return CheckpointSaver(writer, save_policy(wrapper.checkpoint_every), trainer, wrapper, clock)


def pickled_parameters(wrapper):
    """The wrapper's bytes for its run folder; a clear error if it cannot be pickled."""
    try:
        return pickle.dumps(wrapper, protocol=5)
    except (pickle.PicklingError, AttributeError, TypeError) as error:
        reason = str(error).splitlines()[0][:200]
        raise ValueError(
            f"checkpoint_dir and warm_start need the estimator to be picklable, and it is "
            f"not ({reason}). A lambda (in a FunctionTransformer, say) cannot be pickled: "
            "use a function defined at module level, or leave checkpoint_dir=None and "
            "warm_start=False."
        ) from None


def check_saving(wrapper, trainer):
    """Raise a ValueError, before anything is trained or written, for saving that cannot work."""
    policy = wrapper.checkpoint_every
    if policy is not None and wrapper.checkpoint_dir is None:
        raise ValueError(
            f"checkpoint_every={policy!r} was set, but checkpoint_dir is None: pass the "
            "folder to save checkpoints in (e.g. checkpoint_dir='checkpoints')."
        )
    policy = save_policy(policy)
    check_policy(policy)
    period = batch_period(policy)
    if period is not None and not trainer.pauses_between_batches(wrapper.batch_size):
        raise ValueError(
            f"checkpoint_every={policy!r} saves between batches, but each epoch of "
            f"{type(trainer.estimator).__name__} is one call, with no batch to save "
            "between: set batch_size (rows per partial_fit call), or save by epochs or "
            "seconds instead. (A skorch net with an iterator of its own cannot continue "
            "inside an epoch either.)"
        )
    if wrapper.checkpoint_dir is not None or wrapper.warm_start:
        pickled_parameters(clone(wrapper))  # runs are identified and saved by these bytes
    if wrapper.checkpoint_dir is not None and not os.fspath(wrapper.checkpoint_dir):
        raise ValueError(
            "checkpoint_dir='' is an empty path, which would put run folders in the "
            "current directory; pass a folder (e.g. 'checkpoints'), or None to save "
            "no checkpoints."
        )
