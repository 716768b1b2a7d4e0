"""What the loop hands to checkpointing after each epoch, and on Ctrl-C."""

from .._state import input_attributes


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

    def after_epoch(self, state, *, improved, stop):
        """Save the state after an epoch if the policy says so."""
        if not self.policy.should_save(
            state.n_epochs, improved=improved, finished=stop is not None
        ):
            return
        # At an improvement the live estimator *is* the best: a snapshot that
        # already holds pickle bytes hands them over without a second dump.
        reuse = improved and state.best.holds_payload
        model_bytes = state.best.payload if reuse else self.trainer.dumps(state.estimator)
        record = state.to_manifest(
            None if stop is None else stop.condition,
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
            self.writer.save(state.best_iteration, record, state.best.payload, model_is_best=True)

    def close(self):
        """Wait for the last commit; re-raises its error."""
        self.writer.close()
