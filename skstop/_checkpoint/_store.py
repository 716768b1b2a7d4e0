"""How checkpoints are written and verified: run folders, signed manifests.

A manifest is the commit marker, written last and signed; a file is believed
only through a manifest that verified (see ``VerifiedManifest``).
"""

import hashlib
import io
import json
import os
import platform
import time
import warnings
from pathlib import Path

import joblib

from ._durable import (
    BackgroundWriter,
    atomic_write,
    fsync_folder,
    make_private_folder,
    read_file,
    remove_temporary_files,
    write_durably,
)
from ._envelope import EnvelopeError, UnsignedEnvelope, read_envelope, write_envelope
from ._errors import CheckpointError, CheckpointKeyError
from ._lock import RunLock
from ._paths import (
    LOCK_NAME,
    manifest_name,
    manifests,
    model_file_name,
    new_run_folder,
    role_file_name,
    run_config,
    temporary_name,
)
from ._policy import KeepLatest
from ._signing import KEY_VARIABLE, key_path

FORMAT = 1


class UnsignedManifest(CheckpointError):
    """A manifest whose signature is not this user's key's.

    ``names`` are the manifests' file names; ``unsigned_reason(names)`` says
    why such manifests are refused, once for all of them.
    """

    def __init__(self, names, message=None):
        self.names = list(names)
        super().__init__(message or unsigned_reason(self.names))


def unsigned_reason(names):
    """Why manifests ``names`` (not signed with this user's key) are refused, in one sentence."""
    listed = ", ".join(names)
    return (
        f"{listed} {'is' if len(names) == 1 else 'are'} not signed with this user's "
        f"checkpoint key ({_key_location()}): written by someone else, on another "
        "machine, or altered. Checkpoints are pickles and loading one runs code, so "
        f"{'it is' if len(names) == 1 else 'they are'} refused; pass trusted=True if you "
        "trust where they came from."
    )


def _reasons(refusals):
    """The refusals' messages, the unsigned manifests' said once for all of them."""
    unsigned = [name for e in refusals if isinstance(e, UnsignedManifest) for name in e.names]
    others = [str(error) for error in refusals if not isinstance(error, UnsignedManifest)]
    return " ".join(others + ([unsigned_reason(unsigned)] if unsigned else []))


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
    def path(self):
        return self.folder / manifest_name(self.commit)

    @property
    def record(self):
        """The training state it committed (``TrainingState.to_manifest``)."""
        return self.body["progress"]

    def load(self, role):
        """Unpickle the file the manifest names for ``role``, after re-checking it."""
        entry = self.body["files"][role]
        data = read_file(self.folder / entry["name"])
        if not _matches(entry, data):
            raise CheckpointError(
                f"{self.folder / entry['name']} changed after its manifest was "
                "verified; refusing to load it."
            )
        return joblib.load(io.BytesIO(data))


def read_manifest(folder, path, key):
    """The body of ``path`` if it is well-formed, signed, and every file it names is intact.

    ``key`` is this user's signing key, or None to accept any signature
    (``trusted=True``); names, sizes and hashes are checked either way.

    Raises
    ------
    CheckpointError
        Why the manifest cannot be believed (``UnsignedManifest`` for a
        signature that is not ``key``'s).
    """
    try:
        body_text = read_envelope(path, key)
    except (OSError, EnvelopeError) as error:
        raise CheckpointError(f"{path.name} is not a complete manifest ({error}).") from error
    except UnsignedEnvelope:
        raise UnsignedManifest([path.name]) from None
    body = _well_formed(path, body_text)
    config = run_config(folder)
    if config and body["progress"].get("config") != config:
        raise CheckpointError(
            f"{path.name} belongs to configuration {body['progress'].get('config')}, "
            f"not to {config} as its run folder's name says: the folder was renamed "
            "or its files were moved in."
        )
    for entry in body["files"].values():
        file = folder / entry["name"]
        if file.is_symlink() or not file.is_file():
            raise CheckpointError(
                f"{path.name} names {entry['name']}, which is missing or not a regular file."
            )
        if not _matches(entry, read_file(file)):
            raise CheckpointError(
                f"{entry['name']} does not match the size and SHA-256 recorded in "
                f"{path.name}: it is corrupt or was altered."
            )
    return body


def _key_location():
    try:
        return f"{key_path()} or ${KEY_VARIABLE}"
    except CheckpointKeyError:
        return f"${KEY_VARIABLE}"


def _well_formed(path, body_text):
    """The manifest body, if it has the fields and types skstop writes."""
    try:
        body = json.loads(body_text)
        files, progress = body["files"], body["progress"]
        if not isinstance(files, dict) or not isinstance(progress, dict):
            raise TypeError("files and progress must be objects")
        for entry in files.values():
            if not (
                isinstance(entry, dict)
                and isinstance(entry.get("size"), int)
                and isinstance(entry.get("sha256"), str)
            ):
                raise TypeError(f"file entry {entry!r} lacks a size or a SHA-256")
            _check_plain_name(entry.get("name"))
    except (ValueError, KeyError, TypeError) as error:
        raise CheckpointError(f"{path.name} is not a complete manifest ({error}).") from error
    return body


