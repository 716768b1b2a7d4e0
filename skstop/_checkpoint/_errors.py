"""The errors of checkpointing."""


class CheckpointError(ValueError):
    """A checkpoint is missing, incomplete, altered or not signed by this user."""


class CheckpointKeyError(CheckpointError):
    """The checkpoint key cannot be used; the message names it and the fix."""
