"""Durable checkpoint folders: one run folder per fit, signed manifests, resume.

Layout of ``checkpoint_dir``::

    run-<config>-<time>-<token>/     one per fit, so parallel fits never collide
        wrapper.joblib               the unfitted EarlyStoppingEstimator (its params)
        model-e000012.joblib         the inner estimator after epoch 12
        manifest-000004.json         commit 4: the epoch, the score history, RNG
                                     states, and name/size/SHA-256 of each file

Every ``*.joblib`` file is a plain pickle that ``joblib.load`` opens. A manifest
is written last, after the files it names, and is the commit marker: a file that
no verified manifest names, or whose hash differs from its manifest's, is never
unpickled. Manifests are signed (see ``_signing``).
"""

import hashlib
import io
import json
import platform
import re
import secrets
import shutil
import time
import warnings
from pathlib import Path

import joblib
import numpy as np
import sklearn
from sklearn.utils import _safe_indexing
from sklearn.utils.validation import _num_samples

from . import _split
from ._durable import (
    BackgroundWriter,
    atomic_write,
    make_private_folder,
    remove_temporary_files,
)
from ._signing import KEY_VARIABLE, is_signed, key_path, sign
from ._state import TrainingState

FORMAT = 1
RUN_PREFIX = "run-"
MANIFEST = re.compile(r"manifest-(\d{6})\.json")
# Parameters that say how to train or save, not what is trained: changing them
# still resumes the same run (e.g. a larger max_iter trains an old run further).
NOT_CONFIGURATION = {
    "checkpoint_dir", "checkpoint_every", "keep_last", "warm_start", "verbose",
    "max_iter",
}


class CheckpointError(ValueError):
    """A checkpoint is missing, incomplete, altered or not signed by this user."""


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


def _versions():
    from . import __version__

    return {
        "skstop": __version__,
        "sklearn": sklearn.__version__,
        "python": platform.python_version(),
    }


