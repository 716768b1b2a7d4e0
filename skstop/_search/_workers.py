"""The workers an asynchronous search hands candidate-folds to, one at a time as each frees.

Joblib's ``Parallel`` takes a whole batch of tasks and returns when all are
done; an asynchronous search instead decides each task when a worker frees
(ASHA), so it needs futures. ``workers(n_jobs)`` gives them for the joblib
backend in use: joblib's reusable loky process pool (the default), a thread
pool (``threading``), the Dask cluster of ``parallel_config(backend="dask")``
(its ``distributed.Client``), or the calling process itself for one job.
"""

import concurrent.futures
import os
import threading
import time

import joblib
from joblib.parallel import get_active_backend


class Workers:
    """``n`` workers behind ``submit(function, *args)`` -> a future, and ``first_done``."""

    def __init__(self, executor, n):
        self._executor, self.n = executor, n

    def submit(self, function, *args):
        return self._executor.submit(function, *args)

    def share(self, data):
        """``data`` as tasks take it: sent once to a cluster, as is elsewhere."""
        return data

    @staticmethod
    def first_done(futures):
        """The futures of ``futures`` that are done, waiting for one at least."""
        done, _ = concurrent.futures.wait(futures, return_when="FIRST_COMPLETED")
        return done

    def close(self):
        pass


class _InThisProcess(concurrent.futures.Executor):
    """One worker: the calling process, a task run when it is submitted."""

    def submit(self, function, *args):
        future = concurrent.futures.Future()
        try:
            future.set_result(function(*args))
        except BaseException as error:
            future.set_exception(error)
        return future


class _DaskWorkers(Workers):
    def submit(self, function, *args):
        # pure=False: no hashing of the arguments (a run's whole state) to name the task.
        return self._executor.submit(function, *args, pure=False)

    def share(self, data):
        return None if data is None else self._executor.scatter(data, broadcast=True)

    @staticmethod
    def first_done(futures):
        from distributed import wait

        return wait(futures, return_when="FIRST_COMPLETED").done


class _ThreadWorkers(Workers):
    def close(self):
        self._executor.shutdown()


def workers(n_jobs):
    """The Workers of the joblib backend in use, ``n_jobs`` of them (its own count on Dask)."""
    backend, _ = get_active_backend()
    if type(backend).__name__ == "DaskDistributedBackend":
        client = backend.client
        return _DaskWorkers(client, sum(client.nthreads().values()))
    n = joblib.effective_n_jobs(n_jobs)
    if n == 1:
        return Workers(_InThisProcess(), 1)
    if type(backend).__name__ == "ThreadingBackend":
        return _ThreadWorkers(concurrent.futures.ThreadPoolExecutor(n), n)
    # joblib's own loky pool (the one Parallel reuses), which memory-maps large arrays.
    from joblib.executor import get_memmapping_executor

    return Workers(get_memmapping_executor(n), n)


def timed(function, *args):
    """``function(*args)``, with the worker it ran on and when: ``(result, worker, start, end)``."""
    start = time.time()
    result = function(*args)
    return result, f"{os.getpid()}:{threading.get_ident()}", start, time.time()
