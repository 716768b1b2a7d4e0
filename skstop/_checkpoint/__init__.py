"""Durable, signed checkpoints: a storage library that imports nothing else of skstop.

Names in a checkpoint_dir are built and parsed in ``_paths`` (the layout is
described there); signed JSON (manifests, rung records) in ``_envelope``;
when to save and what to keep in ``_policy``; crash-safe writes in
``_durable``; keys and signatures in ``_signing``; one live owner per run
folder in ``_lock``; run folders and their manifests in ``_store``; a halving
search's rung record in ``_rungs``.

Every ``*.joblib`` file is a plain pickle that ``joblib.load`` opens. A manifest
is written last, after the files it names, and is the commit marker: a file that
no verified manifest names, or whose hash differs from its manifest's, is never
unpickled. What it means to resume a fit from a manifest is decided above this
package (``skstop._resume``).
"""

from ._errors import CheckpointError, NoMatchingCheckpointWarning
from ._lock import RunLock
from ._paths import manifests, model_file_name, run_folders
from ._policy import (
    Adaptive,
    Every,
    KeepLatest,
    Moment,
    OnImprovement,
    SaveClock,
    SavePolicy,
    batch_period,
    check_policy,
    save_policy,
)
from ._rungs import RungRecord
from ._signing import KEY_VARIABLE, key_path, signing_key
from ._store import (
    CheckpointWriter,
    UnsignedManifest,
    VerifiedManifest,
    latest_checkpoint,
    remove_uncommitted,
)

__all__ = [
    "KEY_VARIABLE",
    "Adaptive",
    "Every",
    "Moment",
    "OnImprovement",
    "SaveClock",
    "batch_period",
    "check_policy",
    "save_policy",
    "CheckpointError",
    "CheckpointWriter",
    "KeepLatest",
    "NoMatchingCheckpointWarning",
    "RunLock",
    "RungRecord",
    "SavePolicy",
    "UnsignedManifest",
    "VerifiedManifest",
    "key_path",
    "latest_checkpoint",
    "manifests",
    "model_file_name",
    "remove_uncommitted",
    "run_folders",
    "signing_key",
]
