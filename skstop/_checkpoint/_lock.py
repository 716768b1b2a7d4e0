"""One live owner per run folder: an exclusive ``flock`` held for a whole fit.

The lock is on a file inside the run folder and lasts as long as the fit's
process holds it open; the kernel releases it when that process ends, however
it ends (``kill -9`` included), so a lock is never stale. On local disks this
is exact. On NFS, Linux maps ``flock`` to the server's byte-range locks (NFSv4,
or NFSv3 with lockd): it holds between machines as long as the server keeps its
lock state; a server that loses it (a reboot past its grace period) could let a
second fit into a folder whose owner still runs.
"""

import fcntl
import os
from pathlib import Path

from ._paths import LOCK_NAME


class RunLock:
    """The exclusive lock of one run folder, taken without waiting."""

    def __init__(self, folder):
        self.folder = Path(folder)
        self._descriptor = None

    @classmethod
    def acquire(cls, folder):
        """The lock of ``folder``, or None when a live fit holds it."""
        lock = cls(folder)
        path = lock.folder / LOCK_NAME
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(descriptor)
            return None
        except BaseException:
            os.close(descriptor)
            raise
        lock._descriptor = descriptor
        return lock

    def release(self):
        if self._descriptor is not None:
            os.close(self._descriptor)  # closing the last descriptor unlocks
            self._descriptor = None
