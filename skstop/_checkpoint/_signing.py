"""HMAC-SHA256 signatures for checkpoint manifests, keyed by a per-user secret.

A hash beside a file catches corruption, not someone who rewrites the manifest
too; checkpoints are pickles, and loading one runs code. So each manifest is
signed with a secret kept outside the checkpoint folder, as Jupyter signs the
notebooks it trusts. The secret is made on first use by a fit, readable by its
owner only, in ``$XDG_CONFIG_HOME/skstop/checkpoint_key`` (``~/.config`` by
default; a relative ``XDG_CONFIG_HOME`` is ignored, as the XDG specification
says). Set ``SKSTOP_CHECKPOINT_KEY`` to the content of a key file to share one
secret between the machines of a cluster.

A key is refused, with a message naming it, when it is shorter than
``MIN_KEY_BYTES``, when its file is not a regular file owned by the user, or
when others could read it or replace it (group/other permissions on the file,
or a folder others can write to).
"""

import hashlib
import hmac
import os
import secrets
import stat
from pathlib import Path

from ._durable import fsync_folder, make_private_folder, write_durably
from ._errors import CheckpointKeyError
from ._paths import temporary_name

KEY_VARIABLE = "SKSTOP_CHECKPOINT_KEY"
MIN_KEY_BYTES = 32


def key_path():
    """Where this user's key file is, by the XDG rules."""
    config = os.environ.get("XDG_CONFIG_HOME", "")
    if os.path.isabs(config):
        return Path(config) / "skstop" / "checkpoint_key"
    home = os.environ.get("HOME")
    if home is not None and not os.path.isabs(home):
        raise CheckpointKeyError(
            f"HOME is {home!r}, not an absolute path, so there is no folder for the "
            "checkpoint key (~/.config/skstop/checkpoint_key). Set HOME, or "
            "XDG_CONFIG_HOME to an absolute path, or SKSTOP_CHECKPOINT_KEY to a key."
        )
    return Path.home() / ".config" / "skstop" / "checkpoint_key"


def signing_key(*, create=True):
    """The secret that signs this user's checkpoints, checked; created if ``create``.

    Raises
    ------
    CheckpointKeyError
        When the key is missing (and not to be created), too short, or its file
        or folder is unsafe or unreadable; the message names the path.
    """
    if os.environ.get(KEY_VARIABLE) is not None:
        return _checked_key(os.environ[KEY_VARIABLE].encode(), f"${KEY_VARIABLE}")
    path = key_path()
    if create and not os.path.lexists(path):
        _create_key(path)
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except FileNotFoundError:
        raise CheckpointKeyError(
            f"There is no checkpoint key at {path}: no fit with checkpoint_dir has "
            f"run as this user here, so no checkpoint can be signed by this user. "
            f"Set ${KEY_VARIABLE} to the key of the user who wrote it, or pass "
            "trusted=True to load_checkpoint."
        ) from None
    except OSError as error:
        raise CheckpointKeyError(
            f"The checkpoint key {path} cannot be read ({error.strerror or error}); "
            f"it must be a regular file, or set ${KEY_VARIABLE}."
        ) from error
    try:
        _check_safe(path, os.fstat(descriptor))
        return _checked_key(os.read(descriptor, 1 << 16), str(path))
    finally:
        os.close(descriptor)


def _check_safe(path, status):
    fix = f"run: chmod 600 {path}; chmod 700 {path.parent}"
    if not stat.S_ISREG(status.st_mode):
        raise CheckpointKeyError(
            f"The checkpoint key {path} cannot be read: it is not a regular file; "
            f"remove it (a new key is made on the next fit) or set ${KEY_VARIABLE}."
        )
    if status.st_uid != os.getuid():
        raise CheckpointKeyError(
            f"The checkpoint key {path} belongs to another user (uid {status.st_uid}); "
            "whoever owns it can sign checkpoints that this user then unpickles. "
            f"Remove it (a new one is made on the next fit) or set ${KEY_VARIABLE}."
        )
    if status.st_mode & 0o077:
        raise CheckpointKeyError(
            f"The checkpoint key {path} can be read or written by other users "
            f"(mode {stat.S_IMODE(status.st_mode):o}), who could then sign checkpoints "
            f"that this user unpickles; {fix}."
        )
    folder = path.parent.stat()
    if folder.st_mode & 0o022 or folder.st_uid != os.getuid():
        raise CheckpointKeyError(
            f"The checkpoint key's folder {path.parent} can be written by other users, "
            f"who could replace the key; {fix}."
        )


def _checked_key(key, where):
    key = key.strip()
    if len(key) < MIN_KEY_BYTES:
        raise CheckpointKeyError(
            f"The checkpoint key in {where} has {len(key)} bytes; a key needs at least "
            f"{MIN_KEY_BYTES} (e.g. python -c 'import secrets; print(secrets.token_hex(32))'). "
            "An empty or short key would let anyone forge checkpoints."
        )
    return key


def _create_key(path):
    # Written whole under a private name, then hard-linked into place: the link
    # fails if another process got there first, so concurrent first uses (the
    # workers of a search) all end up with the one key that won.
    try:
        make_private_folder(path.parent)
        draft = temporary_name(path)
        try:
            write_durably(draft, secrets.token_hex(32).encode())
            os.link(draft, path)
            fsync_folder(path.parent)
        except FileExistsError:
            pass
        finally:
            draft.unlink(missing_ok=True)
    except OSError as error:
        raise CheckpointKeyError(
            f"The checkpoint key {path} could not be created ({error.strerror or error}); "
            "nothing was trained. Make its folder writable, set XDG_CONFIG_HOME to a "
            f"writable folder, or set ${KEY_VARIABLE}."
        ) from error


def sign(payload, key):
    return hmac.new(key, payload, hashlib.sha256).hexdigest()


def is_signed(payload, signature, key):
    return isinstance(signature, str) and hmac.compare_digest(sign(payload, key), signature)
