"""What the loop hands to checkpointing after each epoch, and on Ctrl-C."""

import warnings

from sklearn.pipeline import Pipeline

from ._state import input_attributes


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

    def after_epoch(self, state, *, improved, stop, pausing=False):
        """Save the state after an epoch if the policy says so.

        ``pausing``: the run pauses after this epoch, to be continued later.
        """
        if not self.policy.should_save(
            state.n_epochs, improved=improved, finished=stop is not None or pausing
        ):
            return
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