def _check_plain_name(name):
    """Refuse a file name that could point outside its run folder."""
    if (
        not isinstance(name, str)
        or name in ("", ".", "..")
        or "/" in name
        or "\\" in name
        or "\0" in name
        or os.path.isabs(name)
    ):
        raise ValueError(f"file name {name!r} is not a plain name inside the run folder")


def verified_manifests(folder, key):
    """Every manifest of ``folder`` that verifies, newest first, and why the others don't.

    Returns
    -------
    verified : list of VerifiedManifest
    refusals : list of CheckpointError
    """
    folder = Path(folder)
    verified, refusals = [], []
    for commit, path in manifests(folder):
        try:
            verified.append(VerifiedManifest(folder, commit, read_manifest(folder, path, key)))
        except CheckpointError as error:
            error.commit = commit
            refusals.append(error)
    return verified, refusals


def latest_checkpoint(folder, *, key):
    """The newest manifest of a run folder that verifies, warning about those that don't.

    ``key`` as for ``read_manifest``. A manifest that fails is skipped, named
    in one warning, and never ranks above one that verifies.

    Raises
    ------
    CheckpointError
        When no manifest in the folder verifies; the message lists why each failed
        (an ``UnsignedManifest`` when they all failed on their signature).
    """
    folder = Path(folder)
    verified, refusals = verified_manifests(folder, key)
    if verified:
        newest = verified[0]
        newer = [e for e in refusals if e.commit > newest.commit]
        older = [e for e in refusals if e.commit < newest.commit]
        if refusals:
            warnings.warn(
                (
                    f"Skipped newer checkpoints that failed verification, using "
                    f"{newest.path.name}: " + _reasons(newer)
                    if newer
                    else f"Using {newest.path.name}."
                )
                + (" Also skipped: " + _reasons(older) if older else ""),
                UserWarning,
            )
        return newest
    message = f"No usable checkpoint in {folder}. " + (
        _reasons(refusals) or "It holds no committed manifest."
    )
    if refusals and all(isinstance(error, UnsignedManifest) for error in refusals):
        raise UnsignedManifest([name for error in refusals for name in error.names], message)
    raise CheckpointError(message)


def remove_uncommitted(folder):
    """Remove a run folder that no fit holds and that never committed.

    Only skstop's temporary files and the lock file are deleted; a folder that
    holds anything else (a user's file, say) is left as it is.
    """
    remove_temporary_files(folder)
    (Path(folder) / LOCK_NAME).unlink(missing_ok=True)
    try:
        Path(folder).rmdir()
    except OSError:
        pass


