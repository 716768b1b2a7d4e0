"""Crash-safe file writes, as joblib's own cache and orbax-checkpoint do them.

A file is written under a temporary name in its final folder (never ``$TMPDIR``:
``os.replace`` across file systems is not atomic), flushed, fsync'ed, renamed
over its final name, and the folder is fsync'ed so the rename itself survives a
power cut. A reader therefore sees either the old file or the whole new one.
"""

import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ._paths import is_temporary, temporary_name

# Written in slices so that a kill can land mid-file (the kill tests slow this
# down) and so that a full disk fails on the slice that does not fit.
CHUNK_SIZE = 16 * 1024 * 1024
FILE_MODE = 0o600
FOLDER_MODE = 0o700


def write_chunk(file, chunk):
    file.write(chunk)


def write_durably(path, data):
    """Write ``data`` (bytes) to the new file ``path``, fsync'ed; removed if it fails."""
    path = Path(path)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, FILE_MODE)
    try:
        with os.fdopen(descriptor, "wb") as file:
            view = memoryview(data)
            for start in range(0, len(view), CHUNK_SIZE):
                write_chunk(file, view[start : start + CHUNK_SIZE])
            file.flush()
            os.fsync(file.fileno())
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def atomic_write(path, data):
    """Write ``data`` (bytes) to ``path`` so that no reader ever sees it half done."""
    path = Path(path)
    temporary = temporary_name(path)
    write_durably(temporary, data)
    try:
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    fsync_folder(path.parent)


def fsync_folder(folder):
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def make_private_folder(folder):
    """Create ``folder`` (and parents) readable by its owner only."""
    Path(folder).mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)


def remove_temporary_files(folder):
    """Delete what skstop's writes killed mid-way left behind in ``folder``.

    Only skstop's temporary names, and never through a symlink.
    """
    for leftover in Path(folder).iterdir():
        if is_temporary(leftover):
            leftover.unlink(missing_ok=True)


def read_file(path):
    """The bytes of ``path``, refusing to follow a symlink (OSError)."""
    descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(descriptor, "rb") as file:
        return file.read()


class BackgroundWriter:
    """Runs one write at a time in a thread, so that training goes on meanwhile.

    ``submit`` first waits for the write in flight, so there is never more than
    one, and re-raises its error (a full disk, say) in the training thread.
    ``busy_seconds`` adds up the CPU time of the writes that completed: what
    they may take from training. Their wall time would count waits for the
    disk and for the GIL, which cost the training loop nothing.
    """

    def __init__(self):
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="skstop")
        self._pending = None
        self.busy_seconds = 0.0

    def submit(self, function, *args):
        self.wait()
        self._pending = self._executor.submit(self._timed, function, *args)

    def _timed(self, function, *args):
        started = time.thread_time()
        try:
            return function(*args)
        finally:
            self.busy_seconds += time.thread_time() - started

    def wait(self):
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def close(self):
        try:
            self.wait()
        finally:
            self._executor.shutdown(wait=True)
