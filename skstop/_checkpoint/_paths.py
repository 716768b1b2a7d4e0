"""Every name in a checkpoint_dir, built and parsed here and nowhere else.

Layout::

    run-<config>-<time>-<token>/     one per fit, so parallel fits never collide
        .skstop-lock                 flock'ed by the fit that owns the folder
        wrapper.joblib               the unfitted estimator (its parameters)
        preprocessing.joblib         a Pipeline's fitted steps before the trained one
        model-e000012.joblib         the model after epoch 12
        model-e000013-b000040.joblib the model 40 batches into epoch 13
        manifest-000004.json         commit 4 (signed JSON)
        .tmp-<name>.<token>          a file being written
    search-<id>.json                 a halving search's finished rungs (signed JSON)
"""

import re
import secrets
import time
from pathlib import Path

RUN_PREFIX = "run-"
RUN_FOLDER = re.compile(rf"{RUN_PREFIX}([0-9a-f]{{16}})-\d{{8}}T\d{{6}}-[0-9a-f]{{8}}")
MANIFEST = re.compile(r"manifest-(\d{6,})\.json")
LOCK_NAME = ".skstop-lock"
TEMPORARY_PREFIX = ".tmp-"
# The names skstop writes; a temporary file is one of them, a dot prefix and a
# random suffix. Nothing else in a folder is ever deleted as "temporary".
OWN_NAME = (
    r"(?:wrapper|preprocessing|model-e\d{6,}(?:-b\d{6,})?)\.joblib|manifest-\d{6,}\.json"
    r"|checkpoint_key"
)
TEMPORARY = re.compile(rf"{re.escape(TEMPORARY_PREFIX)}(?:{OWN_NAME})\.[0-9a-f]{{8}}")


def new_run_folder(checkpoint_dir, config):
    """A fresh run folder's path for configuration ``config`` (not created)."""
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    return Path(checkpoint_dir) / f"{RUN_PREFIX}{config}-{stamp}-{secrets.token_hex(4)}"


def run_config(folder):
    """The configuration a run folder's name says, or None when it is not a run folder's."""
    match = RUN_FOLDER.fullmatch(Path(folder).name)
    return match[1] if match else None


def run_folders(checkpoint_dir, config=None):
    """Run folders in ``checkpoint_dir`` (of one configuration when given).

    Only real folders with skstop's run-folder names: a symlink is never followed.
    """
    checkpoint_dir = Path(checkpoint_dir)
    if not checkpoint_dir.is_dir():
        return []
    return sorted(
        path
        for path in checkpoint_dir.iterdir()
        if (found := run_config(path)) is not None
        and config in (None, found)
        and path.is_dir()
        and not path.is_symlink()
    )


def manifest_name(commit):
    return f"manifest-{commit:06d}.json"


def manifests(folder):
    """``(commit, path)`` of each manifest in ``folder``, newest first (unverified)."""
    found = []
    for path in Path(folder).iterdir():
        match = MANIFEST.fullmatch(path.name)
        if match:
            found.append((int(match[1]), path))
    return sorted(found, reverse=True)


def model_file_name(epoch, batches=None):
    """The model after ``epoch``; with ``batches``, ``batches`` into epoch ``epoch + 1``."""
    if batches is None:
        return f"model-e{epoch:06d}.joblib"
    return f"model-e{epoch + 1:06d}-b{batches:06d}.joblib"


def role_file_name(role):
    """The file every manifest names for ``role`` (``"wrapper"``, ``"preprocessing"``)."""
    return f"{role}.joblib"


def temporary_name(path):
    """A fresh temporary name beside ``path``, matching ``TEMPORARY``."""
    path = Path(path)
    return path.with_name(f"{TEMPORARY_PREFIX}{path.name}.{secrets.token_hex(4)}")


def is_temporary(path):
    """Whether ``path`` is one of skstop's temporary files (never a symlink)."""
    path = Path(path)
    return TEMPORARY.fullmatch(path.name) is not None and not path.is_symlink()


def search_record(checkpoint_dir, search_id):
    return Path(checkpoint_dir) / f"search-{search_id}.json"