def _file_entry(name, data):
    return {"name": name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def _matches(entry, data):
    """Whether ``data`` has the size and SHA-256 a manifest recorded for it."""
    return _file_entry(entry["name"], data) == entry


class Checkpoint:
    """One committed, verified manifest and the run folder it lives in."""

    def __init__(self, folder, commit, body):
        self.folder, self.commit, self.body = Path(folder), commit, body

    @property
    def progress(self):
        return self.body["progress"]

    def load(self, role):
        """Unpickle the file the manifest names for ``role``, after re-checking it."""
        entry = self.body["files"][role]
        data = (self.folder / entry["name"]).read_bytes()
        if not _matches(entry, data):
            raise CheckpointError(
                f"{self.folder / entry['name']} changed after its manifest was "
                "verified; refusing to load it."
            )
        return joblib.load(io.BytesIO(data))


def _read_manifest(folder, path, trusted):
    """The body of ``path`` if it is signed and every file it names is intact."""
    try:
        envelope = json.loads(path.read_bytes())
        body_text, signature = envelope["body"], envelope["signature"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise CheckpointError(f"{path.name} is not a complete manifest ({error}).")
    if not trusted and not is_signed(body_text.encode(), signature):
        raise CheckpointError(
            f"{path.name} is not signed with this user's checkpoint key "
            f"({key_path()} or ${KEY_VARIABLE}): it was written by someone else, "
            "on another machine, or altered. Checkpoints are pickles and loading "
            "one runs code, so it is refused; pass trusted=True if you trust "
            "where it came from."
        )
    body = json.loads(body_text)
    for entry in body["files"].values():
        file = folder / entry["name"]
        if not file.is_file():
            raise CheckpointError(f"{path.name} names {entry['name']}, which is missing.")
        if not _matches(entry, file.read_bytes()):
            raise CheckpointError(
                f"{entry['name']} does not match the size and SHA-256 recorded in "
                f"{path.name}: it is corrupt or was altered."
            )
    return body


def _manifests(folder):
    """``(commit, path)`` of each manifest in ``folder``, newest first."""
    found = []
    for path in Path(folder).iterdir():
        match = MANIFEST.fullmatch(path.name)
        if match:
            found.append((int(match[1]), path))
    return sorted(found, reverse=True)


def latest_checkpoint(folder, *, trusted=False):
    """The newest checkpoint of a run folder that verifies, warning about newer ones that don't.

    Raises
    ------
    CheckpointError
        When no manifest in the folder verifies; the message lists why each failed.
    """
    folder = Path(folder)
    refusals = []
    for commit, path in _manifests(folder):
        try:
            body = _read_manifest(folder, path, trusted)
        except CheckpointError as error:
            refusals.append(str(error))
            continue
        if refusals:
            warnings.warn(
                "Skipped newer checkpoints that failed verification, using "
                f"{path.name}: " + " ".join(refusals),
                UserWarning,
            )
        return Checkpoint(folder, commit, body)
    reasons = " ".join(refusals) if refusals else "It holds no committed manifest."
    raise CheckpointError(f"No usable checkpoint in {folder}. {reasons}")


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
        if not _manifests(folder):
            shutil.rmtree(folder, ignore_errors=True)
            continue
        try:
            checkpoint = latest_checkpoint(folder)
        except CheckpointError:
            continue
        candidates.append((checkpoint.body["created"], checkpoint))
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
            f"{path} holds {len(runs)} run folders; pass one of them "
            f"(e.g. {runs[0]})." if runs else f"{path} holds no checkpoint."
        )
    return runs[0]


class CheckpointWriter:
    """Commits checkpoints of one run folder, each write in the background.

    The training loop only hands over bytes it has already captured; hashing,
    writing, fsync, the manifest and pruning of old checkpoints happen in a
    thread while the next epoch trains. One commit at a time is in flight.
    """

    def __init__(self, folder, *, keep_last, files, next_commit):
        self.folder = Path(folder)
        self.keep_last = keep_last
        self._files = dict(files)
        self._next_commit = next_commit
        self._writer = BackgroundWriter()
        self.best_epoch_saved = None

    @classmethod
    def start(cls, checkpoint_dir, config, wrapper_bytes, *, keep_last):
        """Create a new run folder; raises before training if it is not writable."""
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
        folder = Path(checkpoint_dir) / f"{RUN_PREFIX}{config}-{stamp}-{secrets.token_hex(4)}"
        try:
            make_private_folder(folder)
            atomic_write(folder / "wrapper.joblib", wrapper_bytes)
        except OSError as error:
            raise OSError(
                error.errno,
                f"checkpoint_dir {str(checkpoint_dir)!r} is not writable, so no "
                f"checkpoint could be saved ({error.strerror or error}); nothing was "
                "trained.",
            ) from error
        files = {"wrapper": _file_entry("wrapper.joblib", wrapper_bytes)}
        return cls(folder, keep_last=keep_last, files=files, next_commit=1)

    @classmethod
    def resume(cls, checkpoint, *, keep_last):
        remove_temporary_files(checkpoint.folder)
        writer = cls(
            checkpoint.folder,
            keep_last=keep_last,
            files=checkpoint.body["files"],
            next_commit=checkpoint.commit + 1,
        )
        writer.best_epoch_saved = checkpoint.progress["best_iteration"]
        return writer

    def add_file(self, role, data):
        """Write a file that every later manifest names (e.g. fitted preprocessing)."""
        self._writer.wait()
        name = f"{role}.joblib"
        atomic_write(self.folder / name, data)
        self._files[role] = _file_entry(name, data)

    def save(self, epoch, progress, model_bytes, *, model_is_best):
        """Commit the model after ``epoch``; ``model_is_best`` when it is the new best."""
        commit, self._next_commit = self._next_commit, self._next_commit + 1
        self._writer.submit(self._commit, commit, epoch, progress, model_bytes, model_is_best)
        if model_is_best:
            self.best_epoch_saved = epoch

    def close(self):
        self._writer.close()

    def _commit(self, commit, epoch, progress, model_bytes, model_is_best):
        name = f"model-e{epoch:06d}.joblib"
        atomic_write(self.folder / name, model_bytes)
        self._files["model"] = _file_entry(name, model_bytes)
        if model_is_best:
            self._files["best"] = self._files["model"]
        body = json.dumps(
            {
                "format": FORMAT,
                "commit": commit,
                "epoch": epoch,
                "created": time.time(),
                "versions": _versions(),
                "progress": progress,
                "files": self._files,
            },
            sort_keys=True,
        )
        envelope = json.dumps({"body": body, "signature": sign(body.encode())})
        atomic_write(self.folder / f"manifest-{commit:06d}.json", envelope.encode())
        self._prune()

    def _prune(self):
        """Keep the newest ``keep_last`` commits and the files they name."""
        manifests = _manifests(self.folder)
        for _, path in manifests[self.keep_last :]:
            path.unlink(missing_ok=True)
        # Only model files come and go; the wrapper and preprocessing files are
        # written once per run and named by every manifest.
        kept = set()
        for _, path in manifests[: self.keep_last]:
            body = json.loads(json.loads(path.read_bytes())["body"])
            kept.update(entry["name"] for entry in body["files"].values())
        for path in self.folder.glob("model-e*.joblib"):
            if path.name not in kept:
                path.unlink(missing_ok=True)


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
    checkpoint = latest_checkpoint(resolve_run_folder(path), trusted=trusted)
    wrapper = checkpoint.load("wrapper")
    progress = checkpoint.progress
    wrapper.n_features_in_ = progress["n_features_in"]
    if progress["feature_names_in"] is not None:
        wrapper.feature_names_in_ = np.asarray(progress["feature_names_in"], dtype=object)
    wrapper._finish(TrainingState.from_checkpoint(checkpoint), progress["termination"] or "interrupted")
    return wrapper