class CheckpointWriter:
    """Commits checkpoints of one run folder, each write in the background.

    The writer holds the folder's lock from start to ``close``: no other fit
    writes there or deletes from it meanwhile. The training loop only hands over
    bytes it has already captured; hashing, writing, fsync, the manifest and
    pruning of old checkpoints happen in a thread while the next epoch trains.
    One commit at a time is in flight. Files that every manifest names (the
    wrapper, fitted preprocessing) wait under temporary names until the first
    commit, so a run folder that never committed holds nothing but temporary
    files. Pruning deletes only what this writer committed or verified.

    Parameters
    ----------
    folder : path-like
        The run folder.
    lock : RunLock
        Its lock, held; released by ``close``.
    key : bytes
        Signs the manifests.
    keep_last : int
        Manifests kept (with the files they name: the best model among them).
    versions : dict
        The software that wrote the run (name: version), recorded in each manifest.
    committed : list of VerifiedManifest, default=()
        The run's verified manifests, when it is resumed.
    """

    def __init__(self, folder, lock, key, *, keep_last, versions, committed=()):
        self.folder = Path(folder)
        self.keep = KeepLatest(keep_last)
        self._versions = {**versions, "python": platform.python_version()}
        self._lock = lock
        self._key = key
        self._committed = [(m.commit, m.body["files"]) for m in sorted(committed, key=_commit)]
        self._files = dict(self._committed[-1][1]) if self._committed else {}
        numbers = [commit for commit, _ in manifests(self.folder)]
        self._next_commit = max(numbers, default=0) + 1
        self._pending = {}
        self._writer = BackgroundWriter()
        self.best_epoch_saved = None

    @classmethod
    def start(cls, checkpoint_dir, config, wrapper_bytes, key, *, keep_last, versions):
        """Create a new run folder; raises before training if it is not writable."""
        folder = new_run_folder(checkpoint_dir, config)
        try:
            make_private_folder(folder.parent)
            folder.mkdir(mode=0o700)
            lock = RunLock.acquire(folder)
        except OSError as error:
            if folder.is_dir():
                remove_uncommitted(folder)
            raise _not_writable(checkpoint_dir, error) from error
        writer = cls(folder, lock, key, keep_last=keep_last, versions=versions)
        try:
            writer.add_file("wrapper", wrapper_bytes)
        except BaseException as error:
            writer.close()  # never committed: removes the folder, releases the lock
            if isinstance(error, OSError):
                raise _not_writable(checkpoint_dir, error) from error
            raise
        return writer

    @classmethod
    def resume(cls, manifest, lock, key, *, keep_last, versions):
        """Commit after ``manifest``, in its run folder, whose ``lock`` is held."""
        remove_temporary_files(manifest.folder)
        verified, _ = verified_manifests(manifest.folder, key)
        writer = cls(
            manifest.folder, lock, key, keep_last=keep_last, versions=versions, committed=verified
        )
        writer.best_epoch_saved = manifest.record["best_iteration"]
        return writer

    def add_file(self, role, data):
        """Write a file that every later manifest names (e.g. fitted preprocessing).

        Before the first commit it stays under a temporary name (durable, but
        deletable as skstop's own), and takes its name with that commit.
        """
        self._writer.wait()
        name = role_file_name(role)
        if self._committed:
            atomic_write(self.folder / name, data)
        else:
            self._pending[name] = _durable_draft(self.folder / name, data)
        self._files[role] = _file_entry(name, data)

    def save(self, epoch, record, model_bytes, *, model_is_best, best_bytes=None, batches=None):
        """Commit the model after ``epoch`` (``batches`` into the next one, when given).

        ``model_is_best`` when it is the new best; else ``best_bytes``, when
        given, is the best model (epoch ``record["best_iteration"]``), not on
        disk yet, and is written with it.
        """
        commit, self._next_commit = self._next_commit, self._next_commit + 1
        best_epoch = epoch if model_is_best else record["best_iteration"]
        captured = time.time()
        self._writer.submit(
            self._commit,
            commit,
            epoch,
            record,
            model_bytes,
            model_is_best,
            best_bytes,
            batches,
            captured,
        )
        if model_is_best or best_bytes is not None:
            self.best_epoch_saved = best_epoch

    @property
    def background_seconds(self):
        """CPU seconds the background writes that completed took."""
        return self._writer.busy_seconds

    def flush(self):
        """Wait until the commit in flight is durable; re-raises its error."""
        self._writer.wait()

    def close(self):
        """Wait for the last commit; a run that never committed leaves no folder."""
        try:
            self._writer.close()
        finally:
            if not self._committed:
                remove_uncommitted(self.folder)
            self._lock.release()

    def _commit(
        self, commit, epoch, record, model_bytes, model_is_best, best_bytes, batches, captured
    ):
        for name, draft in self._pending.items():
            os.replace(draft, self.folder / name)
        if self._pending:
            fsync_folder(self.folder)
            self._pending = {}
        if best_bytes is not None:
            best_name = model_file_name(record["best_iteration"])
            atomic_write(self.folder / best_name, best_bytes)
            self._files["best"] = _file_entry(best_name, best_bytes)
        name = model_file_name(epoch, batches)
        atomic_write(self.folder / name, model_bytes)
        self._files["model"] = _file_entry(name, model_bytes)
        if model_is_best:
            self._files["best"] = self._files["model"]
        body = {
            "format": FORMAT,
            "commit": commit,
            "epoch": epoch,
            "captured": captured,  # when the state was handed over; "created": committed
            "created": time.time(),
            "versions": self._versions,
            "progress": record,
            "files": self._files,
        }
        write_envelope(self.folder / manifest_name(commit), body, self._key)
        self._committed.append((commit, dict(self._files)))
        self._prune()

    def _prune(self):
        """Keep the commits the keep policy keeps, and the files they name.

        Only manifests this writer committed or verified, and model files they
        name, are deleted; anything else in the folder is left alone.
        """
        kept, dropped = self.keep.split(self._committed)
        self._committed = kept
        in_use = {entry["name"] for _, files in kept for entry in files.values()}
        for commit, files in dropped:
            (self.folder / manifest_name(commit)).unlink(missing_ok=True)
            for entry in files.values():
                if entry["name"] not in in_use:
                    (self.folder / entry["name"]).unlink(missing_ok=True)


def _not_writable(checkpoint_dir, error):
    return OSError(
        error.errno,
        f"checkpoint_dir {str(checkpoint_dir)!r} is not writable, so no "
        f"checkpoint could be saved ({error.strerror or error}); nothing was "
        "trained.",
    )


def _commit(manifest):
    return manifest.commit


def _durable_draft(path, data):
    """``data`` written and fsync'ed under a temporary name beside ``path``; that name."""
    draft = temporary_name(path)
    write_durably(draft, data)
    fsync_folder(path.parent)
    return draft
