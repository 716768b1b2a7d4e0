"""How checkpoints are written and verified: run folders, signed manifests.

A manifest is the commit marker, written last and signed; a file is believed
only through a manifest that verified (see ``VerifiedManifest``).
"""

import hashlib
import io
import json
import platform
import re
import secrets
import time
import warnings
from pathlib import Path

import joblib
import sklearn

from ._durable import (
    BackgroundWriter,
    atomic_write,
    make_private_folder,
    remove_temporary_files,
)
from ._signing import KEY_VARIABLE, is_signed, key_path, sign

FORMAT = 1
RUN_PREFIX = "run-"
MANIFEST = re.compile(r"manifest-(\d{6})\.json")


class CheckpointError(ValueError):
    """A checkpoint is missing, incomplete, altered or not signed by this user."""


def _versions():
    from .. import __version__

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


class VerifiedManifest:
    """One committed manifest that verified, and the run folder it lives in."""

    def __init__(self, folder, commit, body):
        self.folder, self.commit, self.body = Path(folder), commit, body

    @property
    def record(self):
        """The training state it committed (``TrainingState.to_manifest``)."""
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


def read_manifest(folder, path, trusted):
    """The body of ``path`` if it is signed and every file it names is intact."""
    try:
        envelope = json.loads(path.read_bytes())
        body_text, signature = envelope["body"], envelope["signature"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise CheckpointError(f"{path.name} is not a complete manifest ({error}).") from error
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


def manifests(folder):
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
    for commit, path in manifests(folder):
        try:
            body = read_manifest(folder, path, trusted)
        except CheckpointError as error:
            refusals.append(str(error))
            continue
        if refusals:
            warnings.warn(
                "Skipped newer checkpoints that failed verification, using "
                f"{path.name}: " + " ".join(refusals),
                UserWarning,
            )
        return VerifiedManifest(folder, commit, body)
    reasons = " ".join(refusals) if refusals else "It holds no committed manifest."
    raise CheckpointError(f"No usable checkpoint in {folder}. {reasons}")


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
    def resume(cls, manifest, *, keep_last):
        """Commit after ``manifest``, in its run folder."""
        remove_temporary_files(manifest.folder)
        writer = cls(
            manifest.folder,
            keep_last=keep_last,
            files=manifest.body["files"],
            next_commit=manifest.commit + 1,
        )
        writer.best_epoch_saved = manifest.record["best_iteration"]
        return writer

    def add_file(self, role, data):
        """Write a file that every later manifest names (e.g. fitted preprocessing)."""
        self._writer.wait()
        name = f"{role}.joblib"
        atomic_write(self.folder / name, data)
        self._files[role] = _file_entry(name, data)

    def save(self, epoch, record, model_bytes, *, model_is_best):
        """Commit the model after ``epoch``; ``model_is_best`` when it is the new best."""
        commit, self._next_commit = self._next_commit, self._next_commit + 1
        self._writer.submit(self._commit, commit, epoch, record, model_bytes, model_is_best)
        if model_is_best:
            self.best_epoch_saved = epoch

    def close(self):
        self._writer.close()

    def _commit(self, commit, epoch, record, model_bytes, model_is_best):
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
                "progress": record,
                "files": self._files,
            },
            sort_keys=True,
        )
        envelope = json.dumps({"body": body, "signature": sign(body.encode())})
        atomic_write(self.folder / f"manifest-{commit:06d}.json", envelope.encode())
        self._prune()

    def _prune(self):
        """Keep the newest ``keep_last`` commits and the files they name."""
        committed = manifests(self.folder)
        for _, path in committed[self.keep_last :]:
            path.unlink(missing_ok=True)
        # Only model files come and go; the wrapper and preprocessing files are
        # written once per run and named by every manifest.
        kept = set()
        for _, path in committed[: self.keep_last]:
            body = json.loads(json.loads(path.read_bytes())["body"])
            kept.update(entry["name"] for entry in body["files"].values())
        for path in self.folder.glob("model-e*.joblib"):
            if path.name not in kept:
                path.unlink(missing_ok=True)
