"""A skorch iterator that slices in-memory tensors: DataLoader's batches, without its cost.

skorch's default iterator is torch's ``DataLoader``, which fetches every row
with ``Dataset.__getitem__`` and stacks the rows again with
``default_collate``: on an MLP that per-row work took longer than the maths.
When X and y are arrays or tensors, :class:`TensorBatches` takes each batch
with one indexing operation instead. It draws from torch's global RNG exactly
what a ``DataLoader`` over skorch's ``Dataset`` draws — a base seed per pass,
and with ``shuffle`` the seed of the permutation — so the batches, and the
trained net, are the ones the default iterator gives.
"""

from contextlib import contextmanager
from contextvars import ContextVar

import numpy as np
import torch
from torch.utils.data import DataLoader

from ._torch_snapshot import set_torch_rng_state, torch_rng_from_json

# An epoch continued from a checkpoint: (batches already trained, torch's RNG
# state after them), for the next pass of a TensorBatches to take up.
_CONTINUED = ContextVar("continued_epoch", default=None)


@contextmanager
def continuing_after(position):
    """The next training pass starts after ``position.batches`` batches (None: from the start).

    Its order is drawn as the epoch's was; torch's RNG is then set as it was
    after those batches (``position.resume_rng``), dropout draws included.
    """
    token = _CONTINUED.set(None if position is None else (position.batches, position.resume_rng))
    try:
        yield
    finally:
        _CONTINUED.reset(token)


def _draw_seed():
    """One int64 from torch's global RNG, as DataLoader and RandomSampler draw it."""
    return int(torch.empty((), dtype=torch.int64).random_().item())


class TensorBatches:
    """Batches of a skorch ``Dataset`` holding arrays or tensors, sliced by index.

    Parameters
    ----------
    dataset : torch Dataset
        A skorch ``Dataset`` whose ``X`` and ``y`` (or None) are arrays or
        tensors is sliced; any other dataset is iterated by a ``DataLoader``,
        as skorch would.
    batch_size : int, default=1
        Rows per batch; the last batch holds the rest.
    shuffle : bool, default=False
        A new random order each pass, drawn as ``RandomSampler`` draws it.
    """

    def __init__(self, dataset, batch_size=1, shuffle=False):
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.X, self.y = _tensors(dataset)

    def __len__(self):
        return -(-len(self.dataset) // self.batch_size)

    def __iter__(self):
        if self.X is None:  # a Dataset of its own, a dict, a DataFrame: row by row
            loader = DataLoader(self.dataset, batch_size=self.batch_size, shuffle=self.shuffle)
            yield from loader
            return
        n_samples = len(self.X)
        _draw_seed()  # DataLoader's base seed for worker processes: drawn, unused
        order = None
        if self.shuffle:
            generator = torch.Generator()
            generator.manual_seed(_draw_seed())
            order = torch.randperm(n_samples, generator=generator).to(self.X.device)
        skip = 0
        continued = _CONTINUED.get()
        if continued is not None:
            _CONTINUED.set(None)  # the epoch's training pass only, not what follows
            skip, rng_after = continued
            set_torch_rng_state(torch_rng_from_json(rng_after))
        for start in range(skip * self.batch_size, n_samples, self.batch_size):
            if order is None:
                rows = slice(start, start + self.batch_size)
                X_rows = self.X[rows]
                y_rows = None if self.y is None else self.y[rows]
            else:
                # index_select: the rows X[rows] would give, in a third of the time.
                rows = order[start : start + self.batch_size]
                X_rows = self.X.index_select(0, rows)
                y_rows = None if self.y is None else self.y.index_select(0, rows)
            if y_rows is None:  # skorch's placeholder for a missing y, as collated
                y_rows = torch.zeros(len(X_rows), 1)
            yield X_rows, y_rows


def _tensors(dataset):
    """``dataset``'s X and y as tensors when it is skorch's Dataset over arrays; else Nones."""
    from skorch.dataset import Dataset

    X, y = getattr(dataset, "X", None), getattr(dataset, "y", None)
    sliceable = (np.ndarray, torch.Tensor)
    if type(dataset) is not Dataset or not isinstance(X, sliceable):
        return None, None
    if y is not None and not isinstance(y, sliceable):
        return None, None
    if isinstance(X, np.ndarray) and X.dtype == object:
        return None, None
    X = torch.as_tensor(X)
    if X.dtype == torch.float64 and torch.get_default_dtype() == torch.float32:
        # What a Pipeline's scaler gives a fitted net: its module takes float32.
        X = X.float()
    return X, None if y is None else torch.as_tensor(y)
