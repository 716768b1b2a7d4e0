"""Finding a run to continue, and loading a fitted estimator from its checkpoint."""

import logging
import warnings
from pathlib import Path

import joblib
import numpy as np
from sklearn.utils import _safe_indexing
from sklearn.utils.validation import _num_samples

from . import _split
from ._checkpoint import (
    KEY_VARIABLE,
    CheckpointError,
    NoMatchingCheckpointWarning,
    RunLock,
    UnsignedManifest,
    key_path,
    latest_checkpoint,
    manifests,
    remove_uncommitted,
    run_folders,
    signing_key,
)
from ._monitor import Stop
from ._state import TrainingState, set_fitted_attributes

logger = logging.getLogger("skstop")

# Parameters that say how to train or save, not what is trained: changing them
# still resumes the same run (e.g. a larger max_iter trains an old run further).
NOT_CONFIGURATION = {
    "checkpoint_dir",
    "checkpoint_every",
    "keep_last",
    "warm_start",
    "verbose",
    "max_iter",
}


def configuration_id(wrapper, X, y, X_val, y_val):
    """Hash of what is trained: parameters, the split's scheme, and a fingerprint of the data.

    The data part hashes shapes and 64 evenly spaced rows rather than every row,
    so that a memory-mapped X of many GB is not read whole to be fingerprinted.
    """
    params = {
        name: value
        for name, value in wrapper.get_params(deep=False).items()
        if name not in NOT_CONFIGURATION
    }
    data = (_fingerprint(data) for data in (X, y, X_val, y_val))
    return joblib.hash((_split.SPLIT_SCHEME, params, *data))[:16]


def _fingerprint(data):
    if data is None:
        return None
    n_samples = _num_samples(data)
    rows = np.unique(np.linspace(0, n_samples - 1, num=min(n_samples, 64)).astype(int))
    sample = _safe_indexing(data, rows)
    if hasattr(sample, "compute"):  # a dask array: hash values, not a task graph
        sample = sample.compute()
    return (type(data).__name__, getattr(data, "shape", n_samples), sample)


def find_resumable(checkpoint_dir, config, key):
    """The newest verified checkpoint of a run of ``config`` that no live fit holds.

    Returns
    -------
    found : tuple of (VerifiedManifest, RunLock) or None
        The manifest and the lock of its run folder, now held.
    unsigned : bool
        Whether runs of ``config`` were there but signed with another key only.

    Runs of ``config`` that no fit holds and that never committed hold nothing
    to resume and are removed on the way (only skstop's own files).
    """
    candidates, unsigned = [], False
    for folder in run_folders(checkpoint_dir, config):
        lock = RunLock.acquire(folder)
        if lock is None:  # a live fit owns it: a run of our own, then
            continue
        if not manifests(folder):
            remove_uncommitted(folder)
            lock.release()
            continue
        try:
            candidates.append((latest_checkpoint(folder, key=key), lock))
        except UnsignedManifest:
            unsigned = True
            lock.release()
        except CheckpointError:
            lock.release()
    if not candidates:
        return None, unsigned
    candidates.sort(key=lambda found: found[0].body["created"])
    for _, lock in candidates[:-1]:
        lock.release()
    return candidates[-1], False


def resolve_run_folder(path, key):
    """A run folder itself, or the most recently committed run inside a checkpoint_dir."""
    path = Path(path)
    if path.is_symlink() or not path.is_dir():
        raise CheckpointError(f"{path} is not a folder (symlinks are not followed).")
    if manifests(path):
        return path
    runs = run_folders(path)
    if not runs:
        raise CheckpointError(f"{path} holds no checkpoint.")
    if len(runs) == 1:
        return runs[0]
    newest = {}
    for folder in runs:
        try:
            newest[folder] = latest_checkpoint(folder, key=key).body["created"]
        except CheckpointError:
            continue
    if not newest:
        raise CheckpointError(f"None of the {len(runs)} run folders in {path} verifies.")
    chosen = max(newest, key=newest.get)
    warnings.warn(
        f"{path} holds {len(runs)} run folders; loading the one committed most "
        f"recently, {chosen.name}. Pass a run folder (a fit's checkpoint_path_) to "
        "choose another.",
        UserWarning,
    )
    return chosen


