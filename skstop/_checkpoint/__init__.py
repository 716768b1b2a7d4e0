"""Durable checkpoints: when to save, how to write and verify, how to resume.

Layout of ``checkpoint_dir``::

    run-<config>-<time>-<token>/     one per fit, so parallel fits never collide
        .skstop-lock                 flock'ed by the fit that owns the folder
        wrapper.joblib               the unfitted EarlyStoppingEstimator (its params)
        model-e000012.joblib         the model after epoch 12 (a Pipeline: all of it)
        manifest-000004.json         commit 4: the epoch, the score history, RNG
                                     states, and name/size/SHA-256 of each file
    search-<id>.json                 an EpochHalvingSearchCV's finished rungs (signed
                                     JSON, see ``_rungs``), when it runs with checkpoints

Every ``*.joblib`` file is a plain pickle that ``joblib.load`` opens. A manifest
is written last, after the files it names, and is the commit marker: a file that
no verified manifest names, or whose hash differs from its manifest's, is never
unpickled. Manifests are signed (see ``_signing``).
"""

from ._errors import CheckpointError, NoMatchingCheckpointWarning
from ._policy import SavePolicy
from ._resume import configuration_id, load_checkpoint, resume_run, run_folders
from ._saver import CheckpointSaver
from ._signing import signing_key
from ._store import CheckpointWriter, latest_checkpoint

__all__ = [
    "CheckpointError",
    "CheckpointSaver",
    "CheckpointWriter",
    "NoMatchingCheckpointWarning",
    "SavePolicy",
    "configuration_id",
    "latest_checkpoint",
    "load_checkpoint",
    "resume_run",
    "run_folders",
    "signing_key",
]
