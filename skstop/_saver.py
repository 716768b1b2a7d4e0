"""What the loop hands to checkpointing after each epoch and on Ctrl-C, and how a fit opens it."""

import pickle
import warnings

import sklearn
from sklearn.base import clone
from sklearn.pipeline import Pipeline

from ._checkpoint import CheckpointWriter, SavePolicy
from ._state import input_attributes
from ._version import __version__


class CheckpointSaver:
    """Saves a fit's state through its writer whenever the policy says so.

    Parameters
    ----------
    writer : CheckpointWriter
        Commits the files of the fit's run folder.
    policy : SavePolicy
        When to save.
    trainer : Trainer
        Pickles the live estimator and reads its RNG.
    wrapper : EarlyStoppingEstimator
        The estimator being fitted; its input attributes go in every manifest.
    """

    def __init__(self, writer, policy, trainer, wrapper):
        self.writer = writer
        self.policy = policy
        self.trainer = trainer
        self._inputs = input_attributes(wrapper)
        estimator = wrapper.estimator
        self._last_step = estimator.steps[-1][0] if isinstance(estimator, Pipeline) else None

    def due(self, state, *, improved, stop, pausing=False):
        """Whether the policy saves the state after this epoch.

        ``pausing``: the run pauses after this epoch, to be continued later.
        """
        return self.policy.should_save(
            state.n_epochs, improved=improved, finished=stop is not None or pausing
        )

    def save(self, state, *, improved, stop):
        """Commit the state after its last epoch (in the background)."""
        # At an improvement the live estimator *is* the best: a snapshot that
        # already holds pickle bytes hands them over without a second dump.
        if improved and state.best.holds_payload and self._last_step is None:
            model_bytes = state.best.payload
        else:
            model_bytes = self._model_bytes(state, state.estimator)
        record = state.to_manifest(
            stop,
            trainer_rng=self.trainer.rng_state(),
            **self._inputs,
        )
        self.writer.save(state.n_epochs, record, model_bytes, model_is_best=improved)

    def save_best_if_unsaved(self, state):
        """Commit the best epoch as a resume point of its own, if it is not saved yet.

        Ctrl-C may land between an improvement and its save; the commit holds
        that epoch's scores and RNG as they were.
        """
        if self.writer.best_epoch_saved != state.best_iteration:
            record = state.to_manifest(None, trainer_rng=None, at_best=True, **self._inputs)
            best = state.best.payload if self._last_step is None else None
            model_bytes = best or self._model_bytes(state, state.best.restore())
            self.writer.save(state.best_iteration, record, model_bytes, model_is_best=True)

    def _model_bytes(self, state, estimator):
        """The model file: what predicts on the user's X (for a Pipeline, all of it)."""
        if self._last_step is not None:
            estimator = Pipeline([*state.preprocessing.steps, (self._last_step, estimator)])
        return self.trainer.dumps(estimator)

    def close(self):
        """Wait for the last commit; re-raises its error."""
        self.writer.close()

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
    saver = CheckpointSaver(writer, SavePolicy(wrapper.checkpoint_every), trainer, wrapper)
    if state.preprocessing is not None:
        try:
            writer.add_file("preprocessing", pickle.dumps(state.preprocessing))
        except BaseException:
            saver.close()
            raise
    return saver


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
