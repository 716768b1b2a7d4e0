"""A real dask LocalCluster for the tests: worker processes on the loopback interface."""

import contextlib


@contextlib.contextmanager
def loopback_client(n_workers):
    """A ``distributed.Client`` of ``n_workers`` single-threaded worker processes."""
    import distributed

    with (
        distributed.LocalCluster(
            n_workers=n_workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            death_timeout=60,
        ) as cluster,
        distributed.Client(cluster, timeout=60) as client,
    ):
        yield client
