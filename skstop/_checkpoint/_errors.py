"""The errors and warnings of checkpointing."""


class CheckpointError(ValueError):
    """A checkpoint is missing, incomplete, altered or not signed by this user."""


class CheckpointKeyError(CheckpointError):
    """The checkpoint key cannot be used; the message names it and the fix."""


class NoMatchingCheckpointWarning(UserWarning):
    """warm_start found runs in checkpoint_dir, none of them of this configuration.

    A category of its own, so that a caller who shares one checkpoint_dir
    between many configurations on purpose (a search) can filter it.
    """