def load_checkpoint(path, *, trusted=False):
    """Load a fitted EarlyStoppingEstimator from its checkpoint folder.

    Parameters
    ----------
    path : str or path-like
        A run folder (a fit's ``checkpoint_path_``), or a ``checkpoint_dir``:
        when it holds several runs, the one committed most recently is loaded,
        with a warning naming it.

    trusted : bool, default=False
        Load a checkpoint whose manifest is not signed with this user's key
        (one copied from another machine or user). Sizes and SHA-256 hashes are
        still checked. Only pass True for checkpoints you trust: loading one
        unpickles it, which can run code.

    Returns
    -------
    estimator : EarlyStoppingEstimator
        Fitted from the newest checkpoint that verifies: ``estimator_`` is the
        best model so far (or the last with ``restore_best=False``), with
        ``validation_scores_``, ``best_iteration_`` and the other fitted
        attributes. A run that was still training reports
        ``termination_condition_ == 'interrupted'``.

    Raises
    ------
    CheckpointError
        When no checkpoint in the folder verifies (missing, corrupt, altered or
        unsigned files), with the reason for each, or when the newest was
        committed before any epoch could be kept as the best (inside the
        first epoch, or the ``min_iter`` warm-up).

    Examples
    --------
    >>> import tempfile
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import SGDClassifier
    >>> from skstop import EarlyStoppingEstimator, load_checkpoint
    >>> X, y = load_iris(return_X_y=True)
    >>> folder = tempfile.mkdtemp()
    >>> model = EarlyStoppingEstimator(
    ...     SGDClassifier(random_state=0), checkpoint_dir=folder, random_state=0
    ... ).fit(X, y)
    >>> loaded = load_checkpoint(folder)
    >>> bool((loaded.predict(X) == model.predict(X)).all())
    True
    """
    # Loading never creates a key: without one, nothing here can be this user's.
    key = None if trusted else signing_key(create=False)
    manifest = latest_checkpoint(resolve_run_folder(path, key), key=key)
    wrapper = manifest.load("wrapper")
    record = manifest.record
    state = TrainingState.from_manifest(manifest)
    if state.best is None:
        where = f"inside epoch {state.n_epochs + 1}" if state.position else "in the warm-up"
        raise CheckpointError(
            f"The newest checkpoint in {manifest.folder} was committed {where}, before any "
            "epoch could be kept as the best: there is no model to load yet. Fit again "
            "with warm_start=True to continue training from it."
        )
    if record["termination"] is None:
        stop = Stop(
            "interrupted",
            f"the run was still training at its last checkpoint (epoch {state.n_epochs})",
        )
    else:
        # Manifests before stop_reason was recorded name the condition only.
        stop = Stop(record["termination"], record["stop_reason"])
    set_fitted_attributes(wrapper, state, stop, inputs=record)
    return wrapper


def resume_run(previous, config, checkpoint_dir, key, *, unfinished=False):
    """What a warm start continues: ``(state, manifest, lock)``, or None to start over.

    ``previous`` is the in-memory state of the wrapper's last fit; without it
    (after an interruption or an error, ``unfinished``), the newest verified
    checkpoint of ``config`` in ``checkpoint_dir`` that no live fit holds (the
    trainer's own RNG is set as it committed it when training starts).
    ``manifest`` and
    ``lock`` are None when nothing on disk is continued.
    """
    if previous is not None:
        if previous.config != config:
            warnings.warn(
                "warm_start=True, but the parameters or the data differ from the "
                "previous fit's; training starts over.",
                UserWarning,
            )
            return None
        folder = previous.checkpoint_folder
        if checkpoint_dir is None or folder is None:
            return previous, None, None
        lock = RunLock.acquire(folder)
        if lock is None:
            warnings.warn(
                f"warm_start=True, but another fit now holds {folder}; this fit "
                "continues in a run folder of its own.",
                UserWarning,
            )
            return previous, None, None
        return previous, latest_checkpoint(folder, key=key), lock
    found, unsigned = (None, False)
    if checkpoint_dir is not None:
        found, unsigned = find_resumable(checkpoint_dir, config, key)
    if found is None:
        _warn_starting_over(checkpoint_dir, unsigned, unfinished)
        return None
    manifest, lock = found
    state = TrainingState.from_manifest(manifest)
    logger.info(
        "resumed %s from epoch %d (commit %d)", manifest.folder, state.n_epochs, manifest.commit
    )
    return state, manifest, lock


def _warn_starting_over(checkpoint_dir, unsigned, unfinished):
    if unsigned:
        reason = (
            f"the checkpoints of this configuration in {checkpoint_dir} are signed "
            f"with another key than this user's ({key_path()}), so they are not "
            f"resumed. Set ${KEY_VARIABLE} to the key that signed them to continue them"
        )
    elif unfinished:
        reason = (
            "the previous fit of this estimator did not finish (it raised or was "
            "interrupted), and no checkpoint of it can be continued"
        )
    elif checkpoint_dir is not None and run_folders(checkpoint_dir):
        # A first run in an empty folder is the normal case; other runs
        # there mean the user may have expected one of them to continue.
        warnings.warn(
            f"warm_start=True, but {checkpoint_dir} holds no checkpoint of this "
            "configuration (parameters and data); training starts over.",
            NoMatchingCheckpointWarning,
        )
        return
    else:
        return
    warnings.warn(f"warm_start=True, but {reason}; training starts over.", UserWarning)
