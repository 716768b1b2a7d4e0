"""Finding a run to continue, and loading a fitted estimator from its checkpoint."""

import shutil
import warnings
from pathlib import Path

import joblib
import numpy as np
from sklearn.utils import _safe_indexing
from sklearn.utils.validation import _num_samples

from .. import _split
from .._state import TrainingState, set_fitted_attributes
from ._store import MANIFEST, RUN_PREFIX, CheckpointError, latest_checkpoint, manifests

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


def run_folders(checkpoint_dir, config=None):
    """Run folders in ``checkpoint_dir`` (of one configuration when given)."""
    pattern = f"{RUN_PREFIX}{config or ''}*"
    return sorted(p for p in Path(checkpoint_dir).glob(pattern) if p.is_dir())


def find_resumable(checkpoint_dir, config):
    """The newest verified checkpoint of any run of ``config``, or None.

    Runs of ``config`` killed before their first commit hold nothing to resume
    and are removed on the way.
    """
    if not Path(checkpoint_dir).is_dir():
        return None
    candidates = []
    for folder in run_folders(checkpoint_dir, config):
        if not manifests(folder):
            shutil.rmtree(folder, ignore_errors=True)
            continue
        try:
            manifest = latest_checkpoint(folder)
        except CheckpointError:
            continue
        candidates.append((manifest.body["created"], manifest))
    return max(candidates, key=lambda c: c[0])[1] if candidates else None


def resolve_run_folder(path):
    """A run folder itself, or the single run folder inside a checkpoint_dir."""
    path = Path(path)
    if not path.is_dir():
        raise CheckpointError(f"{path} is not a folder.")
    if any(MANIFEST.fullmatch(p.name) for p in path.iterdir()):
        return path
    runs = run_folders(path)
    if len(runs) != 1:
        raise CheckpointError(
            f"{path} holds {len(runs)} run folders; pass one of them (e.g. {runs[0]})."
            if runs
            else f"{path} holds no checkpoint."
        )
    return runs[0]


def load_checkpoint(path, *, trusted=False):
    """Load a fitted EarlyStoppingEstimator from its checkpoint folder.

    Parameters
    ----------
    path : str or path-like
        A run folder, or a ``checkpoint_dir`` that holds exactly one run folder.

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
        unsigned files), with the reason for each.

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
    manifest = latest_checkpoint(resolve_run_folder(path), trusted=trusted)
    wrapper = manifest.load("wrapper")
    record = manifest.record
    set_fitted_attributes(
        wrapper,
        TrainingState.from_manifest(manifest),
        record["termination"] or "interrupted",
        inputs=record,
    )
    return wrapper


def resume_run(previous, config, checkpoint_dir, trainer):
    """The state a warm start continues and the manifest it continues, or None.

    ``previous`` is the in-memory state of the wrapper's last fit; without it
    (or after an interruption), the newest verified checkpoint of ``config``
    in ``checkpoint_dir``. The trainer's own RNG is set as that checkpoint
    committed it.
    """
    if previous is not None:
        if previous.config == config:
            manifest = None
            if checkpoint_dir is not None and previous.checkpoint_folder is not None:
                manifest = latest_checkpoint(previous.checkpoint_folder)
            return previous, manifest
        warnings.warn(
            "warm_start=True, but the parameters or the data differ from the "
            "previous fit's; training starts over.",
            UserWarning,
        )
        return None
    if checkpoint_dir is None:
        return None
    manifest = find_resumable(checkpoint_dir, config)
    if manifest is None:
        # A first run in an empty folder is the normal case; other runs
        # there mean the user may have expected one of them to continue.
        if run_folders(checkpoint_dir):
            warnings.warn(
                f"warm_start=True, but {checkpoint_dir} holds no checkpoint "
                "of this configuration (parameters and data); training starts "
                "over.",
                UserWarning,
            )
        return None
    state = TrainingState.from_manifest(manifest)
    trainer.set_rng_state(state.saved_trainer_rng)
    return state, manifest
