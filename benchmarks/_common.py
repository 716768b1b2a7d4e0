"""Shared by the benchmark scripts: timing and the machine they ran on."""

import contextlib
import os
import platform
import signal
import statistics
import tempfile
import time

import joblib
import numpy as np
import sklearn

import skstop


def machine():
    """One line naming the machine and the versions, to paste beside the figures."""
    return (
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
        f"Python {platform.python_version()}, numpy {np.__version__}, "
        f"scikit-learn {sklearn.__version__}, joblib {joblib.__version__}, "
        f"skstop {skstop.__version__}"
    )


def median_seconds(functions, repeats):
    """Median wall time of each function, runs interleaved so drift hits all alike."""
    times = interleaved_seconds(functions, repeats)
    return {name: statistics.median(ts) for name, ts in times.items()}


def interleaved_seconds(functions, repeats):
    """Wall time of each run of each function, in run order.

    The order rotates at each repeat, so that no function always runs right
    after the same other one (warm caches, a GPU's clock, the allocator).
    """
    times = {name: [] for name in functions}
    names = list(functions)
    for repeat in range(repeats):
        shift = repeat % len(names)
        for name in names[shift:] + names[:shift]:
            function = functions[name]
            start = time.perf_counter()
            function()
            times[name].append(time.perf_counter() - start)
    return times


@contextlib.contextmanager
def scratch_folder():
    """A folder in the system temp dir, removed on exit, Ctrl-C and SIGTERM alike.

    Never the working directory: leftovers there end up committed, and they are
    pickles, which run code when loaded.
    """
    previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        with tempfile.TemporaryDirectory(prefix="skstop-bench-") as folder:
            yield folder
    finally:
        signal.signal(signal.SIGTERM, previous)


def _exit_on_sigterm(signum, frame):
    # SIGTERM ends a process without unwinding; as SystemExit, cleanups run.
    raise SystemExit(128 + signum)
