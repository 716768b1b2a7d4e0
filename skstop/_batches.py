"""One epoch of training data: the training rows, whole or in minibatches."""

import numpy as np
from sklearn.utils import _safe_indexing
from sklearn.utils.validation import _check_method_params, _num_samples

from ._split import RowsNotHeldOut


class EpochBatches:
    """The training split of ``X, y`` and its sample-aligned fit parameters.

    Rows are only ever taken by index, a batch at a time, so a memory-mapped or
    otherwise lazy ``X`` is never copied whole (except for ``batch_size=None``,
    where the single ``partial_fit`` call of an epoch needs all rows at once,
    and that copy is made once per fit, not once per epoch). A dask array is
    streamed chunk by chunk. Besides a batch, an epoch holds one shuffled
    order of the training rows' positions, 4 bytes a row.

    Parameters
    ----------
    X, y : array-like
        All the data; ``y`` may be None.
    rows : RowsNotHeldOut or None
        Rows of ``X`` to train on; None means all of them.
    params : dict
        Fit parameters; those aligned with the rows of ``X`` are sliced.
    batch_size : int or None
        Rows per ``partial_fit`` call; None means one call per epoch.
    shuffle : bool
        Reshuffle the rows into new minibatches at every epoch.
    random_state : numpy.random.RandomState
        Source of the shuffling.
    """

    def __init__(self, X, y, rows, params, *, batch_size, shuffle, random_state):
        self._X, self._y, self._params = X, y, params
        self._rows = RowsNotHeldOut(_num_samples(X)) if rows is None else rows
        self._batch_size = batch_size
        self._shuffle = shuffle
        self.random_state = random_state
        self._chunk_edges = _dask_row_chunks(X) if batch_size is not None else None
        self._whole = None
        if batch_size is None:
            self._whole = self._take(self._rows.all()) if self._rows.held_out else (X, y, params)

    @property
    def n_samples(self):
        return len(self._rows)

    def rows_in_memory(self):
        """``(X, y)`` of every training row when they are held whole, else ``(None, None)``."""
        if self._whole is None:
            return None, None
        return self._whole[:2]

    @property
    def batch_size(self):
        """Rows per call; None when an epoch is one call."""
        return self._batch_size

    def epoch(self, skip=0):
        """Yield ``(X_batch, y_batch, params_batch)`` for one pass over the rows.

        ``skip``: the pass's first batches, already trained; the rows are
        drawn (and the random state advanced) as for a whole pass.
        """
        if self._whole is not None:
            yield self._whole
            return
        if self._chunk_edges is not None:
            batches = self._epoch_by_chunk()
            for _ in zip(range(skip), batches):
                pass
            yield from batches
            return
        # Shuffled in place, the same draws and order as ``permutation``, in
        # half the memory of its int64 on every realistic number of rows.
        order = np.arange(self.n_samples, dtype=np.int32 if self.n_samples < 2**31 else np.intp)
        if self._shuffle:
            self.random_state.shuffle(order)
        for start in range(skip * self._batch_size, self.n_samples, self._batch_size):
            # Sorted rows within a batch read a memmap nearly sequentially; which
            # rows share a batch is what the shuffle randomises.
            positions = np.sort(order[start : start + self._batch_size])
            yield self._take(self._rows.rows(positions))

    def _epoch_by_chunk(self):
        """Minibatches of a dask array, one chunk in memory at a time.

        Chunks come in shuffled order and rows are shuffled within each chunk;
        a batch never spans two chunks, so each chunk is computed once per epoch.
        """
        edges = self._chunk_edges
        first_positions = self._rows.positions_before(edges)
        chunks = np.flatnonzero(np.diff(first_positions))  # those with training rows
        if self._shuffle:
            chunks = self.random_state.permutation(chunks)
        for chunk in chunks:
            start, stop = edges[chunk], edges[chunk + 1]
            positions = np.arange(first_positions[chunk], first_positions[chunk + 1])
            local = self._rows.rows(positions) - start
            if self._shuffle:
                local = self.random_state.permutation(local)
            X_chunk = np.asarray(self._X[start:stop])
            y_chunk = None if self._y is None else np.asarray(self._y[start:stop])
            for begin in range(0, len(local), self._batch_size):
                rows = np.sort(local[begin : begin + self._batch_size])
                yield (
                    X_chunk[rows],
                    None if y_chunk is None else y_chunk[rows],
                    _check_method_params(self._X, self._params, start + rows),
                )

    def sample(self, positions):
        """``(X, y, params)`` of the training rows at ``positions``."""
        return self._take(self._rows.rows(positions))

    def _take(self, rows):
        """``(X, y, params)`` of the given row numbers of ``X``."""
        y = None if self._y is None else _safe_indexing(self._y, rows)
        return (
            _safe_indexing(self._X, rows),
            y,
            _check_method_params(self._X, self._params, rows),
        )


def is_dask_collection(data):
    return hasattr(data, "dask") and hasattr(data, "compute")


def _dask_row_chunks(X):
    """Row boundaries of a dask array's chunks, or None for anything else."""
    if not is_dask_collection(X) or not hasattr(X, "chunks"):
        return None
    return np.cumsum((0, *X.chunks[0]))
