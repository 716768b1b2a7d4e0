"""HMAC-SHA256 signatures for checkpoint manifests, keyed by a per-user secret.

A hash beside a file catches corruption, not someone who rewrites the manifest
too; checkpoints are pickles, and loading one runs code. So each manifest is
signed with a secret kept outside the checkpoint folder, as Jupyter signs the
notebooks it trusts. The secret is made on first use, readable by its owner only,
in ``$XDG_CONFIG_HOME/skstop/checkpoint_key`` (``~/.config`` by default). Set
``SKSTOP_CHECKPOINT_KEY`` to share one secret between the workers of a cluster.
"""

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from ._durable import TEMPORARY_PREFIX, atomic_write, make_private_folder

KEY_VARIABLE = "SKSTOP_CHECKPOINT_KEY"


def key_path():
    config = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(config) / "skstop" / "checkpoint_key"


def signing_key():
    """The secret that signs this user's checkpoints, created on first use."""
    if os.environ.get(KEY_VARIABLE):
        return os.environ[KEY_VARIABLE].encode()
    path = key_path()
    if not path.exists():
        _create_key(path)
    return path.read_bytes().strip()


def _create_key(path):
    # Written whole under a private name, then hard-linked into place: the link
    # fails if another process got there first, so concurrent first uses (the
    # workers of a search) all end up with the one key that won.
    make_private_folder(path.parent)
    draft = path.with_name(f"{TEMPORARY_PREFIX}{path.name}.{secrets.token_hex(4)}")
    try:
        atomic_write(draft, secrets.token_hex(32).encode())
        os.link(draft, path)
    except FileExistsError:
        pass
    finally:
        draft.unlink(missing_ok=True)


def sign(payload):
    return hmac.new(signing_key(), payload, hashlib.sha256).hexdigest()


def is_signed(payload, signature):
    return hmac.compare_digest(sign(payload), signature)
